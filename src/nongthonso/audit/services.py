"""Record writes in the audit log. Call inside the transaction that makes the change."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from nongthonso.core.bulk import insert_rows

from .context import current
from .models import AuditEntry

_ROW_FIELDS = ("timestamp", "user_id", "actor", "request_id", "action", "model", "object_id", "object_repr",
               "before", "after", "note")


def audit_name(obj) -> str:
    """How the log names ``obj``: its ``audit_name()`` when the model has one (rows naming a person, whose name must
    not outlive the erasure of their personal data), else ``str(obj)``."""
    named = getattr(obj, "audit_name", None)
    return named() if callable(named) else str(obj)


def record(action: str, obj, *, before: Any = None, after: Any = None, user=None, actor: str = "",
           note: str = "") -> AuditEntry:
    ctx = current()
    user = user or ctx.get("user")
    return AuditEntry.objects.create(
        action=action, model=obj._meta.label_lower, object_id=str(obj.pk), object_repr=audit_name(obj)[:300],
        before=before, after=after, user=user,
        actor=actor or (user.get_username() if user else ctx.get("actor", "hệ thống")),
        request_id=ctx.get("request_id", ""), note=note,
    )


def record_many(model, rows: Iterable[tuple[str, Any, str, Any, Any]], *, user=None, user_id: int | None = None,
                actor: str = "", request_id: str | None = None, note: str = "", using: str = DEFAULT_DB_ALIAS) -> int:
    """What :func:`record` writes, for many rows of ``model`` in one statement (``core.bulk.insert_rows``: no
    instance per entry): each row is (action, pk, repr, before, after), ``before``/``after`` JSON-ready values.
    For writers of many rows at once (a synced batch of diary entries, an import); returns how many entries.
    ``user_id``/``actor``/``request_id`` may be given instead of being taken from ``user`` and the request."""
    ctx = current()
    if user_id is None:
        user = user or ctx.get("user")
        user_id = user.pk if user else None
    actor = (actor or (user.get_username() if user else ctx.get("actor", "hệ thống")))[:150]
    request_id = (ctx.get("request_id", "") if request_id is None else request_id)[:64]
    now = AuditEntry._meta.get_field("timestamp").get_db_prep_save(timezone.now(), connections[using])
    label = model._meta.label_lower
    return insert_rows(AuditEntry, _ROW_FIELDS, (
        (now, user_id, actor, request_id, action, label, str(pk), str(text)[:300],
         None if before is None else json.dumps(before), None if after is None else json.dumps(after), note)
        for action, pk, text, before, after in rows), using=using)


def history(obj):
    return AuditEntry.objects.filter(model=obj._meta.label_lower, object_id=str(obj.pk))
