"""The public OCOP pages (no login; ``core.registry.PublicPage``, registered in ``apps.py``):

- ``ocop_public_catalogue`` ``/san-pham-ocop/``: the products certified on a date (``?ngay=``, default today),
  searched without diacritics (``?q=``), filtered by group (``?nhom=``), stars (``?sao=``) and commune (``?xa=``:
  a commune in force or a former one), 24 a page (``?trang=``), in Vietnamese order of names;
- ``ocop_public_product`` ``/san-pham-ocop/<code>/``: a product's page — stars, producer, group, description,
  story, photos, certificate and its status on the date (in force, expired, revoked); «not found» for a product never
  certified;
- ``ocop_public_qr`` ``/san-pham-ocop/<code>/qr.svg|png``: the QR code of the page's address (``SITE_URL``), and
  ``ocop_public_label`` ``/san-pham-ocop/<code>/tem/``: the label to print and stick on the product;
- ``ocop_public_photo`` ``/san-pham-ocop/<code>/anh/<id>/``: a photo of a certified product (the photos of the
  others are never served here);
- ``ocop_open_data`` ``/san-pham-ocop/du-lieu-mo.csv|json``: the open data set (``ocop.opendata``).

Speed: the catalogue and product pages are cached whole per address, language, today and data revision
(``reports.views.cached_page``, with each visitor's CSRF token put back); the catalogue's rows once per date and
revision (``public_queries.catalogue``). A repeated request costs the revision query. See docs/performance.md.
"""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from nongthonso.core.dates import parse_as_of
from nongthonso.core.filetypes import served
from nongthonso.core.text import format_date
from nongthonso.reports.views import cached_page

from . import opendata
from .public_queries import MAX_STARS, STAR_WORDS, Query, State, catalogue, product_image, product_page, search

PAGE_SIZE = 24
QR_CACHE = "public, max-age=86400"  # the address a QR code holds never changes for a product


def _number(raw: str | None, low: int = 1, high: int = 10**9) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and low <= int(raw) <= high else None


def product_url(code: str) -> str:
    """The absolute address of a product's page: what its QR code holds."""
    return settings.SITE_URL + reverse("ocop_public_product", args=[code])


def qr(code: str):
    """The QR code (segno) of product ``code``'s page. Error correction M: a label survives a scratch."""
    return segno.make(product_url(code), error="m", micro=False)


def _stars(n: int | None) -> list[bool]:
    """Five places, the first ``n`` filled: the stars drawn on the pages."""
    return [i < (n or 0) for i in range(MAX_STARS)]


# --- the catalogue -----------------------------------------------------------------------------------------------

def _query(request) -> tuple[Query, list[str]]:
    problems = []
    raw_stars, raw_commune = request.GET.get("sao", ""), request.GET.get("xa", "")
    stars = _number(raw_stars, 1, MAX_STARS)
    if raw_stars and stars is None:
        problems.append(_("Hạng sao «%(raw)s» không hợp lệ: chọn 3, 4 hoặc 5 sao. Đang hiển thị mọi hạng sao.")
                        % {"raw": raw_stars[:20]})
    commune = _number(raw_commune)
    if raw_commune and commune is None:
        problems.append(_("Xã «%(raw)s» không hợp lệ: chọn xã trong danh sách. Đang hiển thị mọi xã.")
                        % {"raw": raw_commune[:20]})
    return Query(text=request.GET.get("q", "").strip()[:200], group=request.GET.get("nhom", "").strip()[:10],
                 stars=stars, commune=commune), problems


def _catalogue_html(request, csrf_token: str | None) -> str:
    day, problem = parse_as_of(request.GET.get("ngay"))
    query, problems = _query(request)
    found = catalogue(day)
    matching = search(found, query)
    page = Paginator(matching, PAGE_SIZE).get_page(request.GET.get("trang"))
    kept = request.GET.copy()
    kept.pop("trang", None)
    context = {
        "day": day, "query": query, "catalogue": found, "page": page, "total": len(matching),
        "problems": [p for p in (problem, *problems) if p], "kept": kept.urlencode(),
        "on_day": f"?ngay={day.isoformat()}" if request.GET.get("ngay") and not problem else "",
        "rows": [(e, _stars(e.stars)) for e in page.object_list],
        "current_communes": [c for c in found.communes if c.current],
        "former_communes": [c for c in found.communes if not c.current],
        "star_choices": [(n, STAR_WORDS[n]) for n in found.stars],
    }
    if csrf_token is not None:
        context["csrf_token"] = csrf_token
    return render_to_string("ocop/public_catalogue.html", context, request)


@require_GET
def catalogue_page(request):
    return cached_page(request, "ocop-public-catalogue", lambda token: _catalogue_html(request, token))


# --- a product ---------------------------------------------------------------------------------------------------

