"""Dashboards and public pages.

- ``summary_page`` (``/``, name ``home``): the public province dashboard — figures, paragraph, district
  table and charts, from decisions and *published* assessments only; no alert list.
- ``dashboard`` (``/bang-dieu-khien/``): the signed-in dashboard of the user's scope (a district office
  sees its district), all assessments, with the alert list.
- ``public_recognised`` (``/cong-khai/xa-dat-chuan/``): the recognised communes by level, with decisions.

The pages open on the home province (``settings.HOME_PROVINCE``) as of today (``timezone.localdate()``); the date
field and quick links to the usual report dates (30/6 and 31/12 of recent years, computed from today) take the
reader to any other date — the 2023 figures are one click away. ``?nhom=`` chooses how a two-tier province's table
groups its communes (``reports.groupings``; default the setting ``NONGTHONSO_REPORT_GROUPING``).

Every figure comes from ``reports.selectors`` / ``reports.services``; a page runs a bounded number of
queries, the same for 10 or 200 communes. The dashboards' figures, and each user's rendered page, are cached
per data revision (``selectors.cached``): a repeated request costs a few queries, and a write shows at once.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.http import HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from nongthonso.accounts.services import granted_units, scope_paths
from nongthonso.core import registry
from nongthonso.core.dates import default_as_of, parse_as_of
from nongthonso.core.text import format_date
from nongthonso.core.vocabulary import parse_date
from nongthonso.criteria.choices import Level
from nongthonso.units import groupings
from nongthonso.units.models import Unit, UnitType
from nongthonso.units.services import UnitNotFound, find_unit, predecessors_on

from . import documents, selectors
from .documents.figures import ReportFigures
from .documents.fonts import ReportFontMissing
from .documents.layout import DocumentOptions
from .services import summary, summary_text, summary_text_en

TREND_YEARS = 8
QUICK_LINK_YEARS = 3  # quick links to 30/6 and 31/12 of this year and the three before
DASHBOARD_TEMPLATE = "reports/dashboard.html"
# Stands for the CSRF token in a cached page (letters and hyphens: HTML escaping leaves it as it is).
CSRF_PLACEHOLDER = "nongthonso-csrf-token-placeholder"


def home_province() -> str:
    """The GSO code of the province the installation serves (``settings.HOME_PROVINCE``)."""
    return settings.HOME_PROVINCE


def report_dates(today: dt.date, years: int = QUICK_LINK_YEARS) -> list[dt.date]:
    """The usual report dates (30/6 and 31/12) from 1/1 of ``years`` years before ``today``'s year up to today,
    latest first: the quick links of the dashboards' date field."""
    dates = [dt.date(y, m, d) for y in range(today.year - years, today.year + 1) for m, d in ((6, 30), (12, 31))]
    return sorted((d for d in dates if d <= today), reverse=True)


def _short_levels() -> dict[str, str]:
    return {Level.XA_NTM: _("NTM"), Level.XA_NANG_CAO: _("NTM nâng cao"), Level.XA_KIEU_MAU: _("NTM kiểu mẫu"),
            Level.XA_HIEN_DAI: _("NTM hiện đại")}


def _as_of(request) -> tuple[dt.date, str | None]:
    return parse_as_of(request.GET.get("as_of"))


def _grouping(request) -> tuple[str, str | None]:
    """``?nhom=``: how a two-tier province's table groups its communes, and a message when it was unusable."""
    return groupings.chosen(request.GET.get("nhom"))


def _quick_links(request, as_of: dt.date) -> list[dict]:
    """The quick links to the usual report dates, keeping the unit and grouping asked for."""
    links = []
    for date in report_dates(default_as_of()):
        query = QueryDict(mutable=True)
        for name in ("unit", "nhom", "huyen"):
            if request.GET.get(name):
                query[name] = request.GET[name]
        query["as_of"] = date.isoformat()
        links.append({"date": date, "url": f"?{query.urlencode()}", "current": date == as_of})
    return links


