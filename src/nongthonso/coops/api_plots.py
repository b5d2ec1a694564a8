"""A co-operative's plots and certifications over the REST API (``registry.ApiRouter("coops_plots", router)``):
``GET /api/coops/{id}/plots``, ``POST /api/coops/{id}/plots`` and ``GET /api/coops/{id}/certifications``.

Scoped like the pages (``coops.scope``): a co-operative the caller may not see is 404; writing a plot of one they see
but do not manage is 403 ``role``; a geometry refused by ``plots.parse`` is 422 ``geometry``, a plot code already
used 409 ``duplicate``. Areas are m²; ``computed_area_m2`` is measured on the local equal-area projection
(``coops.plots``).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from nongthonso.api.errors import ApiError, NotFound
from nongthonso.api.schemas import (
    DEFAULT_LIMIT,
    LIMIT_HELP,
    MAX_ID,
    MAX_LIMIT,
    MAX_OFFSET,
    OFFSET_HELP,
    BodyIn,
    PageMeta,
    page,
    responses,
)
from nongthonso.units.models import Unit

from . import plots, scope
from .models import Cooperative

router = Router(tags=["Hợp tác xã: thửa đất, chứng nhận"])


class PlotOut(Schema):
    id: int
    code: str
    name: str
    commune: str = Field(description="mã GSO của xã")
    member: str | None = Field(description="mã thành viên canh tác (null: hợp tác xã)")
    area_m2: float = Field(description="diện tích khai báo")
    computed_area_m2: float | None = Field(description="diện tích theo ranh giới (vùng), null với điểm")
    area_warning: str = Field(description="cảnh báo khi lệch quá 20%, rỗng nếu không")
    crop: str
    season: str
    growing_area_code: str
    geometry: dict | None
    centroid: list[float] | None = Field(description="[kinh độ, vĩ độ] của tâm hình")
    certifications: list[int]


class PlotPage(PageMeta):
    items: list[PlotOut]


class CertificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    number: str
    certifier: str
    scope: str
    plots: list[str]
    ocop_product: str | None = Field(description="mã sản phẩm OCOP")
    issued_on: str
    valid_until: str | None
    in_force: bool
    has_scan: bool


class CertificationPage(PageMeta):
    items: list[CertificationOut]


class PlotIn(BodyIn):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field("", max_length=200)
    commune: str = Field(pattern=r"^[0-9]{1,10}$", description="mã GSO của xã")
    member: str | None = Field(None, max_length=30, description="mã thành viên")
    area_m2: Decimal = Field(gt=0, lt=Decimal("1e11"))
    crop: str = Field(min_length=1, max_length=200)
    season: str = Field("", max_length=100)
    growing_area_code: str = Field("", max_length=60)
    geometry: dict | None = Field(None, description="GeoJSON Point, Polygon hoặc MultiPolygon")


def _cooperative(user, pk: int) -> Cooperative:
    cooperative = scope.cooperatives(user).filter(pk=pk).select_related("unit").first()
    if cooperative is None:
        raise NotFound(f"Không có hợp tác xã số {pk} trong phạm vi bạn được xem.")
    return cooperative


def _plot(plot) -> dict:
    geometry = plots.describe(plot)
    return {"id": plot.pk, "code": plot.code, "name": plot.name, "commune": plot.unit.code,
            "member": plot.member.code if plot.member else None, "area_m2": float(plot.area_m2),
            "computed_area_m2": round(geometry.area_m2, 1) if geometry and geometry.area_m2 is not None else None,
            "area_warning": plots.area_warning(geometry, plot.area_m2), "crop": plot.crop, "season": plot.season,
            "growing_area_code": plot.growing_area_code, "geometry": plot.geometry,
            "centroid": [round(geometry.lon, 7), round(geometry.lat, 7)] if geometry else None,
            "certifications": [c.pk for c in plot.certifications.all()]}


@router.get("/coops/{cooperative_id}/plots", response=responses(PlotPage), summary="Thửa đất của một hợp tác xã")
def list_plots(request, cooperative_id: int = Path(..., ge=1, le=MAX_ID),
               limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
               offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP)):
    cooperative = _cooperative(request.auth, cooperative_id)
    rows = cooperative.plots.select_related("unit", "member").prefetch_related("certifications").order_by("code")
    return page(rows, limit, offset, _plot)


@router.post("/coops/{cooperative_id}/plots", response=responses(PlotOut), summary="Thêm thửa đất")
def create_plot(request, payload: PlotIn, cooperative_id: int = Path(..., ge=1, le=MAX_ID)):
    """Như trang «Thêm thửa»: chỉ người quản lý hợp tác xã (403 ``role``)."""
    user = request.auth
    cooperative = _cooperative(user, cooperative_id)
    if not scope.managed(user).filter(pk=cooperative.pk).exists():
        raise ApiError(403, "role", f"Bạn không quản lý hợp tác xã «{cooperative.name}».")
    if cooperative.plots.filter(code=payload.code).exists():
        raise ApiError(409, "duplicate", f"Mã thửa «{payload.code}» đã có trong hợp tác xã; chọn mã khác.")
    unit = Unit.objects.valid_on(timezone.localdate()).at_level("xa").filter(code=payload.commune).first()
    if unit is None:
        raise ApiError(422, "commune", f"Không có xã mã «{payload.commune}» còn hiệu lực hôm nay.")
    member = None
    if payload.member:
        member = cooperative.members.filter(code=payload.member).first()
        if member is None:
            raise ApiError(422, "member", f"Hợp tác xã không có thành viên mã «{payload.member}».")
    geometry = None
    if payload.geometry is not None:
        try:
            geometry = plots.parse(payload.geometry)
        except plots.GeometryError as error:
            raise ApiError(422, "geometry", str(error)) from None
    plot = plots.save_plot(cooperative, {"code": payload.code, "name": payload.name, "unit": unit, "member": member,
                                         "area_m2": payload.area_m2, "crop": payload.crop, "season": payload.season,
                                         "growing_area_code": payload.growing_area_code, "geometry": geometry},
                           user=user)
    return _plot(plot)


def _certification(c, today) -> dict:
    return {"id": c.pk, "kind": c.kind, "kind_label": c.get_kind_display(), "number": c.number,
            "certifier": c.certifier, "scope": c.scope, "plots": [p.code for p in c.plots.all()],
            "ocop_product": c.ocop_product.code if c.ocop_product else None, "issued_on": c.issued_on.isoformat(),
            "valid_until": c.valid_until.isoformat() if c.valid_until else None,
            "in_force": c.issued_on <= today and (c.valid_until is None or c.valid_until >= today),
            "has_scan": bool(c.scan)}


@router.get("/coops/{cooperative_id}/certifications", response=responses(CertificationPage),
            summary="Chứng nhận của một hợp tác xã")
def list_certifications(request, cooperative_id: int = Path(..., ge=1, le=MAX_ID),
                        limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
                        offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP)):
    cooperative = _cooperative(request.auth, cooperative_id)
    today = timezone.localdate()
    rows = cooperative.certifications.select_related("ocop_product").prefetch_related("plots")
    return page(rows, limit, offset, lambda c: _certification(c, today))
