"""The matching core on hand-made cases (pure numpy: no database)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nongthonso.market import matching

SETTINGS = matching.Settings(weights={"period": 0.4, "quantity": 0.4, "distance": 0.2}, distance_scale_km=50.0,
                             top_k=2, synonyms=(("che", "tra"),))


def row(product=1, start=0, end=9, quantity=10, low=None, high=None, certs=0, lat=None, lon=None):
    return (product, start, end, quantity, low, high, certs, lat, lon)


def pairs(offers, requests, settings=SETTINGS):
    result = matching.match(matching.side(offers), matching.side(requests), settings)
    return {(int(o), int(r)): (float(s), float(d)) for o, r, s, d in
            zip(result.offer, result.request, result.score, result.distance_km, strict=True)}


def test_synonyms_are_data_and_map_to_the_first_name():
    assert matching.canonical_keys(["tra", "che", "ca phe"], SETTINGS.synonyms) == ["che", "che", "ca phe"]
    assert ["che", "tra"] in [list(line) for line in matching.load_settings().synonyms]


def test_period_edges_one_shared_day_counts_and_none_does_not():
    # the request runs days 10–19 (10 days); an offer ending on day 10 covers one day, one ending on day 9 none
    found = pairs([row(start=0, end=10), row(start=0, end=9)], [row(start=10, end=19)])
    assert set(found) == {(0, 0)}
    score, distance = found[0, 0]
    assert math.isnan(distance)  # no centroids: no distance term
    assert score == pytest.approx((0.4 * 0.1 + 0.4 * 1.0) / 0.8)


def test_quantity_share_and_different_products():
    found = pairs([row(quantity=5), row(product=2, quantity=50)], [row(quantity=20)])
    assert set(found) == {(0, 0)}
    assert found[0, 0][0] == pytest.approx((0.4 * 1.0 + 0.4 * 0.25) / 0.8)


def test_certifications_asked_must_be_held():
    vietgap, organic = 1, 2
    found = pairs([row(certs=vietgap), row(certs=vietgap | organic), row(certs=0)], [row(certs=vietgap)])
    assert set(found) == {(0, 0), (1, 0)}
    assert pairs([row(certs=vietgap)], [row(certs=vietgap | organic)]) == {}
    assert set(pairs([row(certs=0)], [row(certs=0)])) == {(0, 0)}


def test_price_ranges_must_meet_missing_bounds_open():
    offers = [row(low=100, high=120), row(low=130), row(high=90), row()]
    found = pairs(offers, [row(low=110, high=125)], matching.Settings(**{**SETTINGS.__dict__, "top_k": 5}))
    assert set(found) == {(0, 0), (3, 0)}


def test_distance_term_only_when_both_places_have_a_centroid():
    near = row(lat=21.59, lon=105.85)
    far = row(lat=21.0, lon=105.8)
    request = row(lat=21.59, lon=105.85)
    found = pairs([far, near, row()], [request], matching.Settings(**{**SETTINGS.__dict__, "top_k": 3}))
    assert found[1, 0][0] == pytest.approx(1.0) and found[1, 0][1] == pytest.approx(0.0)
    assert 60 < found[0, 0][1] < 70  # Hà Nội – Thái Nguyên, about 66 km
    assert found[0, 0][0] == pytest.approx(0.8 + 0.2 * math.exp(-found[0, 0][1] / 50))
    assert found[2, 0][0] == pytest.approx(1.0) and math.isnan(found[2, 0][1])


def test_top_k_per_request_best_first_ties_by_offer_order():
    offers = [row(quantity=q) for q in (2, 10, 10, 5)]
    result = matching.match(matching.side(offers), matching.side([row(), row(product=3)]), SETTINGS)
    assert result.offer.tolist() == [1, 2] and result.request.tolist() == [0, 0]


def test_chunks_give_the_same_result(monkeypatch):
    rng = np.random.default_rng(7)
    offers = [row(product=int(p), start=int(s), end=int(s) + 20, quantity=float(q))
              for p, s, q in zip(rng.integers(0, 3, 60), rng.integers(0, 50, 60), rng.uniform(1, 30, 60), strict=True)]
    requests = [row(product=int(p), start=int(s), end=int(s) + 10, quantity=10)
                for p, s in zip(rng.integers(0, 3, 40), rng.integers(0, 50, 40), strict=True)]
    whole = {key: score for key, (score, _) in pairs(offers, requests).items()}
    monkeypatch.setattr(matching, "CHUNK_CELLS", 7)
    assert {key: score for key, (score, _) in pairs(offers, requests).items()} == whole and whole


def test_no_listings():
    assert pairs([], [row()]) == {} and pairs([row()], []) == {}
