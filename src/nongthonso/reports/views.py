"""Dashboards and public pages.

- ``summary_page`` (``/``, name ``home``): the public province dashboard — figures, paragraph, district
  table and charts, from decisions and *published* assessments only; no alert list.
- ``dashboard`` (``/bang-dieu-khien/``): the signed-in dashboard of the user's scope (a district office
  sees its district), all assessments, with the alert list.
- ``public_recognised`` (``/cong-khai/xa-dat-chuan/``): the recognised communes by level, with decisions.

Every figure comes from ``reports.selectors`` / ``reports.services``; a page runs a bounded number of
queries, the same for 10 or 200 communes. The dashboards' figures, and each user's rendered page, are cached
per data revision (``selectors.cached``): a repeated request costs a few queries, and a write shows at once.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

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

from nongthonso.accounts.services import scope_paths
from nongthonso.criteria.choices import COMMUNE_LEVELS, Level
from nongthonso.units.models import Unit

from . import exports, selectors
from .services import UnitNotFound, find_unit, summary, summary_text, summary_text_en

DEFAULT_UNIT = "19"
DEFAULT_AS_OF = dt.date(2023, 6, 30)  # the date of the demo's figures
TREND_YEARS = 8
DASHBOARD_TEMPLATE = "reports/dashboard.html"
# Stands for the CSRF token in a cached page (letters and hyphens: HTML escaping leaves it as it is).
CSRF_PLACEHOLDER = "nongthonso-csrf-token-placeholder"


def _short_levels() -> dict[str, str]:
    return {Level.XA_NTM: _("NTM"), Level.XA_NANG_CAO: _("NTM nâng cao"), Level.XA_KIEU_MAU: _("NTM kiểu mẫu")}


def _as_of(request) -> tuple[dt.date, str | None]:
    raw = request.GET.get("as_of")
    if not raw:
        return DEFAULT_AS_OF, None
    try:
        return dt.date.fromisoformat(raw), None
    except ValueError:
        return DEFAULT_AS_OF, _("Ngày không hợp lệ; hiển thị số liệu ngày %(date)s. Chọn ngày theo dạng "
                                "ngày/tháng/năm.") % {"date": f"{DEFAULT_AS_OF.day}/{DEFAULT_AS_OF.month}/"
                                                               f"{DEFAULT_AS_OF.year}"}


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


def _cached_page(request, name: str, render_page: Callable[[str | None], str]) -> HttpResponse:
    """The page ``render_page(csrf_token)`` renders, cached per data revision (``selectors.cached``), user,
    address (the query string chooses the unit and the date; the language form carries it back) and
    language: a repeated request costs the session, the user and the revision query, and a write shows on
    the very next request. The cached page holds a placeholder where the CSRF token goes; each response
    gets the token of its own visitor. A request with messages to show is rendered for itself alone.

    Whatever else a page comes to show per request (beyond the user, the address, the language, the CSRF
    token and the messages) must be added to ``parts``."""
    if len(get_messages(request)):
        return HttpResponse(render_page(None))
    user = request.user
    parts = (translation.get_language(), request.get_full_path(), user.pk, user.get_username(),
             user.get_full_name() if user.is_authenticated else "")
    html = selectors.cached(name, parts, lambda: render_page(CSRF_PLACEHOLDER))
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))


def _render_dashboard(request, *, code: str, as_of: dt.date, error: str | None, published: bool,
                      with_alerts: bool = False, alerts_root: Unit | None = None, notice: str | None = None,
                      csrf_token: str | None = None, downloads: dict[str, str] | None = None) -> str:
    context = {"as_of": as_of, "error": error, "notice": notice, "public": published, "data": None,
               "text": None, "alerts": None, "unit_code": code, "communes_url": _url("communes"),
               "has_scorecard": _url("scorecard", 1) is not None, "downloads": downloads}
    try:
        context.update(_figures(code, as_of, published, with_alerts, alerts_root))
    except UnitNotFound as exc:
        context["error"] = str(exc)
    if csrf_token is not None:
        context["csrf_token"] = csrf_token
    return render_to_string(DASHBOARD_TEMPLATE, context, request)


def _figures(code: str, as_of: dt.date, published: bool, with_alerts: bool, alerts_root: Unit | None) -> dict:
    """Everything the dashboard shows for one root, date and audience, computed once per data revision and
    shared by every user who sees the same (``selectors.cached``). Raises UnitNotFound."""
    parts = (code, as_of.isoformat(), published, with_alerts, getattr(alerts_root, "pk", None),
             translation.get_language())
    return selectors.cached("dashboard-figures", parts,
                            lambda: _compute_figures(code, as_of, published, with_alerts, alerts_root))


def _compute_figures(code: str, as_of: dt.date, published: bool, with_alerts: bool, alerts_root: Unit | None
                     ) -> dict:
    data = selectors.public_summary(code, as_of) if published else summary(code, as_of)
    root = find_unit(code, as_of)
    scope = selectors.Scope(root, as_of, published)
    text = summary_text_en(data) if translation.get_language() == "en" else summary_text(data)
    figures = {"data": data, "text": text, "root": root,
               "districts": selectors.district_table(root, as_of, scope=scope), **_charts(scope, as_of)}
    if with_alerts:
        same = alerts_root is None or alerts_root.pk == root.pk
        figures["alerts"] = selectors.alert_rows(root if same else alerts_root, as_of, scope=scope if same else None)
    return figures


@require_GET
def summary_page(request):
    """The public province dashboard as of a chosen date: decisions and published assessments only."""
    as_of, error = _as_of(request)
    code = request.GET.get("unit") or DEFAULT_UNIT
    return _cached_page(request, "home", lambda csrf_token: _render_dashboard(
        request, code=code, as_of=as_of, error=error, published=True, csrf_token=csrf_token))


def _district_above(unit: Unit, as_of: dt.date) -> Unit | None:
    ids = [int(p) for p in unit.path.strip("/").split("/") if p]
    return (Unit.objects.valid_on(as_of).filter(pk__in=ids).at_level("huyen").only("id", "code", "path")
            .first())


@login_required
@require_GET
def dashboard(request):
    """The signed-in dashboard of the user's scope (accounts.services.scope_paths): a superuser or the
    province office sees the province (or any unit in scope via ``?unit=``), a district office its district,
    a commune officer the published figures of its district and the alerts of its commune."""
    return _cached_page(request, "dashboard", lambda csrf_token: _dashboard_page(request, csrf_token))


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
        return DashboardScope(requested or DEFAULT_UNIT, published=False, error=error)
    if not paths:
        notice = _("Tài khoản của bạn chưa được giao vai trò nào, nên bảng chỉ hiển thị số liệu đã công bố. "
                   "Đề nghị Văn phòng Điều phối NTM tỉnh giao vai trò nếu bạn cần xem số liệu đang xử lý.")
        return DashboardScope(DEFAULT_UNIT, published=True, with_alerts=False, error=error, notice=notice)
    roots = sorted(Unit.objects.filter(path__in=paths).select_related("unit_type__level"),
                   key=lambda u: (len(u.path), u.sort_key))
    root = roots[0]
    refused = False
    if requested:
        wanted = _root_or_none(requested, as_of)
        if wanted is not None and any(wanted.path.startswith(p) for p in paths):
            root = wanted
        else:
            refused = True
            error = _("Đơn vị mã «%(code)s» nằm ngoài phạm vi được giao của bạn (hoặc không còn hiệu lực ngày "
                      "đã chọn); hiển thị số liệu của %(unit)s.") % {"code": requested, "unit": root.name}
    if root.unit_type.level.depth > 2:  # a commune: its district's published figures, its own alerts
        district = _district_above(root, as_of)
        if district is not None:
            notice = _("Số liệu của huyện là số liệu đã công bố; danh sách cảnh báo chỉ gồm đơn vị bạn phụ trách.")
            return DashboardScope(district.code, published=True, alerts_root=root, error=error, notice=notice,
                                  refused=refused)
    return DashboardScope(root.code, published=False, error=error, refused=refused)


def _dashboard_page(request, csrf_token: str | None) -> str:
    as_of, error = _as_of(request)
    s = dashboard_scope(request, as_of, error)
    return _render_dashboard(request, code=s.code, as_of=as_of, error=s.error, published=s.published,
                             with_alerts=s.with_alerts, alerts_root=s.alerts_root, notice=s.notice,
                             csrf_token=csrf_token, downloads=_download_links(request, as_of))


# --- report downloads (XLSX, DOCX, PDF) -------------------------------------------------------------------

def _download_links(request, as_of: dt.date) -> dict[str, str]:
    """The report downloads of the dashboard as shown: the same ``unit`` asked for, the date shown."""
    query = QueryDict(mutable=True)
    if request.GET.get("unit"):
        query["unit"] = request.GET["unit"]
    query["as_of"] = as_of.isoformat()
    return {fmt: f"{reverse(f'report_{fmt}')}?{query.urlencode()}" for fmt in exports.FORMATS}


def _plain(status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _date_param(request, name: str, default: dt.date | None) -> dt.date | None:
    raw = request.GET.get(name)
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValueError(_("Ngày «%(value)s» không hợp lệ. Dùng dạng YYYY-MM-DD, ví dụ 2023-06-30.")
                         % {"value": raw}) from None


def _document_options(request) -> exports.DocumentOptions:
    """The administrative document's parameters from the query string: ``number``, ``date`` (YYYY-MM-DD),
    ``signer``, ``authority``, ``position``, ``recipient`` (repeated); missing ones take the defaults."""
    get = request.GET
    options = exports.DocumentOptions(number=get.get("number", ""), date=_date_param(request, "date", None),
                                       signer=get.get("signer", ""), recipients=get.getlist("recipient"))
    for name in ("authority", "position"):
        if name in get:
            setattr(options, name, get[name])
    return options


@login_required
@require_GET
def report_download(request, fmt: str):
    """``/bao-cao/tong-hop.{xlsx,docx,pdf}?unit=19&as_of=2023-06-30``: the summary report of the signed-in
    dashboard (the same root unit, audience and cached figures, see :func:`dashboard_scope`) as a file. A unit
    outside the user's scope is refused (403), not replaced by another."""
    try:
        as_of = _date_param(request, "as_of", DEFAULT_AS_OF)
        options = _document_options(request)
    except ValueError as exc:
        return _plain(400, str(exc))
    scope = dashboard_scope(request, as_of)
    if scope.refused:
        return _plain(403, _("Đơn vị mã «%(code)s» nằm ngoài phạm vi được giao của bạn (hoặc không còn hiệu lực "
                             "ngày đã chọn).") % {"code": request.GET["unit"]})
    with translation.override("vi"):  # an official document: always Vietnamese
        try:
            figures = _figures(scope.code, as_of, scope.published, scope.with_alerts, scope.alerts_root)
        except UnitNotFound as exc:
            return _plain(404, str(exc))
        report = exports.ReportFigures(figures["data"], figures["text"], figures["districts"], figures["shares"])
        try:
            content = exports.build(fmt, report, options)
        except exports.ReportFontMissing as exc:
            return _plain(503, str(exc))
    response = HttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(scope.code, as_of, fmt)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _root_or_none(code: str, as_of: dt.date) -> Unit | None:
    try:
        return find_unit(code, as_of)
    except UnitNotFound:
        return None


