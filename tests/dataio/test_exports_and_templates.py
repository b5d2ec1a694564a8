"""``nongthonso export``: the import formats, and the Excel templates with their drop-down lists."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from nongthonso.assessments.imports import import_values
from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.criteria.models import Indicator
from nongthonso.dataio.workbook import build_template

pytestmark = pytest.mark.django_db
SET = "xa-ntm-2021-2025"


def test_the_values_export_is_the_long_format_with_booleans_as_words(tmp_path):
    path = tmp_path / "v.csv"
    call_command("export", "values", "--unit", "19", "--year", "2023", "--output", str(path), stderr=io.StringIO())
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel shows UTF-8 with a byte-order mark
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == ["unit_code", "year", "indicator_code", "value", "note", "source", "set"]
    assert len(rows) == IndicatorValue.objects.filter(assessment__year=2023).count()
    assert {r["value"] for r in rows if r["indicator_code"] == "1.1" and r["set"] == SET} <= {"Đạt", "Không đạt"}
    assert {r["set"] for r in rows} == {SET, "xa-ntm-nang-cao-2021-2025", "xa-ntm-kieu-mau-2021-2025"}


def test_a_district_export_holds_only_its_communes(tmp_path):
    path = tmp_path / "v.xlsx"
    call_command("export", "values", "--unit", "171", "--year", "2023", "--output", str(path), stderr=io.StringIO())
    sheet = load_workbook(path, read_only=True).worksheets[0]
    codes = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    expected = set(Assessment.objects.filter(year=2023, unit__parent__code="171").values_list("unit__code", flat=True))
    assert codes == expected and codes


@pytest.mark.parametrize(("args", "message"), [
    (["values", "--unit", "19", "--output", "x.csv"], "Xuất giá trị chỉ tiêu cần --unit và --year, ví dụ: nongthonso "
     "export values --unit 19 --year 2023 --output gia-tri.csv"),
    (["values", "--unit", "99", "--year", "2023", "--output", "x.csv"],
     "Không có đơn vị mã «99» còn hiệu lực trong khoảng 1/1/2023 – 31/12/2023. Kiểm tra mã GSO hoặc năm."),
    (["template", "--set", "khong-co", "--output", "x.xlsx"], "Không có bộ tiêu chí mã «khong-co». Dùng một trong: "),
    (["template", "--set", SET, "--unit", "19", "--output", "x.xlsx"],
     "Muốn điền sẵn danh sách xã, cần cả mã đơn vị và năm (--unit và --year)."),
    (["template", "--set", SET, "--unit", "19", "--year", "2019", "--output", "x.xlsx"],
     "Bộ tiêu chí «xa-ntm-2021-2025» chỉ áp dụng cho các năm 2022–2025. Sửa năm."),
])
def test_export_errors(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError) as exc:
        call_command("export", *args, stderr=io.StringIO())
    assert str(exc.value).startswith(message)


def _validations(sheet) -> dict[str, tuple[str, str]]:
    """sqref → (type, formula1) of a sheet's data validations."""
    return {str(dv.sqref): (dv.type, dv.formula1) for dv in sheet.data_validations.dataValidation}


