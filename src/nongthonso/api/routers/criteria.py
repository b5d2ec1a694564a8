"""The criteria catalogue: sets, their criteria and indicators, and every threshold with its provenance."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import Count, Prefetch
from ninja import Field, Path, Query, Router, Schema

from nongthonso.core.text import same_value
from nongthonso.criteria.models import CriteriaSet, Criterion, Indicator

from ..errors import NotFound
from ..schemas import (
    DEFAULT_LIMIT,
    LEVEL_PATTERN,
    LIMIT_HELP,
    MAX_ID,
    MAX_LIMIT,
    MAX_OFFSET,
    OFFSET_HELP,
    IsoDate,
    PageMeta,
    page,
    responses,
)

router = Router(tags=["Bộ tiêu chí"])


class CriteriaSetOut(Schema):
    id: int
    code: str
    version: int
    level: str = Field(description="cấp công nhận: xa_ntm, xa_ntm_nang_cao, xa_ntm_kieu_mau, huyen_ntm …")
    level_name: str
    name: str
    legal_basis: str
    effective_from: dt.date
    effective_to: dt.date | None
    requires: str | None = Field(description="mã bộ tiêu chí phải đạt trước (ví dụ nâng cao cần NTM)")
    superseded_by_id: int | None
    verified: bool = Field(description="false: chưa đối chiếu với văn bản chính thức")
    source: str
    criteria_count: int
    indicators_count: int


class CriteriaSetPage(PageMeta):
    items: list[CriteriaSetOut]


class ConfirmationOut(Schema):
    province_code: str = Field(description="tỉnh đã xác nhận ngưỡng (bộ quốc gia: mỗi tỉnh xác nhận cho mình)")
    value: Any = Field(description="giá trị ngưỡng đã xác nhận")
    document: str
    article: str
    appendix: str
    page: str
    citation: str = Field(description="văn bản, điều, phụ lục, trang gộp lại: «Quyết định 318/QĐ-TTg, Phụ lục I, "
                                      "trang 5»")
    confirmed_by: str
    confirmed_at: dt.datetime


class ThresholdOut(Schema):
    region: str = Field(description="rỗng: mọi vùng")
    commune_group: int | None
    year: int | None
    province_code: str = Field(description="rỗng: mức chung toàn quốc; có mã: tỉnh quy định cụ thể")
    value: Any
    verified: bool
    provenance: Literal["quoted", "secondary", "placeholder", "province"] = Field(
        description="nguồn gốc ngưỡng: quoted — trích từ chính văn bản; secondary — nguồn thứ cấp (báo chí, văn bản "
                    "địa phương khác); placeholder — tạm đặt, chưa có nguồn; province — do tỉnh quy định")
    source: str
    confirmations: list[ConfirmationOut] = Field(
        description="Văn phòng Điều phối NTM tỉnh đã đối chiếu ngưỡng với văn bản (trang /tieu-chi/doi-chieu-nguong/); "
                    "chỉ các xác nhận còn đúng giá trị hiện tại")


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    value_type: str = Field(description="boolean, percent, number, money, category")
    comparator: str
    categories: list[str]
    threshold_ref: dict[str, Any]
    verified: bool
    source: str
    thresholds: list[ThresholdOut]


class CriterionOut(Schema):
    code: str
    name: str
    group: str
    condition: bool = Field(description="điều kiện công nhận, không tính vào số tiêu chí đạt")
    revocation_key: bool
    indicators: list[IndicatorOut]


class CriteriaSetDetail(CriteriaSetOut):
    criteria: list[CriterionOut]


def _set_out(cs: CriteriaSet, criteria_count: int, indicators_count: int) -> dict:
    return {
        "id": cs.pk, "code": cs.code, "version": cs.version, "level": cs.level, "level_name": cs.get_level_display(),
        "name": cs.name, "legal_basis": cs.legal_basis, "effective_from": cs.effective_from,
        "effective_to": cs.effective_to, "requires": cs.requires.code if cs.requires_id else None,
        "superseded_by_id": cs.superseded_by_id, "verified": cs.verified, "source": cs.source,
        "criteria_count": criteria_count, "indicators_count": indicators_count,
    }


def _indicator_out(ind: Indicator) -> dict:
    return {
        "code": ind.code, "name": ind.name, "unit": ind.unit, "value_type": ind.value_type,
        "comparator": ind.comparator, "categories": list(ind.categories or []),
        "threshold_ref": dict(ind.threshold_ref or {}), "verified": ind.verified, "source": ind.source,
        "thresholds": [{"region": t.region, "commune_group": t.commune_group, "year": t.year,
                        "province_code": t.province_code, "value": t.value, "verified": t.verified,
                        "provenance": t.provenance, "source": t.source,
                        "confirmations": [c.to_dict() for c in t.confirmations.all() if same_value(c.value, t.value)]}
                       for t in ind.thresholds.all()],
    }


@router.get("/criteria-sets", response=responses(CriteriaSetPage), summary="Danh sách bộ tiêu chí")
def list_criteria_sets(
    request,
    level: str | None = Query(None, pattern=LEVEL_PATTERN, description="cấp công nhận, ví dụ xa_ntm"),
    as_of: IsoDate | None = Query(None, description="chỉ các bộ có hiệu lực ngày này"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP),
):
    qs = (CriteriaSet.objects.select_related("requires")
          .annotate(n_criteria=Count("criteria", distinct=True), n_indicators=Count("indicators", distinct=True)))
    if level:
        qs = qs.filter(level=level)
    if as_of is not None:
        qs = qs.in_force_on(as_of)
    return page(qs.order_by("effective_from", "code", "version", "pk"), limit, offset,
                lambda cs: _set_out(cs, cs.n_criteria, cs.n_indicators))


@router.get("/criteria-sets/{set_id}", response=responses(CriteriaSetDetail),
            summary="Một bộ tiêu chí: tiêu chí, chỉ tiêu, ngưỡng và nguồn")
def get_criteria_set(request, set_id: int = Path(..., ge=1, le=MAX_ID)):
    cs = CriteriaSet.objects.select_related("requires").filter(pk=set_id).first()
    if cs is None:
        raise NotFound(f"Không có bộ tiêu chí id {set_id}. Xem danh sách tại GET /api/criteria-sets.")
    indicators = Indicator.objects.order_by("position").prefetch_related("thresholds__confirmations")
    criteria = list(Criterion.objects.filter(criteria_set=cs).order_by("position")
                    .prefetch_related(Prefetch("indicators", queryset=indicators)))
    data = _set_out(cs, len(criteria), sum(len(c.indicators.all()) for c in criteria))
    data["criteria"] = [{"code": c.code, "name": c.name, "group": c.group, "condition": c.condition,
                         "revocation_key": c.revocation_key,
                         "indicators": [_indicator_out(i) for i in c.indicators.all()]} for c in criteria]
    return data
