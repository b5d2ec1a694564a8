"""The smart-NTM pages (signed in):

- ``smart_targets`` (``/nong-thon-thong-minh/``): each target of the programmes applying to the province in a year,
  its value, target, verdict, gap, provenance and where the figure comes from; the XLSX download
  (``smart_targets_xlsx``, the ``smart_targets`` export kind);
- ``smart_target`` (``/nong-thon-thong-minh/<code>/``): one target unit by unit (the units in the user's scope), and
  for a target computed from entered figures, the form to enter a unit's figure;
- ``smart_pilots`` (``/nong-thon-thong-minh/thi-diem/``): the pilot smart communes and villages, the smart villages
  of each commune beside the rule that asks for them, and the province office's designation form;
- ``smart_pilot`` (``/nong-thon-thong-minh/thi-diem/<id>/``): a pilot, its recognition and its values against the
  province's smart-village criteria.

Every figure comes from ``progress`` and ``villages``; every write from ``services``, which checks who may
(``scope``) and audits. The views only choose the province and the year, and show refusals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from nongthonso.accounts.services import under, unit_phrase
from nongthonso.core.text import format_date, format_number
from nongthonso.core.vocabulary import parse_date
from nongthonso.dataio import services as dataio
from nongthonso.dataio.exports import ExportError
from nongthonso.units.models import Unit
from nongthonso.units.services import UnitNotFound, find_unit

from . import scope, services
from .models import Kind, PilotKind, PilotValue, Target, period_end
from .progress import (
    MET,
    NO_DATA,
    NOT_COMPUTABLE,
    NOT_MET,
    default_year,
    programmes_for,
    progress,
    province_paths,
    target_progress,
    unit_progress,
    years_with_programmes,
)
from .services import DecisionText, Refused, Rejected
from .villages import (
    communes_villages,
    designation_text,
    pilots_progress,
    province_of,
    register_communes,
    threshold_text,
    village_set,
)


@dataclass
class Place:
    """The province and year a page shows, and the choices around them."""

    provinces: list[Unit]
    province: Unit
    year: int
    as_of: dt.date
    years: list[int]
    message: str = ""

    def query(self, **extra) -> str:
        return urlencode({"tinh": self.province.code, "nam": self.year, **extra})

    @property
    def phrase(self) -> str:
        """The province inside a sentence: «tỉnh Thái Nguyên»."""
        return unit_phrase(self.province)


def _year(raw: str | None, today: dt.date) -> tuple[int, str]:
    """``?nam=``, or the latest year up to this one with a programme (this year when none)."""
    default = default_year(today)
    if not raw:
        return default, ""
    if raw.isdigit() and 2000 <= int(raw) <= today.year:
        return int(raw), ""
    return default, _("Năm «%(raw)s» không hợp lệ; đang hiển thị năm %(year)s. Chọn năm từ 2000 đến năm nay.") % {
        "raw": raw, "year": default}


def _place(request, data=None) -> Place | HttpResponse:
    """The province (``?tinh=``, default the home province) and year (``?nam=``) the user may see; otherwise the
    page saying why not: no role (403), no province of theirs in force that year (404). A province outside their
    scope is not found (404)."""
    data = data if data is not None else request.GET
    today = timezone.localdate()
    years = years_with_programmes(today)
    year, message = _year(data.get("nam"), today)
    as_of = period_end(year, today)
    if not scope.may_view(request.user):
        return render(request, "smart/refused.html", {"refused": _(
            "Tài khoản của bạn chưa được giao vai trò nào trong chương trình nông thôn mới nên chưa xem được tiến độ "
            "nông thôn mới thông minh. Đề nghị Văn phòng Điều phối NTM tỉnh giao vai trò nếu bạn cần.")}, status=403)
    provinces = scope.provinces(request.user, as_of)
    if not provinces:
        return render(request, "smart/refused.html", {"years": years, "refused": _(
            "Ngày %(date)s không có tỉnh nào trong phạm vi của bạn: vai trò của bạn gắn với đơn vị hành chính không "
            "có hiệu lực vào ngày đó (sau sắp xếp đơn vị, Văn phòng Điều phối NTM tỉnh giao lại vai trò trên đơn vị "
            "mới). Chọn năm khác.") % {"date": format_date(as_of)}}, status=404)
    wanted = data.get("tinh") or settings.HOME_PROVINCE
    province = next((p for p in provinces if p.code == wanted), None)
    if province is None:
        if data.get("tinh"):
            raise Http404(_("Không có tỉnh mã «%(code)s» trong phạm vi của bạn.") % {"code": wanted})
        province = provinces[0]
    return Place(provinces, province, year, as_of, years, message)


@login_required
@require_GET
def targets(request):
    place = _place(request)
    if not isinstance(place, Place):
        return place
    if place.message:
        messages.warning(request, place.message)
    found = progress(place.province, place.year)
    statuses = [p.status for pp in found for p in pp.targets]
    return render(request, "smart/targets.html", {
        "place": place, "programmes": found, "met": statuses.count(MET), "not_met": statuses.count(NOT_MET),
        "no_figure": statuses.count(NO_DATA) + statuses.count(NOT_COMPUTABLE),
    })


@login_required
@require_GET
def targets_xlsx(request) -> HttpResponseBase:
    place = _place(request)
    if not isinstance(place, Place):
        return place
    try:
        return dataio.export("smart_targets", "xlsx", request.user, place.province.code, place.year)
    except (ExportError, dataio.KindRefused) as exc:
        messages.error(request, str(exc))
        return redirect(f"{reverse('smart_targets')}?{place.query()}")


@login_required
@require_http_methods(["GET", "POST"])
def target(request, code: str):
    data = request.POST if request.method == "POST" else request.GET
    place = _place(request, data)
    if not isinstance(place, Place):
        return place
    found = get_object_or_404(Target.objects.select_related("programme", "measure"), code=code)
    if found not in [t for p in programmes_for(place.province, place.year) for t in p.targets.all()]:
        raise Http404(_("Mục tiêu này không áp dụng cho tỉnh trong năm đã chọn."))
    errors: dict[str, str] = {}
    entry: dict[str, str] = {}
    may_enter = found.kind == Kind.ENTERED and scope.may_enter_somewhere(request.user)
    if request.method == "POST":
        if not may_enter:
            return render(request, "smart/refused.html", {"refused": _(
                "Bạn không được nhập số liệu cho mục tiêu này.")}, status=403)
        entry = {k: data.get(k, "").strip() for k in ("unit", "numerator", "denominator", "source", "note")}
        try:
            unit = find_unit(entry["unit"], place.as_of) if entry["unit"] else None
        except UnitNotFound as exc:
            unit, errors["unit"] = None, str(exc)
        if unit is None and "unit" not in errors:
            errors["unit"] = _("Điền mã GSO của đơn vị (hoặc tìm theo tên).")
        if not errors:
            try:
                figure, outcome = services.record_figure(request.user, found.measure, unit, place.year,
                                                         entry["numerator"], entry["denominator"], entry["source"],
                                                         entry["note"])
            except Refused as refused:
                errors["unit"] = refused.message
            except Rejected as rejected:
                errors = rejected.errors
            else:
                words = {"created": _("Đã ghi số liệu của %(unit)s: %(figure)s (%(measure)s, năm %(year)s)."),
                         "updated": _("Đã sửa số liệu của %(unit)s: %(figure)s (%(measure)s, năm %(year)s)."),
                         "unchanged": _("Số liệu của %(unit)s không đổi: %(figure)s (%(measure)s, năm %(year)s).")}
                messages.success(request, words[outcome] % {
                    "unit": figure.unit.name, "measure": found.measure.label, "year": place.year,
                    "figure": f"{format_number(figure.numerator)}/{format_number(figure.denominator)}"})
                return redirect(f"{reverse('smart_target', args=[found.code])}?{place.query()}")
    result = target_progress(found, place.province, place.year)
    shown = {u.pk for u in _visible_units(request.user, [r.unit for r in result.rows])}
    rows = [r for r in result.rows if r.unit.pk in shown]
    return render(request, "smart/target.html", {
        "place": place, "p": result, "rows": rows, "hidden": len(result.rows) - len(rows), "may_enter": may_enter,
        "errors": errors, "entry": entry,
        "measure": found.measure if found.kind == Kind.ENTERED else None,
    }, status=400 if errors else 200)


# --- pilots ------------------------------------------------------------------------------------------------------

def _unit(code: str, date: dt.date, errors: dict[str, str], field: str) -> Unit | None:
    if not code:
        return None
    try:
        return find_unit(code, date)
    except UnitNotFound as exc:
        errors[field] = str(exc)
        return None


def _visible_units(user, units: list[Unit]) -> list[Unit]:
    """``units`` (in their order) narrowed to those ``user`` may see."""
    shown = set(scope.visible(Unit.objects.filter(pk__in=[u.pk for u in units]), user).values_list("pk", flat=True))
    return [u for u in units if u.pk in shown]


@login_required
@require_http_methods(["GET", "POST"])
def pilots(request):
    data = request.POST if request.method == "POST" else request.GET
    place = _place(request, data)
    if not isinstance(place, Place):
        return place
    may_manage = scope.may_manage_somewhere(request.user)
    errors: dict[str, str] = {}
    entry: dict[str, str] = {}
    if request.method == "POST":
        if not may_manage:
            return render(request, "smart/refused.html", {"refused": _(
                "Chỉ Văn phòng Điều phối NTM tỉnh được chọn mô hình thí điểm thông minh.")}, status=403)
        entry = {k: data.get(k, "").strip() for k in ("kind", "commune", "village", "village_name", "decision_number",
                                                      "decision_date", "authority", "note")}
        day = parse_date(entry["decision_date"]) if entry["decision_date"] else None
        # the units in force on the decision's date (a future one is refused below): else on the page's day
        day = day if day is not None and day <= timezone.localdate() else place.as_of
        commune = _unit(entry["commune"], day, errors, "commune")
        village = _unit(entry["village"], day, errors, "village")
        if not errors:
            try:
                pilot = services.designate_pilot(
                    request.user, kind=entry["kind"], commune=commune, village=village,
                    village_name=entry["village_name"], note=entry["note"],
                    decision=DecisionText(entry["decision_number"], entry["decision_date"], entry["authority"]))
            except Refused as refused:
                errors["commune"] = refused.message
            except Rejected as rejected:
                errors = rejected.errors
            else:
                messages.success(request, _("Đã ghi %(pilot)s là mô hình thí điểm (%(decision)s).") % {
                    "pilot": pilot, "decision": designation_text(pilot)})
                return redirect(f"{reverse('smart_pilots')}?{place.query()}")
    shown = list(scope.visible_pilots(request.user)
                 .filter(under(province_paths(place.province), "commune__path"), decision_date__lte=place.as_of)
                 .order_by("kind", "commune__sort_key", "village__sort_key", "village_name", "pk"))
    found = pilots_progress(shown, place.province, place.year, place.as_of)
    communes = _visible_units(request.user, register_communes(place.province, place.year, place.as_of))
    return render(request, "smart/pilots.html", {
        "place": place, "commune_pilots": [p for p in found if p.pilot.kind == PilotKind.COMMUNE],
        "village_pilots": [p for p in found if p.pilot.kind == PilotKind.VILLAGE],
        "register": communes_villages(place.province, communes, place.year, place.as_of),
        "village_set": village_set(place.province, place.as_of), "may_manage": may_manage, "errors": errors,
        "entry": entry, "kinds": PilotKind.choices,
    }, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def pilot(request, pk: int):
    found = get_object_or_404(scope.visible_pilots(request.user), pk=pk)
    data = request.POST if request.method == "POST" else request.GET
    today = timezone.localdate()
    year, message = _year(data.get("nam"), today)
    as_of = period_end(year, today)
    province = province_of(found.commune)
    cset = village_set(province, as_of)
    may_manage = scope.manage_refusal(request.user, found.commune) is None
    errors: dict[str, str] = {}
    posted: dict[str, str] = {}
    if request.method == "POST":
        if not may_manage:
            return render(request, "smart/refused.html", {"refused": scope.manage_refusal(request.user,
                                                                                           found.commune)}, status=403)
        here = f"{reverse('smart_pilot', args=[found.pk])}?{urlencode({'nam': year})}"
        try:
            if "recognise" in request.POST:
                posted = {k: data.get(k, "").strip() for k in ("recognition_number", "recognised_on",
                                                               "recognition_authority")}
                services.recognise_pilot(request.user, found, DecisionText(
                    posted["recognition_number"], posted["recognised_on"], posted["recognition_authority"]))
                messages.success(request, _("Đã ghi quyết định công nhận %(pilot)s.") % {"pilot": found})
                return redirect(here)
            posted = {key.removeprefix("value_"): value for key, value in data.items() if key.startswith("value_")}
            changed = services.set_pilot_values(request.user, found, year, posted, data.get("source", ""))
            messages.success(request, _("Đã ghi %(n)s giá trị của năm %(year)s.") % {"n": changed, "year": year}
                             if changed else _("Các giá trị không thay đổi."))
            return redirect(here)
        except Refused as refused:
            return render(request, "smart/refused.html", {"refused": refused.message}, status=403)
        except Rejected as rejected:
            errors = rejected.errors
    if message:
        messages.warning(request, message)
    (state,) = pilots_progress([found], province, year, as_of)
    rows = []
    if cset is not None and found.kind == PilotKind.VILLAGE:
        results = {i.code: i for c in state.result.criteria for i in c.indicators} if state.result else {}
        sources = dict(PilotValue.objects.filter(pilot=found, year=year).values_list("indicator_code", "source"))
        for indicator in cset.indicators.select_related("criterion").order_by("position"):
            raw = posted.get(indicator.code) if errors else state.values.get(indicator.code)
            result = results.get(indicator.code)
            rows.append({"indicator": indicator, "value": raw, "result": result,
                         "threshold": threshold_text(result) if result else "",
                         "error": errors.get(indicator.code), "source": sources.get(indicator.code, "")})
    in_force = found.commune.is_valid_on(as_of)
    return render(request, "smart/pilot.html", {
        "pilot": found, "state": state, "year": year, "years": years_with_programmes(today), "village_set": cset,
        "rows": rows, "may_manage": may_manage, "errors": errors, "posted": posted, "province": province,
        "designation": designation_text(found),
        "villages": communes_villages(province, [found.commune], year, as_of)[0] if in_force else None,
        "targets": unit_progress(found.commune, province, year) if in_force and found.kind == PilotKind.COMMUNE
        else [],
    }, status=400 if errors else 200)
