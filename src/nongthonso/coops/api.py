"""The co-operative registry over the REST API (``registry.ApiRouter("coops_registry", router)``, under
/api/coops/): co-operatives with their number of members and members' capital (counted from the member and capital
movement rows), their yearly figures.

Scoped like the pages (``coops.scope``): a co-operative the caller may not see is not listed, and asked for by its id
it is 404. Token or session, the API's one error format.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db.models import Count, Q
from ninja import Field, Path, Query, Router, Schema

from nongthonso.api.errors import NotFound
from nongthonso.api.schemas import (
    CODE_PATTERN,
    DEFAULT_LIMIT,
    LIMIT_HELP,
    MAX_ID,
    MAX_LIMIT,
    MAX_OFFSET,
    OFFSET_HELP,
    TEXT_PATTERN,
    PageMeta,
    UnitRef,
    page,
    responses,
    unit_ref,
)
from nongthonso.core.text import fold
from nongthonso.units.collation import vi_name_order

from . import scope, services
from .models import Cooperative, LegalForm, MemberStatus, Sector

router = Router(tags=["Hợp tác xã"])

SectorCode = Literal[tuple(Sector.values)]  # type: ignore[valid-type]
LegalFormCode = Literal[tuple(LegalForm.values)]  # type: ignore[valid-type]


class CoopOut(Schema):
    id: int
    name: str
    registration_code: str = Field(description="mã số hợp tác xã (chủ thể OCOP nối qua mã này)")
    tax_code: str
    legal_form: LegalFormCode
    sector: SectorCode
    unit: UnitRef = Field(description="xã, phường nơi đặt trụ sở (phiên bản đơn vị khi đăng ký)")
    established_on: dt.date | None
    ceased_on: dt.date | None
    members: int = Field(description="số thành viên đang tham gia (đếm từ danh sách thành viên)")
    capital: int = Field(description="vốn góp của thành viên, đồng (tổng các lần góp, trả vốn)")
    synthetic: bool


class CoopPage(PageMeta):
    items: list[CoopOut]


class YearOut(Schema):
    year: int
    revenue: int | None
    profit: int | None
    distributed: int | None = Field(description="lãi chia cho thành viên, đồng")
    employees: int | None
    reported_on: dt.date | None


class OfficerOut(Schema):
    full_name: str
    position: str
    start_on: dt.date | None
    end_on: dt.date | None


class CoopDetail(CoopOut):
    model: str
    address: str
    phone: str
    email: str
    charter_capital: int | None
    officers: list[OfficerOut]
    years: list[YearOut]


def _whole(amount) -> int | None:
    """An amount in đồng (whole numbers) as a JSON integer."""
    return None if amount is None else int(amount)


def _counted(rows):
    return rows.select_related("unit__unit_type__level").annotate(
        n_members=Count("members", filter=Q(members__status=MemberStatus.ACTIVE), distinct=True),
        members_capital=services.coop_capital())


def _coop(c: Cooperative) -> dict:
    return {"id": c.pk, "name": c.name, "registration_code": c.registration_code, "tax_code": c.tax_code,
            "legal_form": c.legal_form, "sector": c.sector, "unit": unit_ref(c.unit),
            "established_on": c.established_on, "ceased_on": c.ceased_on, "members": c.n_members,
            "capital": int(c.members_capital), "synthetic": c.synthetic}


@router.get("/coops", response=responses(CoopPage), summary="Hợp tác xã")
def list_coops(
    request,
    unit: str | None = Query(None, pattern=CODE_PATTERN, description="mã GSO: hợp tác xã của đơn vị và đơn vị cấp "
                             "dưới (cả các đơn vị cũ đã hợp nhất vào nó)", example="19"),
    sector: SectorCode | None = Query(None, description="lĩnh vực"),
    legal_form: LegalFormCode | None = Query(None, description="loại hình"),
    active: bool | None = Query(None, description="true: chỉ hợp tác xã chưa giải thể; false: chỉ đã giải thể"),
    q: str | None = Query(None, max_length=100, pattern=TEXT_PATTERN,
                          description="tìm theo tên, mã số (gõ có hoặc không dấu)", example="che"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP),
):
    """Các hợp tác xã bạn được xem (của đơn vị trong phạm vi vai trò, hoặc hợp tác xã bạn quản lý)."""
    rows = scope.cooperatives(request.auth)
    if unit:
        rows = services.within_unit(rows, unit)
    if sector:
        rows = rows.filter(sector=sector)
    if legal_form:
        rows = rows.filter(legal_form=legal_form)
    if active is not None:
        rows = rows.filter(ceased_on__isnull=active)
    if q:
        rows = rows.filter(search__contains=fold(q))
    return page(_counted(rows).order_by(vi_name_order(), "pk"), limit, offset, _coop)


@router.get("/coops/{coop_id}", response=responses(CoopDetail), summary="Một hợp tác xã")
def get_coop(request, coop_id: int = Path(..., ge=1, le=MAX_ID, description="số hiệu hợp tác xã")):
    """Hợp tác xã ngoài phạm vi được xem: 404."""
    coop = _counted(scope.cooperatives(request.auth)).filter(pk=coop_id).first()
    if coop is None:
        raise NotFound(f"Không có hợp tác xã số {coop_id} trong phạm vi bạn được xem. Kiểm tra số hiệu.")
    return {**_coop(coop), "model": coop.model, "address": coop.address, "phone": coop.phone, "email": coop.email,
            "charter_capital": _whole(coop.charter_capital),
            "officers": [{"full_name": o.full_name, "position": o.position, "start_on": o.start_on,
                          "end_on": o.end_on} for o in coop.officers.all()],
            "years": [{"year": y.year, "revenue": _whole(y.revenue), "profit": _whole(y.profit),
                       "distributed": _whole(y.distributed),
                       "employees": y.employees, "reported_on": y.reported_on} for y in coop.years.all()]}
