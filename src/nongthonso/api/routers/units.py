"""Administrative units as they were on a date (public facts; the API still requires authentication)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from nongthonso.units.collation import vi_name_order
from nongthonso.units.models import CommuneGroupAssignment, Unit

from ..errors import NotFound
from ..schemas import (
    CODE_PATTERN,
    DEFAULT_LIMIT,
    LEVEL_PATTERN,
    LIMIT_HELP,
    MAX_ID,
    MAX_LIMIT,
    MAX_OFFSET,
    OFFSET_HELP,
    IsoDate,
    PageMeta,
    UnitRef,
    page,
    responses,
    unit_ref,
)

router = Router(tags=["Đơn vị hành chính"])

_RELATED = ("unit_type__level", "parent__unit_type__level", "parent__parent__unit_type__level",
            "parent__parent__parent__unit_type__level")


class GroupSpanOut(Schema):
    group: int = Field(description="nhóm xã theo Quyết định 51/2025/QĐ-TTg: 1, 2 hoặc 3")
    valid_from: dt.date
    valid_to: dt.date | None = Field(description="null: còn áp dụng")
    decision_number: str = Field(description="số quyết định xếp nhóm của UBND tỉnh")
    decision_date: dt.date | None
    authority: str
    note: str
    synthetic: bool = Field(description="dữ liệu minh họa")


class UnitOut(Schema):
    id: int
    code: str = Field(description="mã GSO; một mã có thể được dùng lại cho đơn vị khác ở thời kỳ khác")
    name: str
    type: str = Field(description="mã loại đơn vị: tinh, huyen, thanh-pho, xa, phuong, thi-tran, xom …")
    type_name: str
    level: str = Field(description="mã cấp: tinh, huyen, xa, xom")
    depth: int = Field(description="1 tỉnh, 2 huyện, 3 xã, 4 xóm")
    parent_id: int | None
    valid_from: dt.date
    valid_to: dt.date | None = Field(description="null: còn hiệu lực")
    region: str = Field(description="vùng kinh tế - xã hội (QĐ 318/QĐ-TTg); rỗng: theo đơn vị cấp trên")
    commune_group: int | None = Field(
        description="nhóm xã (QĐ 51/2025/QĐ-TTg) áp dụng ngày as_of (mặc định hôm nay); null: chưa được xếp nhóm")
    commune_group_history: list[GroupSpanOut] = Field(
        description="các lần xếp nhóm xã của đơn vị, cũ trước, mỗi lần kèm quyết định của UBND tỉnh")
    dac_biet_kho_khan: bool
    atk: bool
    synthetic: bool = Field(description="dữ liệu minh họa, không phải danh mục chính thức")
    ancestors: list[UnitRef] = Field(description="các cấp trên, từ tỉnh xuống")


class UnitPage(PageMeta):
    items: list[UnitOut]


def _groups() -> Prefetch:
    return Prefetch("group_assignments", queryset=CommuneGroupAssignment.objects.order_by("valid_from", "pk"))


def _span_out(span: CommuneGroupAssignment) -> dict:
    return {"group": span.group, "valid_from": span.valid_from, "valid_to": span.valid_to,
            "decision_number": span.decision_number, "decision_date": span.decision_date,
            "authority": span.authority, "note": span.note, "synthetic": span.synthetic}


def unit_out(unit: Unit, on: dt.date | None = None) -> dict:
    """``unit`` as the API shows it, with its commune group on ``on`` (default today) and its group history
    (``group_assignments`` prefetched by the caller, or one query)."""
    on = on or timezone.localdate()
    spans = list(unit.group_assignments.all())
    current = [s for s in spans if s.valid_from <= on and (s.valid_to is None or s.valid_to >= on)]
    level = unit.unit_type.level
    return {
        "id": unit.pk, "code": unit.code, "name": unit.name, "type": unit.unit_type.code,
        "type_name": unit.unit_type.name, "level": level.code, "depth": level.depth, "parent_id": unit.parent_id,
        "valid_from": unit.valid_from, "valid_to": unit.valid_to, "region": unit.region,
        "commune_group": max(current, key=lambda s: s.valid_from).group if current else None,
        "commune_group_history": [_span_out(s) for s in spans],
        "dac_biet_kho_khan": unit.dac_biet_kho_khan, "atk": unit.atk,
        "synthetic": unit.synthetic, "ancestors": [unit_ref(a) for a in unit.ancestors()],
    }


@router.get("/units", response=responses(UnitPage), summary="Danh sách đơn vị hành chính tại một ngày")
def list_units(
    request,
    as_of: IsoDate | None = Query(None, description="ngày xem (mặc định hôm nay): chỉ các đơn vị còn hiệu lực"),
    level: str | None = Query(None, pattern=LEVEL_PATTERN, description="mã cấp: tinh, huyen, xa, xom"),
    parent: int | None = Query(None, ge=1, le=MAX_ID, description="id đơn vị cấp trên trực tiếp"),
    code: str | None = Query(None, pattern=CODE_PATTERN, description="mã GSO"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP),
):
    """Các phiên bản đơn vị có hiệu lực ngày ``as_of``, theo thứ tự chữ cái tiếng Việt, kèm các cấp trên."""
    on = as_of or timezone.localdate()
    qs = Unit.objects.valid_on(on).select_related(*_RELATED).prefetch_related(_groups())
    if level:
        qs = qs.filter(unit_type__level__code=level)
    if parent is not None:
        qs = qs.filter(parent_id=parent)
    if code:
        qs = qs.filter(code=code)
    return page(qs.order_by(vi_name_order(), "code", "pk"), limit, offset, lambda unit: unit_out(unit, on))


@router.get("/units/{unit_id}", response=responses(UnitOut), summary="Một đơn vị hành chính (một phiên bản)")
def get_unit(
    request,
    unit_id: int = Path(..., ge=1, le=MAX_ID),
    as_of: IsoDate | None = Query(None, description="ngày xét nhóm xã (mặc định hôm nay)"),
):
    unit = Unit.objects.select_related(*_RELATED).prefetch_related(_groups()).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(f"Không có đơn vị hành chính id {unit_id}. Tìm id bằng GET /api/units?as_of=…&code=….")
    return unit_out(unit, as_of)
