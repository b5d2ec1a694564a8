"""Browser tests: Playwright drives Debian's Chromium against the real app served by `nongthonso serve`.

The server runs in a subprocess on its own SQLite file holding a fresh demo, so these tests see the
application exactly as a user does (waitress, WhiteNoise, sessions, CSRF). Screenshots go to
``artifacts/screenshots/`` for review.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]
DEMO_PASSWORD = "nongthonso-demo"
DESKTOP = {"width": 1280, "height": 900}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser_data(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("browser-data")


@pytest.fixture(scope="session")
def server_log(browser_data) -> Path:
    """What the server printed: its log, and the mails it sent (console backend)."""
    return browser_data / "server.log"


@pytest.fixture(scope="session")
def app_server(browser_data, server_log):
    """Serve a fresh demo database with waitress, as ``make run`` does (DEBUG off, plain HTTP, mails to the
    console); yield the base URL."""
    data_dir = browser_data
    env = {**os.environ, "NONGTHONSO_DATA_DIR": str(data_dir),
           "DATABASE_URL": f"sqlite:///{data_dir / 'browser.sqlite3'}", "DJANGO_DEBUG": "1"}
    script = str(Path(sys.executable).with_name("nongthonso"))
    for command in (["migrate", "--noinput", "-v0"], ["demo"], ["demo_users", "--password", DEMO_PASSWORD]):
        subprocess.run([script, *command], env=env, check=True, capture_output=True, cwd=ROOT)
    port = _free_port()
    serving = {**env, "DJANGO_DEBUG": "0", "DJANGO_HTTPS": "0", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
               "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    with open(server_log, "wb") as log:
        server = subprocess.Popen([script, "serve", "--port", str(port)], env=serving, cwd=ROOT, stdout=log,
                                  stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):  # collectstatic runs first
        try:
            urllib.request.urlopen(base + "/", timeout=2)
            break
        except OSError:
            time.sleep(0.1)
    else:
        server.kill()
        raise RuntimeError("the app server did not start: " + server_log.read_text())
    yield base
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _new_tab(browser, viewport: dict | None = None):
    """A tab in a browser context of its own (its own cookies: its own session), Vietnamese, desktop-sized unless
    ``viewport`` says otherwise."""
    context = browser.new_context(locale="vi-VN", viewport=viewport or DESKTOP)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    return tab


@pytest.fixture
def page(browser):
    tab = _new_tab(browser)
    yield tab
    tab.context.close()


# The pages run under the app's Content-Security-Policy (no eval): give page.wait_for_function a function
# («() => …»), which Playwright calls as such, never an expression string, which it would evaluate in the page.


@pytest.fixture
def login():
    """``login(page, base, username, password=DEMO_PASSWORD)``: sign in through the login form."""

    def sign_in(page, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
        page.goto(base + "/dang-nhap/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("main form button[type=submit]")
        page.wait_for_load_state("networkidle")

    return sign_in


@pytest.fixture
def signed_in(browser, app_server, login):
    """``signed_in(username, viewport=None)``: a new tab of the served app, signed in as ``username`` (a demo user)
    in a browser context of its own; the contexts are closed when the test ends."""
    tabs = []

    def open_tab(username: str, viewport: dict | None = None):
        tab = _new_tab(browser, viewport)
        tabs.append(tab)
        login(tab, app_server, username)
        return tab

    yield open_tab
    for tab in tabs:
        tab.context.close()


@pytest.fixture
def screenshot():
    """``screenshot(page, name, full_page=True)``: the page as ``artifacts/screenshots/<name>.png`` (for review)."""

    def take(page, name: str, *, full_page: bool = True) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
