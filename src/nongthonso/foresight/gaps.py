"""Gaps → distance: how far each commune is from a level's standard, and what closing the gaps costs. Pure numpy over
the engine's batch evaluation (``criteria.engine.evaluate_batch``): no Django here, so the benchmark
(``bench/foresight_ranking.py``) runs the very functions the pages run. ``ranking`` reads the rows and calls them.

For a commune and a compiled set (the level's set of the period), with the engine's ``BatchResult``:

- an indicator **fails** when its value is known and does not meet the threshold; **unknown** ones (no value, or a
  threshold not known for the commune) are counted apart, never as a gap of zero nor as a failure;
- its **gap** in the indicator's own unit is the engine's distance still to go (comparator-aware: ``t − v`` for
  ≥ and >, ``v − t`` for ≤ and <); a yes/no, a category or an «equal to» indicator that fails has a gap of one
  whole indicator (1);
- its **normalised gap** is the gap divided by the threshold's size, capped at 1 — ``min(gap / |t|, 1)``, with
  ``|t|`` taken as 1 when the threshold is 0 (≤ 0 incidents: the gap is then the count itself, capped) — and 1 for
  the indicators whose gap is one whole indicator. So 80 % against ≥ 90 % is 0,111; 6 against ≤ 4 is 0,5;
- the **distance** is the sum of the normalised gaps of the failing indicators: 0 when nothing known fails, about
  the number of failing indicators when each is far off;
- the **cost** is Σ unit cost × gap over the failing indicators that have a unit cost; those without one are
  counted (``cost_missing``), so a cost with missing parts is a lower bound, and the pages say so.

Communes are ranked by criteria still failing, then distance, then unknown indicators, then cost (fewest first).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nongthonso.criteria import engine

WHOLE = (">=", ">", "<=", "<")  # comparators whose gap is measured in the indicator's unit


@dataclass
class Distances:
    """The distances of n communes against one compiled set (k indicators)."""

    result: engine.BatchResult
    failing: np.ndarray  # (n, k) bool: known and not met
    unknown: np.ndarray  # (n, k) bool
    gap: np.ndarray  # (n, k) float: gap in the indicator's unit where failing, 0 elsewhere
    normalised: np.ndarray  # (n, k) float in [0, 1]: where failing, 0 elsewhere
    distance: np.ndarray  # (n,) float
    cost: np.ndarray  # (n,) float, VND: Σ unit cost × gap over the failing indicators with a unit cost
    cost_missing: np.ndarray  # (n,) int: failing indicators without a unit cost
    criteria_failing: np.ndarray  # (n,) int (counted criteria, as the engine counts them)
    indicators_failing: np.ndarray  # (n,) int
    indicators_unknown: np.ndarray  # (n,) int

    def order(self) -> np.ndarray:
        """The communes' indices, closest first (criteria failing, distance, unknown indicators, cost)."""
        return np.lexsort((self.cost, self.indicators_unknown, np.round(self.distance, 9), self.criteria_failing))


def measured(cs: engine.CompiledSet) -> np.ndarray:
    """(k,) bool: the indicators whose gap is a quantity in their unit (numeric comparators on a non-boolean)."""
    return np.array([op in WHOLE and vt != "boolean" for op, vt in zip(cs.comparators, cs.value_types, strict=True)],
                    dtype=bool)


def distances(cs: engine.CompiledSet, values: np.ndarray, year: int | np.ndarray, classes: np.ndarray,
              unit_costs: np.ndarray | None = None, *, result: engine.BatchResult | None = None) -> Distances:
    """The distances of the communes whose encoded values are ``values`` (n × k, NaN unknown), in threshold classes
    ``classes`` for ``year``; ``unit_costs``: (k,) VND per unit of gap, NaN where the province set none.
    ``result``: the engine's evaluation of the same arrays, when the caller already has it."""
    res = result if result is not None else engine.evaluate_batch(cs, values, year, classes)
    status = res.indicator_status
    failing = status == 0
    unknown = status == -1
    quantity = measured(cs)
    raw = np.where(np.isnan(res.gaps), 0.0, res.gaps)
    gap = np.where(failing, np.where(quantity, raw, 1.0), 0.0)
    scale = np.abs(res.thresholds)
    scale = np.where(np.isnan(scale) | (scale == 0), 1.0, scale)
    normalised = np.where(failing, np.where(quantity, np.minimum(gap / scale, 1.0), 1.0), 0.0)
    if unit_costs is None:
        unit_costs = np.full(cs.n_indicators, np.nan)
    priced = ~np.isnan(unit_costs)
    cost = (gap * np.where(priced, unit_costs, 0.0)).sum(axis=1)
    return Distances(
        result=res, failing=failing, unknown=unknown, gap=gap, normalised=normalised,
        distance=normalised.sum(axis=1), cost=cost, cost_missing=(failing & ~priced).sum(axis=1),
        criteria_failing=np.asarray(res.criteria_failed, dtype=np.int64), indicators_failing=failing.sum(axis=1),
        indicators_unknown=unknown.sum(axis=1))
