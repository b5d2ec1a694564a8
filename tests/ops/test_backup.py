"""``nongthonso backup`` / ``nongthonso restore``: a round trip gives identical data, summary and evidence.

The backup is taken in this process from the test database (the demo plus a user, a workflow step, a value
typed in and two evidence files); the restore runs as the console script in a fresh empty database — a
SQLite file, and on a PostgreSQL run also a new PostgreSQL database (so PostgreSQL → SQLite is covered too)
— and ``tests.ops.fingerprint`` is computed on both sides.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from nongthonso.assessments import evidence
from nongthonso.assessments.models import Assessment, WorkflowEvent
from nongthonso.assessments.services import set_value
from nongthonso.assessments.workflow import perform
from nongthonso.core.backup import DATA, MANIFEST, SIGNATURE, data_rows

# the 2023 dossiers walk the three-tier workflow: today is 1/6/2025 here (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("before_two_tier")

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("nongthonso")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def _run(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "nongthonso.settings", **env}
    result = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def _nongthonso(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return _run(env, str(SCRIPT), *args, check=check)


def _fingerprint_of(env: dict) -> dict:
    return json.loads(_run(env, sys.executable, "-m", "tests.ops.fingerprint").stdout)


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def source(db, media, dossiers_open, assessed_communes, dai_tu, dossier, make_user):
    """Something in every kind of table the demo leaves empty: a user with a role, a value typed in, two
    evidence files, a workflow step."""
    commune = assessed_communes(dai_tu)[0]
    officer = make_user("canbo.backup", "commune_officer", commune, first_name="Nguyễn Thị Hoa")
    a = dossier(commune)
    set_value(a, "2.1", "87,5", user=officer, source="Biên bản nghiệm thu", note="đo lại tháng 5")
    evidence.attach(a, SimpleUploadedFile("Biên bản giao thông.pdf", PDF, "application/pdf"), user=officer,
                    description="Biên bản nghiệm thu đường xã")
    evidence.attach(a, SimpleUploadedFile("ảnh hiện trường.png", PNG, "image/png"), user=officer)
    perform(a, "submit", officer, reason="Đủ hồ sơ")
    return a


def _pg_database() -> tuple[str, callable]:
    """A new, empty PostgreSQL database on the test server; returns its URL and a function dropping it."""
    import psycopg

    s = connection.settings_dict
    params = {"host": s["HOST"] or None, "port": s["PORT"] or None, "user": s["USER"] or None,
              "password": s["PASSWORD"] or None, "dbname": "postgres", "autocommit": True}
    name = f"nongthonso_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(**params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}", drop


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path):
    """The environment of an empty target: its own data directory (MEDIA_ROOT) and database."""
    data_dir = tmp_path / f"restored-{request.param}"
    data_dir.mkdir()
    if request.param == "sqlite":
        yield {"DATABASE_URL": f"sqlite:///{data_dir / 'nongthonso.sqlite3'}", "NONGTHONSO_DATA_DIR": str(data_dir)}
        return
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL target needs the PostgreSQL server of a PostgreSQL test run")
    url, drop = _pg_database()
    try:
        yield {"DATABASE_URL": url, "NONGTHONSO_DATA_DIR": str(data_dir)}
    finally:
        drop()


@pytest.mark.django_db
def test_a_round_trip_gives_identical_data_summary_and_evidence(source, tmp_path, target, fingerprint):
    archive = tmp_path / "ntm.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO(), stderr=io.StringIO())
    expected = fingerprint()
    assert expected["summary"]["ntm"] == 108 and expected["summary"]["communes_total"] == 126
    demo_events = WorkflowEvent.objects.exclude(assessment=source).count()  # the 2026 demo's dossier histories
    assert len(expected["media"]) == 2 and expected["counts"]["assessments.workflowevent"] == demo_events + 1

    out = _nongthonso(target, "restore", str(archive))
    assert "Đã khôi phục" in out.stdout
    restored = _fingerprint_of(target)
    assert restored["counts"] == expected["counts"]
    assert restored["rows"] == expected["rows"]  # every field, timestamps and password hashes included
    assert restored["summary"] == expected["summary"]
    assert restored["media"] == expected["media"]

    # a second restore into the now non-empty database is refused, and changes nothing
    refused = _nongthonso(target, "restore", str(archive), check=False)
    assert refused.returncode == 1
    assert "đã có dữ liệu" in refused.stderr and "--force" in refused.stderr
    if target["DATABASE_URL"].startswith("sqlite"):  # (the slower --force path once per run)
        _nongthonso(target, "shell", "-c", "from nongthonso.units.models import Unit; "
                    "Unit.objects.filter(code='19').update(name='Tỉnh Đã Sửa')")
        _nongthonso(target, "restore", "--force", str(archive))
        assert _fingerprint_of(target) == restored


@pytest.mark.django_db
def test_the_archive_holds_a_manifest_and_is_private(source, tmp_path, fingerprint):
    archive = tmp_path / "ntm.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO(), stderr=io.StringIO())
    assert archive.stat().st_mode & 0o777 == 0o600  # password hashes inside: owner only
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile(MANIFEST))
    assert names[0] == "data/db.jsonl" and names[-2:] == [MANIFEST, SIGNATURE]
    assert sum(n.startswith("media/") for n in names) == 2
    assert manifest["format"] == "nongthonso-backup" and manifest["engine"] == connection.vendor
    assert "units.0002_vi_icu_collation" in manifest["migrations"]
    assert manifest["counts"]["assessments.evidence"] == 2
    assert manifest["counts"]["units.unit"] == fingerprint()["counts"]["units.unit"]
    assert "sessions.session" not in manifest["counts"]
    assert manifest["data"]["rows"] == sum(manifest["counts"].values())
    assert not list(tmp_path.glob(".*part"))  # written under a temporary name, then renamed


@pytest.mark.django_db
def test_restore_refuses_a_database_that_holds_data(source, tmp_path):
    archive = tmp_path / "ntm.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO(), stderr=io.StringIO())
    before = data_rows()
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(archive), stdout=io.StringIO(), stderr=io.StringIO())
    assert "đã có dữ liệu" in str(refused.value) and "--force" in str(refused.value)
    assert "nongthonso backup" in str(refused.value)
    assert data_rows() == before
    assert Assessment.objects.get(pk=source.pk).state == "submitted"


def _rewrite(archive: Path, out: Path, change) -> Path:
    """Copy ``archive`` member by member; ``change(name, data)`` returns new bytes, or None to drop it."""
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for member in src.getmembers():
            data = change(member.name, src.extractfile(member).read())
            if data is not None:
                member.size = len(data)
                dst.addfile(member, io.BytesIO(data))
    return out


@pytest.mark.django_db
def test_a_damaged_or_foreign_archive_is_refused_before_anything_is_written(source, tmp_path):
    archive = tmp_path / "ntm.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO(), stderr=io.StringIO())
    call_command("restore", str(archive), check=True, stdout=io.StringIO(), stderr=io.StringIO())

    def check(path) -> str:
        with pytest.raises(CommandError) as refused:
            call_command("restore", str(path), "--force", check=True, stdout=io.StringIO(), stderr=io.StringIO())
        return str(refused.value)

    evidence_changed = _rewrite(archive, tmp_path / "a.tar.gz",
                                lambda name, data: data + b"x" if name.endswith(".png") else data)
    assert "SHA-256" in check(evidence_changed) and ".png" in check(evidence_changed)
    data_changed = _rewrite(archive, tmp_path / "b.tar.gz",
                            lambda name, data: data.replace(b"87.5", b"97.5") if name == "data/db.jsonl" else data)
    assert "data/db.jsonl" in check(data_changed)
    no_manifest = _rewrite(archive, tmp_path / "c.tar.gz", lambda name, data: None if name == MANIFEST else data)
    assert "manifest.json" in check(no_manifest)

    escaping = tmp_path / "d.tar.gz"
    with tarfile.open(escaping, "w:gz") as tar:
        info = tarfile.TarInfo("media/../../evil.txt")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))
    assert "không hợp lệ" in check(escaping)
    assert not (tmp_path / "evil.txt").exists()
    (tmp_path / "junk.tar.gz").write_bytes(b"not a tar file")
    assert "Không đọc được" in check(tmp_path / "junk.tar.gz")
    assert Assessment.objects.get(pk=source.pk).state == "submitted"


def _restore_refused(path, *options: str) -> str:
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(path), *options, stdout=io.StringIO(), stderr=io.StringIO())
    return str(refused.value)


def _checks(path, *options: str) -> str:
    out = io.StringIO()
    call_command("restore", str(path), "--check", *options, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_an_archive_edited_with_its_checksums_recomputed_is_refused(source, tmp_path):
    """The SHA-256 sums are in the archive itself: whoever edits the data can recompute them. The manifest's HMAC,
    keyed with a secret of the installation, cannot be recomputed without it."""
    archive = tmp_path / "ntm.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO(), stderr=io.StringIO())
    with tarfile.open(archive) as tar:
        data = tar.extractfile(DATA).read().replace(b"87.5", b"97.5")
        manifest = json.load(tar.extractfile(MANIFEST))
    manifest["data"].update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
    body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    edited = _rewrite(archive, tmp_path / "edited.tar.gz",
                      lambda name, old: {DATA: data, MANIFEST: body}.get(name, old))

    message = _restore_refused(edited, "--force")
    assert "Chữ ký HMAC" in message and "đã bị sửa" in message and "không khôi phục" in message
    assert "--allow-unsigned" not in message
    assert "--allow-unsigned" not in _restore_refused(edited, "--force", "--allow-unsigned")
    assert Assessment.objects.get(pk=source.pk).state == "submitted"  # nothing written
    assert "hợp lệ" in _checks(archive)

    # without the signature, or called an old unsigned archive, it is still refused
    stripped = _rewrite(archive, tmp_path / "stripped.tar.gz", lambda name, old: None if name == SIGNATURE else old)
    assert "thiếu chữ ký HMAC" in _restore_refused(stripped, "--check", "--allow-unsigned")


@pytest.mark.django_db
def test_the_backup_key_signs_and_another_key_is_refused(source, tmp_path, settings):
    settings.NONGTHONSO_BACKUP_KEY = "khóa-sao-lưu-của-tỉnh-" + "x" * 40
    archive = tmp_path / "ntm.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO(), stderr=io.StringIO())
    assert "hợp lệ" in _checks(archive)

    settings.NONGTHONSO_BACKUP_KEY = "khóa-của-máy-khác-" + "y" * 40
    message = _restore_refused(archive, "--check")
    assert "không khớp khóa sao lưu của máy này" in message and "NONGTHONSO_BACKUP_KEY" in message

    # signed with SECRET_KEY (no dedicated key): a rotated key still reads it from SECRET_KEY_FALLBACKS
    settings.NONGTHONSO_BACKUP_KEY = ""
    call_command("backup", str(archive), stdout=io.StringIO(), stderr=io.StringIO())
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "khóa-bí-mật-mới-" + "z" * 40
    assert "không khớp khóa" in _restore_refused(archive, "--check")
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    assert "hợp lệ" in _checks(archive)


@pytest.mark.django_db
def test_an_old_unsigned_archive_restores_only_when_the_operator_vouches_for_it(source, tmp_path):
    archive = tmp_path / "ntm.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO(), stderr=io.StringIO())

    def as_format_1(name, data):
        if name == SIGNATURE:
            return None
        if name == MANIFEST:
            manifest = json.loads(data)
            del manifest["signature"]
            return json.dumps({**manifest, "format_version": 1}, ensure_ascii=False, indent=2).encode()
        return data

    old = _rewrite(archive, tmp_path / "old.tar.gz", as_format_1)
    message = _restore_refused(old, "--check")
    assert "chưa có chữ ký HMAC" in message and "--allow-unsigned" in message
    assert "hợp lệ" in _checks(old, "--allow-unsigned")
    # its SHA-256 sums are still checked
    damaged = _rewrite(old, tmp_path / "damaged.tar.gz",
                       lambda name, data: data.replace(b"87.5", b"97.5") if name == DATA else data)
    assert "SHA-256" in _restore_refused(damaged, "--check", "--allow-unsigned")
