"""Backup and restore: one ``.tar.gz`` archive with the whole database and the uploaded evidence.

Archive layout::

    data/db.jsonl     every row of every model, one JSON object a line (Django's "jsonl" serialisation)
    media/…           the files under MEDIA_ROOT (evidence uploads), same relative paths
    manifest.json     format, versions, engine, applied migrations, row counts per model, SHA-256 of
                      data/db.jsonl and of every media file (read first on restore)
    manifest.hmac     HMAC-SHA256 of manifest.json's bytes, keyed with the installation's backup key (written
                      last)

The manifest holds the checksum of every other member and the HMAC vouches for the manifest, so an archive
edited by anyone without the key — the data, a file, the manifest, its checksums recomputed — is refused. The
key is ``NONGTHONSO_BACKUP_KEY`` when set, else derived from ``SECRET_KEY`` (``SECRET_KEY_FALLBACKS`` are
accepted on restore, as Django accepts them for sessions); a restore on another machine needs the same key
(docs/operations.md). Archives of format 1 (before keyed checksums) carry no HMAC and are refused unless the
operator vouches for them (``allow_unsigned``, ``restore --allow-unsigned``).

Why Django's serialisation and not ``pg_dump``/SQLite's backup API: one format for both engines, so
an office that starts on SQLite can move to PostgreSQL by restoring its backup there (and back); no
``pg_dump`` of the server's major version is needed on the application host; every row keeps its
primary key (content types and permissions included), so links, audit entries and URLs stay valid.
The cost is speed at national scale (rows are serialised one by one, ~10⁵ rows/s); a PostgreSQL
server of that size should also keep ``pg_dump -Fc`` or WAL archiving (docs/operations.md).

The dump is one consistent snapshot (one transaction; REPEATABLE READ on PostgreSQL). Restore
refuses to write over a database that holds data unless ``force``; it checks every checksum before it
touches the database, migrates an empty database, loads everything in one transaction (raw inserts:
``auto_now`` fields keep their stored values), resets the sequences, and checks the counts against
the manifest before committing. Sessions are not kept: users log in again after a restore.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import django
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers import jsonl
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, router, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils.crypto import salted_hmac

from .text import format_number

FORMAT = "nongthonso-backup"
FORMAT_VERSION = 2
UNSIGNED_FORMAT_VERSION = 1  # archives made before the manifest was signed
MANIFEST = "manifest.json"
SIGNATURE = "manifest.hmac"
_SIGNING_SALT = "nongthonso.core.backup.manifest"
_KEY_ID_SALT = "nongthonso.core.backup.key-id"
DATA = "data/db.jsonl"
MEDIA = "media/"
# transient: users log in again after a restore
SKIPPED = {"sessions.session"}
# created by ``migrate`` in every database; replaced by the archived rows on restore (same primary keys)
MIGRATE_CREATED = {"contenttypes.contenttype", "auth.permission"}
CHUNK = 2000
_BUFFER = 1 << 20

Log = Callable[[str], None]


class BackupError(Exception):
    """A refused or failed backup or restore; the message (Vietnamese) says why and what to do."""


def _app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nongthonso")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without installing
        return "0+unknown"


def _backup_keys() -> list[str]:
    """The keys this installation signs with (the first) and accepts: ``NONGTHONSO_BACKUP_KEY`` when set, then
    ``SECRET_KEY`` and its fallbacks."""
    dedicated = getattr(settings, "NONGTHONSO_BACKUP_KEY", "")
    return [k for k in (dedicated, settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())) if k]


def _signature(body: bytes, key: str) -> str:
    return salted_hmac(_SIGNING_SALT, body, secret=key, algorithm="sha256").hexdigest()


def _key_id(key: str) -> str:
    """Names a key without revealing it, so that a refusal can tell «another key» from «edited»."""
    return salted_hmac(_KEY_ID_SALT, "", secret=key, algorithm="sha256").hexdigest()[:12]


def _check_signature(name: str, manifest: dict, body: bytes, signature: bytes | None, allow_unsigned: bool) -> None:
    """Refuse (BackupError) an archive whose manifest the installation's keys do not vouch for."""
    if manifest.get("format_version") == UNSIGNED_FORMAT_VERSION and signature is None:
        if allow_unsigned:
            return
        raise BackupError(
            f"Bản sao lưu «{name}» được tạo bởi phiên bản cũ ({manifest.get('app_version')}), chưa có chữ ký HMAC, nên "
            "không kiểm tra được tệp có bị sửa hay không; không khôi phục. Nếu chắc chắn tệp không bị sửa (bạn tự tạo "
            "và lưu giữ nó), chạy lại lệnh với --allow-unsigned; sau khi khôi phục, tạo ngay một bản sao lưu mới.")
    if signature is None:
        raise BackupError(f"Bản sao lưu «{name}» thiếu chữ ký HMAC ({SIGNATURE}): tệp đã bị sửa; không khôi phục. "
                          "Dùng một bản sao lưu khác.")
    keys = _backup_keys()
    if any(hmac.compare_digest(signature.strip(), _signature(body, key).encode()) for key in keys):
        return
    signed_with = (manifest.get("signature") or {}).get("key_id", "?")
    if signed_with not in {_key_id(key) for key in keys}:
        raise BackupError(
            f"Chữ ký HMAC của bản sao lưu «{name}» không khớp khóa sao lưu của máy này (tệp ký bằng khóa mã "
            f"{signed_with}, máy này dùng khóa mã {_key_id(keys[0])}): tệp được tạo ở máy khác hoặc đã bị sửa; không "
            "khôi phục. Nếu tệp được tạo ở máy khác, đặt NONGTHONSO_BACKUP_KEY (hoặc DJANGO_SECRET_KEY) giống máy đó "
            "rồi chạy lại.")
    raise BackupError(f"Chữ ký HMAC của bản sao lưu «{name}» không khớp nội dung: tệp đã bị sửa; không khôi phục. "
                      "Dùng một bản sao lưu khác.")


