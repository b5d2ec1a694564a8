"""The one presenter of criterion and indicator rows (``assessments.presenters``), without a database."""

from __future__ import annotations

import pytest
from django.utils import translation

from nongthonso.assessments.models import IndicatorValue
from nongthonso.assessments.presenters import (
    criterion_rows,
    gap_text,
    input_text,
    status_label,
    threshold_text,
)
from nongthonso.criteria.models import Indicator

RESULTS = {"criteria": [
    {"code": "2", "name": "Giao thông", "status": "not_met", "indicators": [
        {"code": "2.1", "value": 72.5, "threshold": 100, "comparator": ">=", "status": "not_met", "gap": 27.5,
         "verified": True}]},
    {"code": "11", "name": "Nghèo đa chiều", "status": "not_met", "indicators": [
        {"code": "11", "value": 15.8, "threshold": 13, "comparator": "<=", "status": "not_met", "gap": 2.8}]},
    {"code": "9", "name": "Nhà ở dân cư", "status": "met", "condition": True, "indicators": [
        {"code": "9.1", "value": False, "threshold": False, "comparator": "==", "status": "met", "gap": None},
        {"code": "9.2", "value": None, "threshold": 80, "comparator": ">=", "status": "unknown", "gap": None}]},
]}
INDICATORS = {
    "2.1": Indicator(code="2.1", name="Đường xã", unit="%", value_type="percent", source="QĐ 318"),
    "11": Indicator(code="11", name="Tỷ lệ nghèo đa chiều", unit="%", value_type="percent", verified=True),
    "9.1": Indicator(code="9.1", name="Nhà tạm, dột nát", value_type="boolean"),
    "9.2": Indicator(code="9.2", name="Nhà kiên cố", unit="%", value_type="percent"),
}


def _rows():
    return {r.code: r for c in criterion_rows(RESULTS, INDICATORS, {"2.1": IndicatorValue(source="Báo cáo xã")})
            for r in c.indicators}


def test_rows_in_vietnamese():
    rows = _rows()
    assert [(r.value, r.threshold, r.comparator, r.status_label, r.gap) for r in rows.values()] == [
        ("72,5%", "≥ 100%", "≥", "Không đạt", "thiếu 27,5%"),
        ("15,8%", "≤ 13%", "≤", "Không đạt", "vượt 2,8%"),  # a ceiling is exceeded, not lacked
        ("Không", "Không", "=", "Đạt", ""),
        ("—", "≥ 80%", "≥", "Chưa xác định", ""),
    ]
    assert rows["2.1"].verified and rows["2.1"].source == "QĐ 318" and rows["2.1"].value_source == "Báo cáo xã"
    assert not rows["9.2"].verified  # the result says nothing: the indicator's own flag
    assert rows["11"].verified


def test_rows_in_english():
    with translation.override("en"):
        rows = _rows()
        assert [(r.threshold, r.status_label, r.gap) for r in rows.values()] == [
            ("≥ 100%", "Not met", "short by 27,5%"), ("≤ 13%", "Not met", "over by 2,8%"), ("No", "Met", ""),
            ("≥ 80%", "Unknown", "")]


def test_criteria_keep_their_order_verdict_and_condition():
    crits = criterion_rows(RESULTS, INDICATORS, groups={"2": "II. Hạ tầng kinh tế - xã hội"})
    assert [(c.code, c.status_label, c.condition, c.group) for c in crits] == [
        ("2", "Không đạt", False, "II. Hạ tầng kinh tế - xã hội"), ("11", "Không đạt", False, ""),
        ("9", "Đạt", True, "")]
    assert [c.code for c in criterion_rows(RESULTS, INDICATORS, only="11")] == ["11"]
    assert criterion_rows(None, INDICATORS) == [] and criterion_rows({}, INDICATORS) == []


def test_an_indicator_missing_from_the_set_shows_its_code():
    (crit,) = criterion_rows({"criteria": [{"code": "1", "status": "unknown", "indicators": [
        {"code": "1.9", "value": 3, "threshold": 5, "comparator": ">", "status": "not_met", "gap": 2}]}]}, {})
    row = crit.indicators[0]
    assert (row.name, row.threshold, row.gap) == ("1.9", "> 5", "thiếu 2")


@pytest.mark.parametrize("threshold, comparator, value_type, unit, text", [
    (True, "==", "boolean", "", "Đạt"), (False, "==", "boolean", "", "Không"),
    (["Loại A", "Loại B"], "in", "category", "", "Loại A, Loại B"),
    (42, ">=", "money", "triệu đồng/người/năm", "≥ 42 triệu đồng/người/năm"), (13.5, "<=", "percent", "%", "≤ 13,5%"),
    (None, ">=", "percent", "%", "—"), (2, "==", "number", "", "= 2"),
])
def test_threshold_text(threshold, comparator, value_type, unit, text):
    assert threshold_text(threshold, comparator, value_type, unit) == text


def test_a_gap_only_for_a_value_not_met():
    assert gap_text(">=", "met", 3.0, "%") == gap_text(">=", "unknown", None) == gap_text(">=", "not_met", None) == ""
    assert gap_text("<", "not_met", 1, "m²/người") == "vượt 1 m²/người"


@pytest.mark.parametrize("value, value_type, text", [
    (None, "percent", ""), (True, "boolean", "1"), (False, "boolean", "0"), (85.7, "percent", "85,7"),
    (1234567, "money", "1234567"), (3.25, "number", "3,25"), ("Loại A", "category", "Loại A"),
])
def test_input_text(value, value_type, text):
    assert input_text(value, value_type) == text


def test_status_labels():
    assert [status_label(s) for s in ("met", "not_met", "unknown")] == ["Đạt", "Không đạt", "Chưa xác định"]