def test_the_blank_template_has_the_indicator_list_and_drop_downs(tmp_path):
    path = tmp_path / "mau.xlsx"
    call_command("export", "template", "--set", SET, "--output", str(path), stderr=io.StringIO())
    book = load_workbook(path)
    assert book.sheetnames == ["Giá trị", "Chỉ tiêu", "Hướng dẫn"]
    values, listing = book["Giá trị"], book["Chỉ tiêu"]
    # the columns' Vietnamese names for people, above their codes for programs
    assert [c.value for c in values[1]] == ["Mã đơn vị", "Năm", "Mã chỉ tiêu", "Tên chỉ tiêu", "Giá trị", "Ghi chú",
                                            "Nguồn số liệu", "Mã bộ tiêu chí"]
    assert [c.value for c in values[2]] == ["unit_code", "year", "indicator_code", "indicator_name", "value", "note",
                                            "source", "set"]
    indicators = list(Indicator.objects.filter(criteria_set__code=SET).order_by("position"))
    assert [c.value for c in listing[1]][:7] == ["code", "Tên chỉ tiêu", "Đơn vị tính", "Kiểu giá trị", "So sánh",
                                                 "Ngưỡng đạt (gợi ý)", "Đã đối chiếu văn bản"]
    listed = [[c.value for c in row] for row in listing.iter_rows(min_row=2)]
    assert [r[0] for r in listed] == [i.code for i in indicators]
    by_code = {r[0]: r for r in listed}
    # each threshold row with its provenance tag (docs/criteria-catalogue.md)
    assert by_code["2.1"][2:6] == ["%", "Tỷ lệ (%)", "≥", "≥ 100 (theo nguồn thứ cấp)"]
    assert by_code["2.2"][5].startswith("≥ 90 (tạm đặt, chưa đối chiếu); vùng Bắc Trung Bộ: ≥ 90 (tạm đặt, chưa đối "
                                        "chiếu); vùng Đồng bằng sông Cửu Long: ≥ 80 (tạm đặt, chưa đối chiếu)")
    assert "vùng Trung du và miền núi phía Bắc: ≥ 80 (theo nguồn thứ cấp)" in by_code["2.2"][5]
    assert by_code["1.1"][3:6] == ["Đạt / Không đạt", "=", "= Đạt (tạm đặt, chưa đối chiếu)"] and by_code["1.1"][6] in (
        "Đã đối chiếu", "Chưa đối chiếu")
    # one block of the set's indicators (code and name) to copy per commune, from row 3, with drop-downs
    block = [[c.value for c in row] for row in values.iter_rows(min_row=3, max_row=len(indicators) + 2)]
    assert [r[2:4] for r in block] == [[i.code, i.name] for i in indicators] and {r[7] for r in block} == {SET}
    rules = _validations(values)
    last = len(indicators) + 2 + 1000
    assert rules[f"C3:C{last}"] == ("list", f"'Chỉ tiêu'!$A$2:$A${len(indicators) + 1}")
    assert rules[f"B3:B{last}"] == ("list", '"2022,2023,2024,2025"')
    assert rules[f"H3:H{last}"] == ("list", f'"{SET}"')
    booleans = [i for i in indicators if i.value_type == "boolean"]
    (yes_no,) = [sqref for sqref, (kind, f) in rules.items() if f == '"Đạt,Không đạt"']
    cells = set()
    for part in yes_no.split():
        first, _, end = part.partition(":")
        cells.update(range(int(first[1:]), int((end or first)[1:]) + 1))
    assert cells == {3 + indicators.index(i) for i in booleans} and yes_no.startswith("E")
    assert ("decimal", "0") in rules.values()  # percentages: 0 to 100


def test_a_filled_template_imports(tmp_path, dossiers_open):
    assessment = Assessment.objects.filter(year=2023, criteria_set__code=SET).select_related("unit").first()
    book = load_workbook(io.BytesIO(build_template(SET)))
    sheet = book["Giá trị"]
    for row in sheet.iter_rows(min_row=3, max_row=5):  # three indicators filled, the rest of the block left empty
        row[0].value, row[1].value = assessment.unit.code, 2023
        row[4].value = "Đạt" if row[2].value in ("1.1", "1.2") else 97.5
    path = tmp_path / "da-dien.xlsx"
    book.save(path)
    result = import_values(path, dry_run=True)
    assert result.created + result.updated + result.unchanged == 3


def test_a_prefilled_template_holds_the_recorded_values_and_imports_unchanged(tmp_path, dossiers_open):
    content = build_template(SET, unit_code="171", year=2023)
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Giá trị", "Chỉ tiêu", "Hướng dẫn", "Xã"]
    rows = [[c.value for c in r] for r in book["Giá trị"].iter_rows(min_row=3) if r[0].value]
    communes = [r[0].value for r in book["Xã"].iter_rows(min_row=2)]
    assert len(rows) == len(communes) * Indicator.objects.filter(criteria_set__code=SET).count()
    assert all(isinstance(r[0], str) and r[1] == 2023 for r in rows)
    path = tmp_path / "dai-tu.xlsx"
    path.write_bytes(content)
    recorded = IndicatorValue.objects.filter(assessment__year=2023, assessment__criteria_set__code=SET,
                                             assessment__unit__parent__code="171").count()
    result = import_values(path, dry_run=True)
    assert (result.unchanged, result.updated) == (recorded, 0)
    assert result.created == len(rows) - recorded  # communes without a 2023 dossier: new, unknown values
