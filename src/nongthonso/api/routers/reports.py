"""The provincial summary, from the same computation as the dashboard and ``nongthonso report summary``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import create_model

from nongthonso.core import registry
from nongthonso.reports.services import summary, summary_text
from nongthonso.units.services import UnitNotFound

from ..errors import NotFound
from ..schemas import CODE_PATTERN, IsoDate, responses

router = Router(tags=["Báo cáo"])


class SummaryUnit(Schema):
    code: str
    name: str
    type: str


class LevelDecisions(Schema):
    communes: int = Field(description="số xã được công nhận trong kỳ")
    for_years: list[int]


class DistrictDecision(Schema):
    number: str
    date: dt.date
    authority: str
    level: str
    for_year: int | None
    units: list[str]


class CriteriaSetFigures(Schema):
    code: str
    name: str
    legal_basis: str
    criteria: int = Field(description="số tiêu chí của bộ (19: 2021-2025; 10: 2026-2030)")
    communes: int = Field(description="số xã có bản đánh giá mới nhất theo bộ này")
    criteria_met_sum: int
    all_met: int = Field(description="số xã đạt đủ mọi tiêu chí của bộ")
    avg_criteria: float


class Grouping(Schema):
    code: str = Field(description="don-vi (huyện đang có), huyen-cu (huyện cũ theo lịch sử đơn vị), nhom-xa (nhóm xã)")
    label: str


class ProgrammeTarget(Schema):
    programme: str
    legal_basis: str
    code: str
    level: str
    of: str
    target_pct: float
    by_year: int
    approximate: bool
    text: str
    text_en: str
    communes: int | None
    actual_pct: float | None
    verified: bool = Field(description="false: con số lấy từ bản tin, chưa đối chiếu nguyên văn")
    source: str


class ProvinceDecision(Schema):
    number: str
    date: dt.date
    authority: str
    kind: str
    level: str
    for_year: int | None


class ProvinceCompletion(Schema):
    level: str
    legal_basis: str
    applies: bool
    completed: bool
    decision: ProvinceDecision | None
    decision_in_period: bool
    targets: list[ProgrammeTarget]


# reports.services.Summary.to_dict(), field for field, and the paragraph (the schemas above: its parts)
class SummaryFigures(Schema):
    as_of: dt.date
    period_start: dt.date
    unit: SummaryUnit
    communes_total: int
    ntm: int
    ntm_pct: float | None
    advanced: int
    model: int
    provisional: int = Field(description="xã hình thành do sáp nhập, tạm xác định theo các xã cũ")
    model_hamlets: int
    communes_assessed: int
    avg_criteria: float | None
    criteria_met_sum: int
    min_criteria: int | None
    communes_below_10: int
    criteria_distribution: dict[str, int] = Field(description="số tiêu chí đạt → số xã")
    decisions_in_period: dict[str, LevelDecisions]
    revocations_in_period: int
    registrations: dict[str, int]
    registrations_year: int
    completed_districts: list[str]
    district_decisions_in_period: list[DistrictDecision]
    structure: str = Field(description="three_tier (có cấp huyện) hoặc two_tier (xã trực thuộc tỉnh, từ 1/7/2025)")
    modern: int = Field(description="số xã nông thôn mới hiện đại")
    criteria_total: int | dict[str, int] | None = Field(
        description="số tiêu chí của bộ tiêu chí các bản đánh giá dùng; nhiều bộ: theo mã bộ")
    criteria_sets: list[CriteriaSetFigures]
    communes_all_met: int
    grouping: Grouping
    province_completion: ProvinceCompletion | None
    text: str = Field(description="đoạn tóm tắt bằng tiếng Việt, như trong báo cáo của tỉnh")


# and the sections other apps add (core.registry.SummarySection: «ocop» …), under their codes as in the command's JSON
SummaryOut = create_model(
    "SummaryOut", __base__=SummaryFigures,
    **{entry.code: (dict[str, Any], Field(description=f"{entry.label}: phần một ứng dụng bổ sung vào số liệu tổng hợp"))
       for entry in registry.entries(registry.SummarySection)})


@router.get("/summary", response=responses(SummaryOut), summary="Số liệu tổng hợp của một đơn vị tại một ngày")
def get_summary(
    request,
    unit: str | None = Query(None, pattern=CODE_PATTERN,
                             description="mã GSO của đơn vị, ví dụ 19 (tỉnh Thái Nguyên); mặc định: tỉnh của hệ thống "
                                         "(NONGTHONSO_HOME_PROVINCE)", example="19"),
    as_of: IsoDate | None = Query(None, description="ngày báo cáo (mặc định hôm nay)", example="2023-06-30"),
):
    """Công khai như trang tổng hợp: không giới hạn theo đơn vị được giao (nhưng vẫn cần xác thực)."""
    try:
        data = summary(unit or settings.HOME_PROVINCE, as_of or timezone.localdate())
    except UnitNotFound as exc:
        raise NotFound(str(exc)) from None
    return {**data.to_dict(), "text": summary_text(data)}
