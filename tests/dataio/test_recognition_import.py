"""``import decisions`` and ``import registrations`` (CSV and XLSX): good files, each bad row's exact message
with nothing written, and the scope of a web user."""

from __future__ import annotations

import datetime as dt

import pytest

from nongthonso.accounts.models import Role
from nongthonso.recognition.imports import import_decisions, import_registrations
from nongthonso.recognition.models import Decision, Registration
from nongthonso.recognition.services import status_on
from nongthonso.units.models import Unit

pytestmark = pytest.mark.django_db
DECISION = ["number", "date", "authority", "kind", "level", "for_year", "unit_codes", "note"]
REGISTRATION = ["unit_code", "target_level", "target_year", "registered_on", "note"]
AS_OF = dt.date(2023, 6, 30)
DAI_TU = "171"


def communes(n: int = 2) -> list[Unit]:
    """Rural communes of Đại Từ not recognised on 30/6/2023."""
    district = Unit.objects.valid_on(AS_OF).get(code=DAI_TU, unit_type__level__code="huyen")
    found = [c for c in Unit.objects.valid_on(AS_OF).within(district).rural_communes().order_by("code")
             if not status_on(c, AS_OF).levels]
    return found[:n]



@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_decisions_file_records_the_decisions_and_the_status_follows(tmp_path, fmt, write_table):
    a, b = communes()
    path = write_table(tmp_path, "quyet-dinh", [
        DECISION, ["999/QĐ-UBND", "15/07/2023", "UBND tỉnh Thái Nguyên", "Công nhận", "Xã đạt chuẩn nông thôn mới",
                   2023, f"{a.code}; {b.code}", "nhập thử"]], fmt)
    preview = import_decisions(path, dry_run=True)
    assert (preview.created, preview.updated, preview.unchanged) == (1, 0, 0)
    assert preview.changes[0].what == "Quyết định 999/QĐ-UBND ngày 15/7/2023"
    result = import_decisions(path)
    assert result.created == 1
    decision = Decision.objects.get(number="999/QĐ-UBND")
    assert (decision.date, decision.kind, decision.level, decision.for_year, decision.note) == (
        dt.date(2023, 7, 15), "recognition", "xa_ntm", 2023, "nhập thử")
    assert {u.code for u in decision.units.all()} == {a.code, b.code}
    assert status_on(a, dt.date(2023, 7, 31)).holds("xa_ntm") and not status_on(a, AS_OF).levels
    # the same file again changes nothing; a changed authority updates the decision
    assert import_decisions(path).unchanged == 1
    path = write_table(tmp_path, "quyet-dinh-2", [
        DECISION, ["999/QĐ-UBND", "2023-07-15", "Chủ tịch UBND tỉnh", "recognition", "xa_ntm", 2023, a.code,
                   "nhập thử"]], fmt)
    assert import_decisions(path).updated == 1
    decision.refresh_from_db()
    assert decision.authority == "Chủ tịch UBND tỉnh" and [u.code for u in decision.units.all()] == [a.code]


BAD_DECISIONS = [
    (["", "2023-07-15", "UBND tỉnh", "recognition", "xa_ntm", "", "{a}"],
     ["Dòng 2, cột «number»: thiếu số, ký hiệu quyết định. Điền như trên văn bản, ví dụ 567/QĐ-UBND."]),
    (["1/QĐ", "31/02/2023", "UBND tỉnh", "recognition", "xa_ntm", "", "{a}"],
     ["Dòng 2, cột «date» (giá trị «31/02/2023»): ngày ban hành không hợp lệ. Viết ngày theo dạng 2024-12-01 hoặc "
      "01/12/2024."]),
    (["1/QĐ", "2023-07-15", "UBND tỉnh", "gia hạn", "xa_ntm", "", "{a}"],
     ["Dòng 2, cột «kind» (giá trị «gia hạn»): loại quyết định không hợp lệ. Điền «Công nhận» (recognition) hoặc "
      "«Thu hồi» (revocation)."]),
    (["1/QĐ", "2023-07-15", "UBND tỉnh", "recognition", "xa_ntm", "năm nay", "{a}"],
     ["Dòng 2, cột «for_year» (giá trị «năm nay»): năm công nhận phải là số có 4 chữ số từ 2000 đến 2100, ví dụ "
      "2023; hoặc để trống."]),
    (["1/QĐ", "2023-07-15", "UBND tỉnh", "recognition", "xa_ntm", "", "{a};99999;99998"],
     ["Dòng 2, cột «unit_codes» (giá trị «{a};99999;99998»): không có đơn vị hành chính mã 99999, 99998 còn hiệu "
      "lực ngày 15/7/2023. Kiểm tra mã GSO hoặc ngày ban hành."]),
    (["1/QĐ", "2023-07-15", "UBND tỉnh", "recognition", "huyen_ntm", "", "{a}"],
     ["Dòng 2, cột «unit_codes» (giá trị «{a}»): mức «Huyện đạt chuẩn nông thôn mới» chỉ dành cho đơn vị cấp "
      "huyện, nhưng {name} ({a}) không phải. Sửa mã đơn vị hoặc mức công nhận."]),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("row", "messages"), BAD_DECISIONS)
