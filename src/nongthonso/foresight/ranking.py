"""Which communes are closest to a level's standard, and what closing their gaps costs — read from the stored rows.

``base(province, as_of, level, communes)`` gathers what the ranking and a what-if start from: the level's criteria
set of the period (``criteria.applicability.set_for`` on 31/12 of the year of ``as_of``: the 2021-2025 sets up to
2025, the 2026-2030 ones after), each commune's latest assessment against that set (year ≤ that year), its values
encoded for the engine, its threshold class and the province's unit costs in force on ``as_of``. ``ranking`` turns
it into rows with ``gaps.distances`` (formula: ``gaps``' docstring, docs/foresight.md). Who sees what is decided by
the caller's list of communes (``scope.communes``: the queryset layer of ``accounts.services``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _

from nongthonso.assessments.evaluation import unit_contexts
from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.core.text import format_number
from nongthonso.criteria import engine
from nongthonso.criteria.applicability import set_for
from nongthonso.criteria.catalogue import compiled
from nongthonso.criteria.choices import Level
from nongthonso.criteria.models import CriteriaSet
from nongthonso.units.groupings import Group, Grouping
from nongthonso.units.models import Unit

from . import gaps
from .models import IndicatorCost


class ForesightError(ValueError):
    """What cannot be computed as asked; the message (Vietnamese) says why and what to do."""


@dataclass
class Base:
    """The communes a ranking or a what-if works on, aligned row by row with the arrays."""

    province: Unit
    as_of: dt.date
    level: str
    cset: CriteriaSet
    cs: engine.CompiledSet
    communes: list[Unit]  # those with an assessment against ``cset``
    assessment_ids: list[int]
    years: np.ndarray  # (n,) the assessments' years (their thresholds)
    classes: np.ndarray  # (n,) threshold class slots
    values: np.ndarray  # (n, k) encoded values, NaN unknown
    raw: list[dict]  # the stored values as they are, per commune (indicator code → value)
    required_ok: np.ndarray  # (n,) bool: the assessment of the set the level's set requires is eligible (or none)
    unit_costs: np.ndarray  # (k,) VND per unit of gap, NaN where the province set none
    cost_units: list[str]  # (k,) what one unit of gap is, "" where no cost
    missing: list[Unit] = field(default_factory=list)  # communes with no assessment against ``cset``

    @property
    def year(self) -> int:
        return self.as_of.year

    def row_of(self, code: str) -> int | None:
        return next((i for i, c in enumerate(self.communes) if c.code == code), None)


def level_set(province: Unit, year: int, level: str) -> CriteriaSet:
    """The criteria set of ``level`` in force on 31/12 of ``year`` for the province's communes."""
    cset = set_for(province, year, level)
    if cset is None:
        raise ForesightError(_("Không có bộ tiêu chí «%(level)s» nào có hiệu lực năm %(year)s cho %(unit)s; chọn "
                               "mức hoặc ngày khác.") % {"level": Level(level).label, "year": year,
                                                          "unit": province.name})
    return cset


def encode(cs: engine.CompiledSet, values: dict) -> np.ndarray:
    """One commune's stored values as the engine's row (NaN: unknown, or a value that does not fit the set)."""
    row = np.full(cs.n_indicators, np.nan)
    for code, value in values.items():
        col = cs.index.get(code)
        if col is None:
            continue
        try:
            row[col] = engine.encode_value(value, cs.value_types[col], cs.categories[col])
        except (engine.SpecError, TypeError, ValueError):
            row[col] = math.nan
    return row


def unit_costs(cs: engine.CompiledSet, cset: CriteriaSet, province: Unit, as_of: dt.date
               ) -> tuple[np.ndarray, list[str], dict[str, IndicatorCost]]:
    """The province's unit costs in force on ``as_of`` for the set's indicators, as an array, the units of gap,
    and the rows by indicator code (one query)."""
    costs = np.full(cs.n_indicators, np.nan)
    units = [""] * cs.n_indicators
    rows = {}
    for row in (IndicatorCost.objects.valid_on(as_of).filter(province=province, indicator__criteria_set=cset)
                .select_related("indicator").order_by("indicator_id", "-valid_from")):
        code = row.indicator.code
        if code in rows or code not in cs.index:
            continue
        rows[code] = row
        costs[cs.index[code]] = float(row.cost_per_unit)
        units[cs.index[code]] = row.unit_of_measure
    return costs, units, rows


def base(province: Unit, as_of: dt.date, level: str, communes: list[Unit]) -> Base:
    """What a ranking or a what-if of ``communes`` (units of ``province`` in force on ``as_of``) starts from. A few
    queries whatever the number of communes."""
    cset = level_set(province, as_of.year, level)
    cs = compiled(cset, province.code)
    latest: dict[int, tuple[int, int]] = {}
    for pk, unit_id, year in (Assessment.objects.filter(unit__in=[c.pk for c in communes], criteria_set=cset,
                                                        year__lte=as_of.year)
                              .order_by("unit_id", "-year", "-pk").values_list("pk", "unit_id", "year")):
        latest.setdefault(unit_id, (pk, year))
    kept = [c for c in communes if c.pk in latest]
    ids = [latest[c.pk][0] for c in kept]
    stored: dict[int, dict] = {pk: {} for pk in ids}
    for assessment_id, code, value in (IndicatorValue.objects.filter(assessment_id__in=ids).order_by()
                                       .values_list("assessment_id", "indicator__code", "value")):
        if value is not None:
            stored[assessment_id][code] = value
    contexts = unit_contexts([c.pk for c in kept])
    years = np.array([latest[c.pk][1] for c in kept], dtype=np.int64)
    classes = np.array([cs.class_index(cs.threshold_class(
        region=contexts[c.pk].region, group=contexts[c.pk].group_in(int(y)), flags=contexts[c.pk].flags))
        for c, y in zip(kept, years, strict=True)], dtype=np.int64)
    values = np.array([encode(cs, stored[pk]) for pk in ids]).reshape(len(ids), cs.n_indicators)
    costs, cost_units, _rows = unit_costs(cs, cset, province, as_of)
    return Base(province, as_of, level, cset, cs, kept, ids, years, classes, values, [stored[pk] for pk in ids],
                required_eligible(cset, kept, years), costs, cost_units,
                missing=[c for c in communes if c.pk not in latest])


