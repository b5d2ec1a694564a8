"""The public traceability pages of a lot (no login; ``core.registry.PublicPage``, registered in ``apps.py``):

- ``coops_trace_public`` ``/truy-xuat/<identifier>/``: what Circular 02/2024/TT-BKHCN asks a consumer be shown, as
  far as the rows hold it — product name and image, producer (the co-operative) and address, production and event
  times, codes (GTIN, lot, growing-area codes of the plots), shelf life, standards applied (the lot's own and the
  certifications in force of its plots), OCOP stars when its product is certified, and the chain one step back
  (input lots, harvests with dates and plots) and one step forward (lots made from it);
- ``coops_trace_digital_link`` ``/01/<gtin>/10/<lot>``: the GS1 Digital Link URI, redirected to the page;
- ``coops_trace_qr`` ``/truy-xuat/<identifier>/qr.svg|png``: the QR code of the page's address;
- ``coops_trace_image`` ``/truy-xuat/<identifier>/anh/``: the lot's product image.

Speed: the page is cached whole per address, language, today and data revision (``reports.views.cached_page``;
lots and events are revision tables), so a repeated request costs the revision query. See docs/performance.md.
"""

from __future__ import annotations

import datetime as dt
import io
import mimetypes
from dataclasses import dataclass, field

import segno
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from nongthonso.core.filetypes import served
from nongthonso.ocop.status import stars_on
from nongthonso.reports.views import cached_page

from . import trace
from .models import Certification, DiaryEntry, Lot, Plot

QR_CACHE = "public, max-age=86400"  # the address a lot's QR code holds never changes
MAX_DEPTH = 12  # how far back the plots and standards of processed lots are looked for


def qr_of_url(url: str):
    """The QR code (segno) of ``url``. Error correction M: a label survives a scratch."""
    return segno.make(url, error="m", micro=False)


def qr(lot: Lot):
    """The QR code of the lot's public page."""
    return qr_of_url(trace.public_url(lot))


def _lot(identifier: str) -> Lot:
    lot = (Lot.objects.select_related("cooperative__unit", "ocop_product").filter(identifier=identifier).first())
    if lot is None:
        raise Http404(_("Không có lô hàng mã «%(code)s». Kiểm tra lại mã in trên tem hoặc quét lại mã QR.") % {
            "code": identifier[:60]})
    return lot


@dataclass
class LotPage:
    """What the public page of a lot shows, read from the rows."""

    lot: Lot
    day: dt.date
    harvests: list[DiaryEntry] = field(default_factory=list)  # one step back, from the fields
    inputs: list[Lot] = field(default_factory=list)  # one step back, from processing
    outputs: list[Lot] = field(default_factory=list)  # one step forward
    events: list = field(default_factory=list)
    plots: list[Plot] = field(default_factory=list)  # where it grew (through processed lots too)
    certifications: list[Certification] = field(default_factory=list)  # in force on ``day`` for those plots
    stars: int | None = None
    commune: str = ""


def _source_plots(lot: Lot) -> list[Plot]:
    """The plots the lot's harvests came from, following processing back (at most ``MAX_DEPTH`` steps)."""
    seen_lots, frontier, plot_ids = {lot.pk}, [lot], set()
    for _step in range(MAX_DEPTH):
        ids = [x.pk for x in frontier]
        plot_ids.update(DiaryEntry.objects.filter(lots__in=ids).values_list("cycle__plot_id", flat=True))
        frontier = [x for x in Lot.objects.filter(consumed_by__outputs__in=ids).distinct() if x.pk not in seen_lots]
        if not frontier:
            break
        seen_lots.update(x.pk for x in frontier)
    return list(Plot.objects.filter(pk__in=plot_ids).select_related("unit").order_by("code"))


