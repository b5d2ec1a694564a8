"""The registration plan's pages (signed in): /du-bao/ke-hoach/ lists the plans of the provinces the user sees and,
for the province office, a form making a new one; /du-bao/ke-hoach/<pk>/ shows a plan's suggestions with their
reasons, and the province office accepts, edits or rejects each (``plan.decide``: audited; accepted ones become
registrations). Who sees and decides what: ``plan.plans`` / ``plan.suggestions``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from nongthonso.core.dates import parse_as_of
from nongthonso.criteria.choices import COMMUNE_LEVELS, Level

from . import plan as planning
from . import scope

LEVELS = [(str(lvl), Level(lvl).label) for lvl in COMMUNE_LEVELS]


@login_required
@require_http_methods(["GET", "POST"])
def plans_page(request):
    data = request.POST if request.method == "POST" else request.GET
    as_of, problem = parse_as_of(data.get("as_of"))
    if problem:
        messages.warning(request, problem)
    provinces = scope.provinces(request.user, as_of, planning.DECIDE)
    form = {"as_of": as_of.isoformat(), "year": str(as_of.year + 1), "tinh": provinces[0].code if provinces else "",
            **{f"target_{lvl}": "" for lvl, _label in LEVELS}}
    status = 200
    if request.method == "POST":
        form.update({key: data.get(key, "").strip() for key in form if key != "as_of"})
        try:
            province = next((p for p in provinces if p.code == form["tinh"]), None)
            if province is None:
                raise planning.PlanRefused(_("Chỉ Văn phòng Điều phối NTM tỉnh lập được kế hoạch đăng ký đạt chuẩn; "
                                             "chọn tỉnh bạn phụ trách."))
            if not form["year"].isdigit():
                raise planning.PlanRefused(_("Năm đăng ký «%(value)s» không phải số; ghi năm bốn chữ số, ví dụ "
                                             "%(year)s.") % {"value": form["year"], "year": as_of.year + 1})
            targets = {}
            for lvl, _label in LEVELS:
                target = planning.parse_target(form[f"target_{lvl}"], lvl)
                if target is not None:
                    targets[lvl] = target
            made = planning.create(request.user, province, as_of, int(form["year"]), targets)
        except planning.PlanRefused as exc:
            messages.error(request, str(exc))
            status = 400
        else:
            messages.success(request, _("Đã lập kế hoạch đăng ký đạt chuẩn năm %(year)s.") % {"year": made.year})
            return redirect("foresight_plan", pk=made.pk)
    return render(request, "foresight/plans.html", {
        "plans": planning.plans(request.user)[:50], "provinces": provinces, "form": form,
        "targets": [(lvl, label, form[f"target_{lvl}"]) for lvl, label in LEVELS],
        "place": None}, status=status)


@login_required
@require_http_methods(["GET"])
def plan_page(request, pk: int):
    shown = get_object_or_404(planning.plans(request.user), pk=pk)
    may_decide = planning.plans(request.user, planning.DECIDE).filter(pk=shown.pk).exists()
    rows = list(shown.suggestions.select_related("unit", "decided_by", "registration").order_by("level", "rank"))
    sections = [(Level(lvl).label, shown.summary.get(lvl, {}), shown.targets.get(lvl, {}),
                 [s for s in rows if s.level == lvl]) for lvl in COMMUNE_LEVELS if lvl in shown.summary]
    return render(request, "foresight/plan.html", {
        "plan": shown, "sections": sections, "may_decide": may_decide, "levels": LEVELS})


@login_required
@require_POST
def decide_view(request, pk: int, suggestion: int):
    if not planning.plans(request.user).filter(pk=pk).exists():
        raise Http404(_("Không có kế hoạch này trong phạm vi bạn được xem."))
    if not planning.suggestions(request.user, planning.DECIDE).filter(pk=suggestion, plan_id=pk).exists():
        if planning.suggestions(request.user).filter(pk=suggestion, plan_id=pk).exists():
            messages.error(request, _("Chỉ Văn phòng Điều phối NTM tỉnh được quyết định các đề xuất đăng ký."))
            return redirect("foresight_plan", pk=pk)
        raise Http404(_("Không có đề xuất này trong kế hoạch."))
    try:
        done = planning.decide(request.user, suggestion, request.POST.get("decision", ""),
                               level=request.POST.get("level", ""), note=request.POST.get("note", ""))
    except planning.PlanRefused as exc:
        messages.error(request, str(exc))
    except ObjectDoesNotExist:
        raise Http404(_("Không có đề xuất này trong kế hoạch.")) from None
    else:
        if done.status == done.Status.SUGGESTED:
            text = _("Đã sửa mức đề xuất của xã %(name)s thành «%(level)s».") % {
                "name": done.unit.name, "level": Level(done.chosen_level).label}
        else:
            text = _("Đã ghi quyết định cho xã %(name)s: %(status)s.") % {
                "name": done.unit.name, "status": done.get_status_display()}
        messages.success(request, text)
    return redirect(reverse("foresight_plan", args=[pk]) + f"#s{suggestion}")