def _url(name: str, *args) -> str | None:
    """The URL named ``name`` when another app provides it (e.g. the commune list), else None."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _charts(scope: selectors.Scope, as_of: dt.date) -> dict:
    """Every chart's data (and its table fallback) for one root and date."""
    root, published = scope.root, scope.published
    levels = _short_levels()
    histogram = selectors.criteria_histogram(root, as_of, scope=scope)
    shares = selectors.criterion_shares(root, as_of, scope=scope)
    years = range(as_of.year - TREND_YEARS + 1, as_of.year + 1)
    trend = selectors.trend(root, years, as_of=as_of, published=published)
    registrations = selectors.registrations_vs_achievements(root, as_of.year, as_of=as_of)
    for row in registrations:
        row["label"] = levels[row["level"]]
    blob = {
        "histogram": {"labels": [r["criteria"] for r in histogram], "values": [r["communes"] for r in histogram],
                      "series": _("Số xã"), "x": _("Số tiêu chí đạt"), "y": _("Số xã")},
        "shares": {"labels": [f"{r['code']}. {r['name']}" for r in shares], "values": [r["share"] for r in shares],
                   "series": _("Tỷ lệ xã đạt (%)")},
        "trend": {"labels": [r["year"] for r in trend], "ntm": [r["ntm"] for r in trend],
                  "avg": [r["avg_criteria"] for r in trend],
                  "ntm_series": _("Số xã đạt chuẩn NTM (cuối năm)"), "avg_series": _("Bình quân tiêu chí/xã")},
        "registrations": {"labels": [r["label"] for r in registrations],
                          "registered": [r["registered"] for r in registrations],
                          "recognised": [r["recognised"] for r in registrations],
                          "registered_series": _("Đăng ký đạt chuẩn năm %(year)s") % {"year": as_of.year},
                          "recognised_series": _("Đã công nhận cho năm %(year)s") % {"year": as_of.year}},
    }
    return {"histogram": histogram, "shares": shares, "trend": trend, "registrations": registrations,
            "charts": blob}


def cached_page(request, name: str, render_page: Callable[[str | None], str]) -> HttpResponse:
    """The page ``render_page(csrf_token)`` renders, cached per data revision (``selectors.cached``), user,
    address (the query string chooses the unit and the date; the language form carries it back) and
    language: a repeated request costs the session, the user and the revision query, and a write shows on
    the very next request. The cached page holds a placeholder where the CSRF token goes; each response
    gets the token of its own visitor. A request with messages to show is rendered for itself alone.

    Whatever else a page comes to show per request (beyond the user, the address, the language, the CSRF
    token and the messages) must be added to ``parts`` — today's date among them: an address without ``as_of``
    shows today's figures, and the quick links count from today."""
    if len(get_messages(request)):
        return HttpResponse(render_page(None))
    user = request.user
    parts = (translation.get_language(), request.get_full_path(), user.pk, user.get_username(),
             user.get_full_name() if user.is_authenticated else "", default_as_of().isoformat())
    html = selectors.cached(name, parts, lambda: render_page(CSRF_PLACEHOLDER))
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))


def _render_dashboard(request, *, code: str, as_of: dt.date, error: str | None, published: bool,
                      with_alerts: bool = False, alerts_root: Unit | None = None, notice: str | None = None,
                      csrf_token: str | None = None, downloads: dict[str, str] | None = None,
                      group_by: str | None = None) -> str:
    context = {"as_of": as_of, "error": error, "notice": notice, "public": published, "data": None,
               "text": None, "alerts": None, "unit_code": code, "communes_url": _url("communes"),
               "has_scorecard": _url("scorecard", 1) is not None, "downloads": downloads,
               "quick_links": _quick_links(request, as_of), "group_by": request.GET.get("nhom", ""),
               "grouping_choices": [(c, str(groupings.CHOICE_NAMES[c])) for c in groupings.CHOICES],
               "panels": registry.entries(registry.DashboardPanel)}  # the other apps' panels: the map
    try:
        context.update(_figures(code, as_of, published, with_alerts, alerts_root, group_by))
    except UnitNotFound as exc:
        context["error"] = str(exc)
    if csrf_token is not None:
        context["csrf_token"] = csrf_token
    return render_to_string(DASHBOARD_TEMPLATE, context, request)