def dumped_models(using: str = DEFAULT_DB_ALIAS) -> list[type]:
    """The models whose rows go into a backup, content types and permissions first (rows elsewhere refer to
    them). Auto-created many-to-many tables travel with their models."""
    found = [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy
             and m._meta.label_lower not in SKIPPED and router.allow_migrate_model(using, m)]
    first = [m for label in ("contenttypes.contenttype", "auth.permission") for m in found
             if m._meta.label_lower == label]
    return first + [m for m in found if m not in first]


def _m2m_fields(model) -> list:
    return [f for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created]


def _size(n: int) -> str:
    return f"{format_number(n / 1048576, 1)} MB"


class _HashingWriter(io.RawIOBase):
    """A text stream's bytes go to ``target`` and into a SHA-256."""

    def __init__(self, target):
        self.target, self.sha256, self.bytes = target, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.target.write(data)
        self.sha256.update(data)
        self.bytes += len(data)
        return len(data)


class _HashingReader:
    """A binary file read through a SHA-256 (``tarfile.addfile`` only calls ``read``)."""

    def __init__(self, source):
        self.source, self.sha256 = source, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.sha256.update(data)
        return data


class _Encoder(DjangoJSONEncoder):
    """Django's JSON encoder cuts datetimes and times to milliseconds; a backup keeps the microseconds."""

    def default(self, o):
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


class _Serializer(jsonl.Serializer):
    """Django's JSON-lines serialiser, but each line made by ``json.dumps`` (C) rather than ``json.dump``
    (pure Python, several times slower)."""

    def end_object(self, obj):
        self.stream.write(json.dumps(self.get_dump_object(obj), **self.json_kwargs))
        self.stream.write("\n")
        self._current = None


def _counting(rows: Iterable, counter: Counter, label: str) -> Iterator:
    for row in rows:
        counter[label] += 1
        yield row


def _applied_migrations(using: str) -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connections[using]).applied_migrations())


def _media_files(root: Path) -> list[tuple[str, Path]]:
    if not root.is_dir():
        return []
    files = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files.append((path.relative_to(root).as_posix(), path))
    return files


def _tarinfo(name: str, size: int, mtime: float | None = None, mode: int = 0o640) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime if mtime is not None else dt.datetime.now().timestamp()), mode
    return info


