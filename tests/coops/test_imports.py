"""The imports ``coops`` and ``members``: all rows or nothing, Vietnamese errors naming row, column, value and fix,
scope-checked row by row, audited, capital movements recorded once, XLSX with Vietnamese headers, dry runs."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from nongthonso.audit.models import AuditEntry
from nongthonso.coops import imports
from nongthonso.coops.models import Contribution, Cooperative, Member
from nongthonso.core.imports import ImportFailed

from .registry_world import registry_world  # noqa: F401  (the fixture «registry»)

pytestmark = pytest.mark.django_db
COOP_HEADER = ["registration_code", "name", "commune_code", "sector", "legal_form", "charter_capital"]
MEMBER_HEADER = ["registration_code", "member_code", "name", "kind", "joined_on", "status", "left_on",
                 "capital_amount", "capital_date"]


def _csv(tmp_path, header, rows, name="tep.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_coops_are_created_then_updated_and_audited(registry, tmp_path):
    vp = registry["van_phu"].code
    path = _csv(tmp_path, COOP_HEADER, [["4607000200", "HTX rau Vạn Phú", vp, "Trồng trọt", "", "100.000.000"],
                                        ["4607000001", "Hợp tác xã chè Vạn Phú", vp, "trong_trot", "", ""]])
    result = imports.run_coops(path, user=registry["officer_vp"])
    assert (result.created, result.updated, result.unchanged) == (1, 0, 1)
    new = Cooperative.objects.get(registration_code="4607000200")
    assert (new.sector, new.charter_capital, new.unit) == ("trong_trot", Decimal(100_000_000), registry["van_phu"])
    assert AuditEntry.objects.filter(model="coops.cooperative", object_id=str(new.pk), action="create").exists()
    renamed = _csv(tmp_path, COOP_HEADER, [["4607000200", "HTX rau an toàn Vạn Phú", vp, "trong_trot", "", ""]])
    assert imports.run_coops(renamed, user=registry["officer_vp"]).updated == 1
    assert AuditEntry.objects.get(model="coops.cooperative", object_id=str(new.pk), action="update").after == {
        "name": "HTX rau an toàn Vạn Phú", "charter_capital": None}


def test_a_bad_coops_file_writes_nothing_and_says_where_and_how(registry, tmp_path):
    lv, vp = registry["lam_vy"].code, registry["van_phu"].code
    path = _csv(tmp_path, COOP_HEADER, [["4607000300", "HTX mới", vp, "trong_trot", "", ""],
                                        ["4607000301", "HTX khác xã", lv, "trong_trot", "", ""],
                                        ["4607000302", "", "99999", "cay an qua", "cong ty", "ba muoi"],
                                        ["4607000300", "HTX trùng", vp, "trong_trot", "", ""]])
    before = Cooperative.objects.count()
    with pytest.raises(ImportFailed) as failed:
        imports.run_coops(path, user=registry["officer_vp"])
    text = str(failed.value)
    assert Cooperative.objects.count() == before
    for expected in ("Dòng 3, cột «commune_code»", "nằm ngoài phạm vi bạn quản lý", "Dòng 4, cột «name»",
                     "Dòng 4, cột «commune_code» (giá trị «99999»)", "Dòng 4, cột «sector» (giá trị «cay an qua»)",
                     "Dòng 4, cột «legal_form»", "Dòng 4, cột «charter_capital»", "Dòng 5, cột «registration_code»",
                     "trùng với dòng 2"):
        assert expected in text, expected


def test_a_manager_may_not_import_coops_but_imports_their_members(registry, tmp_path):
    path = _csv(tmp_path, COOP_HEADER, [["4607000400", "HTX", registry["van_phu"].code, "trong_trot", "", ""]])
    with pytest.raises(ImportFailed, match="Chỉ Văn phòng Điều phối NTM"):
        imports.run_coops(path, user=registry["manager_vp"])
    members = _csv(tmp_path, MEMBER_HEADER, [
        ["4607000001", "TV010", "Phạm Văn Giang", "Cá nhân", "01/02/2025", "", "", "10.000.000", "01/02/2025"],
        ["4607000001", "TV001", "Nguyễn Văn An", "ca_nhan", "2020-03-01", "", "", "", ""],
        ["4607000002", "TV020", "Ngoài phạm vi", "ca_nhan", "2025-02-01", "", "", "", ""]])
    with pytest.raises(ImportFailed) as failed:
        imports.run_members(members, user=registry["manager_vp"])
    assert "Dòng 4, cột «registration_code» (giá trị «4607000002»): bạn không quản lý hồ sơ" in str(failed.value)
    assert not Member.objects.filter(code="TV010").exists()


def test_members_and_capital_movements_are_recorded_once(registry, tmp_path):
    rows = [["4607000001", "TV010", "Phạm Văn Giang", "Cá nhân", "01/02/2025", "", "", "10.000.000", "01/02/2025"],
            ["4607000001", "TV001", "Nguyễn Văn An", "ca_nhan", "2020-03-01", "", "", "", ""],
            ["4607000001", "TV002", "Hộ Trần Thị Bình", "ho_gia_dinh", "2021-01-05", "left", "2025-06-30",
             "-15000000", "2025-06-30"]]
    path = _csv(tmp_path, MEMBER_HEADER, rows)
    dry = imports.run_members(path, dry_run=True, user=registry["manager_vp"])
    assert (dry.created, dry.updated, dry.unchanged) == (1, 1, 1)
    assert not Member.objects.filter(code="TV010").exists()
    imports.run_members(path, user=registry["manager_vp"])
    giang = Member.objects.get(cooperative=registry["vp"], code="TV010")
    assert sum(c.amount for c in giang.contributions.all()) == Decimal(10_000_000)
    registry["binh"].refresh_from_db()
    assert registry["binh"].status == "left"
    assert sum(Contribution.objects.filter(member=registry["binh"]).values_list("amount", flat=True)) == 0
    again = imports.run_members(path, user=registry["manager_vp"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Contribution.objects.filter(member=giang).count() == 1
    assert AuditEntry.objects.filter(model="coops.contribution").count() == 2


def test_bad_member_rows_name_the_fix(registry, tmp_path):
    path = _csv(tmp_path, MEMBER_HEADER, [
        ["4607009999", "TV1", "A", "ca_nhan", "2025-01-01", "", "", "", ""],
        ["4607000001", "TV 2", "", "nguoi", "31/02/2025", "left", "", "abc", ""]])
    with pytest.raises(ImportFailed) as failed:
        imports.run_members(path, user=registry["officer_vp"])
    text = str(failed.value)
    for expected in ("Dòng 2, cột «registration_code» (giá trị «4607009999»): không có hợp tác xã",
                     "Dòng 3, cột «member_code»", "Dòng 3, cột «name»", "Dòng 3, cột «kind» (giá trị «nguoi»)",
                     "Dòng 3, cột «joined_on» (giá trị «31/02/2025»)", "Dòng 3, cột «left_on»",
                     "Dòng 3, cột «capital_amount» (giá trị «abc»)"):
        assert expected in text, expected


def test_the_commands_take_xlsx_with_vietnamese_headers(registry, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã số hợp tác xã", "Tên hợp tác xã", "Mã xã", "Lĩnh vực"])
    sheet.append(["4607000500", "HTX gạo Lam Vỹ", registry["lam_vy"].code, "Nông nghiệp tổng hợp"])
    path = tmp_path / "htx.xlsx"
    book.save(path)
    out = io.StringIO()
    call_command("import", "coops", str(path), "--dry-run", stdout=out)
    assert "Sẽ tạo mới 1" in out.getvalue() and not Cooperative.objects.filter(registration_code="4607000500").exists()
    call_command("import", "coops", str(path), stdout=io.StringIO())
    members = _csv(tmp_path, MEMBER_HEADER, [["4607000500", "TV001", "Lý Văn Hải", "ca_nhan", "2025-03-01", "", "",
                                              "5000000", "2025-03-01"]])
    call_command("import", "members", str(members), stdout=io.StringIO())
    assert Member.objects.get(cooperative__registration_code="4607000500").contributions.count() == 1