def _figures(code: str, as_of: dt.date, published: bool, with_alerts: bool, alerts_root: Unit | None,
             group_by: str | None = None) -> dict:
    """Everything the dashboard shows for one root, date, audience and grouping, computed once per data revision
    and shared by every user who sees the same (``selectors.cached``). Raises UnitNotFound."""
    group_by = group_by or groupings.configured()
    parts = (code, as_of.isoformat(), published, with_alerts, getattr(alerts_root, "pk", None),
             translation.get_language(), group_by)
    return selectors.cached("dashboard-figures", parts,
                            lambda: _compute_figures(code, as_of, published, with_alerts, alerts_root, group_by))


def _compute_figures(code: str, as_of: dt.date, published: bool, with_alerts: bool, alerts_root: Unit | None,
                     group_by: str | None = None) -> dict:
    root = find_unit(code, as_of)
    data = (selectors.public_summary(code, as_of, grouping=group_by, root=root) if published
            else summary(code, as_of, grouping=group_by, root=root))
    scope = selectors.Scope(root, as_of, published, group_by)
    text = summary_text_en(data) if translation.get_language() == "en" else summary_text(data)
    figures = {"data": data, "text": text, "root": root,
               "districts": selectors.group_table(root, as_of, scope=scope),
               "grouping": {"kind": scope.grouping.kind, "label": scope.grouping.label,
                            "title": scope.grouping.title, "choosable": scope.grouping.kind != groupings.IN_FORCE},
               "show_modern": Level.XA_HIEN_DAI in data.decisions_in_period or bool(data.modern),
               # the other apps' sections (core.registry.SummarySection): each renders its own card, or nothing
               "sections": [{"code": entry.code, "template": entry.template, "data": data.sections[entry.code]}
                            for entry in registry.entries(registry.SummarySection) if entry.code in data.sections],
               **_charts(scope, as_of)}
    if with_alerts:
        same = alerts_root is None or alerts_root.pk == root.pk
        figures["alerts"] = selectors.alert_rows(root if same else alerts_root, as_of, scope=scope if same else None)
    return figures


@require_GET
def summary_page(request):
    """The public province dashboard as of a chosen date: decisions and published assessments only."""
    as_of, error = _as_of(request)
    group_by, group_error = _grouping(request)
    code = request.GET.get("unit") or home_province()
    return cached_page(request, "home", lambda csrf_token: _render_dashboard(
        request, code=code, as_of=as_of, error=error or group_error, published=True, csrf_token=csrf_token,
        group_by=group_by))


def _unit_above(unit: Unit, as_of: dt.date) -> Unit | None:
    """The unit directly above a commune on ``as_of``: its district (three tiers) or its province (two tiers)."""
    if unit.parent_id is None:
        return None
    return Unit.objects.valid_on(as_of).filter(pk=unit.parent_id).only("id", "code", "name", "path").first()


def _is_commune(unit: Unit) -> bool:
    """A unit at the level of the rural communes (levels and types are data)."""
    return UnitType.objects.filter(is_rural=True, level_id=unit.unit_type.level_id).exists()


@login_required
@require_GET
def dashboard(request):
    """The signed-in dashboard of the user's scope (accounts.services.scope_paths): a superuser or the
    province office sees the province (or any unit in scope via ``?unit=``), a district office its district,
    a commune officer the published figures of the unit above its commune (its district in the three-tier years,
    its province from 1/7/2025) and the alerts of its commune."""
    return cached_page(request, "dashboard", lambda csrf_token: _dashboard_page(request, csrf_token))


@dataclass
class DashboardScope:
    """What the signed-in dashboard shows a user (:func:`dashboard_scope`): the root unit's code, whether only
    published figures, the alerts, and the message to show. ``refused`` when the unit asked for with ``?unit=``
    is outside the user's scope (the dashboard then shows the user's own root, with ``error``)."""

    code: str
    published: bool
    with_alerts: bool = True
    alerts_root: Unit | None = None
    error: str | None = None
    notice: str | None = None
    refused: bool = False


