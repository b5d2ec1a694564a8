"""What a values file may hold (issue 11, items 3, 4 and 14): numbers written the Vietnamese way and within range,
notes and sources as long as the API takes, errors listed up to a cap however many rows repeat, and the template's
Vietnamese column names."""

from __future__ import annotations

import csv
import io
import tracemalloc
from array import array

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from nongthonso.assessments.imports import _duplicates, _Resolver, import_values
from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.core.imports import MAX_ERRORS, ImportFailed
from nongthonso.core.spreadsheets import MB
from nongthonso.criteria.models import CriteriaSet
from nongthonso.demo.thai_nguyen_2026 import SET_2021
from nongthonso.recognition.group_imports import import_commune_groups
from nongthonso.recognition.imports import import_decisions, import_registrations

pytestmark = pytest.mark.django_db
HEADER = ["unit_code", "year", "indicator_code", "value", "note", "source"]
IMPORTERS = {"decisions": import_decisions, "registrations": import_registrations,
             "commune_groups": import_commune_groups}
INCOME = "10"  # «Thu nhập bình quân đầu người», money in million đồng a person a year


@pytest.fixture
def errors_of(import_errors):
    """``errors_of(path)``: the messages of a values import refused (having written nothing)."""
    return lambda path: import_errors(import_values, path)


def income(code: str) -> float:
    return IndicatorValue.objects.get(assessment__unit__code=code, assessment__year=2023,
                                      assessment__criteria_set__code=SET_2021, indicator__code=INCOME).value


# --- numbers ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "stored"), [("1.234", 1234), ("45,5", 45.5), ("1.234,5", 1234.5), ("45.5", 45.5)])
def test_money_in_a_csv_file_is_read_the_vietnamese_way(tmp_path, commune_code, text, stored, write_table):
    import_values(write_table(tmp_path, "tien", [HEADER, [commune_code, 2023, INCOME, text]], "csv"))
    assert income(commune_code) == stored


def test_a_number_cell_of_a_workbook_is_read_as_the_number_it_is(tmp_path, commune_code, write_table):
    # 1.234 typed into a number cell is one point two three four, whatever the convention for text
    import_values(write_table(tmp_path, "tien", [HEADER, [commune_code, 2023, INCOME, 1.234]], "xlsx"))
    assert income(commune_code) == 1.234


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_decimal_that_could_read_as_thousands_exports_with_a_decimal_comma_and_imports_back(tmp_path, commune_code,
                                                                                              fmt, write_table):
    import_values(write_table(tmp_path, "tien", [HEADER, [commune_code, 2023, INCOME, "1,234"]], "csv"))
    path = tmp_path / f"xuat.{fmt}"
    call_command("export", "values", "--unit", commune_code, "--year", "2023", "--format", fmt, "--output",
                 str(path), stderr=io.StringIO())
    if fmt == "csv":
        assert f"{commune_code},2023,{INCOME},\"1,234\"," in path.read_bytes().decode("utf-8-sig")
    result = import_values(path, dry_run=True)
    assert result.updated == 0 and income(commune_code) == 1.234


@pytest.mark.parametrize(("value", "message"), [
    ("1e300", "Dòng 2, cột «value» (giá trị «1e300»): Chỉ tiêu 10: «1e300» quá lớn, giá trị không được vượt quá "
              "999.999.999.999.999 triệu đồng/người/năm. Kiểm tra đơn vị tính và số chữ số."),
    ("1.000.000.000.000.000", "Dòng 2, cột «value» (giá trị «1.000.000.000.000.000»): Chỉ tiêu 10: "
                              "«1.000.000.000.000.000» quá lớn, giá trị không được vượt quá 999.999.999.999.999 triệu "
                              "đồng/người/năm. Kiểm tra đơn vị tính và số chữ số."),
])
def test_a_number_beyond_what_is_stored_exactly_is_refused(tmp_path, commune_code, value, message, write_table,
                                                           errors_of):
    assert errors_of(write_table(tmp_path, "lon", [HEADER, [commune_code, 2023, INCOME, value]], "csv")) == [message]


# --- notes and sources --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_note_or_source_longer_than_the_api_takes_is_refused(tmp_path, commune_code, fmt, write_table, errors_of):
    rows = [HEADER, [commune_code, 2023, "2.1", 90, "x" * 2000, "y" * 300],
            [commune_code, 2023, "2.2", 90, "x" * 2001, ""], [commune_code, 2023, "2.3", 90, "", "y" * 301]]
    assert errors_of(write_table(tmp_path, "dai", rows, fmt)) == [
        f"Dòng 3, cột «note» (giá trị «{'x' * 60}…»): dài 2.001 ký tự, quá mức cho phép (2.000 ký tự). Rút gọn nội "
        "dung, hoặc đưa phần chi tiết vào tệp minh chứng của hồ sơ.",
        f"Dòng 4, cột «source» (giá trị «{'y' * 60}…»): dài 301 ký tự, quá mức cho phép (300 ký tự). Rút gọn nội "
        "dung, hoặc đưa phần chi tiết vào tệp minh chứng của hồ sơ."]


