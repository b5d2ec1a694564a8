"""A registration plan as a file (``ExportKind`` ``foresight-plan``: ``nongthonso export foresight-plan --unit 19
--year 2024``, /xuat-du-lieu/, ``GET /api/exports/foresight-plan``), written by dataio's formula-safe writers: one
row per suggestion of the latest plan made for the province's registrations of that year that the user may see
(``plan.plans``) — the commune, the level suggested and the one chosen, the plan's year, the forecast probability,
the cost, the reasons in words, and the province office's decision (who, when, the note, the registration made)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone

from nongthonso.core.registry import ExportRequest
from nongthonso.criteria.choices import Level
from nongthonso.dataio.exports import NeedsUnitAndYear, NothingFound, Table

from . import plan as planning
from .models import Plan

KIND = "foresight-plan"
FILENAME = "ke-hoach-dang-ky"
HEADER = ("plan_id", "plan_as_of", "province_code", "year", "level", "rank", "unit_code", "unit_name",
          "suggested_level", "chosen_level", "probability", "chance", "cost_vnd", "reasons", "decision",
          "decided_by", "decided_at", "note", "registration_id")


def export(request: ExportRequest) -> Table:
    if not request.unit or not request.year:
        raise NeedsUnitAndYear("kế hoạch đăng ký đạt chuẩn")
    plans = Plan.objects.select_related("province") if request.user is None else planning.plans(request.user)
    found = plans.filter(province__code=request.unit, year=request.year).order_by("-created_at", "-pk").first()
    if found is None:
        raise NothingFound(f"Không có kế hoạch đăng ký đạt chuẩn năm {request.year} của tỉnh mã {request.unit} trong "
                          "phạm vi bạn được xem. Ghi mã GSO của tỉnh và năm đăng ký của một kế hoạch đã lập "
                          "(danh sách tại trang Dự báo › Kế hoạch đăng ký).")
    suggestions = (found.suggestions.select_related("unit", "decided_by").order_by("level", "rank"))

    def rows() -> Iterator[tuple]:
        for s in suggestions:
            decided_at = timezone.localtime(s.decided_at).strftime("%Y-%m-%d %H:%M") if s.decided_at else None
            yield (found.pk, found.as_of.isoformat(), found.province.code, found.year, Level(s.level).label, s.rank,
                   s.unit.code, s.unit.name, s.level, s.chosen_level, round(s.probability, 3),
                   s.reasons.get("chance"), int(s.cost), " ".join(s.reasons.get("text", ())),
                   s.get_status_display(), s.decided_by.get_username() if s.decided_by else None, decided_at,
                   s.note, s.registration_id)

    return Table(f"Kế hoạch {found.year}", HEADER, rows())