def dashboard_scope(request, as_of: dt.date, error: str | None = None) -> DashboardScope:
    """The root unit, audience and alerts of the signed-in dashboard for ``request.user`` on ``as_of``
    (accounts.services.scope_paths); the report downloads use the same choice."""
    paths = scope_paths(request.user, "view")
    requested = request.GET.get("unit")
    if paths is None:  # superuser: everything
        return DashboardScope(requested or home_province(), published=False, error=error)
    if not paths:
        notice = _("Tài khoản của bạn chưa được giao vai trò nào, nên bảng chỉ hiển thị số liệu đã công bố. "
                   "Đề nghị Văn phòng Điều phối NTM tỉnh giao vai trò nếu bạn cần xem số liệu đang xử lý.")
        return DashboardScope(home_province(), published=True, with_alerts=False, error=error, notice=notice)
    # where the roles are granted (not the earlier versions they reach by lineage), the highest first, as it was on
    # the date asked (the new province's office looking at 2023 sees the old province it was formed from)
    granted = sorted(granted_units(request.user, "view"), key=lambda u: (len(u.path), u.sort_key))
    root = _version_on(granted[0], as_of)
    refused = False
    if requested:
        wanted = _root_or_none(requested, as_of)
        if wanted is not None and any(wanted.path.startswith(p) for p in paths):
            root = wanted
        else:
            refused = True
            error = _("Đơn vị mã «%(code)s» nằm ngoài phạm vi được giao của bạn (hoặc không còn hiệu lực ngày "
                      "đã chọn); hiển thị số liệu của %(unit)s.") % {"code": requested, "unit": root.name}
    if _is_commune(root):  # a commune: the published figures of the unit above it, its own alerts
        above = _unit_above(root, as_of)
        if above is not None:
            notice = _("Số liệu của %(unit)s là số liệu đã công bố; danh sách cảnh báo chỉ gồm đơn vị bạn phụ "
                       "trách.") % {"unit": above.name}
            return DashboardScope(above.code, published=True, alerts_root=root, error=error, notice=notice,
                                  refused=refused)
    return DashboardScope(root.code, published=False, error=error, refused=refused)


def _dashboard_page(request, csrf_token: str | None) -> str:
    as_of, error = _as_of(request)
    group_by, group_error = _grouping(request)
    s = dashboard_scope(request, as_of, error or group_error)
    return _render_dashboard(request, code=s.code, as_of=as_of, error=s.error, published=s.published,
                             with_alerts=s.with_alerts, alerts_root=s.alerts_root, notice=s.notice,
                             csrf_token=csrf_token, downloads=_download_links(request, as_of), group_by=group_by)


# --- report downloads (XLSX, DOCX, PDF) -------------------------------------------------------------------

def _download_links(request, as_of: dt.date) -> dict[str, str]:
    """The report downloads of the dashboard as shown: the same ``unit`` asked for, the date shown."""
    query = QueryDict(mutable=True)
    if request.GET.get("unit"):
        query["unit"] = request.GET["unit"]
    query["as_of"] = as_of.isoformat()
    if request.GET.get("nhom") in groupings.CHOICES:
        query["nhom"] = request.GET["nhom"]
    return {fmt: f"{reverse(f'report_{fmt}')}?{query.urlencode()}" for fmt in documents.FORMATS}


