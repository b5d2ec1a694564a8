"""Who may see and do what in smart NTM, as querysets and refusals (the permission checks live here, not in the views).

- **View** (``view_smart``, every NTM role): the progress of the provinces their units lie in — a province's figures
  are the province's, whoever asks — and, unit by unit, the units in their scope only (the drill-down lists no unit
  the user could not open elsewhere). Out of scope is «not found» (404), as for dossiers.
- **Enter figures** (``enter_smart_figures``: the commune officer, the district and province offices): the figures of
  the units in their scope.
- **Manage pilots** (``manage_smart_pilots``: the province office): designate pilot smart communes and villages,
  record their recognition and their values against the smart-village criteria.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from nongthonso.accounts.services import refusal, restrict, scope_paths, unit_phrase
from nongthonso.units.models import Unit
from nongthonso.units.services import PROVINCE_LEVEL

from .apps import ENTER, MANAGE, VIEW
from .models import Pilot


def _top(path: str) -> str:
    """«/12/345/6789/» → «/12/»: the province a path lies in."""
    return "/" + path.strip("/").split("/")[0] + "/"


def provinces(user, as_of: dt.date) -> list[Unit]:
    """The provinces in force on ``as_of`` whose progress ``user`` may see: those their roles lie in (a role on a
    province's earlier version reaches it through lineage); every province for a superuser."""
    paths = scope_paths(user, VIEW)
    qs = Unit.objects.valid_on(as_of).at_level(PROVINCE_LEVEL).select_related("unit_type__level")
    if paths is not None:
        qs = qs.filter(path__in={_top(p) for p in paths})
    return list(qs.in_vietnamese_order())


def visible(queryset: QuerySet, user, *, path_field: str = "path") -> QuerySet:
    """``queryset`` (units, or rows with a unit) narrowed to what ``user`` may see unit by unit."""
    return restrict(queryset, user, VIEW, path_field=path_field)


def may_view(user) -> bool:
    """Whether ``user`` has a role that sees smart NTM somewhere (the menu entry)."""
    return scope_paths(user, VIEW) != []


def may_enter_somewhere(user) -> bool:
    return scope_paths(user, ENTER) != []


def may_manage_somewhere(user) -> bool:
    return scope_paths(user, MANAGE) != []


def enter_refusal(user, unit: Unit) -> str | None:
    """Why ``user`` may not enter figures for ``unit`` (Vietnamese), or None."""
    refused = refusal(user, ENTER, unit)
    return None if refused is None else refused.message


def manage_refusal(user, unit: Unit) -> str | None:
    """Why ``user`` may not designate or recognise pilots in ``unit`` (Vietnamese), or None."""
    refused = refusal(user, MANAGE, unit)
    if refused is None:
        return None
    return (f"{refused.message} Việc chọn thí điểm và công nhận mô hình thông minh tại {unit_phrase(unit)} do Văn "
            "phòng Điều phối NTM tỉnh thực hiện.")


def visible_pilots(user) -> QuerySet[Pilot]:
    """The pilots of the communes in ``user``'s view scope."""
    return visible(Pilot.objects.select_related("commune__parent", "village"), user, path_field="commune__path")


def managed_pilots(user) -> QuerySet[Pilot]:
    """The pilots ``user`` may record a recognition or values for."""
    return restrict(Pilot.objects.select_related("commune__parent", "village"), user, MANAGE,
                    path_field="commune__path")
