"""Who may see and do what with co-operatives, as querysets (the permission checks live here, not in the views).

- **Offices** (every NTM role: ``view_coops``) see the co-operatives of the units in their scope, with their members,
  plots, certifications, diaries and lots; the province, district and commune offices register and update them
  (``manage_coops``).
- A **co-operative manager** (``Cooperative.managers``: the co-operative's own accounts) sees and edits their
  co-operative only — members, plots, certifications, diaries, lots, its listings on the board.

Out of scope is «not found» (404). Public pages (a lot's traceability page, the board without contacts) are not
scoped.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from nongthonso.accounts.services import scope_paths, under

from .apps import MANAGE, VIEW
from .models import Cooperative


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def cooperatives(user, action: str = VIEW) -> QuerySet[Cooperative]:
    """The co-operatives ``user`` may see (``view_coops``) or manage (``manage_coops``): those of the units in scope,
    and those they manage (a manager may do both on their own)."""
    if not _active(user):
        return Cooperative.objects.none()
    paths = scope_paths(user, action)
    if paths is None:
        return Cooperative.objects.all()
    return Cooperative.objects.filter(under(paths, "unit__path") | Q(managers=user)).distinct()


def managed(user) -> QuerySet[Cooperative]:
    """The co-operatives whose own records (members, plots, diaries, lots, listings) ``user`` keeps: a manager's,
    and for an office with ``manage_coops`` those of its units."""
    return cooperatives(user, MANAGE)


def may_view(user) -> bool:
    return _active(user) and (scope_paths(user, VIEW) != [] or Cooperative.objects.filter(managers=user).exists())


__all__ = ["MANAGE", "VIEW", "cooperatives", "managed", "may_view"]
