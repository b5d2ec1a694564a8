"""Formula injection (issue 11, item 1): a note such as ``=HYPERLINK("http://…")`` or ``+cmd|' /C calc'!A0`` is data.
The XLSX exports and templates hold it as a string cell (never a formula), the CSV exports neutralise it the way
OWASP recommends, and the import gives every note back byte for byte, so an export imports back unchanged."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from nongthonso.assessments.imports import import_values
from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.core.spreadsheets import FORMULA_START, csv_cell, csv_text, xlsx_text
from nongthonso.dataio.workbook import build_template
from nongthonso.demo.thai_nguyen_2026 import SET_2021

pytestmark = pytest.mark.django_db
NOTES = ["=1+1", "+x", "-5 hộ", "@a", "\t=x", '=HYPERLINK("http://example.com/x","Bấm vào đây")',
         "+cmd|' /C calc'!A0", "'=đã có dấu nháy", "#N/A", "dòng 1\r\ndòng 2", "ký tự\x0bđiều khiển", " cách ở đầu",
         "_x0041_ nguyên văn"]


@pytest.fixture
def noted(dossiers_open) -> Assessment:
    """An open 2023 dossier whose first values carry the notes of ``NOTES``, and (source) «=SUM(A1:A9)»."""
    assessment = (Assessment.objects.filter(year=2023, criteria_set__code=SET_2021).select_related("unit")
                  .order_by("unit__code").first())
    values = list(IndicatorValue.objects.filter(assessment=assessment).order_by("indicator__position")[:len(NOTES)])
    for value, note in zip(values, NOTES, strict=True):
        IndicatorValue.objects.filter(pk=value.pk).update(note=note, source="=SUM(A1:A9)")
    return assessment


def notes_of(assessment: Assessment) -> dict[str, tuple[str, str]]:
    return {code: (note, source) for code, note, source in IndicatorValue.objects.filter(
        assessment=assessment).values_list("indicator__code", "note", "source")}


def export(tmp_path: Path, assessment: Assessment, fmt: str) -> Path:
    path = tmp_path / f"gia-tri.{fmt}"
    call_command("export", "values", "--unit", assessment.unit.code, "--year", "2023", "--format", fmt,
                 "--output", str(path), stderr=io.StringIO())
    return path


def formulas(content: bytes) -> list[str]:
    """The formula elements of every sheet of a workbook."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [f for name in archive.namelist() if name.startswith("xl/worksheets/sheet")
                for f in re.findall(r"<f[ >].*?</f>", archive.read(name).decode())]


def test_the_xlsx_export_holds_notes_as_text_never_as_formulas(tmp_path, noted):
    path = export(tmp_path, noted, "xlsx")
    assert formulas(path.read_bytes()) == []
    sheet = load_workbook(path).active  # a full load: a formula cell would come back as data_type "f"
    header = [c.value for c in sheet[1]]
    cells = {row[header.index("indicator_code")].value: row for row in sheet.iter_rows(min_row=2)}
    for code, (note, _) in notes_of(noted).items():
        cell = cells[code][header.index("note")]
        assert xlsx_text(cell.value or "") == note  # a control character is written _x000B_, as OOXML escapes it
        if note:
            assert (cell.data_type, cells[code][header.index("source")].data_type) == ("s", "s")


def test_the_csv_export_neutralises_what_a_spreadsheet_would_take_for_a_formula(tmp_path, noted):
    path = export(tmp_path, noted, "csv")
    rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    by_code = {r["indicator_code"]: r for r in rows}
    for code, (note, source) in notes_of(noted).items():
        shown = by_code[code]["note"]
        assert shown[:1] not in FORMULA_START
        assert shown == ("'" + note if note[:1] in FORMULA_START or note.startswith("'=") else note)
        assert by_code[code]["source"] == ("'=SUM(A1:A9)" if source == "=SUM(A1:A9)" else source)
    numbers = [r["value"] for r in rows if r["value"] not in ("Đạt", "Không đạt", "")]
    assert numbers and all(not n.startswith("'") and float(n) >= 0 for n in numbers)  # numbers stay numbers


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged_and_restores_every_note_byte_for_byte(tmp_path, noted, fmt):
    # given the export of a dossier with formula-like notes
    path = export(tmp_path, noted, fmt)
    recorded = notes_of(noted)

    # then importing it unchanged changes nothing …
    result = import_values(path, dry_run=True)
    assert (result.created, result.updated) == (0, 0) and result.unchanged == len(recorded)

    # … and importing it after the notes were wiped gives each note back exactly
    IndicatorValue.objects.filter(assessment=noted).update(note="", source="")
    result = import_values(path)
    assert result.updated == len([n for n, s in recorded.values() if n or s])
    assert notes_of(noted) == recorded


def test_a_prefilled_template_has_no_formula_and_imports_back_unchanged(tmp_path, noted):
    # the threshold «= Đạt» of every yes/no indicator and the recorded notes are text, not formulas
    content = build_template(SET_2021, unit_code=noted.unit.code, year=2023)
    assert formulas(content) == []
    book = load_workbook(io.BytesIO(content))
    hints = [row[5] for row in book["Chỉ tiêu"].iter_rows(min_row=2)]
    equal = [c for c in hints if str(c.value).startswith("= ")]
    assert len(equal) >= 28 and {c.data_type for c in equal} == {"s"}
    path = tmp_path / "mau.xlsx"
    path.write_bytes(content)
    result = import_values(path, dry_run=True)
    assert result.updated == 0 and result.unchanged >= len(NOTES)


@given(st.text())
def test_a_csv_cell_never_starts_a_formula_and_reads_back_as_it_was(text):
    cell = csv_cell(text)
    assert cell[:1] not in FORMULA_START
    assert csv_text(cell) == text


def test_numbers_are_not_text():
    assert [csv_cell(v) for v in (-5, 97.5, 0, None, 2023)] == ["-5", "97.5", "0", "", "2023"]
