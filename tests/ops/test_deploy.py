"""The production configuration documented in docs/operations.md: ``check --deploy`` is clean with it, every
environment variable settings.py reads is documented, and waitress behind a proxy serves HTTPS correctly."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "operations.md"
SETTINGS = ROOT / "src" / "nongthonso" / "settings.py"
SCRIPT = Path(sys.executable).with_name("nongthonso")


def documented_production_env(data_dir: Path) -> dict[str, str]:
    """The variables of the ``/etc/nongthonso/nongthonso.env`` block of docs/operations.md; the placeholder
    secret is replaced by a generated one, the data directory by ``data_dir``."""
    block = re.search(r"```sh\n# /etc/nongthonso/nongthonso\.env[^\n]*\n(.*?)```", DOC.read_text(), re.S)
    assert block, "docs/operations.md lost its production settings block"
    env = dict(line.split("=", 1) for line in block.group(1).splitlines() if line and not line.startswith("#"))
    assert env["DJANGO_SECRET_KEY"].startswith("<")  # the documentation holds no real secret
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    env["NONGTHONSO_DATA_DIR"] = str(data_dir)
    env["NONGTHONSO_NODE_MODULES"] = str(ROOT / "node_modules")
    return env


def _clean_environ() -> dict[str, str]:
    """The test process's environment without any setting the documented block might not mention."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "NONGTHONSO_", "DATABASE_", "CACHE_URL", "EVIDENCE_", "LOG_LEVEL"))}


def _check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), "check", "--deploy", "--fail-level", "WARNING"],
                          env={**_clean_environ(), **env}, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    env = documented_production_env(tmp_path)
    assert env["DJANGO_DEBUG"] == "0" and env["DATABASE_URL"].startswith("postgres://")
    result = _check(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_does_complain_about_development_settings(tmp_path):
    result = _check({"NONGTHONSO_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    for code in ("security.W018", "security.W012", "security.W016", "security.W008", "security.W004"):
        assert code in result.stderr


def test_every_environment_variable_settings_reads_is_documented():
    source = SETTINGS.read_text()
    names = set(re.findall(r'os\.environ(?:\.get)?[(\[]"([A-Z0-9_]+)"', source))
    names |= set(re.findall(r'_flag\("([A-Z0-9_]+)"', source))
    names.add("DATABASE_URL")  # read by dj_database_url.config()
    assert len(names) > 10
    doc = DOC.read_text()
    missing = sorted(n for n in names if f"`{n}`" not in doc)
    assert not missing, f"docs/operations.md, section «Settings from the environment», does not list {missing}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str, **headers) -> tuple[int, dict]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


@contextlib.contextmanager
def _serving(env: dict[str, str], log: Path, host: str = "127.0.0.1"):
    """``nongthonso serve`` on a free port with ``env`` (over a clean environment); yields its base URL once
    /healthz answers (asked with ``host`` in the Host header), stops it after."""
    port = _free_port()
    with open(log, "wb") as out:
        server = subprocess.Popen([str(SCRIPT), "serve", "--port", str(port)], env={**_clean_environ(), **env},
                                  cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # collectstatic runs first
            try:
                if _get(base + "/healthz", Host=host)[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, log.read_text()
            time.sleep(0.1)
        else:
            raise AssertionError(log.read_text())
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted-proxy", "no-trusted-proxy"])
def test_waitress_behind_the_proxy_knows_the_request_was_https(tmp_path, trusted):
    env = {**documented_production_env(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    if not trusted:
        env["NONGTHONSO_TRUSTED_PROXY"] = ""
    host = env["DJANGO_ALLOWED_HOSTS"].split(",")[0]
    with _serving(env, tmp_path / "server.log", host) as base:
        static = "/static/admin/css/base.css"
        status, headers = _get(base + static, **{"X-Forwarded-Proto": "https", "Host": host})
        if trusted:  # nginx said https: served, with HSTS
            assert status == 200
            assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        else:  # waitress dropped the untrusted header: Django redirects to https again (the loop the docs warn of)
            assert status == 301 and headers["Location"] == f"https://{host}{static}"
        status, headers = _get(base + static, Host=host)  # plain http: redirected
        assert status == 301 and headers["Location"] == f"https://{host}{static}"
        assert _get(base + "/healthz", Host=host)[0] == 200  # exempt from the redirect


def _make_run_serve_env(secret_file: Path) -> dict[str, str]:
    """The environment ``make run`` serves with: the variables set on its ``nongthonso serve`` line (``make -n``)."""
    plan = subprocess.run(["make", "-n", "run", f"SECRET_KEY_FILE={secret_file}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=True).stdout.replace("\\\n", " ")
    (line,) = [line for line in plan.splitlines() if " serve " in line]
    words = shlex.split(line)
    return dict(word.split("=", 1) for word in words[:next(i for i, w in enumerate(words) if "=" not in w)])


def test_make_run_serves_the_demo_without_debug(tmp_path):
    """``make run`` serves with DEBUG off: an unknown address is the Vietnamese 404 (not Django's debug page listing
    the URL patterns), static files are still served (WhiteNoise, after collectstatic), pages link the favicon."""
    secret = tmp_path / "secret_key"
    secret.write_text(secrets.token_urlsafe(50) + "\n")
    serve_env = _make_run_serve_env(secret)
    assert serve_env["DJANGO_DEBUG"] == "0" and serve_env["DJANGO_SECRET_KEY_FILE"] == str(secret)
    env = {"NONGTHONSO_DATA_DIR": str(tmp_path),
           "NONGTHONSO_NODE_MODULES": os.environ.get("NONGTHONSO_NODE_MODULES", str(ROOT / "node_modules"))}
    subprocess.run([str(SCRIPT), "migrate", "--noinput", "-v0"], env={**_clean_environ(), **env}, cwd=ROOT,
                   check=True, timeout=300)
    log = tmp_path / "server.log"
    with _serving({**env, **serve_env}, log) as base:
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(base + "/ho-so/999999/khong-co/", timeout=10)
        html = missing.value.read().decode()
        assert missing.value.code == 404 and "<h1>Không tìm thấy trang</h1>" in html
        assert "URLconf" not in html and "urlpatterns" not in html and "DEBUG" not in html
        assert "Content-Security-Policy" in missing.value.headers
        for static in ("/static/nongthonso/app.css", "/static/nongthonso/favicon.svg", "/static/admin/css/base.css"):
            assert _get(base + static)[0] == 200, static
        with urllib.request.urlopen(base + "/dang-nhap/", timeout=10) as page:
            assert 'rel="icon" href="/static/nongthonso/favicon.svg"' in page.read().decode()
    assert "Cảnh báo: DJANGO_DEBUG=1" not in log.read_text()
