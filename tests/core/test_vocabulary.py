"""The one vocabulary (``core.vocabulary``): yes/no words, Vietnamese numbers, dates and unit-type words — and every
path that reads them agreeing (the engine's encoder, the entry form's parser, the unit import's flags)."""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nongthonso.core.text import format_date, format_number
from nongthonso.core.vocabulary import (
    DATE_HINT,
    FALSE_WORDS,
    TRUE_WORDS,
    TYPE_WORDS,
    UNIT_TYPE_WORDS,
    DateInvalid,
    NumberInvalid,
    bare_name,
    parse_bool,
    parse_date,
    parse_number,
    require_date,
    running_name,
    type_word,
    unit_type_of,
)
from nongthonso.criteria import engine

# --- yes / no ----------------------------------------------------------------------------------------------


def test_no_word_is_both_yes_and_no():
    assert not TRUE_WORDS & FALSE_WORDS


@pytest.mark.parametrize("word", sorted(TRUE_WORDS))
def test_every_yes_word_reads_true_whatever_its_case_and_spacing(word):
    assert parse_bool(word) is True
    assert parse_bool(f"  {word.upper()} ") is True


@pytest.mark.parametrize("word", sorted(FALSE_WORDS))
def test_every_no_word_reads_false_whatever_its_case_and_spacing(word):
    assert parse_bool(word) is False
    assert parse_bool(" " + "  ".join(word.title().split()) + "\t") is False


@pytest.mark.parametrize("value", ["", "  ", "có thể", "2", "đạt chuẩn", None, [], 0.5])
def test_anything_else_is_neither(value):
    assert parse_bool(value) is None


def test_bools_and_one_zero_numbers_are_themselves():
    assert [parse_bool(v) for v in (True, False, 1, 0, 1.0, 0.0)] == [True, False, True, False, True, False]


@pytest.mark.parametrize("word", sorted(TRUE_WORDS | FALSE_WORDS))
def test_the_engine_encodes_every_word_as_the_entry_form_stores_it(word):
    """Regression: the engine encoded «dat» (and «đúng», «x») as not met while the entry form stored it as met."""
    from nongthonso.assessments.services import parse_value
    from nongthonso.criteria.models import Indicator

    stored = parse_value(Indicator(code="9.9", value_type="boolean"), word)
    assert engine.encode_value(word, "boolean") == (1.0 if stored else 0.0)
    assert engine.encode_value(stored, "boolean") == engine.encode_value(word, "boolean")


def test_dat_without_diacritics_meets_a_yes_threshold():
    spec = {"code": "t", "level": "xa_ntm", "criteria": [
        {"code": "1", "name": "Tiêu chí 1", "indicators": [
            {"code": "1.1", "name": "Chỉ tiêu 1.1", "value_type": "boolean", "comparator": "==", "threshold": True}]}]}
    cs = engine.compile_spec(spec)
    assert engine.evaluate_one(cs, {"1.1": "dat"}, year=2023).criteria[0].status == engine.MET
    assert engine.evaluate_one(cs, {"1.1": "khong dat"}, year=2023).criteria[0].status == engine.NOT_MET


def test_the_engine_module_imports_nothing_from_django():
    code = ("import sys; import nongthonso.criteria.engine; "
            "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- numbers -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, number", [
    ("85,7", 85.7), ("85.7", 85.7), ("1.234,5", 1234.5), ("85,7%", 85.7), (" 1 234,5 ", 1234.5), ("-3", -3.0),
    ("0", 0.0), ("100%", 100.0),
])
def test_vietnamese_numbers(text, number):
    assert parse_number(text) == pytest.approx(number)


@pytest.mark.parametrize("text", ["", "abc", "1o0", "1,2,3", "1.234.567,8,9", "%"])
def test_what_is_not_a_number_says_so_in_vietnamese(text):
    with pytest.raises(NumberInvalid, match=r"không phải là số\. Dùng dấu phẩy cho phần thập phân"):
        parse_number(text)


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(min_value=1, max_value=3))
def test_a_number_written_with_a_decimal_comma_reads_back(value, decimals):
    """What the pages write (``format_number``: dot thousands, decimal comma) reads back, with or without %."""
    text = format_number(value, decimals)
    expected = float(f"{value:.{decimals}f}")
    assert parse_number(text) == pytest.approx(expected)
    assert parse_number(text + "%") == pytest.approx(expected)