def _found(request, code: str):
    day, problem = parse_as_of(request.GET.get("ngay"))
    page = product_page(code, day)
    if page is None:
        raise Http404(_("Không có sản phẩm OCOP mã «%(code)s» được công nhận. Kiểm tra lại mã trên tem hoặc tìm "
                        "sản phẩm trong danh mục sản phẩm OCOP.") % {"code": code[:40]})
    return page, problem


def _status_text(page) -> str:
    c = page.certificate
    day = format_date(page.day)
    if page.state == State.IN_FORCE:
        return _("Giấy chứng nhận còn hiệu lực đến ngày %(until)s (số liệu ngày %(day)s).") % {
            "until": format_date(c.valid_until), "day": day}
    if page.state == State.EXPIRED:
        return _("Giấy chứng nhận đã hết hiệu lực từ ngày %(until)s: ngày %(day)s sản phẩm không còn là sản phẩm "
                 "OCOP được công nhận.") % {"until": format_date(c.valid_until), "day": day}
    if page.state == State.REVOKED:
        return _("Giấy chứng nhận đã bị thu hồi ngày %(revoked)s%(decision)s: ngày %(day)s sản phẩm không còn là "
                 "sản phẩm OCOP được công nhận.") % {
            "revoked": format_date(c.revoked_on), "day": day,
            "decision": _(" theo quyết định %(number)s") % {"number": c.revocation_decision}
            if c.revocation_decision else ""}
    return _("Ngày %(day)s sản phẩm chưa được công nhận OCOP; sản phẩm được công nhận từ ngày %(from)s.") % {
        "day": day, "from": format_date(c.decision_date)}


def _product_html(request, code: str, csrf_token: str | None) -> str:
    page, problem = _found(request, code)
    context = {"p": page, "product": page.product, "c": page.certificate, "status": _status_text(page),
               "stars": _stars(page.stars), "problem": problem, "qr_svg": qr(code).svg_inline(
                   scale=4, omitsize=True, title=_("Mã QR của trang sản phẩm"), svgclass="qr",
                   lineclass="qr-modules"),
               "url": product_url(code)}
    if csrf_token is not None:
        context["csrf_token"] = csrf_token
    return render_to_string("ocop/public_product.html", context, request)


@require_GET
def product_view(request, code: str):
    return cached_page(request, "ocop-public-product", lambda token: _product_html(request, code, token))


@require_GET
def label_view(request, code: str):
    """The label to print (a sticker beside the OCOP logo): name, stars, certificate and the QR code."""
    page, _problem = _found(request, code)
    return render(request, "ocop/public_label.html", {
        "p": page, "product": page.product, "c": page.certificate, "stars": _stars(page.stars),
        "qr_svg": qr(code).svg_inline(scale=4, omitsize=True, title=page.product.name, svgclass="qr",
                                      lineclass="qr-modules"),
        "url": product_url(code)})


@require_GET
def qr_view(request, code: str, fmt: str):
    """The QR code of a public product's page as SVG or PNG (to print on packaging)."""
    if fmt not in ("svg", "png"):
        raise Http404(_("Mã QR có hai dạng: .svg hoặc .png."))
    _found(request, code)
    out = io.BytesIO()
    if fmt == "svg":
        qr(code).save(out, kind="svg", scale=8, border=2, xmldecl=False)
    else:
        qr(code).save(out, kind="png", scale=10, border=2)
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml" if fmt == "svg" else "image/png")
    response["Content-Disposition"] = f'inline; filename="ocop-{code}.{fmt}"'
    response["Cache-Control"] = QR_CACHE
    return response


@require_GET
def photo_view(request, code: str, image_id: int):
    """A photo of a certified product, as it was checked at upload (type found from its content)."""
    image = product_image(code, image_id)
    if image is None:
        raise Http404(_("Không có ảnh này."))
    try:
        handle = image.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("Tệp ảnh không còn trên máy chủ.")) from exc
    response = served(handle, image.content_type, image.file.name.rsplit("/", 1)[-1], as_attachment=False)
    response["Cache-Control"] = "public, max-age=3600"  # public once certified; a new photo is a new address
    return response


# --- open data ---------------------------------------------------------------------------------------------------

@require_GET
def open_data_view(request, fmt: str):
    """The certified products as CSV or JSON: /san-pham-ocop/du-lieu-mo.csv?as_of=2026-06-30&unit=19."""
    if fmt not in opendata.FORMATS:
        raise Http404(_("Dữ liệu mở có hai dạng: .csv hoặc .json."))
    day, problem = parse_as_of(request.GET.get("as_of") or request.GET.get("ngay"))
    if problem:
        return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")
    try:
        data = opendata.dataset(request.GET.get("unit") or settings.HOME_PROVINCE, day)
    except LookupError as exc:
        return HttpResponse(str(exc), status=404, content_type="text/plain; charset=utf-8")
    response = HttpResponse(opendata.content(data, fmt), content_type=opendata.FORMATS[fmt])
    response["Content-Disposition"] = f'inline; filename="{opendata.filename(data, fmt)}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response