def required_eligible(cset: CriteriaSet, communes: list[Unit], years: np.ndarray) -> np.ndarray:
    """(n,) bool: for a set that requires another (the model commune requires the advanced one), whether the
    commune's assessment of the same year against the required set is eligible, as stored; all True otherwise."""
    if cset.requires_id is None:
        return np.ones(len(communes), dtype=bool)
    eligible = {(u, y): ok for u, y, ok in Assessment.objects.filter(
        unit__in=[c.pk for c in communes], criteria_set__code=cset.requires.code, eligible=True)
        .values_list("unit_id", "year", "eligible")}
    return np.array([eligible.get((c.pk, int(y)), False) for c, y in zip(communes, years, strict=True)], dtype=bool)


@dataclass(frozen=True)
class Gap:
    """One failing indicator of a commune."""

    code: str
    name: str
    value: object
    threshold: object
    comparator: str
    unit: str  # the indicator's unit («%», «km»)
    gap: float  # in the indicator's unit, or 1 (a whole indicator)
    normalised: float
    cost: float | None  # VND; None where the province set no unit cost
    cost_unit: str

    @property
    def value_text(self) -> str:
        return shown(self.value)

    @property
    def threshold_text(self) -> str:
        return shown(self.threshold)


def shown(value) -> str:
    """A value or threshold as the pages write it: 85,7; Đạt / Không đạt; — for none."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Đạt") if value else _("Không đạt")
    if isinstance(value, int | float):
        return format_number(float(value), 3).rstrip("0").rstrip(",")
    return str(value)


@dataclass(frozen=True)
class Row:
    """A commune of a ranking."""

    rank: int
    unit: Unit
    group: Group | None
    assessment_id: int
    year: int
    criteria_met: int
    criteria_total: int
    criteria_failing: int
    failing_criteria: list[str]  # their codes
    gaps: list[Gap]
    indicators_unknown: int
    distance: float
    cost: float
    cost_missing: int
    eligible: bool


@dataclass(frozen=True)
class Ranking:
    base: Base
    rows: list[Row]
    distances: gaps.Distances

    @property
    def cset(self) -> CriteriaSet:
        return self.base.cset


def _threshold_text(cs: engine.CompiledSet, col: int, encoded: float):
    if cs.comparators[col] == "in":
        return ", ".join(cat for cat, ok in zip(cs.categories[col], cs.allowed[col], strict=True) if ok)
    if math.isnan(encoded):
        return None
    if cs.value_types[col] == "boolean":
        return _("Đạt") if encoded else _("Không đạt")
    return round(float(encoded), 6)


def rank(b: Base, grouping: Grouping | None = None, *, values: np.ndarray | None = None) -> Ranking:
    """The communes of ``b`` ranked closest first (``gaps.Distances.order``), each with its failing indicators,
    distance and cost. ``values``: other encoded values (a what-if) in place of the stored ones."""
    cs = b.cs
    vals = b.values if values is None else values
    d = gaps.distances(cs, vals, b.years, b.classes, b.unit_costs)
    res = d.result
    indicators = dict(b.cset.indicators.values_list("code", "unit"))
    rows = []
    for position, i in enumerate(d.order(), start=1):
        failing_cols = np.flatnonzero(d.failing[i])
        failing_criteria = sorted({cs.criteria_codes[c] for c, s in enumerate(res.criterion_status[i])
                                   if s == 0 and cs.counted[c]}, key=lambda code: cs.criteria_codes.index(code))
        row_gaps = [Gap(
            cs.indicator_codes[col], cs.indicator_names[col], b.raw[i].get(cs.indicator_codes[col]),
            _threshold_text(cs, col, res.thresholds[i, col]), cs.comparators[col],
            indicators.get(cs.indicator_codes[col], ""), round(float(d.gap[i, col]), 6),
            round(float(d.normalised[i, col]), 6),
            None if math.isnan(b.unit_costs[col]) else float(d.gap[i, col] * b.unit_costs[col]), b.cost_units[col])
            for col in failing_cols]
        unit = b.communes[i]
        rows.append(Row(
            position, unit, grouping.of.get(unit.pk) if grouping else None, b.assessment_ids[i], int(b.years[i]),
            int(res.criteria_met[i]), cs.n_criteria, int(d.criteria_failing[i]), failing_criteria, row_gaps,
            int(d.indicators_unknown[i]), round(float(d.distance[i]), 6), float(d.cost[i]), int(d.cost_missing[i]),
            bool(res.eligible[i] and b.required_ok[i])))
    return Ranking(b, rows, d)