@given(st.integers(min_value=-999, max_value=999))
def test_small_whole_numbers_read_back(value):
    assert parse_number(format_number(value)) == value


def test_not_a_number_and_infinity_are_left_to_the_caller():
    assert math.isnan(parse_number("nan")) and math.isinf(parse_number("inf"))


# --- dates -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["2023-06-30", "2023-6-30", "30/06/2023", "30/6/2023", " 30/6/2023 "])
def test_the_date_forms_people_type(text):
    assert parse_date(text) == dt.date(2023, 6, 30)


@pytest.mark.parametrize("text", ["", "30-06-2023", "31/02/2023", "2024-13-01", "hôm qua", "30/6/23", "20230630",
                                  "2023/06/30"])
def test_what_is_not_a_date(text):
    assert parse_date(text) is None
    with pytest.raises(DateInvalid) as caught:
        require_date(text)
    assert str(caught.value) == f"Ngày «{text}» không hợp lệ. {DATE_HINT}"


def test_dates_and_datetimes_are_taken_as_they_are():
    assert parse_date(dt.date(2023, 6, 30)) == dt.date(2023, 6, 30)
    assert parse_date(dt.datetime(2023, 6, 30, 23, 59)) == dt.date(2023, 6, 30)
    assert parse_date(None) is None


@given(st.dates(min_value=dt.date(1000, 1, 1)))
def test_every_date_reads_back_from_each_form(date):
    assert parse_date(date.isoformat()) == date
    assert parse_date(format_date(date)) == date  # 24/5/2023, as the pages write it
    assert parse_date(f"{date.day:02d}/{date.month:02d}/{date.year}") == date


# --- unit names --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, word, bare, running", [
    ("Tỉnh Thái Nguyên", "Tỉnh", "Thái Nguyên", "tỉnh Thái Nguyên"),
    ("Thành phố Phổ Yên", "Thành phố", "Phổ Yên", "thành phố Phổ Yên"),
    ("Huyện Chợ Đồn (cũ)", "Huyện", "Chợ Đồn (cũ)", "huyện Chợ Đồn (cũ)"),
    ("Thị trấn Hùng Sơn", "Thị trấn", "Hùng Sơn", "thị trấn Hùng Sơn"),
    ("Thị xã Phổ Yên", "Thị xã", "Phổ Yên", "thị xã Phổ Yên"),
    ("Xã Vạn Phú", "Xã", "Vạn Phú", "xã Vạn Phú"),
    ("Đặc khu Phú Quốc", "Đặc khu", "Phú Quốc", "đặc khu Phú Quốc"),
    ("Cả nước", "", "Cả nước", "Cả nước"),
    ("Xãhội", "", "Xãhội", "Xãhội"),
])
def test_type_words_of_names(name, word, bare, running):
    assert (type_word(name), bare_name(name), running_name(name)) == (word, bare, running)


def test_a_type_word_names_a_type_by_level():
    assert unit_type_of("Thành phố Thái Nguyên", "tinh") == ("Thành phố", "thanh_pho_tw")
    assert unit_type_of("Thành phố Thái Nguyên", "huyen") == ("Thành phố", "thanh_pho_thuoc_tinh")
    assert unit_type_of("Xã Vạn Phú", "xa") == ("Xã", "xa")
    with pytest.raises(ValueError, match="Cannot tell the unit type"):
        unit_type_of("Xã Vạn Phú", "huyen")


@pytest.mark.django_db
def test_every_type_word_names_a_unit_type_of_its_level():
    from nongthonso.units.models import UnitType

    types = {t.code: t.level.code for t in UnitType.objects.select_related("level")}
    assert {code: types[code] for words in UNIT_TYPE_WORDS.values() for code in words.values()} == {
        code: level for level, words in UNIT_TYPE_WORDS.items() for code in words.values()}
    assert set(TYPE_WORDS) == {w for words in UNIT_TYPE_WORDS.values() for w in words}