@contextlib.contextmanager
def _snapshot(using: str):
    """One transaction in which every table is read as of the same moment. PostgreSQL: REPEATABLE READ,
    READ ONLY. SQLite (WAL): a deferred transaction, a plain reader — not the IMMEDIATE mode the settings
    use for writes, which would make every writer wait (and time out) until the backup ends. Inside an
    enclosing transaction (tests) that transaction is the snapshot."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    connection.ensure_connection()  # the SQLite transaction mode is (re)read when connecting
    saved_mode = getattr(connection, "transaction_mode", None)
    if outermost and connection.vendor == "sqlite":
        connection.transaction_mode = "DEFERRED"
    try:
        with transaction.atomic(using=using):
            if outermost and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    finally:
        if outermost and connection.vendor == "sqlite":
            connection.transaction_mode = saved_mode


def create_backup(path: str | os.PathLike, *, using: str = DEFAULT_DB_ALIAS,
                  media_root: str | os.PathLike | None = None, log: Log | None = None) -> dict[str, Any]:
    """Write the database and MEDIA_ROOT to ``path`` (a gzip-compressed tar; readable by its owner only).
    Returns the manifest."""
    say = log or (lambda _text: None)
    target = Path(path)
    if not target.parent.is_dir():
        raise BackupError(f"Thư mục «{target.parent}» không tồn tại; tạo thư mục trước hoặc chọn nơi lưu khác.")
    media_root = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    connection = connections[using]
    try:
        executor = MigrationExecutor(connection)
    except OperationalError as exc:
        raise BackupError(f"Không kết nối được cơ sở dữ liệu «{connection.settings_dict.get('NAME')}» ({exc}). "
                          "Kiểm tra DATABASE_URL.") from None
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in pending[:5])
        raise BackupError(f"Cơ sở dữ liệu chưa được nâng cấp theo phiên bản phần mềm này (còn {len(pending)} thay đổi "
                          f"cấu trúc chưa chạy: {names}). Sao lưu bằng phiên bản cũ trước khi cài bản mới, hoặc chạy "
                          "«nongthonso migrate» rồi sao lưu.")
    counts: Counter = Counter()
    part = target.with_name(f".{target.name}.part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds password hashes: owner only
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar, \
                tempfile.TemporaryDirectory(prefix=".nongthonso-backup-", dir=target.parent) as tmp:
            data_path = Path(tmp) / "db.jsonl"
            with open(data_path, "wb") as data_file:
                hashing = _HashingWriter(data_file)
                text = io.TextIOWrapper(io.BufferedWriter(hashing, _BUFFER), encoding="utf-8", newline="\n")
                with _snapshot(using), contextlib.closing(text):
                    migrations = _applied_migrations(using)
                    serializer = _Serializer()
                    for model in dumped_models(using):
                        qs = model._base_manager.using(using).order_by(model._meta.pk.name)
                        m2m = [f.name for f in _m2m_fields(model)]
                        if m2m:
                            qs = qs.prefetch_related(*m2m)
                        label = model._meta.label_lower
                        counts[label] += 0
                        serializer.serialize(_counting(qs.iterator(chunk_size=CHUNK), counts, label), stream=text,
                                             cls=_Encoder)
                    text.flush()
            data_info = {"file": DATA, "bytes": hashing.bytes, "sha256": hashing.sha256.hexdigest(),
                         "rows": sum(counts.values())}
            tar.add(data_path, arcname=DATA, filter=_owner_neutral)
            say(f"Cơ sở dữ liệu: {format_number(data_info['rows'])} bản ghi ({len(counts)} bảng).")
            media: dict[str, str] = {}
            media_bytes = 0
            for rel, file_path in _media_files(media_root):
                stat = file_path.stat()
                with open(file_path, "rb") as fh:
                    reader = _HashingReader(fh)
                    tar.addfile(_tarinfo(MEDIA + rel, stat.st_size, stat.st_mtime), reader)
                media[rel] = reader.sha256.hexdigest()
                media_bytes += stat.st_size
            say(f"Tệp minh chứng: {len(media)} tệp ({_size(media_bytes)}).")
            manifest = {
                "format": FORMAT, "format_version": FORMAT_VERSION,
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "app_version": _app_version(), "django_version": django.get_version(),
                "engine": connection.vendor, "database": str(connection.settings_dict.get("NAME", "")),
                "migrations": migrations, "counts": dict(sorted(counts.items())), "data": data_info,
                "media": {"files": len(media), "bytes": media_bytes, "sha256": media},
                "signature": {"algorithm": "HMAC-SHA256", "key_id": _key_id(_backup_keys()[0])},
            }
            body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            tar.addfile(_tarinfo(MANIFEST, len(body)), io.BytesIO(body))
            signature = _signature(body, _backup_keys()[0]).encode()
            tar.addfile(_tarinfo(SIGNATURE, len(signature)), io.BytesIO(signature))
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return manifest


def _owner_neutral(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o640
    return info


# ---------------------------------------------------------------------------------------------- restore


def _safe_member(name: str) -> str | None:
    """The member's normalised name if it is one the archive may hold, else None."""
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or "\\" in name or not pure.parts:
        return None
    normal = pure.as_posix()
    if normal in (MANIFEST, SIGNATURE, DATA) or (normal.startswith(MEDIA) and len(pure.parts) > 1):
        return normal
    return None