def _plain(status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _date_param(request, name: str, default: dt.date | None) -> dt.date | None:
    raw = request.GET.get(name)
    if not raw:
        return default
    date = parse_date(raw)
    if date is None:
        raise ValueError(_("Ngày «%(value)s» không hợp lệ. Dùng dạng YYYY-MM-DD, ví dụ 2023-06-30.")
                         % {"value": raw})
    return date


def _document_options(request) -> DocumentOptions:
    """The administrative document's parameters from the query string: ``number``, ``date`` (YYYY-MM-DD),
    ``signer``, ``authority``, ``position``, ``recipient`` (repeated); missing ones take the defaults."""
    get = request.GET
    options = DocumentOptions(number=get.get("number", ""), date=_date_param(request, "date", None),
                               signer=get.get("signer", ""), recipients=get.getlist("recipient"))
    for name in ("authority", "position"):
        if name in get:
            setattr(options, name, get[name])
    return options


@login_required
@require_GET
def report_download(request, fmt: str):
    """``/bao-cao/tong-hop.{xlsx,docx,pdf}?unit=19&as_of=2023-06-30[&nhom=huyen-cu]``: the summary report of the
    signed-in dashboard (the same root unit, audience, grouping and cached figures, see :func:`dashboard_scope`) as a
    file; without ``as_of``, today's. A unit outside the user's scope is refused (403), not replaced by another."""
    try:
        as_of = _date_param(request, "as_of", default_as_of())
        options = _document_options(request)
    except ValueError as exc:
        return _plain(400, str(exc))
    group_by, group_error = _grouping(request)
    if group_error:
        return _plain(400, group_error)
    scope = dashboard_scope(request, as_of)
    if scope.refused:
        return _plain(403, _("Đơn vị mã «%(code)s» nằm ngoài phạm vi được giao của bạn (hoặc không còn hiệu lực "
                             "ngày đã chọn).") % {"code": request.GET["unit"]})
    with translation.override("vi"):  # an official document: always Vietnamese
        try:
            figures = _figures(scope.code, as_of, scope.published, scope.with_alerts, scope.alerts_root, group_by)
        except UnitNotFound as exc:
            return _plain(404, str(exc))
        report = ReportFigures(figures["data"], figures["text"], figures["districts"], figures["shares"],
                               figures["grouping"]["kind"])
        try:
            content = documents.build(fmt, report, options)
        except ReportFontMissing as exc:
            return _plain(503, str(exc))
    response = HttpResponse(content, content_type=documents.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{documents.filename(scope.code, as_of, fmt)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _version_on(unit: Unit, as_of: dt.date) -> Unit:
    """``unit`` itself when in force on ``as_of`` or after it ended; for a date before it began, the version it came
    from by lineage then (the one with the same code when there are several) — a role reaches its unit's
    predecessors, never its successors."""
    if as_of >= unit.valid_from:
        return unit
    found = predecessors_on(unit, as_of)
    same = [u for u in found if u.code == unit.code]
    return (same or found or [unit])[0]


def _root_or_none(code: str, as_of: dt.date) -> Unit | None:
    try:
        return find_unit(code, as_of)
    except UnitNotFound:
        return None


@require_GET
def public_recognised(request):
    """The communes recognised at each level on a date, with the deciding decision, filterable by the row of the
    grouping (``?huyen=``: a district in force or former — its code —, or a commune group ``nhom-1`` …)."""
    as_of, error = _as_of(request)
    group_by, group_error = _grouping(request)
    code = request.GET.get("unit") or home_province()
    context = {"as_of": as_of, "error": error or group_error, "lists": None,
               "district_code": request.GET.get("huyen", ""), "unit_code": code, "home": home_province(),
               "group_by": request.GET.get("nhom", ""), "quick_links": _quick_links(request, as_of),
               "grouping_choices": [(c, str(groupings.CHOICE_NAMES[c])) for c in groupings.CHOICES]}
    try:
        province = find_unit(code, as_of)
    except UnitNotFound as exc:
        context["error"] = str(exc)
        return render(request, "reports/recognised.html", context)
    scope = selectors.Scope(province, as_of, published=True, group_by=group_by)
    grouping = scope.grouping
    chosen = grouping.by_key(context["district_code"]) if context["district_code"] else None
    if context["district_code"] and chosen is None:
        what = _("huyện") if grouping.kind == groupings.IN_FORCE else grouping.label.lower()
        context["error"] = _("Không có %(what)s mã «%(code)s» thuộc %(unit)s ngày %(date)s; hiển thị tất cả.") % {
            "what": what, "code": context["district_code"], "unit": province.name, "date": format_date(as_of)}
        context["district_code"] = ""
    lists = selectors.recognised_communes(province, as_of, scope=scope)
    if chosen is not None:
        for item in lists:
            item.rows = [r for r in item.rows if r.group is not None and r.group.key == chosen.key]
    levels = _short_levels()
    context.update(root=province, districts=grouping.groups, grouping=grouping, chosen=chosen, lists=lists,
                   level_names={item.level: levels[item.level] for item in lists},
                   communes_total=sum(1 for c in scope.communes
                                      if chosen is None or getattr(scope.group_of(c), "key", None) == chosen.key))
    return render(request, "reports/recognised.html", context)
