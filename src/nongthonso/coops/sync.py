"""The batch sync of diary entries queued on a phone: one POST carries the queue (``{"entries": [...]}``), the answer
says for each entry ``stored`` / ``duplicate`` (same ``client_id`` already stored) / ``conflict`` (edited on the
server meanwhile, or refused by a rule such as the pre-harvest interval: the server's version and the reason are
sent back) / ``invalid`` (the message). The page (``views_diary.sync_view``) and the API (``api_diary``) both call
:func:`sync`; entries are stored through ``diary.store`` (one write path).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json

from django.conf import settings
from django.utils.dateparse import parse_datetime

from . import diary

MAX_BYTES_DEFAULT = 4 * 1024 * 1024


def max_entries() -> int:
    """How many entries one sync may carry (``COOPS_DIARY_SYNC_MAX``, 2 000 by default)."""
    return int(getattr(settings, "COOPS_DIARY_SYNC_MAX", 2000))


def max_bytes() -> int:
    return int(getattr(settings, "COOPS_DIARY_SYNC_MAX_BYTES", MAX_BYTES_DEFAULT))


class BadBatch(ValueError):
    """The request as a whole is unusable (not JSON, too large): a Vietnamese message."""


def parse(body: bytes) -> list[dict]:
    """The entries of a sync request's body, bounded before parsing."""
    if len(body) > max_bytes():
        raise BadBatch(f"Gói đồng bộ nặng {len(body) // 1024} KB, quá {max_bytes() // 1024} KB. Đồng bộ khi có mạng "
                       "thường xuyên hơn để mỗi lần gửi ít dòng hơn.")
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadBatch("Gói đồng bộ không phải JSON hợp lệ. Tải lại trang nhật ký rồi đồng bộ lại.") from None
    rows = payload.get("entries") if isinstance(payload, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise BadBatch("Gói đồng bộ cần khoá «entries» là một danh sách các dòng nhật ký.")
    if len(rows) > max_entries():
        raise BadBatch(f"Gói đồng bộ có {len(rows)} dòng, quá {max_entries()} dòng một lần. Gửi thành nhiều lần.")
    return rows


def _recorded_at(text) -> dt.datetime | None:
    try:
        return parse_datetime(str(text)) if text else None
    except ValueError:
        return None


def sync(user, rows: list[dict]) -> list[dict]:
    """Store the queued ``rows`` (each: ``client_id``, ``cycle`` id, ``version`` edited or null, the fields) for
    ``user``; the answers in the same order. A cycle out of the user's scope is ``invalid`` for that entry."""
    wanted = set()
    for row in rows:
        with contextlib.suppress(TypeError, ValueError):
            wanted.add(int(row.get("cycle")))
    cycles = {c.pk: c for c in diary.cycles(user).filter(pk__in=wanted)}
    answers: list[dict | None] = [None] * len(rows)
    items, places = [], []
    for i, row in enumerate(rows):
        client_id = str(row.get("client_id") or "")
        try:
            cycle = cycles.get(int(row.get("cycle")))
        except (TypeError, ValueError):
            cycle = None
        if cycle is None:
            answers[i] = {"client_id": client_id, "status": diary.INVALID,
                          "message": f"Không tìm thấy vụ «{row.get('cycle')}» trong các hợp tác xã bạn quản lý. "
                                     "Tải lại trang nhật ký để cập nhật danh sách vụ."}
            continue
        version = row.get("version")
        base = version if isinstance(version, int) and not isinstance(version, bool) else None
        items.append(diary.Item(cycle, row, client_id, base, _recorded_at(row.get("recorded_at"))))
        places.append(i)
    for i, outcome in zip(places, diary.store(user, items, note="đồng bộ từ điện thoại"), strict=True):
        answers[i] = outcome.as_dict()
    return [a for a in answers if a is not None]
