"""Councils, rounds and the score entry grid (``/ocop/hoi-dong/…``).

An office rating OCOP (``rate_ocop``) sets up a council on its own unit (members, with an account when they enter
their own scores), a round (date, members present, the dossiers waiting for a council of that level), and enters
the members' scores per evaluation in a grid (members × criteria). A council member with an account enters only
their own column; the office types the columns of members without one (their paper sheets). Scores are written by
``scoring.set_scores`` (validated, audited, the evaluation's total, parts, stars and gates refreshed); they are open
while the dossier waits for this council's result, and locked once the office has closed the scoring
(``workflow`` step «score»).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from nongthonso.accounts.services import can, memberships
from nongthonso.audit.services import record
from nongthonso.core.registry import role_actions
from nongthonso.core.text import format_date
from nongthonso.units.models import Unit

from . import scope, scoring, workflow
from .apps import RATE
from .forms_rating import CouncilForm, RoundForm
from .models import Council, CouncilMember, Evaluation, MemberScore, Rating, Round
from .views_rating import PAGE_SIZE, refused

# --------------------------------------------------------------------------------------- services of the pages


def council_units(user):
    """The units on which ``user`` may set up a council: those of their memberships carrying ``rate_ocop``."""
    ids = [m.unit_id for m in memberships(user) if RATE in role_actions(m.role)]
    return Unit.objects.filter(pk__in=ids).order_by("path")


def create_council(data: dict, user) -> Council:
    with transaction.atomic():
        council = Council.objects.create(name=data["name"], unit=data["unit"], year=data["year"],
                                         decision_number=data.get("decision_number", ""),
                                         decision_date=data.get("decision_date"))
        for order, member in enumerate(data["members_text"], 1):
            CouncilMember.objects.create(council=council, order=order, **member)
        record("create", council, user=user, after={
            "name": council.name, "unit": council.unit_id, "year": council.year,
            "members": [{"full_name": m["full_name"], "position": m["position"],
                         "user": m["user"].get_username() if m["user"] else None} for m in data["members_text"]]})
    return council


def may_run(user, council: Council) -> bool:
    """An office rating OCOP over the council's unit (not a member's seat: a member enters their own column only)."""
    return can(user, RATE, council.unit)


def level_of(council: Council) -> str:
    return council.unit.unit_type.level.code


def round_candidates(council: Council, user) -> list[int]:
    """The dossiers in ``user``'s rating scope waiting for a council of ``council``'s level (a «score» step open at
    their state and stage), by id."""
    level = level_of(council)
    return [rating.pk for rating in (scope.ratings(user, RATE).filter(state__in=workflow.OPEN_STATES)
                                     .select_related("product").order_by("pk"))
            if workflow.waits_for_council(rating, level)]


def create_round(council: Council, data: dict, user) -> Round:
    with transaction.atomic():
        sitting = Round.objects.create(council=council, name=data["name"], date=data["date"])
        sitting.members.set(data["members"])
        for rating in data["ratings"]:
            Evaluation.objects.create(rating=rating, round=sitting)
        record("create", sitting, user=user, after={
            "council": council.pk, "date": sitting.date.isoformat(),
            "members": sorted(m.pk for m in data["members"]), "ratings": sorted(r.pk for r in data["ratings"])})
    return sitting


def open_for_scores(evaluation: Evaluation) -> bool:
    """Whether the dossier still waits for this round's council (its «score» step not yet taken)."""
    return workflow.waits_for_council(evaluation.rating, level_of(evaluation.round.council))


def editable_members(evaluation: Evaluation, user) -> set[int]:
    """The members whose column ``user`` may fill: their own seat; the office rating over the council's unit, the
    seats without an account."""
    seated = list(evaluation.round.members.all())
    own = {m.pk for m in seated if m.user_id == user.pk}
    if may_run(user, evaluation.round.council):
        own |= {m.pk for m in seated if m.user_id is None}
    return own


# --------------------------------------------------------------------------------------- pages

def council_or_404(request, pk: int, action: str = scope.VIEW) -> Council:
    council = scope.councils(request.user, action).select_related("unit__unit_type__level").filter(pk=pk).first()
    if council is None:
        raise Http404(_("Không có hội đồng số %(pk)s, hoặc hội đồng không thuộc phạm vi bạn được xem.") % {"pk": pk})
    return council


