"""The rating dossier pages: the work list (``/ocop/ho-so/``), a new dossier, the dossier page with its council
results, timeline and step forms (``/ocop/ho-so/<id>/``), a step (POST), a certificate's revocation (POST).

A dossier the user may not see is «not found» (``scope.ratings``); every write is a POST handled by ``workflow`` or
``certificates``, which check the permission again, lock the row and audit the change; their Vietnamese refusals are
shown on the dossier page (a wrong role: the 403 page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from nongthonso.accounts.services import unit_phrase

from . import certificates, scope, workflow
from .certificates import CertificateRejected
from .forms_rating import RevokeForm, StartForm, StepForm
from .models import Certificate, Evaluation, MemberScore, Product, Rating, RatingState
from .workflow import WorkflowError

PAGE_SIZE = 25


def refused(request, message: str, status: int = 403) -> HttpResponse:
    return render(request, "ocop/rating_refused.html", {"message": message}, status=status)


def rating_or_404(request, pk: int) -> Rating:
    rating = (scope.ratings(request.user).select_related("product__producer", "product__unit__unit_type__level",
                                                        "product__subgroup", "sheet", "previous")
              .filter(pk=pk).first())
    if rating is None:
        raise Http404(_("Không có hồ sơ đánh giá OCOP số %(pk)s, hoặc hồ sơ không thuộc phạm vi bạn được xem.")
                      % {"pk": pk})
    return rating


@login_required
def rating_list(request):
    """The dossiers waiting for the user (paged); ``?tat-ca=1``: every dossier in scope."""
    visible = scope.ratings(request.user)
    everything = request.GET.get("tat-ca") == "1"
    if everything:
        rows = list(visible.select_related("product__producer", "product__unit").order_by("-year", "-pk"))
    else:
        rows = workflow.awaiting(request.user, visible)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for rating in page:
        rating.position = workflow.position(rating)
    return render(request, "ocop/rating_list.html", {
        "page": page, "everything": everything, "query": "tat-ca=1" if everything else "",
        "seats": _seats_waiting(request.user),
        "may_start": scope.products(request.user, scope.MANAGE).exists()
        or Product.objects.filter(producer__members=request.user).exists(),
    })


def _seats_waiting(user) -> list[Evaluation]:
    """The evaluations where ``user`` holds a council seat and has not scored every criterion yet, while the dossier
    waits for that council."""
    found = []
    evaluations = (Evaluation.objects.filter(round__members__user=user, rating__state__in=workflow.OPEN_STATES)
                   .select_related("round__council__unit__unit_type__level", "rating__product__producer",
                                   "rating__product__unit").order_by("round__date", "pk").distinct())
    for evaluation in evaluations:
        waiting = workflow.waits_for_council(evaluation.rating, evaluation.round.council.unit.unit_type.level.code)
        criteria = evaluation.rating.sheet.criteria.count()
        mine = MemberScore.objects.filter(evaluation=evaluation, member__user=user).count()
        if waiting and mine < criteria:
            found.append(evaluation)
    return found


def _startable(user):
    return Product.objects.filter(Q(pk__in=scope.products(user, scope.MANAGE).values("pk"))
                                  | Q(producer__members=user)).select_related("producer").distinct()


@login_required
@require_http_methods(["GET", "POST"])
def rating_new(request):
    """Open a rating dossier for a product (the producer's account, or an office managing OCOP there);
    ``?san-pham=<id>`` chooses the product (the expiry notice links here)."""
    products = _startable(request.user)
    if not products.exists():
        return refused(request, _("Bạn chưa quản lý sản phẩm OCOP nào nên không lập được hồ sơ đánh giá. Tài khoản "
                                  "của chủ thể hoặc cán bộ quản lý OCOP của xã lập hồ sơ."))
    initial = {"product": request.GET.get("san-pham")} if request.GET.get("san-pham", "").isdigit() else {}
    form = StartForm(request.POST or None, products=products, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rating = workflow.start(form.cleaned_data["product"], request.user,
                                    self_assessment=form.cleaned_data["self_assessment"])
        except WorkflowError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã lập hồ sơ đánh giá; kiểm tra rồi gửi hồ sơ."))
            return redirect("ocop_rating", rating.pk)
    return render(request, "ocop/rating_new.html", {"form": form})


def _member_table(evaluation: Evaluation) -> dict:
    """The members' points per criterion of ``evaluation``: {"members": [...], "rows": [(criterion, [points])]}."""
    members = list(evaluation.round.members.order_by("order", "pk"))
    points = {(s.member_id, s.criterion_id): s.points for s in MemberScore.objects.filter(evaluation=evaluation)}
    criteria = list(evaluation.rating.sheet.criteria.select_related("part").order_by("order", "pk"))
    return {"members": members,
            "rows": [(c, [points.get((m.pk, c.pk)) for m in members]) for c in criteria]}


def _results(rating: Rating) -> list[dict]:
    evaluations = (Evaluation.objects.filter(rating=rating)
                   .select_related("round__council__unit", "rating__sheet").order_by("round__date", "pk"))
    return [{"evaluation": e, "parts": sorted((e.parts or {}).items()), **_member_table(e)} for e in evaluations]


def _timeline(rating: Rating) -> list[dict]:
    return [{"event": e, "label": workflow.LABELS.get(e.action, e.action),
             "stage": workflow.stage_name(e.stage) if e.stage else ""} for e in workflow.history(rating)]


@login_required
def rating_detail(request, pk: int):
    rating = rating_or_404(request, pk)
    here = workflow.position(rating)
    returned = None
    if rating.state == RatingState.RETURNED:
        returned = workflow.history(rating).filter(action="return").last()
    certificate = Certificate.objects.filter(rating=rating).select_related("issuing_unit").first()
    today = timezone.localdate()
    steps = workflow.available_actions(rating, request.user)
    return render(request, "ocop/rating_detail.html", {
        "rating": rating, "here": here, "returned": returned, "steps": steps,
        "stage_name": workflow.stage_name(here.stage) if here.stage else "",
        "held_back": workflow.held_back(rating, request.user),
        "results": _results(rating), "timeline": _timeline(rating), "certificate": certificate,
        "certificate_status": certificates.status_text(certificate, today) if certificate else "",
        "may_revoke": bool(certificate and certificate.revoked_on is None
                           and certificates.may_revoke(request.user, certificate)),
        "revoke_form": RevokeForm(), "today": today, "unit": unit_phrase(rating.product.unit),
        "may_rerate": bool(certificate and rating.state == RatingState.CERTIFIED
                           and workflow.may_start(request.user, rating.product)),
        "authority": _authority(rating, steps),
    })


def _authority(rating: Rating, steps) -> str:
    """The issuing authority a decision form offers (the people's committee of the deciding level)."""
    decide = next((s for s in steps if s.stars), None)
    if decide is None:
        return ""
    unit = certificates.issuing_unit(rating, decide.stage, timezone.localdate())
    return f"Ủy ban nhân dân {unit_phrase(unit)}" if unit is not None else ""


@login_required
@require_POST
def rating_step(request, pk: int, action: str):
    rating = rating_or_404(request, pk)
    form = StepForm(request.POST)
    back = reverse("ocop_rating", args=[rating.pk])
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label or field}: {error}" if field != "__all__"
                               else error)
        return redirect(back)
    data = form.cleaned_data
    try:
        event = workflow.perform(rating, action, request.user, reason=data["reason"], stars=data["stars"],
                                 decision=form.decision(), pre_assessment=data["pre_assessment"] or None,
                                 expected_version=data["version"])
    except WorkflowError as exc:
        if exc.code in ("login", "role"):
            return refused(request, exc.message)
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, _("Đã thực hiện: %(step)s. Trạng thái hồ sơ: %(state)s.")
                     % {"step": workflow.LABELS.get(event.action, event.action),
                        "state": workflow.state_label(rating)})
    return redirect(back)


@login_required
@require_POST
def certificate_revoke(request, pk: int):
    certificate = Certificate.objects.filter(pk=pk, product__in=scope.products(request.user)).first()
    if certificate is None:
        raise Http404(_("Không có giấy chứng nhận này, hoặc sản phẩm không thuộc phạm vi bạn được xem."))
    back = reverse("ocop_rating", args=[certificate.rating_id]) if certificate.rating_id else reverse("ocop_ratings")
    form = RevokeForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {' '.join(errors)}")
        return redirect(back)
    try:
        certificates.revoke(certificate, user=request.user, **form.cleaned_data)
    except CertificateRejected as exc:
        if exc.code == "role":
            return refused(request, exc.message)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã ghi quyết định thu hồi giấy chứng nhận."))
    return redirect(back)
