"""Record writes in the audit log. Call inside the transaction that makes the change."""

from __future__ import annotations

from typing import Any

from .context import current
from .models import AuditEntry


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


def history(obj):
    return AuditEntry.objects.filter(model=obj._meta.label_lower, object_id=str(obj.pk))
