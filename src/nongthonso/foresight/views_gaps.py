"""Foresight's pages (signed in): the communes closest to a standard (/du-bao/gan-dat-chuan/), the province's unit
costs (/du-bao/chi-phi/), what-if scenarios (/du-bao/kich-ban/: try, save, open, compare). What a user sees is
decided by ``scope``; a what-if writes nothing, saving a scenario writes the scenario (audited)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from nongthonso.audit.services import record
from nongthonso.core.choices import Provenance
from nongthonso.core.dates import parse_as_of
from nongthonso.criteria.applicability import set_for
from nongthonso.criteria.choices import COMMUNE_LEVELS, Level
from nongthonso.criteria.models import Indicator
from nongthonso.units import groupings
from nongthonso.units.groupings import Grouping
from nongthonso.units.models import Unit

from . import costs, scope, whatif
from .exports_gaps import KIND as EXPORT_KIND
from .models import IndicatorCost, Scenario
from .ranking import Base, ForesightError, base, rank


@dataclass
class Place:
    """The province, date and level a page is about, and the communes of it the user may see."""

    provinces: list[Unit]
    province: Unit
    as_of: dt.date
    level: str
    levels: list[tuple[str, str]]
    communes: list[Unit]
    grouping: Grouping
    grouping_choice: str  # what the province's communes are grouped by when they lie directly under it

    @property
    def grouping_choices(self) -> list[tuple[str, str]]:
        """The groupings to choose from: none with districts in force (three tiers)."""
        if self.grouping.kind == groupings.IN_FORCE:
            return []
        return [(code, str(groupings.CHOICE_NAMES[code])) for code in groupings.CHOICES]

    def query(self, **more) -> str:
        return urlencode({"tinh": self.province.code, "as_of": self.as_of.isoformat(), "muc": self.level,
                          "cach": self.grouping_choice, **more})


def _place(request, data=None) -> Place | HttpResponseBase:
    """The place asked for (``data``: default the form posted, or the query string)."""
    if data is None:
        data = request.POST if request.method == "POST" else request.GET
    as_of, problem = parse_as_of(data.get("as_of"))
    if problem:
        messages.warning(request, problem)
    provinces = scope.provinces(request.user, as_of)
    if not provinces:
        return render(request, "foresight/gaps_refused.html", {"as_of": as_of}, status=403)
    wanted = data.get("tinh", "")
    province = next((p for p in provinces if p.code == wanted), provinces[0])
    levels = [(lvl, Level(lvl).label) for lvl in COMMUNE_LEVELS if set_for(province, as_of.year, lvl) is not None]
    level = data.get("muc", "") or Level.XA_NTM
    if level not in dict(levels):
        if data.get("muc"):
            messages.warning(request, _("Mức «%(level)s» không có bộ tiêu chí năm %(year)s; đang xem mức xã đạt chuẩn "
                                        "nông thôn mới.") % {"level": data.get("muc"), "year": as_of.year})
        level = levels[0][0] if levels else Level.XA_NTM
    communes = scope.communes(request.user, province, as_of)
    choice, problem = groupings.chosen(data.get("cach"))
    if problem:
        messages.warning(request, problem)
    return Place(provinces, province, as_of, level, levels, communes,
                 groupings.resolve(communes, Unit(path="/"), as_of, choice), choice)


def _base(request, place: Place) -> Base | None:
    try:
        return base(place.province, place.as_of, place.level, place.communes)
    except ForesightError as exc:
        messages.error(request, str(exc))
        return None


@login_required
@require_GET
def ranking_page(request):
    place = _place(request)
    if not isinstance(place, Place):
        return place
    b = _base(request, place)
    ranking = rank(b, place.grouping) if b is not None else None
    group_key = request.GET.get("nhom", "")
    sections = []
    if ranking is not None:
        for group in [*place.grouping.groups, None]:
            rows = [r for r in ranking.rows if (r.group.key if r.group else None) == (group.key if group else None)]
            if rows and (not group_key or (group and group.key == group_key)):
                # the communes still short of the standard, closest first; those meeting it by their values apart
                sections.append((group, [r for r in rows if not r.eligible], [r for r in rows if r.eligible]))
    export = reverse("data_export_file") + "?" + urlencode({"kind": EXPORT_KIND, "unit": place.province.code,
                                                            "year": place.as_of.year})
    return render(request, "foresight/ranking.html", {
        "place": place, "ranking": ranking, "sections": sections, "group_key": group_key, "export": export,
        "groups": [g for g in place.grouping.groups if any(r.group == g for r in (ranking.rows if ranking else []))],
        "priced": ranking is not None and bool((~np.isnan(ranking.base.unit_costs)).any()),
    })


# --- unit costs -----------------------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def costs_page(request):
    place = _place(request)
    if not isinstance(place, Place):
        return place
    may_edit = scope.may_manage_costs(request.user, place.province)
    cset = set_for(place.province, place.as_of.year, place.level)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not may_edit:
            messages.error(request, _("Chỉ Văn phòng Điều phối NTM tỉnh được đặt đơn giá khắc phục chỉ tiêu."))
            return redirect(f"{reverse('foresight_costs')}?{place.query()}")
        if request.POST.get("delete"):
            cost = get_object_or_404(scope.costs(request.user, scope.MANAGE_COSTS), pk=request.POST["delete"])
            costs.delete_cost(request.user, cost)
            messages.success(request, _("Đã xoá đơn giá chỉ tiêu %(code)s.") % {"code": cost.indicator.code})
            return redirect(f"{reverse('foresight_costs')}?{place.query()}")
        errors = _save_cost(request, place, cset)
        if not errors:
            return redirect(f"{reverse('foresight_costs')}?{place.query()}")
    rows = (scope.costs(request.user).filter(province=place.province, indicator__criteria_set=cset)
            .select_related("indicator", "updated_by").order_by("indicator__position", "-valid_from")
            if cset else IndicatorCost.objects.none())
    return render(request, "foresight/costs.html", {
        "place": place, "cset": cset, "rows": rows, "may_edit": may_edit, "errors": errors,
        "indicators": cset.indicators.order_by("position") if cset else [], "provenances": Provenance.choices,
        "form": request.POST if errors else {},
    }, status=400 if errors else 200)


def _save_cost(request, place: Place, cset) -> dict[str, str]:
    post = request.POST
    indicator = Indicator.objects.filter(criteria_set=cset, code=post.get("indicator", "")).first()
    if indicator is None:
        return {"indicator": _("Chọn một chỉ tiêu của bộ tiêu chí %(set)s.") % {"set": cset.code}}
    try:
        valid_from = costs.parse_date(post.get("valid_from"), "valid_from") or place.as_of
        existing = IndicatorCost.objects.filter(indicator=indicator, province=place.province,
                                                valid_from=valid_from).first()
        cost = existing or IndicatorCost(indicator=indicator, province=place.province, valid_from=valid_from)
        before = costs.snapshot(existing) if existing else None
        cost.cost_per_unit = costs.parse_cost(post.get("cost_per_unit"))
        cost.unit_of_measure = " ".join(post.get("unit_of_measure", "").split())
        cost.source = " ".join(post.get("source", "").split())
        cost.provenance = post.get("provenance", "")
        cost.valid_to = costs.parse_date(post.get("valid_to"), "valid_to")
        costs.save_cost(request.user, cost, before=before)
    except costs.CostRejected as exc:
        messages.error(request, str(exc))
        return {exc.field: str(exc)}
    messages.success(request, _("Đã lưu đơn giá chỉ tiêu %(code)s.") % {"code": indicator.code})
    return {}


# --- what-if and scenarios -----------------------------------------------------------------------------------

def _changes_from(request, b: Base, grouping: Grouping) -> list:
    """The changes already on the page (the hidden JSON field) and the one the form adds."""
    try:
        changes = json.loads(request.POST.get("changes") or "[]")
    except json.JSONDecodeError:
        raise whatif.ScenarioInvalid(_("Danh sách thay đổi không đọc được; tải lại trang và làm lại.")) from None
    post = request.POST
    if post.get("add") == whatif.VALUE:
        changes.append({"kind": whatif.VALUE, "unit": post.get("unit", ""), "indicator": post.get("indicator", ""),
                        "value": post.get("value", "")})
    elif post.get("add") == whatif.TREND:
        step = {"percent": post.get("step")} if post.get("mode") == "percent" else {"add": post.get("step")}
        changes.append({"kind": whatif.TREND, "group": post.get("group", ""),
                        "indicator": post.get("trend_indicator", ""), "years": post.get("years", "1"), **step})
    elif post.get("remove", "").isdigit() and int(post["remove"]) < len(changes):
        changes.pop(int(post["remove"]))
    return whatif.parse_changes(changes, b, grouping)


def _outcome_context(place: Place, b: Base, changes: list) -> dict:
    outcome = whatif.run(b, changes, place.grouping)
    return {"outcome": outcome, "headline": outcome.headline(), "changes": changes,
            "changes_json": json.dumps(changes, ensure_ascii=False)}


@login_required
@require_http_methods(["GET", "POST"])
def whatif_page(request):
    place = _place(request)
    if not isinstance(place, Place):
        return place
    b = _base(request, place)
    context = {"place": place, "base": b, "scenarios": scope.scenarios(request.user)[:50],
               "indicators": b.cset.indicators.order_by("position") if b else []}
    status = 200
    changes: list = []
    if request.method == "POST" and b is not None:
        try:
            changes = _changes_from(request, b, place.grouping)
        except whatif.ScenarioInvalid as exc:
            messages.error(request, str(exc))
            status = 400
            try:
                changes = whatif.parse_changes(json.loads(request.POST.get("changes") or "[]"), b, place.grouping)
            except (whatif.ScenarioInvalid, json.JSONDecodeError):
                changes = []
        if status == 200 and request.POST.get("save"):
            name = " ".join(request.POST.get("name", "").split())
            if not name or len(name) > 200:
                messages.error(request, _("Đặt tên cho kịch bản (tối đa 200 ký tự) rồi bấm Lưu."))
                status = 400
            elif not changes:
                messages.error(request, _("Kịch bản chưa có thay đổi nào; thêm ít nhất một thay đổi rồi lưu."))
                status = 400
            else:
                scenario = _save_scenario(request.user, place, name, changes)
                messages.success(request, _("Đã lưu kịch bản «%(name)s».") % {"name": name})
                return redirect("foresight_scenario", pk=scenario.pk)
    if b is not None:
        context.update(_outcome_context(place, b, changes))
    return render(request, "foresight/whatif.html", context, status=status)


@transaction.atomic
def _save_scenario(user, place: Place, name: str, changes: list, scenario: Scenario | None = None) -> Scenario:
    before = None if scenario is None else _scenario_snapshot(scenario)
    scenario = scenario or Scenario(owner=user)
    scenario.name, scenario.province, scenario.as_of, scenario.level = name, place.province, place.as_of, place.level
    scenario.grouping = place.grouping_choice
    scenario.changes = changes
    scenario.save()
    record("create" if before is None else "update", scenario, before=before, after=_scenario_snapshot(scenario),
           user=user)
    return scenario


def _scenario_snapshot(scenario: Scenario) -> dict:
    return {"name": scenario.name, "province": scenario.province.code, "as_of": scenario.as_of.isoformat(),
            "level": scenario.level, "grouping": scenario.grouping, "changes": scenario.changes}


def _scenario_outcome(request, scenario: Scenario) -> tuple[Place, dict] | HttpResponseBase:
    place = _place(request, {"tinh": scenario.province.code, "as_of": scenario.as_of.isoformat(),
                             "muc": scenario.level, "cach": scenario.grouping})
    if not isinstance(place, Place):
        return place
    if place.province.pk != scenario.province_id:
        raise Http404(_("Kịch bản này thuộc một tỉnh bạn không còn xem được."))
    b = _base(request, place)
    if b is None:
        return redirect("foresight_whatif")
    try:
        changes = whatif.parse_changes(scenario.changes, b, place.grouping)
    except whatif.ScenarioInvalid as exc:
        messages.error(request, _("Kịch bản không áp dụng được với dữ liệu hiện nay: %(why)s") % {"why": exc})
        changes = []
    return place, {"base": b, **_outcome_context(place, b, changes)}


@login_required
@require_http_methods(["GET", "POST"])
def scenario_page(request, pk: int):
    scenario = get_object_or_404(scope.scenarios(request.user), pk=pk)
    if request.method == "POST":
        if request.POST.get("delete"):
            with transaction.atomic():
                record("delete", scenario, before=_scenario_snapshot(scenario), user=request.user)
                scenario.delete()
            messages.success(request, _("Đã xoá kịch bản «%(name)s».") % {"name": scenario.name})
            return redirect("foresight_whatif")
        name = " ".join(request.POST.get("name", "").split())
        if not name or len(name) > 200:
            messages.error(request, _("Đặt tên cho kịch bản (tối đa 200 ký tự)."))
        else:
            before = _scenario_snapshot(scenario)
            scenario.name = name
            scenario.save(update_fields=["name", "updated_at"])
            record("update", scenario, before=before, after=_scenario_snapshot(scenario), user=request.user)
            messages.success(request, _("Đã đổi tên kịch bản."))
        return redirect("foresight_scenario", pk=scenario.pk)
    found = _scenario_outcome(request, scenario)
    if not isinstance(found, tuple):
        return found
    place, context = found
    return render(request, "foresight/scenario.html", {"place": place, "scenario": scenario,
                                                       "scenarios": scope.scenarios(request.user), **context})


@login_required
@require_GET
def compare_page(request):
    mine = scope.scenarios(request.user)
    ids = [request.GET.get("a", ""), request.GET.get("b", "")]
    if not all(i.isdigit() for i in ids):
        messages.error(request, _("Chọn hai kịch bản để so sánh."))
        return redirect("foresight_whatif")
    pair = [get_object_or_404(mine, pk=int(i)) for i in ids]
    sides = []
    for scenario in pair:
        found = _scenario_outcome(request, scenario)
        if not isinstance(found, tuple):
            return found
        sides.append((scenario, found[1]))
    rows = [(label, [side[1]["headline"][key] for side in sides]) for key, label in whatif.HEADLINE_LABELS]
    return render(request, "foresight/compare.html", {"sides": sides, "rows": rows, "scenarios": mine})