def read_archive(path: str | os.PathLike, into: Path, *, allow_unsigned: bool = False) -> dict[str, Any]:
    """Unpack ``path`` into the directory ``into``, refusing anything unexpected, check the manifest's HMAC
    (``allow_unsigned``: accept an archive of format 1, which has none) and every member against the manifest.
    Returns the manifest. Writes nothing outside ``into``."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"Không tìm thấy tệp sao lưu «{path}».")
    digests: dict[str, str] = {}
    try:
        with tarfile.open(path, mode="r:*") as tar:
            for member in tar:
                if member.isdir():
                    continue
                name = _safe_member(member.name)
                if name is None or not member.isfile():
                    raise BackupError(f"Tệp «{path.name}» chứa mục không hợp lệ «{member.name}»; đây không phải bản "
                                      "sao lưu của Nông thôn số hoặc tệp đã bị sửa. Không khôi phục.")
                if name in digests:
                    raise BackupError(f"Tệp «{path.name}» chứa hai lần mục «{name}»; tệp đã bị sửa. Không khôi phục.")
                out = into / name
                out.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                sha = hashlib.sha256()
                with open(out, "wb") as fh:
                    while chunk := source.read(_BUFFER):
                        sha.update(chunk)
                        fh.write(chunk)
                digests[name] = sha.hexdigest()
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise BackupError(f"Không đọc được tệp sao lưu «{path.name}» ({exc}). Tệp có thể bị hỏng hoặc chưa chép "
                          "xong; dùng một bản sao lưu khác.") from None
    if MANIFEST not in digests:
        raise BackupError(f"Tệp «{path.name}» không có manifest.json: không phải bản sao lưu của Nông thôn số "
                          "(tạo bằng «nongthonso backup TỆP»).")
    body = (into / MANIFEST).read_bytes()
    try:
        manifest = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"manifest.json trong «{path.name}» không đọc được; tệp đã bị hỏng.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"Tệp «{path.name}» không phải bản sao lưu của Nông thôn số.")
    if manifest.get("format_version") not in (FORMAT_VERSION, UNSIGNED_FORMAT_VERSION):
        raise BackupError(f"Bản sao lưu dùng định dạng phiên bản {manifest.get('format_version')}, phần mềm này đọc "
                          f"định dạng {UNSIGNED_FORMAT_VERSION} và {FORMAT_VERSION}. Dùng phiên bản Nông thôn số "
                          f"{manifest.get('app_version')} (đã tạo bản sao lưu) để khôi phục.")
    signature = (into / SIGNATURE).read_bytes() if SIGNATURE in digests else None
    _check_signature(path.name, manifest, body, signature, allow_unsigned)
    problems = []
    if digests.get(DATA) != manifest["data"]["sha256"]:
        problems.append("dữ liệu (data/db.jsonl)")
    expected_media = manifest["media"]["sha256"]
    got_media = {name[len(MEDIA):]: sha for name, sha in digests.items() if name.startswith(MEDIA)}
    for rel in sorted(set(expected_media) | set(got_media)):
        if expected_media.get(rel) != got_media.get(rel):
            problems.append(f"tệp minh chứng «{rel}»" + ("" if rel in got_media else " (bị thiếu)")
                            + ("" if rel in expected_media else " (không có trong manifest)"))
    if problems:
        shown = "; ".join(problems[:5]) + (f" và {len(problems) - 5} mục khác" if len(problems) > 5 else "")
        raise BackupError(f"Tệp sao lưu «{path.name}» không khớp mã kiểm tra SHA-256: {shown}. Tệp đã bị hỏng hoặc "
                          "bị sửa; không khôi phục. Dùng một bản sao lưu khác.")
    return manifest


def _existing_tables(using: str) -> set[str]:
    with connections[using].cursor() as cursor:
        return set(connections[using].introspection.table_names(cursor))


def data_rows(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows per model in the database, for the models a restore would replace (those ``migrate`` itself
    creates and sessions are not counted); models without a table yet count as empty."""
    tables = _existing_tables(using)
    found = {}
    for model in dumped_models(using):
        if model._meta.label_lower in MIGRATE_CREATED or model._meta.db_table not in tables:
            continue
        n = model._base_manager.using(using).count()
        if n:
            found[model._meta.label_lower] = n
    return found


