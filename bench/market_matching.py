"""Matching 10,000 offers × 10,000 requests on the supply–demand board (issue 14), beside a plain vectorised numpy
reference computing the same top-k per request.

    .venv/bin/python bench/market_matching.py [--offers 10000] [--requests 10000] [--products 40] [--repeat 3]

The listings are synthetic, drawn with a fixed seed: ``--products`` product groups, periods within a year (1–90
days), quantities, price ranges on a third of them, certification masks (0–3 kinds, requests asking for one in
five), and a centroid on half of them (around Thái Nguyên) so the distance term is exercised. ``market.matching
.match`` groups by product and scores each group in bounded chunks; the reference scores each product's whole
block in one broadcast with its own formula and keeps the top k per request by a full sort. Both results must be
equal (same pairs, scores within 1e-9). The best of ``--repeat`` runs is printed for each; the exit status is 1
unless matching takes ≤ 1 s and ≤ 3× the reference.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from nongthonso.market import matching


def listings(rng, n: int, products: int, asks: bool) -> matching.Side:
    start = rng.integers(0, 365, n)
    priced = rng.random(n) < 1 / 3
    low = np.where(priced, rng.integers(20, 60, n) * 1000.0, np.nan)
    lat = np.where(rng.random(n) < 0.5, 21.6 + rng.normal(0, 0.3, n), np.nan)
    certs = rng.integers(0, 8, n) if not asks else np.where(rng.random(n) < 0.2, 1 << rng.integers(0, 3, n), 0)
    return matching.Side(rng.integers(0, products, n).astype(np.int64), start, start + rng.integers(0, 90, n),
                         rng.uniform(10, 2000, n).round(1), low, low + 15000, certs.astype(np.int64), lat,
                         np.where(np.isnan(lat), np.nan, 105.8 + rng.normal(0, 0.3, n)))


def reference(offers: matching.Side, requests: matching.Side, settings: matching.Settings):
    """The same top-k, written plainly: per product, one broadcast of the whole block, a full sort per request."""
    w, k = settings.weights, settings.top_k
    out = []
    for code in np.unique(requests.product):
        oi, ri = np.flatnonzero(offers.product == code), np.flatnonzero(requests.product == code)
        if not len(oi):
            continue
        o = {f: getattr(offers, f)[oi][:, None] for f in ("start", "end", "quantity", "price_min", "price_max",
                                                          "certs", "lat", "lon")}
        r = {f: getattr(requests, f)[ri][None, :] for f in o}
        overlap = np.minimum(o["end"], r["end"]) - np.maximum(o["start"], r["start"]) + 1
        period = np.maximum(overlap, 0) / (r["end"] - r["start"] + 1)
        quantity = np.minimum(o["quantity"] / r["quantity"], 1.0)
        prices = ~((np.fmax(o["price_min"], -np.inf) > r["price_max"]) | (r["price_min"] > o["price_max"]))
        ok = (overlap > 0) & prices & ((r["certs"] & ~o["certs"]) == 0)
        la1, lo1, la2, lo2 = map(np.radians, (o["lat"], o["lon"], r["lat"], r["lon"]))
        d = 2 * matching.EARTH_RADIUS_KM * np.arcsin(np.sqrt(
            np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2))
        dist = ~np.isnan(d)
        score = ((w["period"] * period + w["quantity"] * quantity + np.where(dist, w["distance"] * np.exp(
            -np.where(dist, d, 0) / settings.distance_scale_km), 0))
            / (w["period"] + w["quantity"] + np.where(dist, w["distance"], 0)))
        score = np.where(ok, score, -1.0)
        top = np.argsort(-score, axis=0, kind="stable")[:k]
        cols = np.broadcast_to(np.arange(len(ri)), top.shape)
        best = score[top, cols]
        keep = best >= 0
        out.append((oi[top[keep]], ri[cols[keep]], best[keep]))
    offer, request, score = (np.concatenate(c) for c in zip(*out, strict=True))
    order = np.lexsort((offer, -score, request))
    return offer[order], request[order], score[order]


def best_of(repeat: int, run):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(14)
    offers = listings(rng, args.offers, args.products, asks=False)
    requests = listings(rng, args.requests, args.products, asks=True)
    settings = matching.load_settings()
    ours_s, ours = best_of(args.repeat, lambda: matching.match(offers, requests, settings))
    ref_s, ref = best_of(args.repeat, lambda: reference(offers, requests, settings))
    same = (np.array_equal(ours.offer, ref[0]) and np.array_equal(ours.request, ref[1])
            and np.allclose(ours.score, ref[2], atol=1e-9, rtol=0))
    ratio = ours_s / ref_s
    print(f"offers {args.offers:,} × requests {args.requests:,}, {args.products} products, top {settings.top_k}: "
          f"{len(ours):,} matches")
    print(f"market.matching.match   {ours_s * 1000:8.1f} ms")
    print(f"numpy reference         {ref_s * 1000:8.1f} ms")
    print(f"ratio {ratio:.2f} (goal ≤ 3), same top-k: {'yes' if same else 'NO'}")
    return 0 if same and ours_s <= 1.0 and ratio <= 3.0 else 1


if __name__ == "__main__":
    sys.exit(main())