@require_GET
def public_recognised(request):
    """The communes recognised at each level on a date, with the deciding decision, filterable by district."""
    as_of, error = _as_of(request)
    code = request.GET.get("unit") or DEFAULT_UNIT
    context = {"as_of": as_of, "error": error, "lists": None, "district_code": request.GET.get("huyen", ""),
               "unit_code": code}
    try:
        province = find_unit(code, as_of)
    except UnitNotFound as exc:
        context["error"] = str(exc)
        return render(request, "reports/recognised.html", context)
    scope = selectors.Scope(province, as_of, published=True)
    districts = scope.districts
    chosen = next((d for d in districts if d.code == context["district_code"]), None)
    if context["district_code"] and chosen is None:
        context["error"] = _("Không có huyện mã «%(code)s» thuộc %(unit)s ngày %(date)s; hiển thị tất cả các "
                             "huyện.") % {"code": context["district_code"], "unit": province.name,
                                          "date": f"{as_of.day}/{as_of.month}/{as_of.year}"}
        context["district_code"] = ""
    lists = selectors.recognised_communes(province, as_of, scope=scope)
    if chosen is not None:
        for item in lists:
            item.rows = [r for r in item.rows if r.district is not None and r.district.pk == chosen.pk]
    levels = _short_levels()
    context.update(root=province, districts=districts, chosen=chosen, lists=lists,
                   level_names={lvl: levels[lvl] for lvl in COMMUNE_LEVELS},
                   communes_total=sum(1 for c in scope.communes
                                      if chosen is None or getattr(scope.district_of.get(c.pk), "pk", None)
                                      == chosen.pk))
    return render(request, "reports/recognised.html", context)