def _check_migrations(manifest: dict, using: str) -> None:
    archived = set(manifest["migrations"])
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = {f"{app}.{name}" for app, name in loader.disk_migrations}
    unknown = sorted(archived - known)
    if unknown:
        raise BackupError(
            f"Bản sao lưu được tạo bởi phiên bản Nông thôn số {manifest['app_version']}, có cấu trúc dữ liệu mà bản "
            f"cài đặt này chưa có ({', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''}). Cài phiên bản "
            f"{manifest['app_version']} (hoặc mới hơn) rồi khôi phục lại.")
    applied = set(_applied_migrations(using))
    missing = sorted(applied - archived)
    if missing:
        raise BackupError(
            f"Bản sao lưu được tạo bởi phiên bản cũ hơn ({manifest['app_version']}), trước các thay đổi cấu trúc dữ "
            f"liệu {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}. Khôi phục bằng phiên bản "
            f"{manifest['app_version']} vào một cơ sở dữ liệu trống, rồi nâng cấp phần mềm và chạy "
            "«nongthonso migrate».")


def _flush(using: str) -> None:
    connection = connections[using]
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=False, allow_cascade=False)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _insert(model, objs: list, using: str, fields: list | None = None) -> None:
    if not objs:
        return
    fields = fields if fields is not None else list(model._meta.local_concrete_fields)
    size = max(connections[using].ops.bulk_batch_size(fields, objs), 1)
    for start in range(0, len(objs), size):
        # raw: values are stored as archived (``auto_now`` fields are not refreshed), no signals, no save()
        model._base_manager.using(using)._insert(objs[start:start + size], fields=fields, using=using, raw=True)


def _load(data_path: Path, using: str, log: Log) -> Counter:
    counts: Counter = Counter()
    batch_model, batch, through_rows = None, [], {}

    def flush_batch():
        nonlocal batch
        if batch_model is not None:
            _insert(batch_model, batch, using)
        batch = []

    with open(data_path, encoding="utf-8") as stream:
        try:
            for item in serializers.deserialize("jsonl", stream, using=using, ignorenonexistent=False,
                                                handle_forward_references=False):
                obj = item.object
                model = type(obj)
                counts[model._meta.label_lower] += 1
                if model._meta.parents:  # multi-table inheritance: the parents' rows need save_base
                    item.save(using=using)
                    continue
                if model is not batch_model or len(batch) >= CHUNK:
                    flush_batch()
                    batch_model = model
                batch.append(obj)
                for field in _m2m_fields(model):
                    through = field.remote_field.through
                    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
                    rows = through_rows.setdefault(through, [])
                    for other in item.m2m_data.get(field.name, []):
                        rows.append(through(**{f"{source}_id": obj.pk, f"{target}_id": other}))
                if counts.total() % 100_000 == 0:
                    log(f"… {format_number(counts.total())} bản ghi")
            flush_batch()
        except DeserializationError as exc:
            raise BackupError(f"Dữ liệu trong bản sao lưu không đọc được: {exc}. Không khôi phục.") from None
    for through, rows in through_rows.items():
        fields = [f for f in through._meta.local_concrete_fields if not f.primary_key]
        _insert(through, rows, using, fields)
    return counts


