"""The engine and commune groups (Decision 51/2025/QĐ-TTg), without a database: a commune with no group has the
indicators whose threshold depends on the group unknown — never judged against the default row — and its result
says why."""

import json
import math

import pytest

from nongthonso.criteria.engine import MET, NO_GROUP, NOT_MET, UNKNOWN, compile_spec, evaluate_many_json, evaluate_one

NOTE_2026 = ("Xã chưa được xếp nhóm theo Quyết định 51/2025/QĐ-TTg cho năm 2026 nên các chỉ tiêu có ngưỡng theo nhóm "
             "xã chưa xác định được. Đề nghị Văn phòng Điều phối NTM tỉnh nhập quyết định xếp nhóm xã (Nhập dữ liệu → "
             "Nhóm xã).")


def _pct(code, threshold, rows=()):
    return {"code": code, "name": f"Chỉ tiêu {code}", "value_type": "percent", "comparator": ">=",
            "threshold": threshold, "thresholds": list(rows)}


def spec_by_group(**extra):
    """Two criteria: 1 = roads (1.1 by group 90/80/70, default 80; 1.2 the same 50 for every group),
    2 = planning (a yes/no indicator)."""
    roads = [_pct("1.1", 80, [{"group": 1, "value": 90}, {"group": 2, "value": 80}, {"group": 3, "value": 70}]),
             _pct("1.2", 50, [{"group": 1, "value": 50}, {"group": 3, "value": 50}])]
    planning = [{"code": "2.1", "name": "Quy hoạch", "value_type": "boolean", "comparator": "==", "threshold": True}]
    return {"code": "xa-2026", "level": "xa_ntm", "threshold_dimension": "commune_group",
            "criteria": [{"code": "1", "name": "Giao thông", "indicators": roads},
                         {"code": "2", "name": "Quy hoạch", "indicators": planning}], **extra}


VALUES = {"1.1": 85, "1.2": 60, "2.1": True}


def _indicator(result, code):
    return next(i for c in result.criteria for i in c.indicators if i.code == code)


def test_without_a_group_the_group_dependent_indicator_is_unknown_and_the_result_says_why():
    # given a commune of a commune_group set with every value recorded but no group for 2026
    cs = compile_spec(spec_by_group())
    # when it is evaluated
    r = evaluate_one(cs, VALUES, year=2026, group=None)
    # then 1.1 (whose threshold differs by group) is unknown with no threshold or gap, not judged against 80
    roads = _indicator(r, "1.1")
    assert (roads.status, roads.threshold, roads.gap, roads.verified) == (UNKNOWN, None, None, False)
    # and 1.2 (the same 50 for every group) and the yes/no indicator are judged as usual
    assert (_indicator(r, "1.2").status, _indicator(r, "1.2").threshold) == (MET, 50)
    assert _indicator(r, "2.1").status == MET
    assert [c.status for c in r.criteria] == [UNKNOWN, MET]
    assert (r.criteria_met, r.criteria_failed, r.criteria_unknown, r.eligible) == (1, 0, 1, False)
    assert r.threshold_class is None
    assert r.notes == [{"code": NO_GROUP, "message": NOTE_2026, "indicators": ["1.1"]}]
    assert r.to_dict()["notes"] == r.notes


def test_a_value_that_fails_every_group_is_still_unknown_without_a_group():
    # a value below every group's threshold: still not a failure, since the threshold itself is not known
    r = evaluate_one(compile_spec(spec_by_group()), {**VALUES, "1.1": 10}, year=2026, group=None)
    assert _indicator(r, "1.1").status == UNKNOWN
    assert r.criteria_failed == 0


@pytest.mark.parametrize(("group", "threshold", "status"), [(1, 90, NOT_MET), (2, 80, MET), (3, 70, MET)])
def test_with_a_group_the_groups_threshold_applies_and_there_is_no_note(group, threshold, status):
    r = evaluate_one(compile_spec(spec_by_group()), VALUES, year=2026, group=group)
    assert (_indicator(r, "1.1").threshold, _indicator(r, "1.1").status) == (threshold, status)
    assert r.threshold_class == str(group)
    assert r.notes == []


def test_a_set_whose_thresholds_do_not_depend_on_the_group_needs_no_group():
    # given a commune_group set where no threshold differs between groups
    spec = spec_by_group()
    spec["criteria"][0]["indicators"] = [_pct("1.1", 80, [{"group": 1, "value": 80}])]
    # when a commune without a group is evaluated, then everything is judged and nothing is noted
    r = evaluate_one(compile_spec(spec), {"1.1": 85, "2.1": True}, year=2026, group=None)
    assert (r.criteria_met, r.criteria_unknown, r.notes) == (2, 0, [])


def test_the_act_named_is_decision_51_unless_the_spec_names_another_or_none():
    cs = compile_spec(spec_by_group(group_basis="Quyết định 9/2026/QĐ-UBND"))
    assert evaluate_one(cs, VALUES, year=2027, group=None).notes[0]["message"].startswith(
        "Xã chưa được xếp nhóm theo Quyết định 9/2026/QĐ-UBND cho năm 2027 nên")
    cs = compile_spec(spec_by_group(group_basis=""))
    assert evaluate_one(cs, VALUES, year=2026, group=None).notes[0]["message"].startswith(
        "Xã chưa được xếp nhóm cho năm 2026 nên các chỉ tiêu")


def test_thresholds_for_a_commune_without_a_group_leave_the_group_dependent_ones_unknown():
    cs = compile_spec(spec_by_group())
    row = cs.thresholds_for(2026, None)
    assert math.isnan(row[cs.index["1.1"]]) and row[cs.index["1.2"]] == 50 and row[cs.index["2.1"]] == 1.0
    assert list(cs.thresholds_for(2026, 3)[:2]) == [70, 50]


def test_a_region_set_without_a_region_keeps_the_default_row_and_no_note():
    spec = {"code": "r", "level": "xa_ntm", "threshold_dimension": "region", "criteria": [
        {"code": "1", "name": "Giao thông", "indicators": [_pct("1.1", 80, [{"region": "TDMNPB", "value": 70}])]}]}
    r = evaluate_one(compile_spec(spec), {"1.1": 75}, year=2023, region=None)
    assert (_indicator(r, "1.1").status, _indicator(r, "1.1").threshold, r.notes) == (NOT_MET, 80, [])


def test_the_bulk_json_is_the_json_of_evaluate_one_with_and_without_a_group():
    # given communes of one set: without a group, in each group, in two years, values missing or not
    cs = compile_spec(spec_by_group())
    units = [(VALUES, 2026, None, None, ()), (VALUES, 2026, None, 1, ()), ({"1.1": 75}, 2027, None, None, ()),
             ({}, 2026, None, 3, ()), ({**VALUES, "1.1": 10}, 2027, None, 2, ()), (VALUES, 2026, None, None, ())]
    # when evaluated in one pass, then each text is what json.dumps(evaluate_one(…).to_dict()) gives
    results = evaluate_many_json(cs, units)
    for (values, year, region, group, flags), (summary, text) in zip(units, results, strict=True):
        one = evaluate_one(cs, values, year=year, region=region, group=group, flags=flags).to_dict()
        assert text == json.dumps(one)
        assert summary == {k: v for k, v in one.items() if k != "criteria"}
    assert [len(summary["notes"]) for summary, _ in results] == [1, 0, 1, 0, 0, 1]
    assert json.loads(results[2][1])["notes"][0]["message"].endswith("(Nhập dữ liệu → Nhóm xã).")
