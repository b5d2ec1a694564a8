"""The engine, without a database: thresholds, unknowns, regions, years, revocation."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nongthonso.criteria import engine
from nongthonso.criteria.engine import MET, NOT_MET, UNKNOWN, compile_spec, evaluate_batch, evaluate_one


def _criterion(code, indicators, **extra):
    return {"code": code, "name": f"Tiêu chí {code}", "indicators": indicators, **extra}


def _pct(code, threshold=80, comparator=">=", rows=()):
    return {"code": code, "name": f"Chỉ tiêu {code}", "value_type": "percent", "comparator": comparator,
            "threshold": threshold, "thresholds": list(rows)}


def _bool(code, threshold=True):
    return {"code": code, "name": f"Chỉ tiêu {code}", "value_type": "boolean", "comparator": "==",
            "threshold": threshold}


def spec_ten_criteria():
    """Ten criteria: 1-9 one percent indicator each (≥ 80), 10 = income with region and year rows."""
    criteria = [_criterion(str(i), [_pct(f"{i}.1")]) for i in range(1, 10)]
    income = {"code": "10", "name": "Thu nhập", "value_type": "money", "comparator": ">=", "threshold": 45,
              "thresholds": [{"region": "TDMNPB", "value": 36},
                             {"region": "TDMNPB", "year": 2022, "value": 39},
                             {"region": "TDMNPB", "year": 2023, "value": 42},
                             {"region": "DBSH", "value": 50}]}
    criteria.append(_criterion("10", [income], revocation_key=True))
    return {"code": "test", "level": "xa_ntm", "threshold_dimension": "region",
            "region_override": {"flags": ["dac_biet_kho_khan", "atk"], "region": "TDMNPB"},
            "criteria": criteria}


ALL_MET = {**{f"{i}.1": 90 for i in range(1, 10)}, "10": 60}


def test_all_met_is_eligible():
    # given a commune meeting every indicator
    cs = compile_spec(spec_ten_criteria())
    # when evaluated
    r = evaluate_one(cs, ALL_MET, year=2023, region="DBSH")
    # then every criterion is met and the commune is eligible
    assert (r.criteria_met, r.criteria_failed, r.criteria_unknown, r.criteria_total) == (10, 0, 0, 10)
    assert r.eligible and not r.revoke and r.gaps == []


@pytest.mark.parametrize(("value", "status"), [(80, MET), (80.0, MET), (79.99, NOT_MET), (100, MET)])
def test_boundary_exactly_at_threshold_meets_ge(value, status):
    cs = compile_spec(spec_ten_criteria())
    r = evaluate_one(cs, {**ALL_MET, "1.1": value}, year=2023, region="DBSH")
    assert r.criteria[0].indicators[0].status == status


@pytest.mark.parametrize(("value", "status"), [(5, MET), (5.0001, NOT_MET), (0, MET)])
def test_boundary_le(value, status):
    spec = spec_ten_criteria()
    spec["criteria"][0]["indicators"] = [_pct("1.1", threshold=5, comparator="<=")]
    r = evaluate_one(compile_spec(spec), {**ALL_MET, "1.1": value}, year=2023, region="DBSH")
    assert r.criteria[0].status == status


def test_gap_is_the_distance_still_to_go():
    cs = compile_spec(spec_ten_criteria())
    r = evaluate_one(cs, {**ALL_MET, "2.1": 72.5, "10": 40}, year=2023, region="TDMNPB")
    gaps = {g.code: g.gap for g in r.gaps}
    assert gaps == {"2.1": pytest.approx(7.5), "10": pytest.approx(2.0)}
    assert r.criteria_met == 8


def test_region_thresholds_and_the_special_difficulty_override():
    cs = compile_spec(spec_ten_criteria())
    values = {**ALL_MET, "10": 45}
    # ĐBSH needs 50: 45 fails
    assert evaluate_one(cs, values, year=2023, region="DBSH").criteria[9].status == NOT_MET
    # the same ĐBSH commune flagged "đặc biệt khó khăn" uses the TDMNPB level (42 in 2023): 45 passes
    r = evaluate_one(cs, values, year=2023, region="DBSH", flags=["dac_biet_kho_khan"])
    assert r.threshold_class == "TDMNPB"
    assert r.criteria[9].status == MET
    # a region without rows uses the default (45): exactly at the threshold passes
    assert evaluate_one(cs, values, year=2023, region="TN").criteria[9].status == MET


def test_year_specific_thresholds():
    cs = compile_spec(spec_ten_criteria())
    values = {**ALL_MET, "10": 40}
    assert evaluate_one(cs, values, year=2022, region="TDMNPB").criteria[9].status == MET  # ≥ 39
    assert evaluate_one(cs, values, year=2023, region="TDMNPB").criteria[9].status == NOT_MET  # ≥ 42
    assert evaluate_one(cs, values, year=2025, region="TDMNPB").criteria[9].status == MET  # region row: ≥ 36


def test_missing_value_is_unknown_not_a_failure():
    cs = compile_spec(spec_ten_criteria())
    values = dict(ALL_MET)
    del values["3.1"]
    r = evaluate_one(cs, values, year=2023, region="DBSH")
    assert r.criteria[2].status == UNKNOWN
    assert r.criteria[2].indicators[0].gap is None
    assert (r.criteria_met, r.criteria_failed, r.criteria_unknown) == (9, 0, 1)
    assert not r.eligible and not r.revoke


def test_a_failure_beats_an_unknown_in_the_same_criterion():
    spec = spec_ten_criteria()
    spec["criteria"][0]["indicators"] = [_pct("1.1"), _pct("1.2")]
    r = evaluate_one(compile_spec(spec), {**ALL_MET, "1.1": 10}, year=2023, region="DBSH")
    assert r.criteria[0].status == NOT_MET


def test_boolean_no_means_met_when_the_threshold_is_no():
    spec = spec_ten_criteria()
    spec["criteria"][0]["indicators"] = [_bool("1.1", threshold=False)]  # "Nhà tạm, dột nát: Không"
    cs = compile_spec(spec)
    assert evaluate_one(cs, {**ALL_MET, "1.1": False}, year=2023, region="DBSH").criteria[0].status == MET
    assert evaluate_one(cs, {**ALL_MET, "1.1": True}, year=2023, region="DBSH").criteria[0].status == NOT_MET


def test_category_indicator():
    spec = spec_ten_criteria()
    spec["criteria"][0]["indicators"] = [{"code": "1.1", "name": "Xếp loại", "value_type": "category",
                                          "comparator": "in", "categories": ["Tốt", "Khá", "Yếu"],
                                          "threshold": ["Tốt", "Khá"]}]
    cs = compile_spec(spec)
    rest = {k: v for k, v in ALL_MET.items() if k != "1.1"}
    assert evaluate_one(cs, {**rest, "1.1": "Khá"}, year=2023).criteria[0].status == MET
    assert evaluate_one(cs, {**rest, "1.1": "Yếu"}, year=2023).criteria[0].status == NOT_MET
    assert evaluate_one(cs, rest, year=2023).criteria[0].status == UNKNOWN


def _failing(n, include_income=False):
    values = dict(ALL_MET)
    codes = [f"{i}.1" for i in range(1, 10)]
    chosen = (["10"] if include_income else []) + codes
    for code in chosen[:n]:
        values[code] = 0
    return values


@pytest.mark.parametrize(("n_failing", "income", "revoke"), [
    (2, True, False),   # 20% failing, income among them: below 30%
    (3, False, False),  # 30% failing, no key criterion
    (3, True, True),    # 30% failing including Thu nhập
    (4, True, True),    # 40% failing including Thu nhập
    (4, False, False),  # 40%, no key criterion
    (5, False, True),   # 50% failing: revoked whatever fails
])
def test_revocation_rule_of_decision_18_2022(n_failing, income, revoke):
    cs = compile_spec(spec_ten_criteria())
    r = evaluate_one(cs, _failing(n_failing, income), year=2023, region="DBSH")
    assert r.criteria_failed == n_failing
    assert r.revoke is revoke
    assert bool(r.revoke_reason) is revoke


def test_unknown_criteria_do_not_count_towards_revocation():
    cs = compile_spec(spec_ten_criteria())
    r = evaluate_one(cs, {"10": 0}, year=2023, region="DBSH")  # 1 failing, 9 unknown
    assert (r.criteria_failed, r.criteria_unknown, r.revoke) == (1, 9, False)


def test_condition_criteria_are_required_but_not_counted():
    spec = spec_ten_criteria()
    spec["criteria"].insert(0, _criterion("0", [_pct("0.1", threshold=100)], condition=True))
    cs = compile_spec(spec)
    ok = evaluate_one(cs, {**ALL_MET, "0.1": 100}, year=2023, region="DBSH")
    short = evaluate_one(cs, {**ALL_MET, "0.1": 95}, year=2023, region="DBSH")
    assert (ok.criteria_total, ok.criteria_met, ok.eligible) == (10, 10, True)
    assert (short.criteria_met, short.eligible) == (10, False)


def test_threshold_ref_derives_a_threshold_from_another_set():
    base = spec_ten_criteria()
    model = {"code": "model", "threshold_dimension": "region", "criteria": [_criterion("1", [
        {"code": "1", "name": "Thu nhập", "value_type": "money", "comparator": ">=",
         "threshold_ref": {"set": "test", "indicator": "10", "factor": 1.1}}])]}
    cs = compile_spec(model, referenced={"test": base})
    assert cs.thresholds_for(2023, "TDMNPB")[0] == pytest.approx(46.2)
    assert evaluate_one(cs, {"1": 46.2}, year=2023, region="TDMNPB").eligible
    assert not evaluate_one(cs, {"1": 46.1}, year=2023, region="TDMNPB").eligible


def test_provincial_override_beats_the_national_row():
    cs = compile_spec(spec_ten_criteria(), province="19",
                      overrides=[{"indicator": "1.1", "value": 90, "province": "19"}])
    assert cs.thresholds_for(2023, "TDMNPB")[0] == 90
    other = compile_spec(spec_ten_criteria(), province="01",
                         overrides=[{"indicator": "1.1", "value": 90, "province": "19"}])
    assert other.thresholds_for(2023, "TDMNPB")[0] == 80


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda s: s["criteria"][0]["indicators"][0].update(comparator="=="), "phải dùng «>=»"),
    (lambda s: s["criteria"][0]["indicators"][0].update(threshold=None), "thiếu ngưỡng"),
    (lambda s: s["criteria"][1]["indicators"][0].update(code="1.1"), "mã chỉ tiêu 1.1 bị trùng"),
    (lambda s: s["criteria"][0]["indicators"][0].update(threshold="tám mươi"), "không phải là số"),
])
def test_bad_specs_are_refused_with_the_place_named(mutate, message):
    spec = spec_ten_criteria()
    mutate(spec)
    with pytest.raises(engine.SpecError, match=message):
        compile_spec(spec)


def test_batch_and_single_agree():
    cs = compile_spec(spec_ten_criteria())
    rng = np.random.default_rng(1)
    values = rng.uniform(30, 100, size=(50, cs.n_indicators))
    values[rng.random(values.shape) < 0.1] = np.nan
    classes = np.array([cs.class_index("TDMNPB")] * 50)
    batch = evaluate_batch(cs, values, 2023, classes)
    for i in range(50):
        row = {code: (None if math.isnan(values[i, j]) else values[i, j]) for j, code in enumerate(cs.indicator_codes)}
        one = evaluate_one(cs, row, year=2023, region="TDMNPB")
        assert one.criteria_met == batch.criteria_met[i]
        assert one.criteria_unknown == batch.criteria_unknown[i]
        assert one.revoke == batch.revoke[i]


values_strategy = st.lists(st.one_of(st.none(), st.floats(0, 100)), min_size=10, max_size=10)


@settings(max_examples=200, deadline=None)
@given(values=values_strategy, which=st.integers(0, 9), raise_by=st.floats(0, 100))
def test_raising_a_ge_indicator_never_lowers_the_criteria_met(values, which, raise_by):
    cs = compile_spec(spec_ten_criteria())
    codes = list(cs.indicator_codes)
    before = dict(zip(codes, values, strict=True))
    after = dict(before)
    if after[codes[which]] is not None:
        after[codes[which]] = after[codes[which]] + raise_by
    r1 = evaluate_one(cs, before, year=2023, region="TDMNPB")
    r2 = evaluate_one(cs, after, year=2023, region="TDMNPB")
    assert r2.criteria_met >= r1.criteria_met
    assert r2.criteria_failed <= r1.criteria_failed