def _reset_sequences(using: str) -> None:
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), dumped_models(using))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _restore_media(source: Path, media_root: Path, manifest: dict) -> None:
    for rel in manifest["media"]["sha256"]:
        destination = media_root / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(f".{destination.name}.part")
        shutil.copyfile(source / MEDIA / rel, partial)
        os.replace(partial, destination)


def restore_backup(path: str | os.PathLike, *, using: str = DEFAULT_DB_ALIAS,
                   media_root: str | os.PathLike | None = None, force: bool = False, check_only: bool = False,
                   allow_unsigned: bool = False, log: Log | None = None) -> dict[str, Any]:
    """Restore the archive at ``path`` into the database ``using`` (migrated first if needed) and MEDIA_ROOT.

    Refused (BackupError, Vietnamese) when the archive is damaged or edited (its HMAC does not match this
    installation's backup key), has no HMAC (format 1) and ``allow_unsigned`` is false, was made by a different
    schema, or the database already holds data and ``force`` is false; in each case nothing is written.
    ``check_only``: verify the archive and return its manifest, touching nothing."""
    say = log or (lambda _text: None)
    media_root = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="nongthonso-restore-") as tmp:
        manifest = read_archive(path, Path(tmp), allow_unsigned=allow_unsigned)
        say(f"Bản sao lưu hợp lệ: tạo lúc {manifest['created_at']} từ {manifest['engine']}, phiên bản "
            f"{manifest['app_version']}; {format_number(manifest['data']['rows'])} bản ghi, "
            f"{manifest['media']['files']} tệp minh chứng.")
        if check_only:
            return manifest
        connection = connections[using]
        try:
            existing = data_rows(using)
        except OperationalError as exc:
            raise BackupError(f"Không kết nối được cơ sở dữ liệu «{connection.settings_dict.get('NAME')}» ({exc}). "
                              "Tạo cơ sở dữ liệu trống trước (PostgreSQL: createdb), kiểm tra DATABASE_URL.") from None
        if existing and not force:
            biggest = sorted(existing.items(), key=lambda kv: -kv[1])[:3]
            shown = ", ".join(f"{apps.get_model(label)._meta.verbose_name_plural} ({format_number(n)})"
                              for label, n in biggest)
            raise BackupError(
                f"Cơ sở dữ liệu «{connection.settings_dict.get('NAME')}» đã có dữ liệu ({shown} …). Khôi phục sẽ "
                "thay toàn bộ dữ liệu này bằng dữ liệu trong bản sao lưu. Nên sao lưu dữ liệu hiện có trước "
                "(nongthonso backup TỆP), rồi chạy lại lệnh khôi phục với --force nếu chắc chắn.")
        call_command("migrate", database=using, interactive=False, verbosity=0)
        _check_migrations(manifest, using)
        with transaction.atomic(using=using):
            _flush(using)
            counts = _load(Path(tmp) / DATA, using, say)
            _reset_sequences(using)
            expected = {label: n for label, n in manifest["counts"].items() if n}
            got = {label: n for label, n in counts.items() if n}
            if got != expected:
                diff = sorted(label for label in set(got) | set(expected) if got.get(label) != expected.get(label))
                raise BackupError(f"Số bản ghi nạp vào không khớp manifest ở {', '.join(diff[:5])}; đã hủy, cơ sở "
                                  "dữ liệu không thay đổi.")
            connection.check_constraints()
        say(f"Đã nạp {format_number(counts.total())} bản ghi vào cơ sở dữ liệu.")
        _restore_media(Path(tmp), media_root, manifest)
        say(f"Đã chép {manifest['media']['files']} tệp minh chứng vào {media_root}.")
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import caches

    ContentType.objects.clear_cache()
    for alias in settings.CACHES:  # cached figures belong to the data that was replaced
        caches[alias].clear()
    return manifest
