"""Matching offers to requests on the supply–demand board: a pure numpy core (no Django: an import-linter contract
keeps it so), fed by ``market.services`` with the open listings as arrays.

A pair (offer, request) **may match** when all of these hold:

- the same product: the folded names are equal, or both are in one line of the synonym table (``data/matching.json``,
  «chè» = «trà»);
- the periods overlap by at least one day;
- the price ranges are compatible: the offer's [min, max] meets the request's [min, max] (a missing bound is open);
- every certification the request asks for is held by the offer (asked ⊆ held);
- the request asks for a positive quantity and the offer has some.

Its **score** (0–1) is the weighted mean of the terms present (weights as data, ``data/matching.json``):

- ``period``: the share of the request's period the offer covers, overlap days / request days;
- ``quantity``: min(offer, request) / request;
- ``distance``: exp(−d / scale) with d the great-circle (haversine) distance in km between the two places' centroids
  and ``scale`` = ``distance_scale_km``. A pair with a place without a centroid has no distance term: its weight leaves
  the numerator and the denominator alike (positions come from ``maps.services.positions``: the unit data's, or the
  centroid of the unit version's boundary).

Each request keeps its ``top_k`` best offers (ties: the lower offer index first). Complexity: the listings are grouped
by product and each group is scored as a dense block, in chunks of requests bounded in memory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

EARTH_RADIUS_KM = 6371.0088
CHUNK_CELLS = 4_000_000  # pairs scored at once (a few float64 arrays of this size)


@dataclass(frozen=True)
class Settings:
    weights: dict[str, float] = field(default_factory=lambda: {"period": 0.4, "quantity": 0.4, "distance": 0.2})
    distance_scale_km: float = 50.0
    top_k: int = 5
    synonyms: tuple[tuple[str, ...], ...] = ()


def load_settings(path: Path | None = None) -> Settings:
    """The weights and the synonym table, read from ``data/matching.json`` (or ``path``)."""
    data = json.loads((path or Path(__file__).with_name("data") / "matching.json").read_text(encoding="utf-8"))
    return Settings(weights={k: float(v) for k, v in data["weights"].items()},
                    distance_scale_km=float(data["distance_scale_km"]), top_k=int(data["top_k"]),
                    synonyms=tuple(tuple(line) for line in data.get("synonyms", ())))


def canonical_keys(keys, synonyms) -> list[str]:
    """Each folded product key replaced by the first name of its synonym line (unchanged when in none)."""
    first = {name: line[0] for line in synonyms for name in line}
    return [first.get(key, key) for key in keys]


@dataclass
class Side:
    """One side's listings as arrays (length n): ``product`` an integer code (equal codes: the same product),
    ``start``/``end`` day numbers (inclusive), ``quantity``, ``price_min``/``price_max`` (NaN: open), ``certs`` a bit
    mask of certification kinds, ``lat``/``lon`` in degrees (NaN: no centroid)."""

    product: np.ndarray
    start: np.ndarray
    end: np.ndarray
    quantity: np.ndarray
    price_min: np.ndarray
    price_max: np.ndarray
    certs: np.ndarray
    lat: np.ndarray
    lon: np.ndarray

    def __len__(self) -> int:
        return len(self.product)

    def take(self, index) -> Side:
        return Side(*(getattr(self, name)[index] for name in _FIELDS))


_FIELDS = ("product", "start", "end", "quantity", "price_min", "price_max", "certs", "lat", "lon")


def side(rows) -> Side:
    """A ``Side`` from rows of (product, start, end, quantity, price_min, price_max, certs, lat, lon), None for
    missing prices and coordinates."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(_FIELDS)
    as_float = lambda values: np.array([np.nan if v is None else float(v) for v in values], dtype=float)  # noqa: E731
    return Side(np.array(columns[0], dtype=np.int64), np.array(columns[1], dtype=np.int64),
                np.array(columns[2], dtype=np.int64), as_float(columns[3]), as_float(columns[4]),
                as_float(columns[5]), np.array(columns[6], dtype=np.int64), as_float(columns[7]),
                as_float(columns[8]))


