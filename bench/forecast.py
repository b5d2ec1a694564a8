"""Ranking + forecast for 10,000 communes × 57 indicators × 5 years of history (issue 15), beside a plain numpy
reference of the same trend fit (Theil–Sen through ``np.nanmedian``) in the same run.

    .venv/bin/python bench/forecast.py [--communes 10000] [--indicators 57] [--years 5] [--repeat 3]

The data are synthetic, drawn with a fixed seed: 57 percentage indicators («≥» thresholds between 60 and 95, three
per criterion), each commune with its own level and pace per indicator, noise, 5% of the values missing. Timed:

- **forecast + rank** (the goal): ``foresight.forecast.predict`` — the vectorised Theil–Sen fit of every series
  (``foresight.trend.theil_sen``), the calibration of the probabilities on the history itself (every pair of history
  years: the trend fitted up to the earlier one, projected, judged by the engine against the later one's verdicts;
  ``foresight.calibration``, at most 2,000 communes sampled per pair), and for each year 2026-2030 the projection,
  its verdicts and the calibrated probabilities per commune and per indicator — then the ranking of the communes by
  their distance to the standard in 2030 (``foresight.gaps.distances``, the ranking pages' function). Beside the
  reference fit; the exit status is 1 unless it takes ≤ 2 s and ≤ 3× the reference, and the fits must agree (1e-9);
- **fit + rank** (reported): the trend fit, the point forecast, its verdicts and the ranking, without the
  probabilities — the part the ranking pages need.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from nongthonso.criteria import engine
from nongthonso.foresight import gaps
from nongthonso.foresight.forecast import predict
from nongthonso.foresight.trend import theil_sen, theil_sen_reference

HORIZON = np.arange(2026, 2031)


def spec(k: int, rng) -> dict:
    criteria = []
    for c in range(0, k, 3):
        criteria.append({"code": str(c // 3 + 1), "name": f"Tiêu chí {c // 3 + 1}", "indicators": [
            {"code": f"{c // 3 + 1}.{j + 1}", "name": f"Chỉ tiêu {i}", "value_type": "percent", "comparator": ">=",
             "threshold": float(rng.integers(60, 96))} for j, i in enumerate(range(c, min(c + 3, k)))]})
    return {"code": "bench", "version": 1, "level": "xa_ntm", "name": "bench", "threshold_dimension": "none",
            "criteria": criteria}


def data(rng, n: int, k: int, t: int) -> tuple[np.ndarray, np.ndarray]:
    years = np.arange(2026 - t, 2026)
    level = rng.uniform(40, 95, (n, k, 1))
    pace = rng.normal(2.0, 2.0, (n, k, 1))
    values = np.clip(level + pace * (years - years[0]) + rng.normal(0, 2.5, (n, k, t)), 0, 100)
    values[rng.random(values.shape) < 0.05] = np.nan
    return years, values


def fit_and_rank(cs, years, values, classes):
    """The trends, the point forecast of every year to 2030 and its verdicts, and the communes ranked by the gaps part's
    distance to the standard in 2030 (``foresight.gaps.distances``, on the engine's evaluation already made)."""
    fit = theil_sen(years, values)
    point = np.clip(fit.at(HORIZON), 0, 100)  # (n, k, H)
    met = []
    for h, year in enumerate(HORIZON):
        result = engine.evaluate_batch(cs, point[:, :, h], int(year), classes)
        met.append(result.eligible)
    ranked = gaps.distances(cs, point[:, :, -1], int(HORIZON[-1]), classes, result=result)
    return fit, ranked.order(), np.stack(met, axis=1)


def best(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=10_000)
    parser.add_argument("--indicators", type=int, default=57)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(15)
    cs = engine.compile_spec(spec(args.indicators, rng))
    years, values = data(rng, args.communes, args.indicators, args.years)
    classes = np.full(args.communes, cs.unclassified, dtype=np.int64)

    ref_time, (ref_slope, ref_intercept) = best(lambda: theil_sen_reference(years, values), args.repeat)
    our_time, (fit, order, met) = best(lambda: fit_and_rank(cs, years, values, classes), args.repeat)
    agree = (np.allclose(fit.slope, ref_slope, atol=1e-9, equal_nan=True)
             and np.allclose(fit.intercept, ref_intercept, atol=1e-9, equal_nan=True))

    def forecast_and_rank():
        horizon_classes = np.full((args.communes, len(HORIZON)), cs.unclassified, dtype=np.int64)
        pred = predict(cs, years, values, HORIZON, horizon_classes, seed=1)
        ranked = gaps.distances(cs, pred.median[:, :, -1], int(HORIZON[-1]), classes)
        return pred, ranked.order()

    full_time, (pred, _) = best(forecast_and_rank, args.repeat)
    print(f"{args.communes:,} communes × {args.indicators} indicators × {args.years} years")
    print(f"reference Theil–Sen fit (np.nanmedian):      {ref_time:7.3f} s")
    print(f"fit + point forecast 2026-2030 + rank:       {our_time:7.3f} s  ({our_time / ref_time:.2f}× reference)")
    print(f"fits agree with the reference:               {agree}")
    print(f"communes meeting every criterion by 2030:    {int(met.any(axis=1).sum()):,} (closest first: #{order[0]})")
    print(f"forecast (calibrated probabilities) + rank:  {full_time:7.3f} s  ({full_time / ref_time:.2f}× reference; "
          f"{pred.calibration.pairs} pairs of years, {pred.calibration.commune.rows:,} + "
          f"{pred.calibration.indicator.rows:,} rows fitted)")
    print(f"expected communes meeting every criterion in 2030: {pred.meets[:, -1].sum():,.0f}")
    ok = agree and full_time <= 2.0 and full_time <= 3 * ref_time
    print("goal (≤ 2 s and ≤ 3× reference):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