def lot_page(identifier: str, day: dt.date | None = None) -> LotPage:
    lot = _lot(identifier)
    day = day or timezone.localdate()
    page = LotPage(lot=lot, day=day)
    page.harvests = list(lot.harvests.select_related("cycle__plot").order_by("date", "pk"))
    page.inputs = trace.inputs_of(lot)
    page.outputs = trace.outputs_of(lot)
    page.events = list(trace.events_of(lot).select_related("biz_location"))
    page.plots = _source_plots(lot)
    page.certifications = list(
        Certification.objects.filter(plots__in=page.plots, issued_on__lte=day).exclude(valid_until__lt=day)
        .distinct().order_by("kind", "number"))
    if lot.ocop_product_id:
        held = stars_on([lot.ocop_product_id], day)
        page.stars = held[lot.ocop_product_id][0] if lot.ocop_product_id in held else None
    page.commune = lot.cooperative.unit.name
    return page


def _page_html(request, identifier: str, csrf_token: str | None) -> str:
    page = lot_page(identifier)
    lot = page.lot
    context = {
        "p": page, "lot": lot, "url": trace.public_url(lot), "digital_link": trace.digital_link(lot),
        "growing_codes": sorted({p.growing_area_code for p in page.plots if p.growing_area_code}),
        "stars": [i < (page.stars or 0) for i in range(5)],
        "qr_svg": qr(lot).svg_inline(scale=4, omitsize=True, title=_("Mã QR của trang truy xuất"), svgclass="qr",
                                     lineclass="qr-modules"),
        "steps": {"commissioning": _("Tạo lô"), "transforming": _("Chế biến, đóng gói"),
                  "shipping": _("Xuất hàng"), "receiving": _("Nhận hàng")},
    }
    if csrf_token is not None:
        context["csrf_token"] = csrf_token
    return render_to_string("coops/trace_public.html", context, request)


@require_GET
def lot_view(request, identifier: str):
    return cached_page(request, "coops-trace-public", lambda token: _page_html(request, identifier, token))


@require_GET
def digital_link_view(request, gtin: str, lot: str):
    """GS1 Digital Link ``/01/<gtin>/10/<lot>`` → the lot's page (a GTIN-8/12/13 is read as its GTIN-14)."""
    if trace.gtin_problem(gtin):
        raise Http404(trace.gtin_problem(gtin))
    found = Lot.objects.filter(gtin=gtin.zfill(14), lot_number=lot).values_list("identifier", flat=True).first()
    if found is None:
        raise Http404(_("Không có lô số «%(lot)s» của GTIN %(gtin)s.") % {"lot": lot[:20], "gtin": gtin})
    return redirect("coops_trace_public", found)


@require_GET
def qr_view(request, identifier: str, fmt: str):
    """The QR code of a lot's public page as SVG or PNG (to print on packaging)."""
    if fmt not in ("svg", "png"):
        raise Http404(_("Mã QR có hai dạng: .svg hoặc .png."))
    lot = _lot(identifier)
    out = io.BytesIO()
    if fmt == "svg":
        qr(lot).save(out, kind="svg", scale=8, border=2, xmldecl=False)
    else:
        qr(lot).save(out, kind="png", scale=10, border=2)
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml" if fmt == "svg" else "image/png")
    response["Content-Disposition"] = f'inline; filename="lo-{lot.identifier}.{fmt}"'
    response["Cache-Control"] = QR_CACHE
    return response


@require_GET
def image_view(request, identifier: str):
    """The lot's product image, as checked by content when it was uploaded (PNG or JPEG)."""
    lot = _lot(identifier)
    if not lot.image:
        raise Http404(_("Lô này chưa có ảnh sản phẩm."))
    content_type = mimetypes.guess_type(lot.image.name)[0] or "application/octet-stream"
    if content_type not in ("image/png", "image/jpeg"):
        raise Http404(_("Ảnh sản phẩm của lô không phải PNG hoặc JPEG."))
    try:
        handle = lot.image.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("Tệp ảnh không còn trên máy chủ.")) from exc
    response = served(handle, content_type, lot.image.name.rsplit("/", 1)[-1], as_attachment=False)
    response["Cache-Control"] = "public, max-age=3600"
    return response
