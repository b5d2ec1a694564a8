"""CSV import of units: all or nothing, with Vietnamese errors that say how to fix them."""

import datetime as dt
import io
import unicodedata

import pytest
from django.core.management import CommandError, call_command

from nongthonso.audit.models import AuditEntry
from nongthonso.core import registry
from nongthonso.core.imports import ImportFailed
from nongthonso.units.choices import Region
from nongthonso.units.imports import import_units
from nongthonso.units.models import Unit, UnitType
from nongthonso.units.reference import ensure_reference_data

pytestmark = pytest.mark.django_db

HEADER = "code,name,type,parent_code,valid_from,valid_to"
TYPES_HINT = ("Dùng một trong các mã — cấp tỉnh: thanh_pho_tw, tinh; cấp huyện: huyen, quan, "
              "thanh_pho_thuoc_tinh, thanh_pho_thuoc_tp, thi_xa; cấp xã: dac_khu, phuong, thi_tran, xa; "
              "thôn, xóm: ban, thon, to_dan_pho, xom.")
DATE_HINT = "Viết ngày theo dạng 2024-12-01 hoặc 01/12/2024."


@pytest.fixture
def province(db):
    """A test province (code 90) with one district (901), both from 1/1/2020."""
    ensure_reference_data()
    tinh = Unit.objects.create(code="90", name="Tỉnh Thử Nghiệm", unit_type=UnitType.objects.get(code="tinh"),
                               valid_from=dt.date(2020, 1, 1), region=Region.TDMNPB)
    Unit.objects.create(code="901", name="Huyện Núi", unit_type=UnitType.objects.get(code="huyen"),
                        parent=tinh, valid_from=dt.date(2020, 1, 1))
    return tinh