def test_each_bad_decision_row_gets_its_exact_message(tmp_path, fmt, row, messages, write_table, import_errors):
    (a,) = communes(1)
    path = write_table(tmp_path, "quyet-dinh", [DECISION[:-1], [c.replace("{a}", a.code) for c in row]], fmt)
    assert import_errors(import_decisions, path) == [m.replace("{a}", a.code).replace("{name}", a.name)
                                                     for m in messages]


def test_an_unknown_level_lists_the_levels(tmp_path, write_table, import_errors):
    (a,) = communes(1)
    path = write_table(tmp_path, "qd", [DECISION[:-1], ["1/QĐ", "2023-07-15", "UBND", "", "ntm", "", a.code]], "csv")
    (message,) = import_errors(import_decisions, path)
    assert message.startswith("Dòng 2, cột «level» (giá trị «ntm»): không có mức công nhận này. Dùng một trong: "
                              "xa_ntm (Xã đạt chuẩn nông thôn mới); ")


def test_a_decision_twice_in_the_file(tmp_path, write_table, import_errors):
    a, b = communes()
    row = ["5/QĐ", "2023-07-15", "UBND tỉnh", "recognition", "xa_ntm", "2023"]
    path = write_table(tmp_path, "qd", [DECISION[:-1], [*row, a.code], [*row, b.code]], "csv")
    assert import_errors(import_decisions, path) == [
        "Dòng 3, cột «number» (giá trị «5/QĐ»): trùng với dòng 2 (cùng số và ngày ban hành). Mỗi quyết định chỉ ghi "
        "một dòng; ghi mọi đơn vị của quyết định ở cột «unit_codes»."]


def test_decisions_need_the_province_office(tmp_path, make_user, write_table, import_errors):
    (a,) = communes(1)
    district = Unit.objects.valid_on(AS_OF).get(code=DAI_TU, unit_type__level__code="huyen")
    province = Unit.objects.valid_on(AS_OF).get(code="19", unit_type__level__code="tinh")
    path = write_table(tmp_path, "qd", [DECISION[:-1], ["7/QĐ", "2023-07-15", "UBND tỉnh", "", "xa_ntm", "", a.code]],
                       "csv")
    office = make_user("vp-huyen", Role.DISTRICT_OFFICE, district)
    assert import_errors(import_decisions, path, user=office) == [
        f"Dòng 2, cột «unit_codes» (giá trị «{a.code}»): {a.name}: bạn không được nhập quyết định công nhận của "
        f"{a.name[0].lower()}{a.name[1:]}. Việc này do Văn phòng Điều phối NTM tỉnh phụ trách đơn vị thực hiện; bỏ "
        "dòng này."]
    assert import_decisions(path, user=make_user("vp-tinh", Role.PROVINCE_OFFICE, province)).created == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_registrations(tmp_path, fmt, write_table):
    a, b = communes()
    path = write_table(tmp_path, "dang-ky", [
        REGISTRATION, [a.code, "xa_ntm", 2025, "10/01/2024", ""], [b.code, "Xã đạt chuẩn nông thôn mới nâng cao", 2026,
                                                                  dt.date(2024, 1, 12), "ghi chú"]], fmt)
    result = import_registrations(path)
    assert (result.created, result.updated) == (2, 0)
    assert Registration.objects.get(unit=b, target_year=2026).target_level == "xa_ntm_nang_cao"
    path = write_table(tmp_path, "dang-ky-2", [REGISTRATION, [a.code, "xa_ntm", 2025, "2024-02-01", ""]], fmt)
    assert import_registrations(path).updated == 1
    assert Registration.objects.get(unit=a, target_year=2025).registered_on == dt.date(2024, 2, 1)


