"""Benchmark: the foresight ranking (gaps → distance → cost → order) of 10,000 communes × the 57 indicators of the
2021-2025 NTM set, through ``foresight.gaps.distances`` (the engine's batch evaluation, then the distances), beside a
plain numpy reference computing the same distances, costs and order in the same run; both must agree first.
Goal (issue 15, the ranking's share of «ranking + forecast ≤ 3× a plain numpy reference»): ≤ 3× the reference.

    python bench/foresight_ranking.py [--communes 10000] [--repeat 7]

Synthetic arrays only (the values of ``engine_national.synthetic_values``: thresholds × noise, 7% of yes/no
indicators failing, 2% unknown; unit costs drawn per indicator, 10% without one): no Django, no database.
"""

from __future__ import annotations

import argparse
import platform
from importlib.resources import files

import numpy as np
import yaml

from engine_national import synthetic_values, timed  # bench/ is the script's path
from nongthonso.criteria.engine import compile_spec
from nongthonso.foresight.gaps import distances

YEAR = 2023


def unit_costs(cs, seed: int = 15) -> np.ndarray:
    rng = np.random.default_rng(seed)
    costs = rng.uniform(5e6, 5e9, size=cs.n_indicators).round(-6)
    costs[rng.random(cs.n_indicators) < 0.1] = np.nan
    return costs


def reference(cs, values: np.ndarray, classes: np.ndarray, costs: np.ndarray):
    """The obvious computation, column by column: failing where known and not met, the gap by the comparator (1 for
    yes/no and «equal to»), normalised by |threshold| (1 when 0) capped at 1, summed; cost Σ unit cost × gap; failing
    criteria through the indicator → criterion incidence; order by failing criteria, distance, unknown, cost."""
    thr = cs.table[cs.year_index(YEAR)][classes]
    n, k = values.shape
    gap = np.zeros((n, k))
    normalised = np.zeros((n, k))
    failing = np.zeros((n, k), dtype=bool)
    known = ~(np.isnan(values) | np.isnan(thr))
    for j, op in enumerate(cs.comparators):
        v, t = values[:, j], thr[:, j]
        with np.errstate(invalid="ignore"):
            if op in (">=", ">", "<=", "<"):
                met = {">=": v >= t, ">": v > t, "<=": v <= t, "<": v < t}[op]
                short = np.maximum(t - v, 0) if op in (">=", ">") else np.maximum(v - t, 0)
            else:
                met, short = v == t, np.ones(n)
        failing[:, j] = known[:, j] & ~met
        whole = op not in (">=", ">", "<=", "<") or cs.value_types[j] == "boolean"
        g = np.where(failing[:, j], 1.0 if whole else np.nan_to_num(short), 0.0)
        gap[:, j] = g
        scale = np.where(np.isnan(t) | (t == 0), 1.0, np.abs(t))
        normalised[:, j] = np.where(failing[:, j], 1.0 if whole else np.minimum(g / scale, 1.0), 0.0)
    distance = normalised.sum(axis=1)
    cost = (gap * np.nan_to_num(costs)).sum(axis=1)
    criteria_failing = ((failing.astype(np.float32) @ cs.incidence) > 0)[:, cs.counted].sum(axis=1)
    unknown = (~known).sum(axis=1)
    return distance, cost, np.lexsort((cost, unknown, np.round(distance, 9), criteria_failing))


def ours(cs, values, classes, costs):
    d = distances(cs, values, YEAR, classes, costs)
    return d, d.order()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    spec = yaml.safe_load((files("nongthonso.criteria") / "catalogue" / "xa-ntm-2021-2025.yaml").read_text("utf-8"))
    cs = compile_spec(spec)
    values, classes = synthetic_values(cs, args.communes)
    costs = unit_costs(cs)
    our_s, our_mem, (d, order) = timed(lambda: ours(cs, values, classes, costs), args.repeat)
    ref_s, ref_mem, (distance, cost, ref_order) = timed(lambda: reference(cs, values, classes, costs), args.repeat)
    # the two must agree before their times mean anything
    assert np.allclose(d.distance, distance), "distances differ"
    assert np.allclose(d.cost, cost), "costs differ"
    assert np.array_equal(order, ref_order), "orders differ"
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"numpy {np.__version__}")
    print(f"input: {args.communes:,} communes × {cs.n_indicators} indicators, best of {args.repeat}; "
          f"failing indicators {int(d.failing.sum()):,}, unknown {int(d.unknown.sum()):,}, "
          f"communes meeting every criterion {int((d.criteria_failing == 0).sum()):,}")
    print(f"{'':36}{'time':>10}{'peak memory':>14}")
    print(f"{'foresight.gaps (engine + distances)':36}{our_s * 1000:>8.1f}ms{our_mem / 2**20:>11.1f} MiB")
    print(f"{'numpy reference':36}{ref_s * 1000:>8.1f}ms{ref_mem / 2**20:>11.1f} MiB")
    ratio = our_s / ref_s
    print(f"ratio ours/reference: {ratio:.2f}× (goal ≤ 3×): {'MET' if ratio <= 3 else 'NOT MET'}")


if __name__ == "__main__":
    main()
