"""The OCOP statistics page and its workbook (signed in; every figure from ``ocop.reports``, scoped to the user by
``ocop.scope``).

- ``ocop_statistics`` ``/ocop/thong-ke/?unit=&as_of=&from=``: the figures of a unit (default: the highest unit of the
  user's OCOP roles, else the home province) on a date (default today), with the revocations of a period (default: the
  date's calendar year) — products by stars, group and commune, expiring, revoked, producers, dossiers in progress,
  a chart; only what the user may see is counted.
- ``ocop_statistics_xlsx`` ``/ocop/thong-ke.xlsx?…``: the same as an XLSX workbook, with the products in the national
  system's column layout (``ocop.exports``).

A user with no OCOP role and no producer of their own is refused (403, with the reason).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from nongthonso.accounts.services import granted_units
from nongthonso.core.dates import parse_as_of
from nongthonso.core.text import format_date
from nongthonso.core.vocabulary import parse_date
from nongthonso.units.services import UnitNotFound

from . import exports, scope
from .apps import VIEW
from .reports import STARS, find_root, scoped_products, statistics_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Refused(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def _default_unit(user) -> str:
    """The highest unit of the user's OCOP roles (the shortest path), else the home province."""
    units = sorted(granted_units(user, VIEW), key=lambda unit: (len(unit.path), unit.code))
    return units[0].code if units else settings.HOME_PROVINCE


def _request(request) -> tuple[str, dt.date, dt.date | None, str | None]:
    """The unit code, the date, the start of the period asked for, and a notice when the date was unusable (today is
    shown). Raises PermissionDenied for a user who may see no OCOP data, _Refused for a period that is wrong."""
    if not scope.may_view(request.user):
        raise PermissionDenied(_("Trang này dành cho người có vai trò nông thôn mới (xem sản phẩm OCOP) hoặc tài "
                                 "khoản của chủ thể OCOP. Liên hệ Văn phòng Điều phối NTM để được cấp vai trò."))
    day, notice = parse_as_of(request.GET.get("as_of"))
    raw = request.GET.get("from", "").strip()
    start = None
    if raw:
        start = parse_date(raw)
        if start is None:
            raise _Refused(_("Ngày đầu kỳ «%(value)s» không hợp lệ: nhập dạng 1/1/2026 hoặc 2026-01-01.")
                           % {"value": raw}, 400)
        if start > day:
            raise _Refused(_("Đầu kỳ %(start)s sau ngày báo cáo %(day)s: chọn đầu kỳ trước hoặc bằng ngày báo cáo.")
                           % {"start": format_date(start), "day": format_date(day)}, 400)
    return request.GET.get("unit", "").strip() or _default_unit(request.user), day, start, notice


def _chart(data) -> dict:
    """The chart's data: products in force by group, one series per star class (labels translated here)."""
    return {"labels": [row.name for row in data.products_by_group],
            "series": [{"label": _("%(stars)s sao") % {"stars": stars},
                        "values": [row.by_stars[str(stars)] for row in data.products_by_group]} for stars in STARS],
            "y": _("Số sản phẩm")}


@login_required
@require_GET
def statistics_page(request):
    context, status = {"stars": STARS}, 200
    try:
        code, day, start, notice = _request(request)
        context.update(code=code, as_of=day, period_start=start, notice=notice)
        data = statistics_of(find_root(code, day), day, start, request.user)
    except _Refused as exc:
        context["error"], status = str(exc), exc.status
    except UnitNotFound as exc:
        context["error"], status = str(exc), 404
    else:
        query = QueryDict(mutable=True)
        query.update({"unit": data.unit_code, "as_of": data.as_of.isoformat(), "from": data.period_start.isoformat()})
        context.update(data=data, chart=_chart(data),
                       download=f"{reverse('ocop_statistics_xlsx')}?{query.urlencode()}")
    return render(request, "ocop/stats.html", context, status=status)


@login_required
@require_GET
def statistics_download(request):
    try:
        code, day, start, _notice = _request(request)
        root = find_root(code, day)
    except _Refused as exc:
        return HttpResponse(str(exc), status=exc.status, content_type="text/plain; charset=utf-8")
    except UnitNotFound as exc:
        return HttpResponse(str(exc), status=404, content_type="text/plain; charset=utf-8")
    data = statistics_of(root, day, start, request.user)
    response = HttpResponse(exports.workbook(data, scoped_products(root, request.user)), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{exports.workbook_filename(data)}"'
    response["Cache-Control"] = "private, no-store"
    return response
