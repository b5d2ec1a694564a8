"""Roles granted on unit versions that ceased (a reorganisation): the province office grants them again on the
successors, one row or all at once. Every write goes through ``services.hand_over`` (audited)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from nongthonso.units.models import Unit

from . import services
from .models import Membership


@login_required
@require_GET
def handovers(request):
    rows = services.handovers(request.user)
    allowed = services.may_hand_over(request.user)
    return render(request, "accounts/handovers.html", {
        "rows": rows, "allowed": allowed, "single": sum(1 for r in rows if len(r.successors) == 1)})


@login_required
@require_POST
def hand_over(request, pk: int):
    membership = get_object_or_404(Membership.objects.select_related("user", "unit"), pk=pk)
    raw = request.POST.get("successor", "")
    successor = get_object_or_404(Unit, pk=int(raw)) if raw.isdigit() else None
    refused = services.handover_refusal(request.user, membership, successor)
    if refused:
        messages.error(request, refused)
    else:
        services.hand_over(membership, successor, by=request.user)
        if successor is None:
            messages.success(request, _("Đã thu hồi vai trò của %(user)s tại %(unit)s.") % {
                "user": membership.user.get_username(), "unit": membership.unit.name})
        else:
            messages.success(request, _("Đã giao lại vai trò của %(user)s tại %(unit)s.") % {
                "user": membership.user.get_username(), "unit": successor.name})
    return redirect("handovers")


@login_required
@require_POST
def hand_over_all(request):
    """Every listed role whose unit has exactly one successor at its level, granted on it — all or none."""
    if not services.may_hand_over(request.user):
        messages.error(request, _("Chỉ Văn phòng Điều phối NTM tỉnh giao lại được vai trò của cán bộ khi đơn vị "
                                  "hành chính được sắp xếp lại."))
        return redirect("handovers")
    with transaction.atomic():
        done = 0
        for row in services.handovers(request.user):
            if len(row.successors) == 1:
                services.hand_over(row.membership, row.successors[0], by=request.user)
                done += 1
    messages.success(request, _("Đã giao lại %(n)s vai trò trên đơn vị kế thừa.") % {"n": done})
    return redirect("handovers")