@login_required
@require_http_methods(["GET", "POST"])
def council_list(request):
    councils = scope.councils(request.user, scope.VIEW).select_related("unit").order_by("-year", "name")
    units = council_units(request.user)
    form = CouncilForm(request.POST or None, units=units) if units.exists() else None
    if request.method == "POST":
        if form is None:
            return refused(request, _("Chỉ Văn phòng Điều phối NTM cấp tỉnh (cấp huyện theo quy trình ba cấp) được lập "
                                      "hội đồng đánh giá OCOP."))
        if form.is_valid():
            council = create_council(form.cleaned_data, request.user)
            messages.success(request, _("Đã lập hội đồng «%(name)s».") % {"name": council.name})
            return redirect("ocop_council", council.pk)
    page = Paginator(councils, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ocop/council_list.html", {"page": page, "form": form, "query": ""})


@login_required
@require_http_methods(["GET", "POST"])
def council_detail(request, pk: int):
    council = council_or_404(request, pk)
    may_rate = may_run(request.user, council)
    form = None
    if may_rate:
        candidates = Rating.objects.filter(pk__in=round_candidates(council, request.user)).select_related(
            "product__producer")
        form = RoundForm(request.POST or None, council=council, ratings=candidates,
                         initial={"members": list(council.members.all())})
        if request.method == "POST" and form.is_valid():
            sitting = create_round(council, form.cleaned_data, request.user)
            messages.success(request, _("Đã lập đợt «%(name)s» ngày %(date)s.")
                             % {"name": sitting.name, "date": format_date(sitting.date)})
            return redirect("ocop_round", sitting.pk)
    elif request.method == "POST":
        return refused(request, _("Chỉ cơ quan đã lập hội đồng «%(name)s» được lập đợt đánh giá.")
                       % {"name": council.name})
    return render(request, "ocop/council_detail.html", {
        "council": council, "members": council.members.select_related("user"), "form": form,
        "rounds": council.rounds.prefetch_related("members").order_by("-date", "-pk")})


@login_required
def round_detail(request, pk: int):
    sitting = (Round.objects.filter(pk=pk, council__in=scope.councils(request.user, scope.VIEW))
               .select_related("council__unit").first())
    if sitting is None:
        raise Http404(_("Không có đợt đánh giá số %(pk)s, hoặc đợt không thuộc phạm vi bạn được xem.") % {"pk": pk})
    evaluations = (sitting.evaluations.filter(rating__in=scope.ratings(request.user))
                   .select_related("rating__product__producer").order_by("rating__product__name", "pk"))
    return render(request, "ocop/council_round.html", {"round": sitting, "evaluations": evaluations,
                                                       "members": sitting.members.order_by("order", "pk")})


def _grid(evaluation: Evaluation, editable: set[int], posted=None) -> dict:
    members = list(evaluation.round.members.select_related("user").order_by("order", "pk"))
    stored = {(s.member_id, s.criterion_id): s.points for s in MemberScore.objects.filter(evaluation=evaluation)}
    rows = []
    for criterion in evaluation.rating.sheet.criteria.select_related("part").order_by("order", "pk"):
        cells = []
        for member in members:
            name = f"d-{member.pk}-{criterion.pk}"
            value = posted.get(name, "") if posted is not None else stored.get((member.pk, criterion.pk), "")
            cells.append({"name": name, "value": value, "editable": member.pk in editable, "member": member})
        rows.append({"criterion": criterion, "cells": cells})
    return {"members": members, "rows": rows}


def _posted_points(evaluation: Evaluation, member: CouncilMember, data) -> dict[str, str]:
    """{criterion code: the points typed} of ``member``'s column (an empty cell clears a point)."""
    return {c.code: (data.get(f"d-{member.pk}-{c.pk}") or "").strip()
            for c in evaluation.rating.sheet.criteria.order_by("order", "pk")}


@login_required
@require_http_methods(["GET", "POST"])
def score_grid(request, pk: int):
    evaluation = (Evaluation.objects.filter(pk=pk, rating__in=scope.ratings(request.user))
                  .select_related("round__council__unit__unit_type__level", "rating__product__producer",
                                  "rating__sheet").first())
    if evaluation is None:
        raise Http404(_("Không có bảng chấm điểm số %(pk)s, hoặc hồ sơ không thuộc phạm vi bạn được xem.")
                      % {"pk": pk})
    editable = editable_members(evaluation, request.user) if open_for_scores(evaluation) else set()
    posted = None
    if request.method == "POST":
        if not editable:
            return refused(request, _("Bạn không nhập được điểm của bảng này: chỉ thành viên hội đồng (cột của mình) "
                                      "và cơ quan lập hội đồng (cột của thành viên không có tài khoản) nhập điểm, khi "
                                      "hồ sơ còn chờ hội đồng chấm."))
        posted, problems = request.POST, []
        for member in evaluation.round.members.filter(pk__in=editable).order_by("order", "pk"):
            try:
                workflow.enter_scores(evaluation, member, _posted_points(evaluation, member, request.POST),
                                      request.user)
            except workflow.WorkflowError as exc:
                problems.append(exc.message)
                break
            except scoring.ScoreRejected as exc:
                problems += [f"{member.full_name}: {problem}" for problem in exc.problems.values()]
        if not problems:
            messages.success(request, _("Đã lưu điểm; tổng điểm và hạng sao đã được tính lại."))
            return redirect("ocop_score_grid", evaluation.pk)
        for problem in problems:
            messages.error(request, problem)
        evaluation.refresh_from_db()
    return render(request, "ocop/council_scores.html", {
        "evaluation": evaluation, "grid": _grid(evaluation, editable, posted), "editable": bool(editable),
        "parts": sorted((evaluation.parts or {}).items())})
