"""The unit picker's search (``/don-vi/tim/``): units found by name, with or without diacritics, or by GSO code
(``units.search``), among those the user may see.

- ``?scope=view`` (default, signed in): the units of the user's roles — any role: dossiers, training, … — and
  everything below them, the versions they succeeded included (``role_units``);
- ``?scope=public``: the home province's units (``settings.HOME_PROVINCE``) — what the public pages and open data
  serve to anyone.

The units are those in force on ``?as_of=`` (default today) or at some time in ``?year=``. ``?format=json`` answers
the picker script (``core/static/nongthonso/app.js``) with the results and a sentence saying what was found; any
other request gets a page with a search form and a table, so that a browser without scripts can look a code up and
carry it back to the form it came from (``?next=/du-lieu-mo/&field=unit``: each row links to ``next`` with
``unit=<code>``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q, QuerySet
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from nongthonso.core.dates import default_as_of, parse_as_of
from nongthonso.core.text import format_date
from nongthonso.units.models import Unit
from nongthonso.units.search import MAX_QUERY, Period, describe, search
from nongthonso.units.services import PROVINCE_LEVEL

from .services import memberships, under

VIEW, PUBLIC = "view", "public"
SCOPES = (VIEW, PUBLIC)
FIELD = re.compile(r"[a-z][a-z0-9_]{0,39}")
YEARS = (1990, 2100)


def _period(request) -> tuple[Period, str | None]:
    """The period asked for (``?year=`` or ``?as_of=``), and a Vietnamese message when it was unusable."""
    raw_year = request.GET.get("year", "").strip()
    if raw_year:
        if raw_year.isdigit() and YEARS[0] <= int(raw_year) <= YEARS[1]:
            return Period.year(int(raw_year)), None
        as_of = default_as_of()
        return Period.on(as_of), _(
            "Năm «%(raw)s» không hợp lệ; đang tìm các đơn vị còn hiệu lực ngày %(date)s. Nhập năm bằng số, ví dụ "
            "2023.") % {"raw": raw_year, "date": format_date(as_of)}
    as_of, problem = parse_as_of(request.GET.get("as_of"))
    return Period.on(as_of), problem


def _period_text(period: Period) -> str:
    if period.start == period.end:
        return _("ngày %(date)s") % {"date": format_date(period.start)}
    return _("trong năm %(year)s") % {"year": period.start.year}


def home_units(period: Period) -> QuerySet[Unit]:
    """The units of the home province (each of its versions in force in ``period``) and the province itself."""
    provinces = period.units().filter(code=settings.HOME_PROVINCE, unit_type__level__code=PROVINCE_LEVEL)
    condition = Q()
    for path in provinces.values_list("path", flat=True):
        condition |= Q(path__startswith=path)
    return period.units().filter(condition) if condition else Unit.objects.none()


def role_units(user, units: QuerySet[Unit]) -> QuerySet[Unit]:
    """``units`` narrowed to those of ``user``'s roles, whatever the roles (a dossier officer's, a training organiser's,
    a bridge-point host's …), everything below them and the versions they succeeded; all for a superuser."""
    if user.is_superuser:
        return units
    return units.filter(under({path for m in memberships(user) for path in m.covered}, "path"))


def _status(user, scope: str, query: str, period: Period, found) -> str:
    """One sentence on what the search found, for the list's live region and the page."""
    if not query.strip():
        return _("Gõ tên đơn vị (có dấu hoặc không dấu) hoặc mã GSO, ví dụ «dai tu» hoặc «05830».")
    if scope == VIEW and not user.is_superuser and not memberships(user):
        return _("Tài khoản của bạn chưa được giao vai trò nào nên chưa có đơn vị nào để chọn. Đề nghị Văn phòng "
                 "Điều phối NTM tỉnh giao vai trò nếu bạn cần.")
    values = {"q": query.strip(), "n": len(found.units), "period": _period_text(period)}
    if not found.units:
        if scope == PUBLIC:
            return _("Không có đơn vị nào của tỉnh khớp «%(q)s» (còn hiệu lực %(period)s). Kiểm tra tên (gõ không "
                     "dấu cũng được), mã GSO hoặc ngày.") % values
        return _("Không có đơn vị nào khớp «%(q)s» trong phạm vi bạn được xem (còn hiệu lực %(period)s). Kiểm tra "
                 "tên (gõ không dấu cũng được), mã GSO hoặc ngày.") % values
    if found.truncated:
        return _("Hơn %(n)s đơn vị khớp «%(q)s»; gõ thêm để thu hẹp.") % values
    return ngettext("%(n)s đơn vị khớp «%(q)s».", "%(n)s đơn vị khớp «%(q)s».", values["n"]) % values


def _back_link(request):
    """``code → the address of ?next= with ?<field>=code``, or None without a usable ``next`` (a path on this site)
    and ``field`` (a form field's name)."""
    target, field = request.GET.get("next", ""), request.GET.get("field", "unit")
    if not target.startswith("/") or not FIELD.fullmatch(field) or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return None
    parts = urlsplit(target)

    def link(code: str) -> str:
        query = QueryDict(parts.query, mutable=True)
        query[field] = code
        return urlunsplit(("", "", parts.path, query.urlencode(), parts.fragment))

    return link


@require_GET
def unit_search(request):
    scope = request.GET.get("scope") or VIEW
    as_json = request.GET.get("format") == "json"
    if scope not in SCOPES:
        message = _("Phạm vi tìm «%(scope)s» không hợp lệ; dùng «view» hoặc «public».") % {"scope": scope}
        if as_json:
            return JsonResponse({"results": [], "truncated": False, "status": message}, status=400)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    if scope == VIEW and not request.user.is_authenticated:
        if as_json:
            return JsonResponse({"results": [], "truncated": False, "status": _(
                "Đăng nhập để tìm các đơn vị bạn được xem.")}, status=401)
        return redirect_to_login(request.get_full_path())
    period, problem = _period(request)
    query = request.GET.get("q", "")[:MAX_QUERY]
    units = home_units(period) if scope == PUBLIC else role_units(request.user, period.units())
    found = search(units, query)
    status = _status(request.user, scope, query, period, found)
    results = [describe(u, period) for u in found.units]
    if as_json:
        return JsonResponse({"query": query, "results": results, "truncated": found.truncated, "status": status,
                             "problem": problem})
    back = _back_link(request)
    for row in results:
        row["back"] = back(row["code"]) if back else None
    return render(request, "accounts/unit_search.html", {
        "query": query, "results": results, "status": status, "problem": problem, "scope": scope,
        "period": period, "year": request.GET.get("year", ""), "as_of": request.GET.get("as_of", ""),
        "next": request.GET.get("next", "") if back else "", "field": request.GET.get("field", "unit"),
        "searched": "q" in request.GET})
