"""Benchmark: evaluate a synthetic national year through the engine, beside a numpy reference.

10,000 communes × every indicator of the 2021-2025 commune set (the shipped catalogue), random
regions, 2% unknown values. The engine (``evaluate_batch``: thresholds by region and year, indicator
status, gaps, criterion status, counts, eligibility, revocation test) is timed beside a straightforward
vectorised numpy reference that computes the same indicator and criterion booleans, in the same run.
Goal (issue 2): engine ≤ 3× the reference and ≤ 1 s on a 2-core machine.

    python bench/engine_national.py [--communes 10000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import platform
import time
import tracemalloc
from importlib.resources import files

import numpy as np
import yaml

from nongthonso.criteria.engine import compile_spec, evaluate_batch

REGIONS = ["TDMNPB", "DBSH", "BTB", "DHNTB", "TN", "DNB", "DBSCL"]


def synthetic_values(cs, n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    classes = np.array([cs.class_index(r) for r in rng.choice(REGIONS, size=n)])
    thr = cs.table[cs.year_index(2023)][classes]
    noise = rng.normal(1.05, 0.12, size=thr.shape)
    values = np.where(np.isnan(thr), np.nan, thr * noise)
    booleans = np.array([vt == "boolean" for vt in cs.value_types])
    values[:, booleans] = (rng.random((n, booleans.sum())) < 0.93).astype(float)
    values[rng.random(values.shape) < 0.02] = np.nan
    return values, classes


def reference(cs, values: np.ndarray, classes: np.ndarray, year: int):
    """The obvious numpy computation of the same booleans: indicator met, criterion met, counts."""
    thr = cs.table[cs.year_index(year)][classes]
    met = np.zeros(values.shape, dtype=bool)
    for j, op in enumerate(cs.comparators):
        v, t = values[:, j], thr[:, j]
        if op == ">=":
            met[:, j] = v >= t
        elif op == "<=":
            met[:, j] = v <= t
        elif op == ">":
            met[:, j] = v > t
        elif op == "<":
            met[:, j] = v < t
        elif op == "==":
            met[:, j] = v == t
        else:
            ok = ~np.isnan(v)
            met[ok, j] = cs.allowed[j][v[ok].astype(int)]
    unknown = np.isnan(values)
    crit_met = np.zeros((values.shape[0], cs.n_criteria), dtype=bool)
    crit_fail = np.zeros_like(crit_met)
    for ci in range(cs.n_criteria):
        cols = cs.indicator_criterion == ci
        crit_fail[:, ci] = (~met[:, cols] & ~unknown[:, cols]).any(axis=1)
        crit_met[:, ci] = met[:, cols].all(axis=1)
    return met, crit_met, crit_met.sum(axis=1), crit_fail.sum(axis=1)


def timed(fn, repeat: int):
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    # the engine is pure: the benchmark needs the catalogue file, not Django or a database
    spec = yaml.safe_load((files("nongthonso.criteria") / "catalogue" / "xa-ntm-2021-2025.yaml").read_text("utf-8"))
    cs = compile_spec(spec)
    values, classes = synthetic_values(cs, args.communes)
    engine_s, engine_mem, res = timed(lambda: evaluate_batch(cs, values, 2023, classes), args.repeat)
    ref_s, ref_mem, (met, crit_met, n_met, n_fail) = timed(lambda: reference(cs, values, classes, 2023), args.repeat)
    # the two must agree before their times mean anything
    assert np.array_equal(res.indicator_status == 1, met), "indicator booleans differ"
    assert np.array_equal(res.criterion_status == 1, crit_met), "criterion booleans differ"
    assert np.array_equal(res.criteria_met, n_met) and np.array_equal(res.criteria_failed, n_fail)
    n_values = values.size
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"numpy {np.__version__}")
    print(f"input: {args.communes:,} communes × {cs.n_indicators} indicators = {n_values:,} values "
          f"({cs.n_criteria} criteria), best of {args.repeat}")
    print(f"{'':28}{'time':>10}{'peak memory':>14}")
    print(f"{'engine (evaluate_batch)':28}{engine_s * 1000:>8.1f}ms{engine_mem / 2**20:>11.1f} MiB")
    print(f"{'numpy reference':28}{ref_s * 1000:>8.1f}ms{ref_mem / 2**20:>11.1f} MiB")
    ratio = engine_s / ref_s
    print(f"ratio engine/reference: {ratio:.2f}× (goal ≤ 3×); engine {engine_s:.3f} s (goal ≤ 1 s): "
          f"{'MET' if ratio <= 3 and engine_s <= 1 else 'NOT MET'}")


if __name__ == "__main__":
    main()