def test_a_note_with_a_nul_character_is_refused(tmp_path, commune_code, errors_of):
    path = tmp_path / "nul.csv"
    path.write_bytes(("unit_code,year,indicator_code,value,note\n" + "\n" * 70_000  # NUL beyond the sniffed head
                      + f"{commune_code},2023,2.1,90,a\x00b\n").encode())
    assert errors_of(path) == [
        "Dòng 70002, cột «note»: ô này chứa ký tự rỗng (NUL, mã 0), không lưu được — thường do chép từ một chương "
        "trình khác. Gõ lại nội dung ô."]


# --- errors capped ------------------------------------------------------------------------------------------------

def test_a_million_repeated_rows_give_a_capped_list_of_errors():
    # given the keys and row numbers of 1,000,000 rows naming one assessment and indicator (what the check keeps)
    cset = CriteriaSet.objects.get(code=SET_2021, superseded_by__isnull=True)
    resolver = _Resolver()
    unit = Assessment.objects.filter(criteria_set=cset).select_related("unit").first().unit
    index = resolver.target(unit, 2023, cset)
    resolver.indicator(cset, "")
    keys, rows = array("q", [index << 16] * 1_000_000), array("q", range(2, 1_000_002))

    # when the duplicates are found, memory traced
    tracemalloc.start()
    try:
        errors, more = _duplicates(keys, rows, resolver)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # then the first MAX_ERRORS repeated rows are listed and the rest counted, in memory that does not hold them
    assert len(errors) == MAX_ERRORS and more == 999_999 - MAX_ERRORS
    assert [e.row for e in errors[:2]] == [3, 4] and errors[0].message.startswith("trùng với dòng 2 ")
    assert peak < 80 * MB, f"peak {peak / MB:.0f} MB"  # numpy's sort of the keys; a million errors took 514 MB


def test_the_file_says_how_many_errors_were_not_listed(tmp_path, commune_code, write_table, errors_of):
    rows = [HEADER] + [[commune_code, 2023, "2.1", 90]] * 1500
    errors = errors_of(write_table(tmp_path, "trung", rows, "csv"))
    assert len(errors) == MAX_ERRORS + 1
    assert errors[-1] == ("Còn 499 lỗi khác không liệt kê (tổng cộng 1499 lỗi). Sửa các lỗi trên rồi chạy thử lại để "
                          "xem tiếp.")


# --- the template's Vietnamese column names -----------------------------------------------------------------------

@pytest.mark.parametrize("names", [
    ["Mã đơn vị", "Năm", "Mã chỉ tiêu", "Tên chỉ tiêu", "Giá trị", "Ghi chú"],
    ["ma don vi", "NĂM", "mã chỉ tiêu", "tên chỉ tiêu", "giá  trị", "ghi chu"],
])
def test_the_vietnamese_column_names_are_a_header_too(tmp_path, commune_code, names, write_table):
    rows = [names, [commune_code, 2023, "2.1", "Tỷ lệ …", 97.5, "đo lại"]]
    result = import_values(write_table(tmp_path, "ten-cot", rows, "xlsx"), dry_run=True)
    assert (result.created + result.updated + result.unchanged, result.changes[0].row) == (1, 2)


def test_names_above_codes_are_one_header_and_rows_keep_the_sheets_numbers(tmp_path, commune_code, write_table,
                                                                           errors_of):
    rows = [["Mã đơn vị", "Năm", "Mã chỉ tiêu", "Giá trị"], ["unit_code", "year", "indicator_code", "value"],
            [commune_code, 2023, "2.1", "nhiều"]]
    assert errors_of(write_table(tmp_path, "hai-dong", rows, "csv")) == [
        "Dòng 3, cột «value» (giá trị «nhiều»): Chỉ tiêu 2.1 cần một số (%); «nhiều» không phải là số. Dùng dấu phẩy "
        "cho phần thập phân, ví dụ 85,7."]


def test_a_missing_column_names_the_vietnamese_names_too(tmp_path, errors_of):
    book = Workbook()
    book.active.append(["Mã đơn vị", "Năm", "Giá trị"])
    book.save(tmp_path / "thieu.xlsx")
    assert errors_of(tmp_path / "thieu.xlsx") == [
        "Dòng 1, cột «indicator_code»: Thiếu cột «indicator_code». Dòng đầu tiên phải có các cột: unit_code, year, "
        "indicator_code, value (có thể thêm: note, source, set). Cũng có thể dùng tên cột tiếng Việt như trong tệp "
        "mẫu: Mã đơn vị, Năm, Mã chỉ tiêu, Giá trị (có thể thêm: Ghi chú, Nguồn số liệu, Mã bộ tiêu chí)."]


@pytest.mark.parametrize("kind", ["decisions", "registrations", "commune_groups"])
def test_the_notes_of_the_other_imports_are_capped_as_in_the_api(tmp_path, kind, import_counts):
    # given an export whose first row's note is made one character too long
    path = tmp_path / f"{kind}.csv"
    call_command("export", kind, "--unit", "19", "--output", str(path), stderr=io.StringIO())
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    rows[1][rows[0].index("note")] = "n" * 2001
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    # then importing it is refused, naming that row and column, and nothing is written
    before = import_counts()
    with pytest.raises(ImportFailed) as exc:
        IMPORTERS[kind](path)
    assert [str(e) for e in exc.value.errors] == [
        f"Dòng 2, cột «note» (giá trị «{'n' * 60}…»): dài 2.001 ký tự, quá mức cho phép (2.000 ký tự). Rút gọn nội "
        "dung, hoặc đưa phần chi tiết vào tệp minh chứng của hồ sơ."]
    assert import_counts() == before
