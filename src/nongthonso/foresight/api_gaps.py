"""Foresight's endpoints, added to the one API (``core.registry.ApiRouter``): the ranking of the communes closest to
a level's standard (``GET /api/foresight/gaps``) and a what-if computed without saving
(``POST /api/foresight/whatif``), over the communes the token's user may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from ninja import Field, Query, Router, Schema

from nongthonso.api.errors import ApiError, NotFound
from nongthonso.api.schemas import CODE_PATTERN, BodyIn, IsoDate, responses
from nongthonso.assessments.selectors import grouping_of
from nongthonso.core.dates import default_as_of
from nongthonso.criteria.choices import COMMUNE_LEVELS, Level

from . import scope, whatif
from .ranking import ForesightError, Ranking, base, rank

router = Router(tags=["Dự báo"])
LEVELS = "mức: " + ", ".join(COMMUNE_LEVELS)


class GapOut(Schema):
    code: str
    name: str
    value: Any = Field(description="giá trị đã nhập")
    threshold: Any
    comparator: str
    gap: float = Field(description="khoảng cách theo đơn vị của chỉ tiêu (1: cả chỉ tiêu Đạt/Không, phân loại)")
    normalised: float = Field(description="khoảng cách chia cho độ lớn của ngưỡng, tối đa 1")
    cost: float | None = Field(description="chi phí (đồng) = đơn giá × khoảng cách; null: tỉnh chưa đặt đơn giá")


class CommuneOut(Schema):
    rank: int
    code: str
    name: str
    group: str | None = Field(description="huyện (cũ) hoặc nhóm xã của dòng")
    assessment_year: int
    criteria_met: int
    criteria_total: int
    criteria_failing: int
    failing_criteria: list[str]
    indicators_unknown: int = Field(description="chỉ tiêu chưa có số liệu (không tính vào khoảng cách)")
    distance: float
    cost: float = Field(description="tổng chi phí các chỉ tiêu có đơn giá (đồng)")
    indicators_without_cost: int
    eligible: bool
    gaps: list[GapOut]


class RankingOut(Schema):
    province: str
    as_of: dt.date
    level: str
    criteria_set: str
    communes: list[CommuneOut]
    communes_without_assessment: int


def _place(user, province: str | None, as_of: dt.date | None):
    as_of = as_of or default_as_of()
    code = province or settings.HOME_PROVINCE
    found = next((p for p in scope.provinces(user, as_of) if p.code == code), None)
    if found is None:
        raise NotFound(f"Không có tỉnh mã {code} có hiệu lực ngày {as_of:%d/%m/%Y} trong phạm vi của bạn.")
    communes = scope.communes(user, found, as_of)
    return found, as_of, communes, grouping_of(communes, as_of)


def _ranking_out(ranking: Ranking) -> dict:
    b = ranking.base
    return {"province": b.province.code, "as_of": b.as_of, "level": b.level, "criteria_set": b.cset.code,
            "communes_without_assessment": len(b.missing),
            "communes": [{"rank": r.rank, "code": r.unit.code, "name": r.unit.name,
                          "group": r.group.name if r.group else None, "assessment_year": r.year,
                          "criteria_met": r.criteria_met, "criteria_total": r.criteria_total,
                          "criteria_failing": r.criteria_failing, "failing_criteria": r.failing_criteria,
                          "indicators_unknown": r.indicators_unknown, "distance": r.distance, "cost": r.cost,
                          "indicators_without_cost": r.cost_missing, "eligible": r.eligible,
                          "gaps": [g.__dict__ for g in r.gaps]} for r in ranking.rows]}


def _level(level: str) -> str:
    if level not in COMMUNE_LEVELS:
        raise ApiError(422, "invalid_level", f"Mức «{level}» không có; chọn một trong: {', '.join(COMMUNE_LEVELS)}.")
    return level


@router.get("/foresight/gaps", response=responses(RankingOut), summary="Xã gần đạt chuẩn: khoảng cách và chi phí")
def list_foresight_gaps(request, province: str | None = Query(None, pattern=CODE_PATTERN, example="19"),
              as_of: IsoDate | None = Query(None, example="2023-06-30"),
              level: str = Query(Level.XA_NTM, description=LEVELS)):
    """Các xã (trong phạm vi của bạn) có hồ sơ theo bộ tiêu chí của mức trong kỳ, xếp từ gần đạt chuẩn nhất: số tiêu
    chí chưa đạt, các chỉ tiêu chưa đạt với khoảng cách (chia theo ngưỡng), chỉ tiêu chưa có số liệu, chi phí theo đơn
    giá tỉnh đặt."""
    found, as_of, communes, grouping = _place(request.auth, province, as_of)
    try:
        return _ranking_out(rank(base(found, as_of, _level(level), communes), grouping))
    except ForesightError as exc:
        raise ApiError(422, "no_criteria_set", str(exc)) from None


class WhatIfIn(BodyIn):
    province: str | None = None
    as_of: dt.date | None = None
    level: str = Level.XA_NTM
    changes: list[dict]


class VerdictOut(Schema):
    code: str
    name: str
    criteria_met_before: int
    criteria_met_after: int
    eligible_before: bool
    eligible_after: bool


class WhatIfOut(Schema):
    changes: list[dict]
    verdicts: list[VerdictOut]
    headline: dict[str, list[float | int | None]] = Field(description="số liệu trước và sau: [trước, sau]")
    summary: dict = Field(description="báo cáo tổng hợp của tỉnh tính lại (không lưu gì)")


@router.post("/foresight/whatif", response=responses(WhatIfOut), summary="Giả định: đổi số liệu, xem kết quả "
                                                                          "(không lưu)")
def foresight_what_if(request, payload: WhatIfIn):
    """Áp các thay đổi (docs/foresight.md «What-if») lên số liệu các xã trong phạm vi của bạn, đánh giá lại và tính
    lại báo cáo tổng hợp của tỉnh; không ghi gì vào cơ sở dữ liệu."""
    found, as_of, communes, grouping = _place(request.auth, payload.province, payload.as_of)
    try:
        b = base(found, as_of, _level(payload.level), communes)
        changes = whatif.parse_changes(payload.changes, b, grouping)
    except (ForesightError, whatif.ScenarioInvalid) as exc:
        raise ApiError(422, "invalid_scenario", str(exc)) from None
    outcome = whatif.run(b, changes, grouping)
    return {"changes": changes, "summary": outcome.summary_after.to_dict(),
            "headline": {k: list(v) for k, v in outcome.headline().items()},
            "verdicts": [{"code": v.unit.code, "name": v.unit.name, "criteria_met_before": v.criteria_met_before,
                          "criteria_met_after": v.criteria_met_after, "eligible_before": v.eligible_before,
                          "eligible_after": v.eligible_after} for v in outcome.verdicts]}
