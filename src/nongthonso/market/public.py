"""The public supply–demand board ``/cho-nong-san/`` (no login, cached per data revision): the open offers and
requests, searched without diacritics and filtered by kind, product and place, WITHOUT contacts — a listing's page
shows its contacts only to those ``market.scope.with_contacts`` lets see them. OCOP products show their stars on the
day (``ocop.status.stars_on``); a traced lot links to its public page ``/truy-xuat/<identifier>/``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from nongthonso.core.text import fold
from nongthonso.ocop.status import stars_on
from nongthonso.reports.views import cached_page

from . import scope
from .models import Listing, ListingKind, ListingStatus

PAGE_SIZE = 30


def trace_path(lot) -> str | None:
    """The public traceability page of a lot, as a plain path (its app owns the view)."""
    return f"/truy-xuat/{lot.identifier}/" if lot is not None and lot.identifier else None


def open_listings():
    return (Listing.objects.filter(status=ListingStatus.OPEN, period_end__gte=timezone.localdate())
            .select_related("unit", "cooperative", "producer", "buyer", "ocop_product", "lot"))


def _query(request) -> dict:
    kind = request.GET.get("loai", "")
    return {"text": request.GET.get("q", "")[:100].strip(), "kind": kind if kind in ListingKind.values else "",
            "product": request.GET.get("sp", "")[:100].strip(), "place": request.GET.get("noi", "")[:100].strip()}


def filtered(query: dict):
    rows = open_listings()
    if query["kind"]:
        rows = rows.filter(kind=query["kind"])
    if query["product"]:
        rows = rows.filter(product_key__contains=fold(query["product"]))
    if query["place"]:
        rows = rows.filter(Q(unit__search_text__contains=fold(query["place"])) | Q(unit__code=query["place"]))
    for word in fold(query["text"]).split():
        rows = rows.filter(Q(product_key__contains=word) | Q(unit__search_text__contains=word)
                           | Q(cooperative__search__contains=word) | Q(buyer__name__icontains=word)
                           | Q(producer__name__icontains=word) | Q(quality__icontains=word))
    return rows.order_by("period_end", "product_key", "pk")


def rows_with_stars(listings) -> list[tuple[Listing, int | None]]:
    held = stars_on({x.ocop_product_id for x in listings if x.ocop_product_id}, timezone.localdate())
    return [(x, held.get(x.ocop_product_id, (None, None))[0], trace_path(x.lot)) for x in listings]


def _board_html(request, token) -> str:
    query = _query(request)
    page = Paginator(filtered(query), PAGE_SIZE).get_page(request.GET.get("trang"))
    kept = urlencode({k: v for k, v in (("q", query["text"]), ("loai", query["kind"]), ("sp", query["product"]),
                                        ("noi", query["place"])) if v})
    return render_to_string("market/board.html", {
        "query": query, "page": page, "rows": rows_with_stars(page.object_list), "kept": kept,
        "kinds": ListingKind.choices, "filtered": any(query.values()), "may_post": scope.may_post(request.user),
        "may_use": scope.may_use(request.user), "csrf_token": token}, request=request)


def board(request):
    return cached_page(request, "market-board", lambda token: _board_html(request, token))


def listing_page(request, pk: int):
    listing = open_listings().filter(pk=pk).first() or scope.editable(request.user).filter(pk=pk).first()
    if listing is None:
        raise Http404(_("Không có tin cung cầu số %(pk)s đang mở. Tin có thể đã đóng hoặc hết hạn; xem các tin khác "
                        "trên bảng cung cầu.") % {"pk": pk})
    contacts = scope.with_contacts(request.user).filter(pk=pk).exists()
    stars = rows_with_stars([listing])[0][1]
    return render(request, "market/listing.html", {
        "listing": listing, "stars": stars, "trace": trace_path(listing.lot), "contacts": contacts,
        "may_edit": scope.editable(request.user).filter(pk=pk).exists()})
