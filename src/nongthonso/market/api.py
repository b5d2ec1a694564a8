"""The board over the REST API (``registry.ApiRouter("market", router)``): the open listings (contacts only where
``market.scope.with_contacts`` allows) and the matches of the caller's own listings, best first. Token or session."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema

from nongthonso.api.schemas import (
    DEFAULT_LIMIT,
    LIMIT_HELP,
    MAX_LIMIT,
    MAX_OFFSET,
    OFFSET_HELP,
    TEXT_PATTERN,
    PageMeta,
    page,
    responses,
)
from nongthonso.core.text import fold

from . import scope, services
from .models import ListingKind
from .public import open_listings

router = Router(tags=["Cung cầu"])

KindCode = Literal[tuple(ListingKind.values)]  # type: ignore[valid-type]


class ContactOut(Schema):
    name: str
    phone: str
    email: str


class ListingOut(Schema):
    id: int
    kind: str
    product: str
    quantity: float
    quantity_unit: str
    period_start: dt.date
    period_end: dt.date
    unit_code: str = Field(description="mã GSO của nơi giao, nhận")
    unit_name: str
    price_min: float | None
    price_max: float | None
    certifications: list[str]
    party: str = Field(description="tên hợp tác xã, chủ thể OCOP hoặc người mua")
    ocop_product: str | None = Field(description="mã sản phẩm OCOP")
    lot: str | None = Field(description="mã truy xuất của lô hàng (đường dẫn /truy-xuat/<mã>/)")
    status: str
    contact: ContactOut | None = Field(description="chỉ có khi người gọi được xem liên hệ")


class ListingPage(PageMeta):
    items: list[ListingOut]


class MatchOut(Schema):
    id: int
    offer: ListingOut
    request: ListingOut
    score: float = Field(description="mức phù hợp 0–1")
    distance_km: float | None
    reasons: list[str]


class MatchPage(PageMeta):
    items: list[MatchOut]


def _out(listing, visible: set[int]) -> dict:
    return {
        "id": listing.pk, "kind": listing.kind, "product": listing.product, "quantity": float(listing.quantity),
        "quantity_unit": listing.quantity_unit, "period_start": listing.period_start,
        "period_end": listing.period_end, "unit_code": listing.unit.code, "unit_name": listing.unit.name,
        "price_min": None if listing.price_min is None else float(listing.price_min),
        "price_max": None if listing.price_max is None else float(listing.price_max),
        "certifications": list(listing.certifications), "party": services.party_name(listing),
        "ocop_product": listing.ocop_product.code if listing.ocop_product_id else None,
        "lot": listing.lot.identifier if listing.lot_id else None, "status": listing.status,
        "contact": {"name": listing.contact_name, "phone": listing.contact_phone, "email": listing.contact_email}
        if listing.pk in visible else None,
    }


def _visible(user, ids) -> set[int]:
    return set(scope.with_contacts(user).filter(pk__in=list(ids)).values_list("pk", flat=True))


@router.get("/market/listings", response=responses(ListingPage), summary="Tin cung cầu đang mở")
def list_listings(
    request,
    kind: KindCode | None = Query(None, description="offer (chào bán) hoặc request (cần mua)"),
    product: str | None = Query(None, pattern=TEXT_PATTERN, description="tên sản phẩm, không cần dấu"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP),
):
    rows = open_listings().order_by("period_end", "pk")
    if kind:
        rows = rows.filter(kind=kind)
    if product:
        rows = rows.filter(product_key__contains=fold(product))
    visible: set[int] = set()

    def prepare(listings):
        visible.update(_visible(request.auth, (x.pk for x in listings)))
        return listings

    return page(rows, limit, offset, lambda x: _out(x, visible), prepare)


@router.get("/market/matches", response=responses(MatchPage), summary="Cặp cung cầu phù hợp với tin của tôi")
def list_matches(
    request,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP),
):
    rows = (scope.matches(request.auth)
            .select_related("offer__unit", "request__unit", "offer__cooperative", "offer__producer",
                            "offer__ocop_product", "offer__lot", "request__cooperative", "request__buyer")
            .order_by("-score", "pk"))
    visible: set[int] = set()

    def prepare(matches):
        visible.update(_visible(request.auth, {x.offer_id for x in matches} | {x.request_id for x in matches}))
        return matches

    return page(rows, limit, offset, lambda m: {
        "id": m.pk, "offer": _out(m.offer, visible), "request": _out(m.request, visible), "score": m.score,
        "distance_km": m.distance_km, "reasons": services.reasons(m)}, prepare)
