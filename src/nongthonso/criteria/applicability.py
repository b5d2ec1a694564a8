"""Which criteria sets apply to a unit: national sets to every unit, a provincial set (``CriteriaSet.province_code``,
e.g. the pilot «xã NTM hiện đại» criteria a province issues under Decision 51/2025/QĐ-TTg Phụ lục II) only to the
units of that province. Every place that picks or accepts a set for a unit asks here: opening a dossier (web and
API), importing values with a ``set`` column, creating an assessment.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from nongthonso.units.models import Unit
from nongthonso.units.services import PROVINCE_LEVEL

from .choices import COMMUNE_LEVELS
from .models import CriteriaSet


def province_code_of(unit: Unit, cache: dict[int, str | None] | None = None) -> str | None:
    """The GSO code of the province ``unit`` lies in (itself when it is one), from its path: one query, none with
    ``cache`` ({top unit id: code}) already holding it."""
    top = int(unit.path.strip("/").split("/")[0]) if unit.path else unit.pk
    if cache is not None and top in cache:
        return cache[top]
    found = (Unit.objects.filter(pk=top, unit_type__level__code=PROVINCE_LEVEL).values_list("code", flat=True)
             .first())
    if cache is not None:
        cache[top] = found
    return found


def applies_to(cset: CriteriaSet, unit: Unit, cache: dict[int, str | None] | None = None) -> bool:
    """Whether ``cset`` may be used for ``unit``: national sets always, provincial sets within their province."""
    return not cset.province_code or cset.province_code == province_code_of(unit, cache)


def not_applicable_message(cset: CriteriaSet, unit: Unit) -> str:
    return (f"Bộ tiêu chí «{cset.name}» ({cset.code}) do tỉnh mã {cset.province_code} ban hành, chỉ áp dụng cho các "
            f"xã của tỉnh đó; {unit.name} ({unit.code}) không thuộc tỉnh này. Chọn bộ tiêu chí quốc gia hoặc bộ của "
            "tỉnh mình.")


def sets_for(unit: Unit, year: int, level: str | None = None) -> QuerySet[CriteriaSet]:
    """The latest versions of the commune sets (of ``level``, default every commune level) in force on 31/12 of
    ``year`` that apply to ``unit``: national ones and its own province's. A provincial set comes before a national
    one of the same level (it is the province's own rule), then the latest in force first."""
    province = province_code_of(unit)
    levels = [level] if level else list(COMMUNE_LEVELS)
    return (CriteriaSet.objects.filter(level__in=levels, superseded_by__isnull=True)
            .in_force_on(dt.date(year, 12, 31))
            .filter(Q(province_code="") | Q(province_code=province or "-"))
            .order_by("-province_code", "-effective_from", "code"))


def set_for(unit: Unit, year: int, level: str) -> CriteriaSet | None:
    """The set of ``level`` a dossier of ``unit`` for ``year`` is assessed on (``sets_for``'s first)."""
    return sets_for(unit, year, level).first()
