"""The ranking as a file (``ExportKind`` ``foresight-gaps``: ``nongthonso export foresight-gaps --unit 19 --year
2023``, /xuat-du-lieu/, ``GET /api/exports/foresight-gaps``), written by dataio's formula-safe writers: one row per
commune and level, closest first within each group, as the user may see them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

from nongthonso.assessments.selectors import grouping_of
from nongthonso.core.registry import ExportRequest
from nongthonso.criteria.applicability import set_for
from nongthonso.criteria.choices import COMMUNE_LEVELS, Level
from nongthonso.dataio.exports import ExportError, NeedsUnitAndYear, NothingFound, Table
from nongthonso.units.models import Unit
from nongthonso.units.services import PROVINCE_LEVEL

from . import scope
from .ranking import base, rank

KIND = "foresight-gaps"
FILENAME = "gan-dat-chuan"
HEADER = ("level", "group", "rank", "unit_code", "unit_name", "assessment_year", "criteria_met", "criteria_total",
          "criteria_failing", "failing_criteria", "failing_indicators", "indicators_unknown", "distance", "cost_vnd",
          "indicators_without_cost")


def day_of(year: int, today: dt.date | None = None) -> dt.date:
    """The day a year's ranking is read on: 31/12, or today in the current year."""
    today = today or timezone.localdate()
    return min(dt.date(year, 12, 31), today) if year <= today.year else dt.date(year, 12, 31)


def export(request: ExportRequest) -> Table:
    if not request.unit or not request.year:
        raise NeedsUnitAndYear("danh sách xã gần đạt chuẩn")
    as_of = request.as_of or day_of(request.year)
    province = Unit.objects.valid_on(as_of).at_level(PROVINCE_LEVEL).filter(code=request.unit).first()
    if province is None:
        raise NothingFound(f"Không có tỉnh mã {request.unit} có hiệu lực ngày {as_of:%d/%m/%Y}; ghi mã GSO của tỉnh.")
    if request.user is None:
        communes = list(Unit.objects.valid_on(as_of).rural_communes().within(province).in_vietnamese_order())
    else:
        communes = scope.communes(request.user, province, as_of)
    if not communes:
        raise ExportError(f"Bạn không xem được xã nào của {province.name}.")
    grouping = grouping_of(communes, as_of)
    levels = [lvl for lvl in COMMUNE_LEVELS if set_for(province, as_of.year, lvl) is not None]

    position = {g.key: i for i, g in enumerate(grouping.groups)}  # the groups' order; communes without one last

    def rows() -> Iterator[tuple]:
        for level in levels:
            ranking = rank(base(province, as_of, level, communes), grouping)
            by_group: dict[str, int] = {}
            ordered = sorted(ranking.rows, key=lambda r: (position[r.group.key] if r.group else len(position), r.rank))
            for r in ordered:
                key = r.group.key if r.group else ""
                by_group[key] = by_group.get(key, 0) + 1
                yield (Level(level).label, r.group.name if r.group else "", by_group[key], r.unit.code, r.unit.name,
                       r.year, r.criteria_met, r.criteria_total, r.criteria_failing, " ".join(r.failing_criteria),
                       "; ".join(f"{g.code} ({g.value_text} / {g.comparator} {g.threshold_text})" for g in r.gaps),
                       r.indicators_unknown, round(r.distance, 4), round(r.cost), r.cost_missing)

    return Table(f"Gần đạt chuẩn {as_of.year}", HEADER, rows())