BAD_REGISTRATIONS = [
    (["99999", "xa_ntm", "2025", "2024-01-10"],
     ["Dòng 2, cột «unit_code» (giá trị «99999»): không có đơn vị hành chính mã 99999 còn hiệu lực ngày 10/1/2024. "
      "Kiểm tra mã GSO hoặc ngày đăng ký."]),
    (["{a}", "xa_ntm", "2025", "ngày mai"],
     ["Dòng 2, cột «registered_on» (giá trị «ngày mai»): ngày đăng ký không hợp lệ. Viết ngày theo dạng 2024-12-01 "
      "hoặc 01/12/2024."]),
    (["{a}", "xa_ntm", "25", "2024-01-10"],
     ["Dòng 2, cột «target_year» (giá trị «25»): năm phấn đấu đạt chuẩn phải là số có 4 chữ số từ 2000 đến 2100, "
      "ví dụ 2025."]),
    (["{a}", "xa_ntm", "2023", "2024-01-10"],
     ["Dòng 2, cột «registered_on» (giá trị «2024-01-10»): ngày đăng ký (10/1/2024) sau năm phấn đấu đạt chuẩn 2023. "
      "Sửa ngày đăng ký hoặc năm phấn đấu."]),
    (["{a}", "huyen_ntm", "2025", "2024-01-10"],
     ["Dòng 2, cột «unit_code» (giá trị «{a}»): mức «Huyện đạt chuẩn nông thôn mới» chỉ dành cho đơn vị cấp huyện, "
      "nhưng {name} ({a}) không phải. Sửa mã đơn vị hoặc mức công nhận."]),
]


@pytest.mark.parametrize(("row", "messages"), BAD_REGISTRATIONS)
def test_each_bad_registration_row_gets_its_exact_message(tmp_path, row, messages, write_table, import_errors):
    (a,) = communes(1)
    path = write_table(tmp_path, "dk", [REGISTRATION[:-1], [c.replace("{a}", a.code) for c in row]], "xlsx")
    assert import_errors(import_registrations, path) == [m.replace("{a}", a.code).replace("{name}", a.name)
                                                  for m in messages]


def test_a_registration_twice_and_the_scope(tmp_path, make_user, write_table, import_errors):
    (a,) = communes(1)
    row = [a.code, "xa_ntm", "2025", "2024-01-10"]
    path = write_table(tmp_path, "dk", [REGISTRATION[:-1], row, row], "csv")
    assert import_errors(import_registrations, path) == [
        f"Dòng 3, cột «unit_code» (giá trị «{a.code}»): trùng với dòng 2 (cùng đơn vị, mức và năm phấn đấu). Giữ lại "
        "một dòng."]
    path = write_table(tmp_path, "dk1", [REGISTRATION[:-1], row], "csv")
    officer = make_user("can-bo", Role.COMMUNE_OFFICER, a)
    (message,) = import_errors(import_registrations, path, user=officer)
    assert message == (f"Dòng 2, cột «unit_code» (giá trị «{a.code}»): Bạn không được nhập đăng ký đạt chuẩn của "
                       f"{a.name[0].lower()}{a.name[1:]}. Việc này do Văn phòng Điều phối NTM huyện hoặc tỉnh phụ "
                       "trách đơn vị thực hiện; bỏ dòng này.")
    district = Unit.objects.valid_on(AS_OF).get(code=DAI_TU, unit_type__level__code="huyen")
    assert import_registrations(path, user=make_user("vp-huyen", Role.DISTRICT_OFFICE, district)).created == 1
