"""Benchmark: score a synthetic national OCOP year through the points engine, beside a numpy reference.

100,000 evaluations × 7 council members × every criterion of the shipped 148/QĐ-TTg sheet (25 criteria, a bonus and
a minimum requirement for 3★), points drawn around a product's level, 0.01% of the members' points missing. The
engine (``council_points`` → ``members_complete`` → ``score_batch``: council mean ignoring missing points, completeness,
part subtotals, the bonus capped at 100, star bands, the minimum requirement, out-of-range flags) is timed beside a
plain numpy reference computing the same totals and star classes, in the same run; both must agree first.
Goal (issue 13): engine ≤ 3× the reference.

    python bench/ocop_scoring.py [--evaluations 100000] [--members 7] [--repeat 5]
"""

from __future__ import annotations

import argparse
import platform
import warnings
from importlib.resources import files

import numpy as np
import yaml

from engine_national import timed  # best of n, then the peak memory of one more run (bench/ is the script's path)
from nongthonso.ocop.engine import compile_sheet, council_points, members_complete, score_batch


def synthetic_points(sheet, n: int, members: int, seed: int = 13) -> np.ndarray:
    """[n, members, criteria]: each product a level in 0.2..1, each member's points that level of the maximum ± a
    little, rounded to quarter points, clipped to the scale; 0.01% missing."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(0.2, 1.0, size=(n, 1, 1))
    noise = rng.normal(0.0, 0.08, size=(n, members, sheet.n_criteria))
    points = np.clip(np.round((level + noise) * sheet.max_points * 4) / 4, 0, sheet.max_points)
    points[rng.random(points.shape) < 0.0001] = np.nan
    return points


def reference(sheet, member_points: np.ndarray):
    """The obvious numpy computation: mean over the members, complete when nothing is missing, total capped at the
    sheet's total and rounded to hundredths, stars by ``digitize`` over the bands, the minimum requirement's cap."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a criterion nobody scored: mean of nothing
        council = np.nanmean(member_points, axis=1)
    complete = ~np.isnan(member_points).any(axis=(1, 2))
    total = np.round(np.minimum(np.nansum(council, axis=1), sheet.total_points), 2)
    edges = np.sort(sheet.band_min)[1:]  # 30, 50, 70, 90
    stars = np.digitize(total, edges) + 1
    for criterion, minimum, gated in zip(sheet.gate_criteria, sheet.gate_minimum, sheet.gate_stars, strict=True):
        stars = np.where(council[:, criterion] < minimum, np.minimum(stars, gated - 1), stars)
    return np.where(complete, total, np.nan), np.where(complete, stars, 0)


def engine(sheet, member_points: np.ndarray):
    points = council_points(member_points, sheet.council_rule)
    return score_batch(sheet, points, members_complete(member_points))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    # the engine is pure: the benchmark needs the sheet file, not Django or a database
    spec = yaml.safe_load((files("nongthonso.ocop") / "catalogue" / "sheets" / "qd-148-2023.yaml").read_text("utf-8"))
    sheet = compile_sheet(spec)
    member_points = synthetic_points(sheet, args.evaluations, args.members)
    engine_s, engine_mem, result = timed(lambda: engine(sheet, member_points), args.repeat)
    ref_s, ref_mem, (totals, stars) = timed(lambda: reference(sheet, member_points), args.repeat)
    # the two must agree before their times mean anything
    assert np.array_equal(result.totals, totals, equal_nan=True), "totals differ"
    assert np.array_equal(result.stars, stars), "star classes differ"
    counts = np.bincount(result.stars, minlength=6)
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"numpy {np.__version__}")
    print(f"input: {args.evaluations:,} evaluations × {args.members} members × {sheet.n_criteria} criteria = "
          f"{member_points.size:,} points ({member_points.nbytes / 2**20:.0f} MiB), best of {args.repeat}")
    print("stars: " + ", ".join(f"{s}★ {counts[s]:,}" for s in range(5, 0, -1))
          + f"; incomplete {int((~result.complete).sum()):,}")
    print(f"{'':32}{'time':>10}{'peak memory':>14}")
    print(f"{'engine (council → score_batch)':32}{engine_s * 1000:>8.1f}ms{engine_mem / 2**20:>11.1f} MiB")
    print(f"{'numpy reference':32}{ref_s * 1000:>8.1f}ms{ref_mem / 2**20:>11.1f} MiB")
    ratio = engine_s / ref_s
    print(f"ratio engine/reference: {ratio:.2f}× (goal ≤ 3×): {'MET' if ratio <= 3 else 'NOT MET'}")


if __name__ == "__main__":
    main()
