"""The ``smart_figures`` import (command line, web, API share it): all rows or nothing, a Vietnamese error per row
naming the column, the value and the fix; a user imports only the units they may enter figures for; the export
imports back unchanged."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from nongthonso.audit.models import AuditEntry
from nongthonso.core.imports import ImportFailed
from nongthonso.core.registry import ExportRequest
from nongthonso.smart.exports import figures_export
from nongthonso.smart.imports import COLUMNS, import_figures
from nongthonso.smart.models import Figure

pytestmark = pytest.mark.django_db
HEADER = [*COLUMNS, "note"]


def _file(tmp_path, rows, fmt: str = "csv"):
    path = tmp_path / f"so-lieu.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows([HEADER, *rows])
        path.write_text(buffer.getvalue(), encoding="utf-8")
    else:
        book = Workbook()
        for row in [HEADER, *rows]:
            book.active.append(row)
        book.save(path)
    return path


def _state() -> tuple:
    return (list(Figure.objects.order_by("pk").values_list("pk", "numerator", "denominator", "source")),
            AuditEntry.objects.count())


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_figures_are_imported_and_audited(tmp_path, fmt, users, at_2023):
    path = _file(tmp_path, [["ho-so-truc-tuyen", "05641", "2024", "2.169", "2180", "Hệ thống QLVB xã", "cả năm"],
                            ["htx-ung-dung-cds", "05641", "2024", "2", "3", "Báo cáo của xã", ""]], fmt)
    preview = import_figures(path, dry_run=True, user=users.commune)
    assert (preview.created, preview.updated) == (2, 0) and not Figure.objects.filter(year=2024).exists()
    result = import_figures(path, user=users.commune)
    assert result.created == 2
    figure = Figure.objects.get(measure__code="ho-so-truc-tuyen", unit__code="05641", year=2024)
    assert (figure.numerator, figure.denominator, figure.note, figure.entered_by) == (2169, 2180, "cả năm",
                                                                                      users.commune)
    assert AuditEntry.objects.filter(model="smart.figure", action="create", user=users.commune).count() == 2
    again = import_figures(path, user=users.commune)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_bad_file_writes_nothing_and_names_every_error(tmp_path, users):
    before = _state()
    path = _file(tmp_path, [
        ["khong-co", "05641", "2023", "1", "2", "x", ""],
        ["ho-so-truc-tuyen", "99999", "2023", "1", "2", "x", ""],
        ["ho-so-truc-tuyen", "05641", "2023", "5", "3", "x", ""],
        ["htx-ung-dung-cds", "168", "2023", "1", "2", "x", ""],
        ["ho-so-truc-tuyen", "05641", "1999", "1", "2", "x", ""],
        ["ho-so-truc-tuyen", "05641", "2022", "1,5", "2", "", ""],
        ["ho-so-truc-tuyen", "05635", "2023", "1", "2", "x", ""],  # not the officer's commune
        ["ho-so-truc-tuyen", "05641", "2024", "1", "2", "x", ""],
        ["ho-so-truc-tuyen", "05641", "2024", "1", "2", "x", ""],
    ])
    with pytest.raises(ImportFailed) as failed:
        import_figures(path, user=users.commune)
    messages = [str(e) for e in failed.value.errors]
    assert messages[0].startswith("Dòng 2, cột «measure» (giá trị «khong-co»): không có số liệu mã này. Dùng một "
                                  "trong:")
    assert "Dòng 3, cột «unit_code» (giá trị «99999»): không có đơn vị hành chính mã 99999" in messages[1]
    assert "tử số 5 lớn hơn mẫu số 3" in messages[2]
    assert messages[3].startswith("Dòng 5, cột «unit_code» (giá trị «168»): Bạn là cán bộ phụ trách NTM xã Tức Tranh")
    assert "Dòng 6, cột «year» (giá trị «1999»): năm không hợp lệ" in messages[4]
    assert any("Dòng 7, cột «numerator»" in m and "số nguyên không âm" in m for m in messages)
    assert any("Dòng 7, cột «source»" in m and "thiếu nguồn số liệu" in m for m in messages)
    assert any("Dòng 8, cột «unit_code»" in m and "không được nhập số liệu chuyển đổi số của xã" in m
               for m in messages)
    assert any("Dòng 10" in m and "trùng với dòng 9" in m for m in messages)
    assert _state() == before


def test_a_unit_not_in_force_at_the_end_of_the_year_is_refused(tmp_path):
    path = _file(tmp_path, [["ho-so-truc-tuyen", "05839", "2024", "1", "2", "x", ""]])  # merged into Vạn Phú 1/12/2024
    with pytest.raises(ImportFailed) as failed:
        import_figures(path)
    assert "đơn vị mã 05839 không có hiệu lực ngày 31/12/2024" in str(failed.value.errors[0])


def test_a_unit_of_another_level_than_the_measures_is_refused(tmp_path, users):
    path = _file(tmp_path, [["htx-ung-dung-cds", "168", "2023", "1", "2", "x", ""]])
    with pytest.raises(ImportFailed) as failed:
        import_figures(path, user=users.office)
    assert "do đơn vị cấp xã nhập; Huyện Phú Lương (168) là đơn vị cấp huyện" in str(failed.value.errors[0])


def test_a_viewer_may_not_import_at_all(tmp_path, users):
    path = _file(tmp_path, [["ho-so-truc-tuyen", "05641", "2023", "1", "2", "x", ""]])
    with pytest.raises(ImportFailed) as failed:
        import_figures(path, user=users.viewer)
    assert "không được nhập số liệu chuyển đổi số" in str(failed.value.errors[0])


def test_the_export_imports_back_unchanged(tmp_path):
    table = figures_export(ExportRequest(unit="168", year=2023))
    rows = [list(r) for r in table.rows]
    assert list(table.header) == HEADER and len(rows) > 20
    assert {r[0] for r in rows} >= {"ho-so-truc-tuyen", "chuoi-gia-tri-so"}
    result = import_figures(_file(tmp_path, rows))
    assert (result.created, result.updated, result.unchanged) == (0, 0, len(rows))


def test_the_command_line_imports_a_file(tmp_path):
    path = _file(tmp_path, [["ho-so-truc-tuyen", "19", "2024", "900", "1000", "Hệ thống QLVB tỉnh", ""]])
    out = io.StringIO()
    call_command("import", "smart_figures", str(path), stdout=out)
    assert out.getvalue().startswith("Đã tạo mới 1, cập nhật 0, giữ nguyên 0 dòng.")
    assert Figure.objects.get(unit__code="19", year=2024).numerator == 900
