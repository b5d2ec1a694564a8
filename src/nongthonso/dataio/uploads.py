"""Uploaded files waiting for confirmation, and import progress for the web UI.

An upload is kept under ``MEDIA_ROOT/imports/`` with a random name (never the uploader's), recorded in
the uploader's session under a random token together with the user's id, the kind, its options as typed and the
original name;
confirming imports that very file and deletes it. Files older than ``MAX_AGE`` are removed whenever a new
file is uploaded. Progress of a running check or import is kept in Django's cache under a key holding
the user's id and the token, so one user cannot read another's.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

SESSION_KEY = "nongthonso_imports"
MAX_AGE = 24 * 3600
PROGRESS_SECONDS = 3600
SUFFIXES = {".csv", ".xlsx", ".txt"}


def folder() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_token() -> str:
    return secrets.token_urlsafe(16)


def valid_token(token: str) -> bool:
    return 10 <= len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)


@dataclass
class Pending:
    token: str
    path: Path
    name: str
    kind: str
    user_id: int
    options: dict = field(default_factory=dict)  # the kind's options as typed (name → text, or True for a switch)


def _clean_old() -> None:
    limit = time.time() - MAX_AGE
    for path in folder().glob("*.upload"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:  # pragma: no cover - removed meanwhile
            pass


def display_name(upload) -> str:
    """The uploader's file name, without any folder, to show in messages (never used as a path)."""
    return Path(upload.name or "tep").name[:200]


def write(upload) -> Path:
    """Store ``upload`` under a random name in ``folder()`` (files older than ``MAX_AGE`` are removed)."""
    _clean_old()
    path = folder() / f"{secrets.token_hex(16)}.upload"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


@contextlib.contextmanager
def stored(upload) -> Iterator[Path]:
    """``upload`` as a file for the duration of the block (an API import: checked or imported at once)."""
    path = write(upload)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def save(request, upload, kind: str, token: str, options: dict | None = None) -> Pending:
    """Store ``upload`` under a random name and remember it in the session under ``token``, with the kind's
    ``options`` as typed (parsed again when the file is imported)."""
    path = write(upload)
    pending = Pending(token, path, display_name(upload), kind, request.user.pk, dict(options or {}))
    stored = request.session.get(SESSION_KEY, {})
    stored[token] = {"file": path.name, "name": pending.name, "kind": kind, "user": request.user.pk,
                     "options": pending.options}
    request.session[SESSION_KEY] = stored
    return pending


def find(request, token: str) -> Pending | None:
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if not entry or entry.get("user") != request.user.pk:
        return None
    path = folder() / Path(entry["file"]).name
    if not path.is_file():
        return None
    return Pending(token, path, entry["name"], entry["kind"], entry["user"], entry.get("options", {}))


def discard(request, token: str) -> None:
    stored = request.session.get(SESSION_KEY, {})
    entry = stored.pop(token, None)
    request.session[SESSION_KEY] = stored
    if entry:
        (folder() / Path(entry["file"]).name).unlink(missing_ok=True)


def progress_key(user_id: int, token: str) -> str:
    return f"nongthonso:import-progress:{user_id}:{token}"


def reporter(user_id: int, token: str):
    """A ``core.imports.Progress`` callback writing to the cache (at most every half second)."""
    last = [0.0]

    def report(phase: str, rows: int, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < 0.5 and phase != "evaluate":
            return
        last[0] = now
        cache.set(progress_key(user_id, token), {"phase": phase, "rows": rows, "done": done, "total": total},
                  PROGRESS_SECONDS)

    return report


def set_state(user_id: int, token: str, phase: str) -> None:
    cache.set(progress_key(user_id, token), {"phase": phase, "rows": 0, "done": 0, "total": 0}, PROGRESS_SECONDS)


def progress(user_id: int, token: str) -> dict | None:
    return cache.get(progress_key(user_id, token))
