"""The versions of units by GSO code, looked up many times in one run (an import): loaded once per code.

A ``Unit`` row is one version of a unit (code + validity interval, never two with the same code and start).
:class:`UnitVersions` loads the versions of the codes asked for — in batches, one query per 900 codes —
keeps them in order of ``valid_from``, and answers which version was in force on a date or during a year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet

from .models import Unit

BATCH = 900  # codes per query (SQLite's limit on the parameters of a statement is 999 in old builds)


class UnitVersions:
    """Unit versions by code, cached. ``queryset``: what to load for each version (``only()``,
    ``select_related()`` …); default all fields."""

    def __init__(self, queryset: QuerySet[Unit] | None = None):
        self.queryset = Unit.objects.all() if queryset is None else queryset
        self.by_code: dict[str, list[Unit]] = {}  # oldest version first
        self._during: dict[tuple[str, int], Unit | None] = {}

    def load(self, codes: Iterable[str]) -> list[Unit]:
        """Load the versions of the ``codes`` not loaded yet; returns the versions loaded now."""
        new = sorted(set(codes) - self.by_code.keys())
        loaded: list[Unit] = []
        for code in new:
            self.by_code[code] = []
        for start in range(0, len(new), BATCH):
            for unit in self.queryset.filter(code__in=new[start:start + BATCH]).order_by("valid_from"):
                self.by_code[unit.code].append(unit)
                loaded.append(unit)
        return loaded

    def of(self, code: str) -> list[Unit]:
        """Every version of ``code``, oldest first (none: an empty list)."""
        if code not in self.by_code:
            self.load((code,))
        return self.by_code[code]

    def on(self, code: str, date: dt.date, *, or_first: bool = False) -> Unit | None:
        """The version of ``code`` in force on ``date``; with ``or_first``, for a date before the unit's
        recorded history begins, the version first recorded."""
        versions = self.of(code)
        for unit in versions:
            if unit.is_valid_on(date):
                return unit
        if or_first and versions and date < versions[0].valid_from:
            return versions[0]
        return None

    def during(self, code: str, year: int) -> Unit | None:
        """The version of ``code`` in force during ``year`` (the latest one when several were)."""
        key = (code, year)
        try:
            return self._during[key]
        except KeyError:
            pass
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        found = self._during[key] = next((u for u in reversed(self.of(code)) if u.valid_from <= end and (
            u.valid_to is None or u.valid_to >= start)), None)
        return found
