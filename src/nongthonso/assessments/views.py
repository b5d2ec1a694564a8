"""Commune list (``/xa/``) and commune scorecard (``/xa/<id>/``), read only, scoped to the user's units."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from nongthonso.accounts.models import Action
from nongthonso.accounts.services import can
from nongthonso.core.dates import parse_as_of
from nongthonso.core.text import format_date
from nongthonso.criteria.applicability import sets_for

from . import selectors
from .filters import CommuneFilter


def _query_without(request, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@login_required
@require_GET
def commune_list(request):
    """Communes in force on ``as_of`` in the user's scope, filtered, in Vietnamese order, 50 a page."""
    as_of, date_error = parse_as_of(request.GET.get("as_of"))
    communes = selectors.communes_in_scope(request.user, as_of)
    grouping = selectors.grouping_of(communes, as_of)
    form = CommuneFilter(request.GET, grouping=grouping, groups=selectors.groups_used(grouping, communes))
    form.is_valid()  # invalid fields are reported and ignored; the valid ones still filter
    rows = form.filter_rows(selectors.commune_rows(form.filter_units(communes), as_of, grouping))
    page = Paginator(rows, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assessments/commune_list.html", {
        "form": form, "page": page, "as_of": as_of, "date_error": date_error, "group_label": form["district"].label,
        "no_role": selectors.no_role_message(request.user),
        "in_scope": len(communes), "query": _query_without(request, "page"),
        "as_of_param": as_of.isoformat(),
    })


@login_required
@require_GET
def scorecard(request, unit_id: int):
    """One commune: criteria and indicators against thresholds, provenance, decisions, history."""
    unit = selectors.scorecard_unit(request.user, unit_id)
    query = selectors.scorecard_query(request.GET)
    as_of = query.as_of
    card = selectors.scorecard(unit, as_of, year=query.year, set_code=query.set_code, user=request.user)
    year_error = selectors.missing_year_message(card) or query.year_error
    can_edit = can(request.user, Action.EDIT_VALUES, unit)
    next_year = (card.assessment.year + 1) if card.assessment else as_of.year
    return render(request, "assessments/scorecard.html", {
        "card": card, "unit": unit, "can_edit": can_edit, "next_year": next_year,
        # the sets a dossier may be opened on (national, or the unit's province's: «xã NTM hiện đại» …)
        "open_sets": list(sets_for(unit, next_year)) if can_edit else [],
        "as_of": as_of, "as_of_param": as_of.isoformat(),
        "as_of_text": format_date(as_of), "errors": [e for e in (query.date_error, year_error) if e],
    })