def write(tmp_path, text: str, name: str = "units.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(path, dry_run=False) -> list[str]:
    with pytest.raises(ImportFailed) as exc:
        import_units(path, dry_run=dry_run)
    return [str(e) for e in exc.value.errors]


def test_a_good_file_creates_the_units_with_parents_in_the_file(tmp_path, province):
    # given a district and two communes, one under the new district, with optional columns
    path = write(tmp_path, (
        f"{HEADER},region,dac_biet_kho_khan,atk\n"
        "90001,Xã Suối Hai,xa,901,2024-01-01,,,có,\n"
        "902,Thị xã Đồi,thi_xa,90,01/01/2024,,,,\n"
        "90002,Phường Bến,phuong,902,1/1/2024,31/12/2024,,0,1\n"
    ))
    units_before, audit_before = Unit.objects.count(), AuditEntry.objects.count()
    # when it is imported
    result = import_units(path)
    # then three versions exist, linked and placed in the tree, each with an audit entry
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert result.summary() == "Đã tạo mới 3, cập nhật 0, giữ nguyên 0 dòng."
    assert Unit.objects.count() == units_before + 3
    suoi_hai = Unit.objects.get(code="90001")
    assert (suoi_hai.name, suoi_hai.unit_type.code, suoi_hai.parent.code, suoi_hai.valid_from, suoi_hai.valid_to,
            suoi_hai.dac_biet_kho_khan, suoi_hai.atk) == (
        "Xã Suối Hai", "xa", "901", dt.date(2024, 1, 1), None, True, False)
    ben = Unit.objects.get(code="90002")
    district = Unit.objects.get(code="902")
    assert (ben.parent, ben.valid_to, ben.atk) == (district, dt.date(2024, 12, 31), True)
    assert ben.path == f"/{province.pk}/{district.pk}/{ben.pk}/"
    assert ben.search_text == "phuong ben 90002"
    entries = AuditEntry.objects.order_by("pk")[audit_before:]
    assert [(e.action, e.object_repr) for e in entries] == [
        ("create", "Thị xã Đồi"), ("create", "Xã Suối Hai"), ("create", "Phường Bến")]
    assert entries[1].after["parent"] == "901" and entries[1].note == "Nhập tệp units.csv, dòng 2"


def test_dry_run_reports_the_same_counts_and_writes_nothing(tmp_path, province):
    path = write(tmp_path, f"{HEADER}\n90001,Xã Suối Hai,xa,901,2024-01-01,\n902,Thị xã Đồi,thi_xa,90,2024-01-01,\n")
    before = (Unit.objects.count(), AuditEntry.objects.count())
    result = import_units(path, dry_run=True)
    assert (result.created, result.updated, result.unchanged, result.dry_run) == (2, 0, 0, True)
    assert result.summary() == ("Sẽ tạo mới 2, cập nhật 0, giữ nguyên 0 dòng. "
                                "(Chạy thử: chưa ghi gì vào cơ sở dữ liệu.)")
    assert (Unit.objects.count(), AuditEntry.objects.count()) == before


def test_a_row_with_the_code_and_start_of_an_existing_version_updates_it(tmp_path, province):
    # given a district version from 1/1/2020
    path = write(tmp_path, f"{HEADER}\n901,Huyện Núi Cao,huyen,90,2020-01-01,2024-12-31\n")
    # when a file renames it and ends it
    result = import_units(path)
    # then the version is updated (not duplicated), with before/after in the audit log
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    unit = Unit.objects.get(code="901")
    assert (unit.name, unit.valid_to, unit.search_text) == ("Huyện Núi Cao", dt.date(2024, 12, 31), "huyen nui cao 901")
    entry = AuditEntry.objects.filter(action="update", object_id=str(unit.pk)).get()
    assert (entry.before["name"], entry.after["name"], entry.after["valid_to"]) == (
        "Huyện Núi", "Huyện Núi Cao", "2024-12-31")
    # and importing the same file again changes nothing
    again = import_units(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_moving_a_unit_rewrites_the_paths_below_it(tmp_path, province):
    other = Unit.objects.create(code="91", name="Tỉnh Khác", unit_type=province.unit_type,
                                valid_from=dt.date(2020, 1, 1))
    commune = Unit.objects.create(code="90001", name="Xã Suối", unit_type=UnitType.objects.get(code="xa"),
                                  parent=Unit.objects.get(code="901"), valid_from=dt.date(2020, 1, 1))
    import_units(write(tmp_path, f"{HEADER}\n901,Huyện Núi,huyen,91,2020-01-01,\n"))
    commune.refresh_from_db()
    district = Unit.objects.get(code="901")
    assert district.path == f"/{other.pk}/{district.pk}/"
    assert commune.path == f"/{other.pk}/{district.pk}/{commune.pk}/"


def test_a_malformed_file_gets_every_error_and_writes_nothing(tmp_path, province):
    # given rows with an unknown type, a parent that does not exist, a bad date and a missing parent
    path = write(tmp_path, (
        f"{HEADER}\n"
        "90001,Xã Tốt,xa,901,2024-01-01,\n"
        "90002,Xã Lạ,xa_moi,901,2024-01-01,\n"
        "90003,Xã Mồ Côi,xa,999,1/1/2024,\n"
        "90004,Xã Sai Ngày,xa,901,31/02/2024,\n"
        "90005,Xã Không Cha,xa,,2024-01-01,2023-12-31\n"
    ))
    before = (Unit.objects.count(), AuditEntry.objects.count())
    # when it is imported
    errors = errors_of(path)
    # then every error is reported, each naming row, column, value and the fix, and nothing is written
    assert errors == [
        f"Dòng 3, cột «type» (giá trị «xa_moi»): không có loại đơn vị này. {TYPES_HINT}",
        "Dòng 4, cột «parent_code» (giá trị «999»): không có đơn vị cấp trên mã 999 còn hiệu lực ngày "
        "1/1/2024. Kiểm tra mã hoặc ngày hiệu lực.",
        f"Dòng 5, cột «valid_from» (giá trị «31/02/2024»): ngày không hợp lệ. {DATE_HINT}",
        "Dòng 6, cột «parent_code»: thiếu mã đơn vị cấp trên. Điền mã tỉnh hoặc huyện chứa đơn vị này, "
        "còn hiệu lực ngày 1/1/2024.",
        "Dòng 6, cột «valid_to» (giá trị «2023-12-31»): ngày hết hiệu lực trước ngày bắt đầu hiệu lực "
        "(1/1/2024). Sửa lại, hoặc để trống nếu đơn vị còn hiệu lực.",
    ]
    assert (Unit.objects.count(), AuditEntry.objects.count()) == before


def test_a_dry_run_of_a_malformed_file_reports_the_same_errors(tmp_path, province):
    path = write(tmp_path, f"{HEADER}\n90001,Xã Lạ,lang,901,2024-01-01,\n")
    before = Unit.objects.count()
    assert errors_of(path, dry_run=True) == [
        f"Dòng 2, cột «type» (giá trị «lang»): không có loại đơn vị này. {TYPES_HINT}"]
    assert Unit.objects.count() == before


def test_missing_values_and_bad_optional_columns(tmp_path, province):
    path = write(tmp_path, (
        f"{HEADER},region,dac_biet_kho_khan,atk\n"
        ",,,901,,,XYZ,có lẽ,\n"
    ))
    regions = ", ".join(f"{v} ({label})" for v, label in Region.choices)
    assert errors_of(path) == [
        "Dòng 2, cột «code»: thiếu mã đơn vị. Điền mã GSO của đơn vị (ví dụ 05569).",
        "Dòng 2, cột «name»: thiếu tên đơn vị. Điền tên đầy đủ kèm loại, ví dụ «Xã Vạn Phú».",
        f"Dòng 2, cột «type»: thiếu loại đơn vị. {TYPES_HINT}",
        f"Dòng 2, cột «valid_from»: thiếu ngày bắt đầu hiệu lực. {DATE_HINT}",
        f"Dòng 2, cột «region» (giá trị «XYZ»): không có vùng này. Dùng một trong các mã: {regions}, "
        "hoặc để trống.",
        "Dòng 2, cột «dac_biet_kho_khan» (giá trị «có lẽ»): giá trị không hợp lệ. Điền «có» hoặc «không» "
        "(hoặc 1/0), hoặc để trống.",
    ]


def test_a_units_file_with_the_former_commune_group_column_points_to_the_group_import(tmp_path, province):
    # given a units file as written before groups became dated decisions, with another unknown column too
    path = write(tmp_path, f"{HEADER},commune_group,extra\n90001,Xã A,xa,901,2024-01-01,,3,x\n")
    before = Unit.objects.count()
    # when it is imported, then both columns are refused, the group column with where groups go now
    assert errors_of(path) == [
        "Dòng 1, cột «commune_group»: nhóm xã không còn được nhập cùng đơn vị hành chính. Từ giai đoạn 2026-2030, "
        "nhóm xã (Quyết định 51/2025/QĐ-TTg) do quyết định của UBND tỉnh xếp, có thời hạn áp dụng, nên được nhập "
        "riêng kèm số và ngày quyết định. Xóa cột này khỏi tệp đơn vị, rồi nhập nhóm xã bằng loại dữ liệu «Nhóm "
        "xã» (commune_groups; các cột unit_code, group, valid_from, decision_number, decision_date, authority).",
        "Dòng 1, cột «extra»: Cột «extra» không được hỗ trợ. Xóa cột này hoặc sửa tên cho đúng: code, name, type, "
        "parent_code, valid_from, valid_to, region, dac_biet_kho_khan, atk, lat, lon.",
    ]
    assert Unit.objects.count() == before


def test_parent_level_duplicates_and_overlaps_are_errors(tmp_path, province):
    xa, district = UnitType.objects.get(code="xa"), Unit.objects.get(code="901")
    Unit.objects.create(code="90001", name="Xã Cũ", unit_type=xa, parent=district, valid_from=dt.date(2020, 1, 1))
    Unit.objects.create(code="90003", name="Xã Bên", unit_type=xa, parent=district, valid_from=dt.date(2020, 1, 1))
    path = write(tmp_path, (
        f"{HEADER}\n"
        "90009,Xã Con,xa,90003,2024-01-01,\n"   # a xã under a xã
        "91,Tỉnh Khác,tinh,90,2024-01-01,\n"    # a province with a parent
        "90002,Xã Hai,xa,901,2024-01-01,\n"
        "90002,Xã Hai Bis,xa,901,2024-01-01,\n"  # same code and start as row 4
        "90001,Xã Mới,xa,901,2024-01-01,\n"     # overlaps the open-ended 2020 version
    ))
    before = Unit.objects.count()
    assert errors_of(path) == [
        "Dòng 2, cột «parent_code» (giá trị «90003»): «Xã Bên» là đơn vị cấp xã, không thể là cấp trên của "
        "đơn vị cấp xã. Điền mã đơn vị cấp cao hơn.",
        "Dòng 3, cột «parent_code» (giá trị «90»): đơn vị cấp tỉnh không có cấp trên. Để trống cột này.",
        "Dòng 5, cột «valid_from» (giá trị «2024-01-01»): mã 90002 với ngày bắt đầu hiệu lực này đã có ở "
        "dòng 4. Mỗi phiên bản đơn vị chỉ ghi một dòng.",
        "Dòng 6, cột «valid_from» (giá trị «2024-01-01»): trùng thời gian hiệu lực với phiên bản «Xã Cũ» "
        "cùng mã 90001, hiệu lực 1/1/2020 – nay. Đặt ngày hết hiệu lực cho phiên bản trước, hoặc sửa ngày.",
    ]
    assert Unit.objects.count() == before


def test_a_new_version_is_accepted_when_the_file_ends_the_old_one(tmp_path, province):
    Unit.objects.create(code="90001", name="Xã Cũ", unit_type=UnitType.objects.get(code="xa"),
                        parent=Unit.objects.get(code="901"), valid_from=dt.date(2020, 1, 1))
    path = write(tmp_path, (
        f"{HEADER}\n"
        "90001,Thị trấn Mới,thi_tran,901,2024-01-01,\n"
        "90001,Xã Cũ,xa,901,2020-01-01,2023-12-31\n"
    ))
    result = import_units(path)
    assert (result.created, result.updated) == (1, 1)
    assert list(Unit.objects.filter(code="90001").order_by("valid_from").values_list("name", "valid_to")) == [
        ("Xã Cũ", dt.date(2023, 12, 31)), ("Thị trấn Mới", None)]


def test_a_file_without_a_required_column(tmp_path, province):
    path = write(tmp_path, "code,name,type,parent_code,valid_from\n90001,Xã A,xa,901,2024-01-01\n")
    before = Unit.objects.count()
    assert errors_of(path) == [
        "Dòng 1, cột «valid_to»: Thiếu cột «valid_to». Dòng đầu tiên phải có các cột: code, name, type, "
        "parent_code, valid_from, valid_to (có thể thêm: region, dac_biet_kho_khan, atk, lat, lon)."]
    assert Unit.objects.count() == before


def test_an_empty_file(tmp_path, province):
    path = write(tmp_path, "\n", name="rong.csv")
    before = Unit.objects.count()
    assert errors_of(path) == ["Tệp «rong.csv» rỗng. Hãy dùng tệp mẫu và điền dữ liệu."]
    assert Unit.objects.count() == before


def test_a_file_with_only_the_header(tmp_path, province):
    path = write(tmp_path, HEADER + "\n", name="tieude.csv")
    assert errors_of(path) == [
        "Tệp «tieude.csv» không có dòng dữ liệu nào (chỉ có dòng tiêu đề). Điền dữ liệu từ dòng 2."]


def test_a_file_that_is_not_utf8(tmp_path, province):
    path = tmp_path / "excel.csv"
    # as Excel saves "CSV" on a Vietnamese Windows: code page 1258, tones as combining marks
    text = unicodedata.normalize("NFD", f"{HEADER}\n90001,Xã Suối Hai,xa,901,2024-01-01,\n")
    path.write_bytes(text.encode("cp1258", errors="replace"))
    before = Unit.objects.count()
    assert errors_of(path) == [
        "Tệp «excel.csv» không phải CSV hoặc XLSX (tệp CSV phải mã UTF-8). Hãy dùng tệp mẫu (.xlsx), hoặc trong "
        "Excel chọn «Lưu thành» → «Sổ làm việc Excel (*.xlsx)» hay «CSV UTF-8 (phân tách bằng dấu phẩy)»."]
    assert Unit.objects.count() == before


# --- the command ---------------------------------------------------------------------------------

def test_the_import_command_prints_the_summary(tmp_path, province):
    path = write(tmp_path, f"{HEADER}\n90001,Xã Suối Hai,xa,901,2024-01-01,\n")
    out = io.StringIO()
    call_command("import", "units", str(path), "--dry-run", stdout=out)
    assert out.getvalue().splitlines()[0] == ("Sẽ tạo mới 1, cập nhật 0, giữ nguyên 0 dòng. "
                                               "(Chạy thử: chưa ghi gì vào cơ sở dữ liệu.)")
    assert not Unit.objects.filter(code="90001").exists()
    call_command("import", "units", str(path), stdout=io.StringIO())
    assert Unit.objects.get(code="90001").name == "Xã Suối Hai"
    assert AuditEntry.objects.get(action="create", object_id=str(Unit.objects.get(code="90001").pk)).actor == (
        "nongthonso import units")


def test_the_import_command_prints_every_error_and_fails(tmp_path, province):
    path = write(tmp_path, f"{HEADER}\n90001,Xã A,xa,999,2024-01-01,\n90002,Xã B,xa,901,2024-13-01,\n")
    err = io.StringIO()
    before = Unit.objects.count()
    with pytest.raises(CommandError) as exc:
        call_command("import", "units", str(path), stderr=err)
    assert err.getvalue().splitlines() == [
        "Dòng 2, cột «parent_code» (giá trị «999»): không có đơn vị cấp trên mã 999 còn hiệu lực ngày "
        "1/1/2024. Kiểm tra mã hoặc ngày hiệu lực.",
        f"Dòng 3, cột «valid_from» (giá trị «2024-13-01»): ngày không hợp lệ. {DATE_HINT}",
    ]
    assert str(exc.value) == "Không nhập được: 2 lỗi. Chưa ghi gì vào cơ sở dữ liệu."
    assert exc.value.returncode == 1
    assert Unit.objects.count() == before


def test_kinds_not_available_exit_with_status_2(tmp_path):
    with pytest.raises(CommandError) as exc:
        call_command("import", "khac", str(tmp_path / "x.csv"))
    # the registered kinds, in order (another app's, registered later, after these)
    assert str(exc.value).startswith("Loại dữ liệu «khac» không hợp lệ. Dùng một trong: values, decisions, "
                                     "registrations, commune_groups, units")
    assert exc.value.returncode == 2


def test_each_kind_is_dispatched_to_its_apps_importer():
    from nongthonso.assessments.imports import import_values

    assert registry.get(registry.ImportKind, "values").run is import_values
    assert registry.get(registry.ImportKind, "units").run is import_units
