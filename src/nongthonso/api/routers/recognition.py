"""Recognition decisions (public legal facts) and registrations (scoped to the user's units)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db.models import Prefetch
from ninja import Field, Query, Router, Schema

from nongthonso.accounts.models import Action
from nongthonso.accounts.services import restrict
from nongthonso.recognition.models import Decision, Registration
from nongthonso.units.collation import vi_name_order
from nongthonso.units.models import Unit

from ..schemas import (
    DEFAULT_LIMIT,
    LEVEL_PATTERN,
    LIMIT_HELP,
    MAX_ID,
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_YEAR,
    MIN_YEAR,
    OFFSET_HELP,
    PageMeta,
    UnitRef,
    page,
    responses,
    unit_ref,
)

router = Router(tags=["Công nhận"])


class DecisionOut(Schema):
    id: int
    number: str
    date: dt.date
    authority: str
    kind: Literal["recognition", "revocation"]
    level: str
    level_name: str
    for_year: int | None = Field(description="công nhận cho năm (có thể khác năm ban hành)")
    note: str
    synthetic: bool
    units: list[UnitRef]


class DecisionPage(PageMeta):
    items: list[DecisionOut]


class RegistrationOut(Schema):
    id: int
    unit: UnitRef
    target_level: str
    target_level_name: str
    target_year: int
    registered_on: dt.date
    note: str
    synthetic: bool


class RegistrationPage(PageMeta):
    items: list[RegistrationOut]


def _decision_out(d: Decision) -> dict:
    return {"id": d.pk, "number": d.number, "date": d.date, "authority": d.authority, "kind": d.kind,
            "level": d.level, "level_name": d.get_level_display(), "for_year": d.for_year, "note": d.note,
            "synthetic": d.synthetic, "units": [unit_ref(u) for u in d.units.all()]}


def _registration_out(r: Registration) -> dict:
    return {"id": r.pk, "unit": unit_ref(r.unit), "target_level": r.target_level,
            "target_level_name": r.get_target_level_display(), "target_year": r.target_year,
            "registered_on": r.registered_on, "note": r.note, "synthetic": r.synthetic}


def _path_of(unit_id: int) -> str | None:
    return Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first()


@router.get("/decisions", response=responses(DecisionPage), summary="Quyết định công nhận, thu hồi")
def list_decisions(
    request,
    level: str | None = Query(None, pattern=LEVEL_PATTERN, description="mức: xa_ntm, xa_ntm_nang_cao …"),
    year: int | None = Query(None, ge=MIN_YEAR, le=MAX_YEAR, description="năm ban hành"),
    for_year: int | None = Query(None, ge=MIN_YEAR, le=MAX_YEAR, description="công nhận cho năm"),
    kind: Literal["recognition", "revocation"] | None = Query(None, description="công nhận hoặc thu hồi"),
    unit: int | None = Query(None, ge=1, le=MAX_ID, description="id đơn vị: quyết định về đơn vị này hoặc trực thuộc"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP),
):
    """Quyết định là văn bản công khai: không giới hạn theo đơn vị được giao (nhưng vẫn cần xác thực)."""
    qs = Decision.objects.prefetch_related(Prefetch("units", queryset=Unit.objects.select_related(
        "unit_type__level").order_by(vi_name_order(), "code")))
    if level:
        qs = qs.filter(level=level)
    if year is not None:
        qs = qs.filter(date__year=year)
    if for_year is not None:
        qs = qs.filter(for_year=for_year)
    if kind:
        qs = qs.filter(kind=kind)
    if unit is not None:
        path = _path_of(unit)
        qs = qs.filter(pk__in=Decision.objects.filter(units__path__startswith=path).values("pk")) if path else qs.none()
    return page(qs.order_by("-date", "number", "pk"), limit, offset, _decision_out)


@router.get("/registrations", response=responses(RegistrationPage),
            summary="Đăng ký đạt chuẩn của các đơn vị bạn được xem")
def list_registrations(
    request,
    level: str | None = Query(None, pattern=LEVEL_PATTERN, description="mức đăng ký"),
    year: int | None = Query(None, ge=MIN_YEAR, le=MAX_YEAR, description="năm phấn đấu đạt chuẩn"),
    unit: int | None = Query(None, ge=1, le=MAX_ID, description="id đơn vị: đăng ký của đơn vị này hoặc trực thuộc"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP),
):
    """Giới hạn theo đơn vị được giao, như hồ sơ (``accounts.services.restrict``, thao tác «view»)."""
    qs = restrict(Registration.objects.select_related("unit__unit_type__level"), request.auth, Action.VIEW)
    if level:
        qs = qs.filter(target_level=level)
    if year is not None:
        qs = qs.filter(target_year=year)
    if unit is not None:
        path = _path_of(unit)
        qs = qs.filter(unit__path__startswith=path) if path else qs.none()
    return page(qs.order_by("-target_year", vi_name_order("unit__"), "target_level", "pk"), limit, offset,
                _registration_out)
