"""``import values`` from CSV and XLSX: every bad-input class gets its exact message and writes nothing;
a good file writes in one transaction, reports progress, and a dry run previews the changes."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nongthonso.accounts.models import Role
from nongthonso.assessments.imports import import_values
from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.audit.models import AuditEntry
from nongthonso.core.imports import ImportFailed
from nongthonso.units.models import Unit

pytestmark = pytest.mark.django_db
HEADER = ["unit_code", "year", "indicator_code", "value", "note"]
FORMATS = ["csv", "xlsx"]
NOT_A_TABLE = ("không phải CSV hoặc XLSX (tệp CSV phải mã UTF-8). Hãy dùng tệp mẫu (.xlsx), hoặc trong Excel chọn "
               "«Lưu thành» → «Sổ làm việc Excel (*.xlsx)» hay «CSV UTF-8 (phân tách bằng dấu phẩy)».")



# --- each bad-input class, in CSV and in XLSX --------------------------------------------------------------

BAD_ROWS = {
    "unknown unit code": (["99999", 2023, "2.1", 90], [
        "Dòng 3, cột «unit_code» (giá trị «99999»): không có đơn vị hành chính mã 99999 trong năm 2023. Kiểm tra mã "
        "GSO (cấp xã có 5 chữ số) hoặc năm đánh giá."]),
    "unknown indicator": (["{c}", 2023, "99.9", 90], [
        "Dòng 3, cột «indicator_code» (giá trị «99.9»): bộ tiêu chí «xa-ntm-2021-2025» không có chỉ tiêu mã này. "
        "Dùng mã như trong tệp mẫu, ví dụ 2.1 hoặc 17.8."]),
    "value of the wrong type (text for a number)": (["{c}", 2023, "2.1", "nhiều"], [
        "Dòng 3, cột «value» (giá trị «nhiều»): Chỉ tiêu 2.1 cần một số (%); «nhiều» không phải là số. Dùng dấu phẩy "
        "cho phần thập phân, ví dụ 85,7."]),
    "value of the wrong type (text for yes/no)": (["{c}", 2023, "1.1", "có lẽ"], [
        "Dòng 3, cột «value» (giá trị «có lẽ»): Chỉ tiêu 1.1 nhận «Đạt» hoặc «Không đạt» (1/0, có/không); «có lẽ» "
        "không hợp lệ."]),
    "value out of range": (["{c}", 2023, "2.1", 120], [
        "Dòng 3, cột «value» (giá trị «120»): Chỉ tiêu 2.1 là tỷ lệ phần trăm, phải từ 0 đến 100; «120» nằm ngoài "
        "khoảng này."]),
    "duplicate row": (["{c}", 2023, "2.2", 98], [
        "Dòng 3, cột «indicator_code» (giá trị «2.2»): trùng với dòng 2 (cùng đơn vị, năm và chỉ tiêu). Giữ lại một "
        "dòng."]),
    "wrong year (no criteria set that year)": (["{c}", 2019, "2.1", 90], [
        "Dòng 3, cột «year» (giá trị «2019»): không có bộ tiêu chí xã nông thôn mới nào có hiệu lực trong năm 2019. "
        "Kiểm tra năm, hoặc ghi rõ mã bộ tiêu chí ở cột «set»."]),
    "wrong year (not a year)": (["{c}", "hai nghìn", "2.1", 90], [
        "Dòng 3, cột «year» (giá trị «hai nghìn»): năm phải là số có 4 chữ số từ 2010 đến 2100, ví dụ 2023."]),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_each_bad_row_gets_its_exact_message_and_nothing_is_written(tmp_path, commune_code, fmt, case, write_table,
                                                                    import_errors):
    bad, messages = BAD_ROWS[case]
    row = [commune_code if c == "{c}" else c for c in bad]
    path = write_table(tmp_path, "gia-tri", [HEADER, [commune_code, 2023, "2.2", 99, "đo lại"], row], fmt)
    assert import_errors(import_values, path) == messages


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_bad_row_is_reported_in_row_order(tmp_path, commune_code, fmt, write_table):
    rows = [HEADER, [commune_code, 2023, "2.2", 99], ["99999", 2023, "2.1", 90], [commune_code, 2023, "2.1", "abc"],
            [commune_code, 2023, "2.2", 98], [commune_code, 2023, "1.1", "Đạt"]]
    path = write_table(tmp_path, "gia-tri", rows, fmt)
    with pytest.raises(ImportFailed) as exc:
        import_values(path)
    assert [(e.row, e.column) for e in exc.value.errors] == [(3, "unit_code"), (4, "value"), (5, "indicator_code")]


@pytest.mark.parametrize(("content", "name", "message"), [
    ("png", "anh.png", f"Tệp «anh.png» {NOT_A_TABLE}"),
    ("png", "gia-tri.csv", f"Tệp «gia-tri.csv» {NOT_A_TABLE}"),
    ("docx", "gia-tri.xlsx", f"Tệp «gia-tri.xlsx» {NOT_A_TABLE}"),
    ("docx", "bao-cao.docx", f"Tệp «bao-cao.docx» {NOT_A_TABLE}"),
    (b"PK\x03\x04 not really a zip", "hong.xlsx", f"Tệp «hong.xlsx» {NOT_A_TABLE}"),
    ("unit_code,year,indicator_code,value\n05431,2023,2.1,90\n".encode("utf-16"), "utf16.csv",
     f"Tệp «utf16.csv» {NOT_A_TABLE}"),
    (b"", "rong.csv", "Tệp «rong.csv» rỗng. Hãy dùng tệp mẫu và điền dữ liệu."),
    (b"", "rong.xlsx", "Tệp «rong.xlsx» rỗng. Hãy dùng tệp mẫu và điền dữ liệu."),
    (b" \r\n\r\n", "trang.csv", "Tệp «trang.csv» rỗng. Hãy dùng tệp mẫu và điền dữ liệu."),
    (b"unit_code,year,indicator_code,value,note\n", "tieu-de.csv",
     "Tệp «tieu-de.csv» không có dòng dữ liệu nào (chỉ có dòng tiêu đề). Điền dữ liệu từ dòng 2."),
    (b"unit_code,year,indicator_code,value,note\n,,,,\n\n", "dong-trong.csv",
     "Tệp «dong-trong.csv» không có dòng dữ liệu nào (chỉ có dòng tiêu đề). Điền dữ liệu từ dòng 2."),
])
def test_files_that_are_not_tables_or_hold_no_rows(tmp_path, content, name, message, not_a_table, import_errors):
    # content: the bytes, or the kind of a sample file that is no table (conftest's ``not_a_table``)
    path = tmp_path / name
    path.write_bytes(not_a_table[content] if isinstance(content, str) else content)
    assert import_errors(import_values, path) == [message]


def test_an_xlsx_file_with_only_the_header_or_nothing(tmp_path, write_table, import_errors):
    header_only = write_table(tmp_path, "tieu-de", [HEADER], "xlsx")
    assert import_errors(import_values, header_only) == [
        "Tệp «tieu-de.xlsx» không có dòng dữ liệu nào (chỉ có dòng tiêu đề). Điền dữ liệu từ dòng 2."]
    blank = write_table(tmp_path, "trong", [], "xlsx")
    assert import_errors(import_values, blank) == [
        "Trang tính đầu tiên («Sheet») của tệp «trong.xlsx» không có dữ liệu. Dữ liệu phải nằm ở trang tính đầu tiên, "
        "dòng 1 là dòng tiêu đề."]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_or_unknown_column(tmp_path, fmt, write_table, import_errors):
    path = write_table(tmp_path, "cot", [["unit_code", "year", "value"], ["05431", 2023, 90]], fmt)
    assert import_errors(import_values, path) == [
        "Dòng 1, cột «indicator_code»: Thiếu cột «indicator_code». Dòng đầu tiên phải có các cột: unit_code, year, "
        "indicator_code, value (có thể thêm: note, source, set)."]
    path = write_table(tmp_path, "cot2", [[*HEADER, "ghi_chu"], ["05431", 2023, "2.1", 90, "", "x"]], fmt)
    assert import_errors(import_values, path) == [
        "Dòng 1, cột «ghi_chu»: Cột «ghi_chu» không được hỗ trợ. Xóa cột này hoặc sửa tên cho đúng: unit_code, year, "
        "indicator_code, value, note, source, set."]


# --- good files ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_a_good_file_writes_and_evaluates(tmp_path, commune_code, fmt, write_table):
    rows = [HEADER, [commune_code, 2023, "2.1", 100, "đo lại"], [commune_code, 2023, "10", "20", ""],
            [commune_code, 2023, "1.1", "Đạt", ""]]
    path = write_table(tmp_path, "gia-tri", rows, fmt)
    result = import_values(path)
    assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
    assessment = Assessment.objects.get(unit__code=commune_code, year=2023, criteria_set__code="xa-ntm-2021-2025")
    assert assessment.values.get(indicator__code="10").value == 20.0
    assert assessment.values.get(indicator__code="2.1").note == "đo lại"
    assert assessment.criteria_met == 18  # income 20 misses the threshold: results refreshed at once
    assert assessment.values.get(indicator__code="1.1").source != ""  # no «source» column: left as it was
    entry = AuditEntry.objects.filter(action="import", object_id=str(assessment.pk)).latest("pk")
    assert set(entry.before) == {"2.1", "10"} and entry.after == {"2.1": 100.0, "10": 20.0}
    assert (entry.note, entry.actor) == (f"Nhập tệp gia-tri.{fmt}", "nongthonso import")


def test_semicolons_and_comma_decimals_as_a_vietnamese_excel_saves_csv(tmp_path, commune_code):
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeffunit_code;year;indicator_code;value\r\n"
                      f"{commune_code};2023;2.1;85,7\r\n").encode())
    result = import_values(path)
    assert result.updated == 1
    assert IndicatorValue.objects.get(assessment__unit__code=commune_code, assessment__year=2023,
                                      indicator__code="2.1", assessment__criteria_set__code="xa-ntm-2021-2025"
                                      ).value == 85.7


def test_a_new_year_creates_the_assessment_and_a_dry_run_previews_it(tmp_path, commune_code, import_counts,
                                                                     write_table):
    path = write_table(tmp_path, "moi", [HEADER, [commune_code, 2024, "2.1", 100], [commune_code, 2024, "1.1", 1]],
                       "csv")
    before = import_counts()
    preview = import_values(path, dry_run=True)
    assert import_counts() == before
    assert (preview.created, preview.updated, preview.dry_run) == (2, 0, True)
    assert [(c.row, c.action, c.before, c.after) for c in preview.changes] == [
        (2, "create", "", "100"), (3, "create", "", "Đạt")]
    assert preview.changes[0].what.endswith("· 2024 · chỉ tiêu 2.1")
    result = import_values(path)
    assert (result.created, result.updated) == (2, 0)
    assessment = Assessment.objects.get(unit__code=commune_code, year=2024)
    assert assessment.criteria_unknown == 19 and assessment.evaluated_at is not None  # 2.1 alone decides nothing


def test_progress_is_reported_by_phase(tmp_path, commune_code, write_table):
    path = write_table(tmp_path, "gia-tri", [HEADER, [commune_code, 2023, "2.1", 99]], "csv")
    calls = []
    import_values(path, progress=lambda *args: calls.append(args))
    phases = [c[0] for c in calls]
    assert phases[0] == "check" and "write" in phases and phases[-1] == "evaluate"
    check = [c for c in calls if c[0] == "check"][-1]
    assert check[1:] == (1, path.stat().st_size, path.stat().st_size)


def test_the_command_prints_a_progress_line_on_request(tmp_path, commune_code, write_table):
    path = write_table(tmp_path, "gia-tri", [HEADER, [commune_code, 2023, "2.1", 99]], "xlsx")
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "values", str(path), "--progress", stdout=out, stderr=err)
    assert "Kiểm tra: 1 dòng" in err.getvalue() and "(100%)" in err.getvalue() and "\r" in err.getvalue()
    assert out.getvalue().startswith("Đã tạo mới 0, cập nhật 1, giữ nguyên 0 dòng.")


def test_the_command_reports_errors_and_their_number(tmp_path, commune_code, write_table):
    path = write_table(tmp_path, "gia-tri", [HEADER, ["99999", 2023, "2.1", 90], ["99998", 2023, "2.1", 90]], "xlsx")
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import", "values", str(path), stderr=err)
    assert str(exc.value) == "Không nhập được: 2 lỗi. Chưa ghi gì vào cơ sở dữ liệu."
    assert err.getvalue().splitlines()[0].startswith("Dòng 2, cột «unit_code» (giá trị «99999»)")


def test_a_flood_of_errors_is_listed_up_to_the_limit_and_counted(tmp_path, commune_code, monkeypatch, write_table):
    monkeypatch.setattr("nongthonso.core.imports.MAX_ERRORS", 3)
    rows = [HEADER] + [[f"9{i:04d}", 2023, "2.1", 90] for i in range(5)]
    path = write_table(tmp_path, "nhieu-loi", rows, "csv")
    with pytest.raises(ImportFailed) as exc:
        import_values(path)
    assert exc.value.total == 5
    assert [e.row for e in exc.value.errors] == [2, 3, 4, 0]
    assert str(exc.value.errors[-1]) == ("Còn 2 lỗi khác không liệt kê (tổng cộng 5 lỗi). Sửa các lỗi trên rồi chạy "
                                         "thử lại để xem tiếp.")


def test_values_of_a_unit_outside_the_users_scope_are_row_errors(tmp_path, commune_code, import_counts, make_user,
                                                                 write_table):
    mine = Unit.objects.filter(code=commune_code).order_by("-valid_from").first()
    other = (Assessment.objects.filter(year=2023, criteria_set__code="xa-ntm-2021-2025")
             .exclude(unit__code=commune_code).select_related("unit").order_by("unit__code").first().unit)
    user = make_user("can-bo-xa", Role.COMMUNE_OFFICER, mine)
    path = write_table(tmp_path, "gia-tri", [HEADER, [commune_code, 2023, "2.1", 99], [other.code, 2023, "2.1", 99]],
                       "csv")
    before = import_counts()
    with pytest.raises(ImportFailed) as exc:
        import_values(path, user=user)
    assert import_counts() == before
    message = str(exc.value.errors[0])
    assert message.startswith(f"Dòng 3, cột «unit_code» (giá trị «{other.code}»): Bạn là cán bộ phụ trách NTM ")
    assert message.endswith("Bỏ các dòng của đơn vị này.")
    assert import_values(write_table(tmp_path, "cua-toi", [HEADER, [commune_code, 2023, "2.1", 99]], "csv"),
                         user=user).updated == 1
