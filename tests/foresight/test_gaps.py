"""Gaps → distance and cost (``foresight.gaps``), on hand-made sets whose figures are worked out by hand."""

import math

import numpy as np
import pytest

from nongthonso.criteria.engine import compile_spec
from nongthonso.foresight.gaps import distances


def _spec():
    """Three criteria: 1 = roads (1.1 % ≥ 90, 1.2 % ≥ 50), 2 = incidents (2.1 count ≤ 4), 3 = planning (yes/no)."""
    return {"code": "hand", "level": "xa_ntm", "threshold_dimension": "none", "criteria": [
        {"code": "1", "name": "Giao thông", "indicators": [
            {"code": "1.1", "name": "Đường", "value_type": "percent", "comparator": ">=", "threshold": 90},
            {"code": "1.2", "name": "Ngõ", "value_type": "percent", "comparator": ">=", "threshold": 50}]},
        {"code": "2", "name": "An ninh", "indicators": [
            {"code": "2.1", "name": "Vụ việc", "value_type": "number", "comparator": "<=", "threshold": 4}]},
        {"code": "3", "name": "Quy hoạch", "indicators": [
            {"code": "3.1", "name": "Quy hoạch", "value_type": "boolean", "comparator": "==", "threshold": True}]},
    ]}


def _run(rows, costs=None):
    cs = compile_spec(_spec())
    values = np.array(rows, dtype=float)
    return distances(cs, values, 2023, np.full(len(rows), cs.class_index(None)),
                     None if costs is None else np.array(costs, dtype=float))


def test_a_commune_failing_two_indicators_has_the_distance_and_cost_worked_out_by_hand():
    # given a commune at 81 % roads (≥ 90: 9 points short) and 6 incidents (≤ 4: 2 too many), the rest met,
    # and unit costs of 100 million per percentage point and 30 million per incident
    d = _run([[81, 60, 6, 1]], costs=[100e6, 80e6, 30e6, 2e9])
    # then two indicators of two criteria fail, with gaps 9 and 2 in their units
    assert d.indicators_failing.tolist() == [2] and d.criteria_failing.tolist() == [2]
    assert d.gap[0].tolist() == [9, 0, 2, 0]
    # normalised by the thresholds: 9/90 = 0.1 and 2/4 = 0.5; the distance is their sum
    assert d.normalised[0].tolist() == pytest.approx([0.1, 0, 0.5, 0])
    assert d.distance[0] == pytest.approx(0.6)
    # the cost: 9 × 100 million + 2 × 30 million
    assert d.cost[0] == pytest.approx(960e6) and d.cost_missing.tolist() == [0]


def test_comparator_decides_the_direction_of_the_gap():
    # given the same number under ≥ (roads) and ≤ (incidents): 95 roads meets ≥ 90, 3 incidents meets ≤ 4
    met = _run([[95, 60, 3, 1]])
    assert met.distance.tolist() == [0] and met.indicators_failing.tolist() == [0]
    # and above a ≤ threshold fails by the excess, below a ≥ threshold by the shortfall
    d = _run([[50, 60, 12, 1]])
    assert d.gap[0, 0] == 40 and d.gap[0, 2] == 8
    # a gap larger than the threshold itself counts as 1 at most (12 against ≤ 4: 8/4 = 2 → 1)
    assert d.normalised[0, 0] == pytest.approx(40 / 90) and d.normalised[0, 2] == 1


def test_unknown_values_are_counted_apart_never_as_a_gap():
    # given a commune with no value for roads and for planning, and 70 % against ≥ 50 % for lanes
    d = _run([[math.nan, 70, 2, math.nan]])
    # then nothing known fails: distance 0, and the two unknowns are counted
    assert d.distance.tolist() == [0] and d.indicators_failing.tolist() == [0]
    assert d.indicators_unknown.tolist() == [2] and d.unknown[0].tolist() == [True, False, False, True]
    assert d.result.eligible.tolist() == [False]


def test_a_failing_yes_no_indicator_is_one_whole_indicator_and_costs_its_unit_cost():
    d = _run([[95, 60, 3, 0]], costs=[100e6, 80e6, 30e6, 2e9])
    assert d.gap[0, 3] == 1 and d.normalised[0, 3] == 1 and d.cost[0] == pytest.approx(2e9)


def test_indicators_without_a_unit_cost_are_counted_and_left_out_of_the_cost():
    d = _run([[81, 60, 6, 1]], costs=[100e6, 80e6, math.nan, 2e9])
    assert d.cost[0] == pytest.approx(900e6) and d.cost_missing.tolist() == [1]


def test_ranking_puts_fewer_failing_criteria_first_then_the_shorter_distance():
    # given three communes: far on one criterion, near on two criteria, near on one criterion
    d = _run([[10, 60, 3, 1], [89, 60, 5, 1], [89, 60, 3, 1]])
    assert d.criteria_failing.tolist() == [1, 2, 1]
    # then: one failing criterion near (distance 1/90), one far (80/90), then the one failing two criteria
    assert d.order().tolist() == [2, 0, 1]
