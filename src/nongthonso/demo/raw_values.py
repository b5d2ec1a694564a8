"""Raw demo values: indicator values that meet exactly a chosen number of criteria of a set, for a unit's thresholds
(its region, commune group, year). Generated deterministically from the caller's random generator, stored through
``assessments.bulk.store_values`` (audited, evaluated), and flagged synthetic. Used by both demo years."""

from __future__ import annotations

import math
import random

import numpy as np

from nongthonso.assessments.bulk import store_values
from nongthonso.assessments.evaluation import unit_context
from nongthonso.assessments.models import Assessment
from nongthonso.criteria import engine
from nongthonso.criteria.catalogue import compiled
from nongthonso.criteria.models import CriteriaSet
from nongthonso.units.models import Unit

SYNTHETIC_SOURCE = "Số liệu minh họa (demo), không phải số liệu chính thức"

# criteria that lagging communes most often miss (weights); codes of the 2021-2025 commune set
LAGGING = {"10": 9, "11": 8, "13": 7, "17": 7, "5": 5, "12": 5, "2": 4, "15": 4, "9": 3, "14": 3, "3": 3,
           "6": 2, "16": 2, "18": 1, "8": 1, "4": 1, "7": 1, "19": 1, "1": 1}


def _value(rng: random.Random, cs: engine.CompiledSet, col: int, threshold: float, passing: bool):
    """A plausible raw value that passes (or fails) ``threshold``."""
    vt, op = cs.value_types[col], cs.comparators[col]
    if op == "in":
        cats = cs.categories[col]
        allowed = cs.allowed[col]
        choices = [c for c, ok in zip(cats, allowed, strict=True) if ok == passing]
        return choices[0] if choices else cats[0]
    if vt == "boolean":
        return bool(threshold) if passing else not bool(threshold)
    t = float(threshold)
    upper = 100.0 if vt == "percent" else max(t * 1.5, t + 5)
    if op in (">=", ">"):
        value = (t + rng.uniform(0.05, 0.9) * (upper - t)) if passing else t * rng.uniform(0.55, 0.95)
    else:  # "<=", "<": smaller is better (poverty rate, stunting …)
        value = t * rng.uniform(0.2, 0.9) if passing else t * rng.uniform(1.15, 1.8) + 0.5
    if vt == "number" and t >= 1:
        value = math.ceil(value) if (passing == (op in (">=", ">"))) else math.floor(value)
        if not passing and op in (">=", ">") and value >= t:
            value = t - 1
        return int(max(value, 0))
    value = round(value, 1)
    if vt == "percent":
        value = min(value, 100.0)
    # rounding must not cross the threshold
    fits = {">=": value >= t, ">": value > t, "<=": value <= t, "<": value < t}[op]
    if fits != passing:
        step = 0.1 if (passing == (op in (">=", ">"))) else -0.1
        while ({">=": value >= t, ">": value > t, "<=": value <= t, "<": value < t}[op]) != passing:
            value = round(value + step, 1)
    return value


def _values_for(rng: random.Random, cs: engine.CompiledSet, thresholds: np.ndarray, failing: set[str],
                fail_share: float = 0.5) -> dict[str, object]:
    """Values meeting every criterion except ``failing`` (criterion codes), where one or more
    indicators miss their threshold."""
    values = {}
    fail_cols = set()
    for ci, code in enumerate(cs.criteria_codes):
        if code not in failing:
            continue
        cols = list(np.flatnonzero(cs.indicator_criterion == ci))
        n = max(1, round(len(cols) * rng.uniform(0.1, fail_share)))
        fail_cols.update(rng.sample(cols, n))
    for col, code in enumerate(cs.indicator_codes):
        values[code] = _value(rng, cs, col, thresholds[col], col not in fail_cols)
    return values


def _choose_failing(rng: random.Random, cs: engine.CompiledSet, n_fail: int) -> set[str]:
    codes = [c for c in LAGGING if c in cs.criteria_codes] or list(cs.criteria_codes)
    weights = [LAGGING.get(c, 1) for c in codes]
    chosen: set[str] = set()
    while len(chosen) < n_fail:
        chosen.add(rng.choices(codes, weights)[0])
    return chosen


def assess(rng, cset: CriteriaSet, units_targets: list[tuple[Unit, int]], year: int) -> int:
    """Create assessments of ``cset`` for ``year`` whose values meet exactly the target number of criteria."""
    if not units_targets:
        return 0
    rows = []
    assessments = []
    for unit, target in units_targets:
        ctx = unit_context(unit)
        cs = compiled(cset, ctx.province_code)
        cls = cs.threshold_class(region=ctx.region, group=ctx.group_in(year), flags=ctx.flags)
        thresholds = cs.thresholds_for(year, cls)
        failing = _choose_failing(rng, cs, cs.n_criteria - target)
        values = _values_for(rng, cs, thresholds, failing)
        assessment, _ = Assessment.objects.get_or_create(unit=unit, year=year, criteria_set=cset,
                                                         defaults={"synthetic": True})
        assessments.append((assessment, target))
        indicators = {i.code: i for i in cset.indicators.all()}
        rows += [(assessment, indicators[code], value, SYNTHETIC_SOURCE, "") for code, value in values.items()]
    store_values(rows, actor="nongthonso demo")
    for assessment, target in assessments:
        assessment.refresh_from_db()
        if assessment.criteria_met != target:
            raise RuntimeError(f"demo calibration: {assessment} meets {assessment.criteria_met}, wanted {target}")
    return len(rows)
