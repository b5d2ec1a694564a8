"""The threshold review page (``/tieu-chi/doi-chieu-nguong/``): the province office records, for the thresholds of a
criteria set, where each is written in the official text. Every write goes through ``confirmations`` (who may, for
which province, audited); the page only lists what the service allows and shows its refusals."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import confirmations
from .confirmations import Citation, CitationRejected, ConfirmationRefused, ReviewRow


@dataclass
class IndicatorGroup:
    """The rows of one indicator, under its criterion's heading when it is the criterion's first."""

    criterion: str  # «1. Quy hoạch» on the criterion's first indicator, "" after
    rows: list[ReviewRow]

    @property
    def indicator(self):
        return self.rows[0].indicator


def _groups(rows: list[ReviewRow]) -> list[IndicatorGroup]:
    groups: list[IndicatorGroup] = []
    seen: set[int] = set()
    for row in rows:
        if groups and groups[-1].indicator.pk == row.indicator.pk:
            groups[-1].rows.append(row)
            continue
        criterion = row.indicator.criterion
        groups.append(IndicatorGroup("" if criterion.pk in seen else f"{criterion.code}. {criterion.name}", [row]))
        seen.add(criterion.pk)
    return groups


def _int(raw) -> int | None:
    return int(raw) if str(raw or "").isdigit() else None


@login_required
@require_http_methods(["GET", "POST"])
def threshold_review(request):
    provinces = confirmations.provinces_for(request.user)
    if not provinces:
        return render(request, "criteria/threshold_review.html",
                      {"refused": confirmations.refusal(request.user, "")}, status=403)
    data = request.POST if request.method == "POST" else request.GET
    code = data.get("tinh") if data.get("tinh") in provinces else next(iter(provinces))
    sets = confirmations.sets_for(code)
    chosen = _int(data.get("bo"))
    cset = next((s for s in sets if s.pk == chosen), None) or (sets[0] if sets else None)
    only_open = data.get("chua") == "1"
    query = {"tinh": code, "bo": cset.pk if cset else "", **({"chua": "1"} if only_open else {})}
    here = f"{reverse('threshold_review')}?{urlencode(query)}"
    errors: dict[str, str] = {}
    citation = confirmations.last_citation(cset, code) if cset else Citation()
    if request.method == "POST" and cset is not None:
        try:
            if "withdraw" in request.POST:
                if confirmations.withdraw(request.user, cset, code, _int(request.POST["withdraw"]) or 0):
                    messages.success(request, _("Đã bỏ xác nhận ngưỡng."))
                return redirect(here)
            citation = Citation.from_data(request.POST)
            written = confirmations.confirm(request.user, cset, code,
                                            [i for i in map(_int, request.POST.getlist("threshold")) if i],
                                            citation)
            messages.success(request, _("Đã xác nhận %(n)s ngưỡng theo %(citation)s.") % {
                "n": len(written), "citation": citation.text} if written
                else _("Các ngưỡng đã chọn đã được xác nhận đúng như vậy; không có gì thay đổi."))
            return redirect(here)
        except ConfirmationRefused as refused:
            return render(request, "criteria/threshold_review.html", {"refused": refused.message}, status=403)
        except CitationRejected as rejected:
            errors = rejected.errors
    rows = confirmations.review_rows(cset, code) if cset else []
    selected = {i for i in map(_int, request.POST.getlist("threshold")) if i} if errors else set()
    return render(request, "criteria/threshold_review.html", {
        "provinces": provinces.values(), "province": provinces[code], "sets": sets, "cset": cset,
        "groups": _groups([r for r in rows if not (only_open and r.confirmed)]),
        "total": len(rows), "confirmed": sum(r.confirmed for r in rows), "only_open": only_open,
        "citation": citation, "errors": errors, "selected": selected,
    }, status=400 if errors else 200)
