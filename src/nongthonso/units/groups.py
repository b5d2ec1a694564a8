"""Commune groups (Decision 51/2025/QĐ-TTg) as dated facts: which group a commune is in, on a date or for a year.

The 2026-2030 thresholds differ by group; a commune's group is set by a provincial decision
(``CommuneGroupAssignment``) and may change. A dossier of year Y is assessed in the group in force on 31/12/Y
(the end of the year assessed): the group the province had set for that year, even when it is evaluated again
later. A commune with no group in force then has none — the engine then leaves the group-dependent indicators
undetermined and says why, rather than guessing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .models import CommuneGroupAssignment


@dataclass(frozen=True)
class GroupSpan:
    group: int
    valid_from: dt.date
    valid_to: dt.date | None

    def covers(self, date: dt.date) -> bool:
        return self.valid_from <= date and (self.valid_to is None or self.valid_to >= date)


def year_end(year: int) -> dt.date:
    return dt.date(int(year), 12, 31)


def group_on(spans: Iterable[GroupSpan], date: dt.date) -> int | None:
    """The group of the latest-starting span covering ``date``."""
    found = [s for s in spans if s.covers(date)]
    return max(found, key=lambda s: s.valid_from).group if found else None


def spans_of(unit_ids: Iterable[int]) -> dict[int, tuple[GroupSpan, ...]]:
    """{unit id: its group spans, oldest first} for ``unit_ids`` (one query; units with none are absent)."""
    found: dict[int, list[GroupSpan]] = defaultdict(list)
    for unit_id, group, start, end in (CommuneGroupAssignment.objects.filter(unit_id__in=list(unit_ids))
                                       .order_by("unit_id", "valid_from")
                                       .values_list("unit_id", "group", "valid_from", "valid_to")):
        found[unit_id].append(GroupSpan(group, start, end))
    return {pk: tuple(spans) for pk, spans in found.items()}


def group_for_year(unit_id: int, year: int) -> int | None:
    """The group the commune is assessed in for ``year`` (in force on 31/12 of that year)."""
    return group_on(spans_of([unit_id]).get(unit_id, ()), year_end(year))
