"""Lots over the REST API (``registry.ApiRouter("coops_trace", router)``, under /api/coops/lots): the lots of the
co-operatives the caller may see (``scope.cooperatives``), one lot with its chain one step back and forward, and its
EPCIS 2.0 JSON-LD. A lot out of scope is 404 (never 403). Token or session, the API's one error format."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Path, Query, Router, Schema

from nongthonso.api.errors import NotFound
from nongthonso.api.schemas import (
    DEFAULT_LIMIT,
    LIMIT_HELP,
    MAX_ID,
    MAX_LIMIT,
    MAX_OFFSET,
    OFFSET_HELP,
    page,
    responses,
)

from . import epcis, scope, trace
from .models import Lot

router = Router(tags=["Truy xuất nguồn gốc"])


class LotRef(Schema):
    id: int
    identifier: str = Field(description="mã truy xuất: /truy-xuat/<identifier>/")
    gtin: str
    lot_number: str
    product_name: str
    produced_on: dt.date


class LotOut(LotRef):
    cooperative_id: int
    cooperative: str
    quantity: float
    quantity_left: float = Field(description="số lượng chưa đem chế biến (tính từ các sự kiện chế biến)")
    quantity_unit: str
    best_before: dt.date | None
    standards: str
    ocop_product_id: int | None
    public_url: str
    digital_link: str = Field(description="GS1 Digital Link: https://<máy chủ>/01/<gtin>/10/<lô>")
    epc_class: str = Field(description="urn:epc:class:lgtin:…")
    synthetic: bool


class LotPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[LotOut]


class LotDetail(LotOut):
    inputs: list[LotRef]
    outputs: list[LotRef]


def _ref(lot: Lot) -> dict:
    return {"id": lot.pk, "identifier": lot.identifier, "gtin": lot.gtin, "lot_number": lot.lot_number,
            "product_name": lot.product_name, "produced_on": lot.produced_on}


def _lot(lot: Lot) -> dict:
    return {**_ref(lot), "cooperative_id": lot.cooperative_id, "cooperative": lot.cooperative.name,
            "quantity": float(lot.quantity), "quantity_left": float(trace.lot_left(lot)),
            "quantity_unit": lot.quantity_unit, "best_before": lot.best_before, "standards": lot.standards,
            "ocop_product_id": lot.ocop_product_id, "public_url": trace.public_url(lot),
            "digital_link": trace.digital_link(lot), "epc_class": trace.lgtin(lot), "synthetic": lot.synthetic}


def _visible(request):
    return Lot.objects.filter(cooperative__in=scope.cooperatives(request.auth)).select_related("cooperative")


def _found(request, lot_id: int) -> Lot:
    lot = _visible(request).filter(pk=lot_id).first()
    if lot is None:
        raise NotFound(f"Không có lô id {lot_id} trong phạm vi bạn được xem. Kiểm tra id của lô.")
    return lot


@router.get("/coops/lots", response=responses(LotPage), summary="Lô hàng của các hợp tác xã")
def list_lots(
    request,
    cooperative: int | None = Query(None, ge=1, le=MAX_ID, description="id hợp tác xã"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP),
):
    lots = _visible(request)
    if cooperative:
        lots = lots.filter(cooperative_id=cooperative)
    return page(lots.order_by("-produced_on", "-pk"), limit, offset, _lot)


@router.get("/coops/lots/{lot_id}", response=responses(LotDetail), summary="Một lô với chuỗi một bước trước, sau")
def get_lot(request, lot_id: int = Path(..., ge=1, le=MAX_ID)):
    lot = _found(request, lot_id)
    return {**_lot(lot), "inputs": [_ref(x) for x in trace.inputs_of(lot)],
            "outputs": [_ref(x) for x in trace.outputs_of(lot)]}


@router.get("/coops/lots/{lot_id}/epcis", response=responses(dict), summary="Sự kiện EPCIS 2.0 (JSON-LD) của lô")
def get_epcis(request, lot_id: int = Path(..., ge=1, le=MAX_ID)):
    return epcis.document(_found(request, lot_id))