def haversine_km(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = (np.radians(a) for a in (lat1, lon1, lat2, lon2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@dataclass
class Terms:
    """The terms of a block of pairs (offers × requests, as broadcast arrays): whether each may match, its score, and
    what it rests on (for the reasons shown to the parties)."""

    ok: np.ndarray
    score: np.ndarray
    period: np.ndarray
    quantity: np.ndarray
    distance_km: np.ndarray  # NaN: no distance term


def terms(offers: Side, requests: Side, settings: Settings) -> Terms:
    """Every pair of ``offers`` (rows) × ``requests`` (columns), scored as the module's docstring says."""
    o = {name: getattr(offers, name)[:, None] for name in _FIELDS}
    r = {name: getattr(requests, name)[None, :] for name in _FIELDS}
    days = (r["end"] - r["start"] + 1).astype(float)
    overlap = np.minimum(o["end"], r["end"]) - np.maximum(o["start"], r["start"]) + 1
    period = np.clip(overlap, 0, None) / days
    with np.errstate(divide="ignore", invalid="ignore"):
        quantity = np.where(r["quantity"] > 0, np.minimum(o["quantity"], r["quantity"]) / r["quantity"], 0.0)
    o_lo, o_hi = np.nan_to_num(o["price_min"], nan=-np.inf), np.nan_to_num(o["price_max"], nan=np.inf)
    r_lo, r_hi = np.nan_to_num(r["price_min"], nan=-np.inf), np.nan_to_num(r["price_max"], nan=np.inf)
    ok = ((o["product"] == r["product"]) & (overlap > 0) & (o_lo <= r_hi) & (r_lo <= o_hi)
          & ((r["certs"] & ~o["certs"]) == 0) & (quantity > 0))
    distance = haversine_km(o["lat"], o["lon"], r["lat"], r["lon"])
    has_distance = ~np.isnan(distance)
    w = settings.weights
    near = np.where(has_distance, np.exp(-np.nan_to_num(distance) / settings.distance_scale_km), 0.0)
    total = w["period"] * period + w["quantity"] * quantity + w["distance"] * near
    weight = w["period"] + w["quantity"] + np.where(has_distance, w["distance"], 0.0)
    score = np.where(ok, total / weight, 0.0)
    return Terms(ok, score, period, quantity, distance)


@dataclass
class Result:
    """The kept pairs: offer index, request index, score, distance (NaN: none), sorted by request then rank."""

    offer: np.ndarray
    request: np.ndarray
    score: np.ndarray
    distance_km: np.ndarray

    def __len__(self) -> int:
        return len(self.offer)


def match(offers: Side, requests: Side, settings: Settings) -> Result:
    """The ``top_k`` offers of each request among those that may match it."""
    k = settings.top_k
    parts: list[tuple[np.ndarray, ...]] = []
    offer_order = np.argsort(offers.product, kind="stable")
    codes, first = np.unique(offers.product[offer_order], return_index=True)
    ends = [*first[1:].tolist(), len(offer_order)] if len(codes) else []
    bounds = dict(zip(codes.tolist(), zip(first.tolist(), ends, strict=True), strict=True))
    for code in np.unique(requests.product).tolist():
        if code not in bounds:
            continue
        lo, hi = bounds[code]
        o_index = offer_order[lo:hi]  # ascending within the group: ties keep the lower offer index
        r_all = np.flatnonzero(requests.product == code)
        group_offers = offers.take(o_index)
        step = max(1, CHUNK_CELLS // max(1, len(o_index)))
        for s in range(0, len(r_all), step):
            r_index = r_all[s:s + step]
            t = terms(group_offers, requests.take(r_index), settings)
            parts.append(_top(t, o_index, r_index, k))
    if not parts:
        empty = np.array([], dtype=np.int64)
        return Result(empty, empty, np.array([], dtype=float), np.array([], dtype=float))
    offer, request, score, distance = (np.concatenate(column) for column in zip(*parts, strict=True))
    order = np.lexsort((offer, -score, request))
    return Result(offer[order], request[order], score[order], distance[order])


def _top(t: Terms, o_index: np.ndarray, r_index: np.ndarray, k: int) -> tuple[np.ndarray, ...]:
    """The best ``k`` rows of each column of the block (pairs that may not match left out)."""
    score = np.where(t.ok, t.score, -1.0)
    n = score.shape[0]
    if n > k:
        # stable ranking: higher score first, then lower offer index (rows are in ascending offer order)
        rows = np.argsort(-score, axis=0, kind="stable")[:k]
    else:
        rows = np.broadcast_to(np.arange(n)[:, None], score.shape)
    cols = np.broadcast_to(np.arange(score.shape[1])[None, :], rows.shape)
    picked = score[rows, cols]
    keep = picked >= 0
    distance = np.broadcast_to(t.distance_km, score.shape)[rows, cols]
    return o_index[rows[keep]], r_index[cols[keep]], picked[keep], distance[keep]
