"""Who sees what in foresight, as querysets (the checks live here, not in the views).

- **Rankings and what-ifs** read the communes the user may see (``accounts.services.visible_units``, the dossiers'
  ``view``): a district office sees its district's communes ranked, a commune officer its own commune.
- **Unit costs** are the province office's data (``manage_costs``): only it edits or imports them, for its own
  province; everyone who may see a commune sees the costs its gaps are priced with.
- **Scenarios** belong to their owner: each user lists, opens and compares their own.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from nongthonso.accounts.models import Action
from nongthonso.accounts.services import _active, restrict, scope_paths, visible_units
from nongthonso.units.models import Unit
from nongthonso.units.services import PROVINCE_LEVEL

from .models import IndicatorCost, Scenario

MANAGE_COSTS = "manage_costs"  # registered by foresight.apps; carried by the province office


def _tops(paths: list[str]) -> set[str]:
    """The paths of the top units (provinces) of ``paths``."""
    return {"/" + p.strip("/").split("/")[0] + "/" for p in paths}


def provinces(user, as_of: dt.date, action: str = Action.VIEW) -> list[Unit]:
    """The provinces in force on ``as_of`` holding a unit ``user`` may see (or do ``action`` on), in order."""
    paths = scope_paths(user, action)
    found = Unit.objects.valid_on(as_of).at_level(PROVINCE_LEVEL)
    if paths is not None:
        found = found.filter(path__in=_tops(paths))
    return list(found.order_by("sort_key", "code"))


def communes(user, province: Unit, as_of: dt.date) -> list[Unit]:
    """The rural communes of ``province`` in force on ``as_of`` that ``user`` may see, in Vietnamese order."""
    return list(visible_units(user, as_of).rural_communes().within(province).select_related("parent")
                .in_vietnamese_order())


def may_manage_costs(user, province: Unit | None = None) -> bool:
    if not _active(user):
        return False
    paths = scope_paths(user, MANAGE_COSTS)
    if province is None:
        return paths is None or bool(paths)
    return paths is None or any(province.path.startswith(p) for p in paths)


def costs(user, action: str = Action.VIEW) -> QuerySet[IndicatorCost]:
    """The unit costs ``user`` may see (``view``: of the provinces holding a unit in scope) or edit
    (``MANAGE_COSTS``: of the provinces where they are the province office)."""
    if not _active(user):
        return IndicatorCost.objects.none()
    if action == MANAGE_COSTS:
        return restrict(IndicatorCost.objects.all(), user, MANAGE_COSTS, path_field="province__path")
    paths = scope_paths(user, action)
    if paths is None:
        return IndicatorCost.objects.all()
    return IndicatorCost.objects.filter(province__path__in=_tops(paths))


def scenarios(user) -> QuerySet[Scenario]:
    """The scenarios ``user`` owns (a scenario is its owner's working paper)."""
    if not _active(user):
        return Scenario.objects.none()
    return Scenario.objects.filter(owner=user).select_related("province")
