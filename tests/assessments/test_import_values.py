"""`nongthonso import values FILE [--dry-run]`: all rows or nothing, with Vietnamese row errors."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nongthonso.assessments.imports import import_values
from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.audit.models import AuditEntry
from nongthonso.core.imports import ImportFailed

HEADER = "unit_code,year,indicator_code,value,note\n"


def _write(tmp_path, text, name="values.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def _counts():
    return IndicatorValue.objects.count(), Assessment.objects.count(), AuditEntry.objects.count()


@pytest.fixture
def commune_code(db):
    """A commune meeting all 19 criteria whose 2023 dossier is open for editing (a draft)."""
    assessment = (Assessment.objects.filter(year=2023, criteria_set__code="xa-ntm-2021-2025", criteria_met=19)
                  .order_by("unit__code").first())
    Assessment.objects.filter(pk=assessment.pk).update(state=Assessment.State.DRAFT)
    return assessment.unit.code


@pytest.mark.django_db
def test_a_locked_dossier_is_a_row_error_and_nothing_is_written(tmp_path, commune_code):
    locked = (Assessment.objects.filter(year=2022, criteria_set__code="xa-ntm-2021-2025", state="approved")
              .select_related("unit").order_by("unit__code").first())
    path = _write(tmp_path, HEADER + f"{commune_code},2023,2.1,100,\n{locked.unit.code},2022,2.1,100,\n")
    before = _counts()
    with pytest.raises(ImportFailed) as exc:
        import_values(path)
    assert [str(e) for e in exc.value.errors] == [
        f"Dòng 3, cột «unit_code» (giá trị «{locked.unit.code}»): hồ sơ năm 2022 của {locked.unit.name} đang ở "
        "trạng thái «Tỉnh đã thẩm định» nên số liệu đã khóa. Bỏ các dòng của hồ sơ này, hoặc đề nghị trả lại / mở "
        "lại hồ sơ (kèm lý do) rồi nhập lại."]
    assert _counts() == before


@pytest.mark.django_db
def test_a_good_file_updates_values_and_results(tmp_path, commune_code):
    path = _write(tmp_path, HEADER + f"{commune_code},2023,2.1,100,đo lại\n{commune_code},2023,10,20,\n")
    result = import_values(path)
    assert (result.created, result.updated, result.unchanged) == (0, 2, 0)
    assessment = Assessment.objects.get(unit__code=commune_code, year=2023, criteria_set__code="xa-ntm-2021-2025")
    assert assessment.values.get(indicator__code="10").value == 20.0
    assert assessment.criteria_met == 18  # income 20 misses the threshold: results refreshed at once
    assert AuditEntry.objects.filter(action="import", object_id=str(assessment.pk)).exists()


@pytest.mark.django_db
def test_a_new_year_creates_the_assessment(tmp_path, commune_code):
    path = _write(tmp_path, HEADER + f"{commune_code},2024,2.1,100,\n")
    result = import_values(path)
    assert result.created == 1
    assessment = Assessment.objects.get(unit__code=commune_code, year=2024)
    assert (assessment.criteria_met, assessment.criteria_unknown, assessment.criteria_failed) == (0, 19, 0)


@pytest.mark.django_db
def test_dry_run_reports_and_writes_nothing(tmp_path, commune_code):
    path = _write(tmp_path, HEADER + f"{commune_code},2023,2.1,99.5,\n{commune_code},2024,2.1,90,\n")
    before = _counts()
    result = import_values(path, dry_run=True)
    assert (result.created, result.updated, result.dry_run) == (1, 1, True)
    assert "Chạy thử: chưa ghi gì" in result.summary()
    assert _counts() == before


BAD_ROWS = [
    ("99999,2023,2.1,90,\n", "99999", [
        "Dòng 2, cột «unit_code» (giá trị «99999»): không có đơn vị hành chính mã 99999 trong năm 2023. "
        "Kiểm tra mã GSO (cấp xã có 5 chữ số) hoặc năm đánh giá."]),
    ("{c},2023,99.9,90,\n", "", ["Dòng 2, cột «indicator_code» (giá trị «99.9»): bộ tiêu chí «xa-ntm-2021-2025» "
                                 "không có chỉ tiêu mã này. Dùng mã như trong tệp mẫu, ví dụ 2.1 hoặc 17.8."]),
    ("{c},2023,2.1,nhiều,\n", "", ["Dòng 2, cột «value» (giá trị «nhiều»): Chỉ tiêu 2.1 cần một số (%); «nhiều» "
                                   "không phải là số. Dùng dấu phẩy cho phần thập phân, ví dụ 85,7."]),
    ("{c},2023,2.1,120,\n", "", ["Dòng 2, cột «value» (giá trị «120»): Chỉ tiêu 2.1 là tỷ lệ phần trăm, phải từ 0 "
                                 "đến 100; «120» nằm ngoài khoảng này."]),
    ("{c},2023,1.1,có lẽ,\n", "", ["Dòng 2, cột «value» (giá trị «có lẽ»): Chỉ tiêu 1.1 nhận «Đạt» hoặc «Không đạt» "
                                   "(1/0, có/không); «có lẽ» không hợp lệ."]),
    ("{c},hai nghìn,2.1,90,\n", "", ["Dòng 2, cột «year» (giá trị «hai nghìn»): năm phải là số có 4 chữ số từ 2010 "
                                     "đến 2100, ví dụ 2023."]),
    ("{c},2019,2.1,90,\n", "", ["Dòng 2, cột «year» (giá trị «2019»): không có bộ tiêu chí xã nông thôn mới nào có "
                                "hiệu lực trong năm 2019. Kiểm tra năm, hoặc ghi rõ mã bộ tiêu chí ở cột «set»."]),
    ("{c},2023,2.1,90,\n{c},2023,2.1,91,\n", "", ["Dòng 3, cột «indicator_code» (giá trị «2.1»): trùng với dòng 2 "
                                                  "(cùng đơn vị, năm và chỉ tiêu). Giữ lại một dòng."]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("rows", "_", "messages"), BAD_ROWS)
def test_each_bad_row_gets_its_exact_message_and_nothing_is_written(tmp_path, commune_code, rows, _, messages):
    # given a file with one good row first, then the bad row(s)
    path = _write(tmp_path, HEADER + f"{commune_code},2023,2.2,99,\n" + rows.replace("{c}", commune_code)
                  .replace("Dòng 2", "Dòng 3"))
    expected = [m.replace("Dòng 3", "Dòng 4").replace("Dòng 2", "Dòng 3").replace("dòng 2", "dòng 3")
                for m in messages]
    before = _counts()
    with pytest.raises(ImportFailed) as exc:
        import_values(path)
    assert [str(e) for e in exc.value.errors] == expected
    assert _counts() == before


@pytest.mark.django_db
def test_every_bad_row_is_reported_not_just_the_first(tmp_path, commune_code):
    rows = f"99999,2023,2.1,90,\n{commune_code},2023,2.1,abc,\n{commune_code},2023,2.1,90,\n"
    path = _write(tmp_path, HEADER + rows)
    with pytest.raises(ImportFailed) as exc:
        import_values(path)
    assert [(e.row, e.column) for e in exc.value.errors] == [(2, "unit_code"), (3, "value")]


@pytest.mark.django_db
@pytest.mark.parametrize(("content", "message"), [
    (b"", "Tệp «values.csv» rỗng. Hãy dùng tệp mẫu và điền dữ liệu."),
    (b"unit_code,year,value\n05431,2023,90\n",
     "Dòng 1, cột «indicator_code»: Thiếu cột «indicator_code». Dòng đầu tiên phải có các cột: unit_code, year, "
     "indicator_code, value (có thể thêm: note, source, set). Cũng có thể dùng tên cột tiếng Việt như trong tệp mẫu: "
     "Mã đơn vị, Năm, Mã chỉ tiêu, Giá trị (có thể thêm: Ghi chú, Nguồn số liệu, Mã bộ tiêu chí)."),
    ("unit_code,year,indicator_code,value\nXã Đại Từ,2023,2.1,90\n".encode("utf-16"),
     "Tệp «values.csv» không phải CSV hoặc XLSX (tệp CSV phải mã UTF-8). Hãy dùng tệp mẫu (.xlsx), hoặc trong Excel "
     "chọn «Lưu thành» → «Sổ làm việc Excel (*.xlsx)» hay «CSV UTF-8 (phân tách bằng dấu phẩy)»."),
    (HEADER.encode(), "Tệp «values.csv» không có dòng dữ liệu nào (chỉ có dòng tiêu đề). Điền dữ liệu từ dòng 2."),
])
def test_malformed_files(tmp_path, content, message):
    path = _write(tmp_path, content)
    before = _counts()
    with pytest.raises(ImportFailed) as exc:
        import_values(path)
    assert [str(e) for e in exc.value.errors] == [message]
    assert _counts() == before


@pytest.mark.django_db
def test_the_command_prints_errors_and_fails(tmp_path):
    path = _write(tmp_path, HEADER + "99999,2023,2.1,90,\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "values", str(path), stderr=err)
    assert "Dòng 2, cột «unit_code»" in err.getvalue()


@pytest.mark.django_db
def test_the_command_dry_run(tmp_path, commune_code):
    path = _write(tmp_path, HEADER + f"{commune_code},2023,2.1,99.5,\n")
    out = io.StringIO()
    call_command("import", "values", str(path), "--dry-run", stdout=out)
    assert "Sẽ tạo mới 0, cập nhật 1, giữ nguyên 0 dòng. (Chạy thử: chưa ghi gì vào cơ sở dữ liệu.)" in out.getvalue()
