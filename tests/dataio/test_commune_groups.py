"""``import commune_groups`` and ``export commune_groups`` (CSV and XLSX): the provincial decisions that put communes
in the groups of Decision 51/2025/QĐ-TTg, as dated facts — good files, history kept (a new decision ends the
previous assignment), each bad row's exact message with nothing written, who may import, the round trip, and the
assessments evaluated again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from nongthonso.accounts.models import Role
from nongthonso.assessments.evaluation import evaluate_assessment
from nongthonso.assessments.models import Assessment
from nongthonso.audit.models import AuditEntry
from nongthonso.core.imports import ImportFailed
from nongthonso.core.text import format_date
from nongthonso.criteria.models import CriteriaSet
from nongthonso.dataio import exports
from nongthonso.recognition.group_imports import import_commune_groups
from nongthonso.units.models import CommuneGroupAssignment, Unit

pytestmark = pytest.mark.django_db
HEADER = ["unit_code", "group", "valid_from", "decision_number", "decision_date", "authority"]
TODAY = dt.date(2026, 7, 1)
NEW_FROM = dt.date(2025, 7, 1)
AUTHORITY = "UBND tỉnh Thái Nguyên"
DATE_HINT = "Viết ngày theo dạng 2024-12-01 hoặc 01/12/2024."


@pytest.fixture
def province() -> Unit:
    """Thái Nguyên since 1/7/2025 (two tiers: communes directly under the province)."""
    return Unit.objects.get(code="19", valid_from=NEW_FROM)


@pytest.fixture
def communes(province) -> list[Unit]:
    """Three rural communes of the new province, by code, none grouped yet (the demo's groups are set aside)."""
    CommuneGroupAssignment.objects.all().delete()
    return list(Unit.objects.filter(parent=province, unit_type__is_rural=True).order_by("code")[:3])


def state() -> tuple:
    """What a commune-groups import may write: assignments (with every field) and audit entries."""
    return (list(CommuneGroupAssignment.objects.order_by("pk").values_list(
        "unit_id", "group", "valid_from", "valid_to", "decision_number", "decision_date", "authority", "note")),
        AuditEntry.objects.count())


def errors_of(path, **kwargs) -> list[str]:
    before = state()
    with pytest.raises(ImportFailed) as exc:
        import_commune_groups(path, **kwargs)
    assert state() == before
    return [str(e) for e in exc.value.errors]


def ended_commune() -> Unit:
    """A commune whose code no unit in force after 30/6/2025 bears (merged into another on 1/7/2025)."""
    reused = Unit.objects.filter(valid_to__isnull=True).values("code")
    return (Unit.objects.filter(valid_to=dt.date(2025, 6, 30), unit_type__is_rural=True).exclude(code__in=reused)
            .order_by("code").first())


def assign(unit: Unit, group: int, start: dt.date, end: dt.date | None = None, number: str = "1/QĐ-UBND"):
    return CommuneGroupAssignment.objects.create(unit=unit, group=group, valid_from=start, valid_to=end,
                                                 decision_number=number, decision_date=start, authority=AUTHORITY)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_groups_file_records_each_communes_group_with_its_decision(tmp_path, communes, fmt, write_table):
    a, b, _ = communes
    path = write_table(tmp_path, "nhom-xa", [
        HEADER, [a.code, 3, "15/2/2026", "120/QĐ-UBND", "10/2/2026", AUTHORITY],
        [b.code, "Nhóm 2", "2026-02-15", "120/QĐ-UBND", "2026-02-10", AUTHORITY]], fmt)
    # a dry run previews and writes nothing
    before = state()
    preview = import_commune_groups(path, dry_run=True)
    assert state() == before
    assert (preview.created, preview.updated, preview.unchanged) == (2, 0, 0)
    assert [(c.row, c.action, c.what, c.before, c.after) for c in preview.changes] == [
        (2, "create", f"{a.name} ({a.code}) · nhóm xã từ 15/2/2026", "",
         "nhóm 3 từ 15/2/2026 đến nay, quyết định 120/QĐ-UBND ngày 10/2/2026"),
        (3, "create", f"{b.name} ({b.code}) · nhóm xã từ 15/2/2026", "",
         "nhóm 2 từ 15/2/2026 đến nay, quyết định 120/QĐ-UBND ngày 10/2/2026")]
    # the import records both, each audited
    result = import_commune_groups(path)
    assert result.summary() == "Đã tạo mới 2, cập nhật 0, giữ nguyên 0 dòng." and result.messages == []
    assert list(CommuneGroupAssignment.objects.filter(unit__in=[a, b]).order_by("unit__code").values_list(
        "unit_id", "group", "valid_from", "valid_to", "decision_number", "decision_date", "authority")) == [
        (a.pk, 3, dt.date(2026, 2, 15), None, "120/QĐ-UBND", dt.date(2026, 2, 10), AUTHORITY),
        (b.pk, 2, dt.date(2026, 2, 15), None, "120/QĐ-UBND", dt.date(2026, 2, 10), AUTHORITY)]
    entries = list(AuditEntry.objects.filter(model="units.communegroupassignment").order_by("pk"))
    assert [(e.action, e.note) for e in entries] == [("create", f"Nhập tệp nhom-xa.{fmt}, dòng 2"),
                                                     ("create", f"Nhập tệp nhom-xa.{fmt}, dòng 3")]
    assert entries[0].after == {"unit": a.code, "unit_id": a.pk, "group": 3, "valid_from": "2026-02-15",
                                "valid_to": None, "decision_number": "120/QĐ-UBND", "decision_date": "2026-02-10",
                                "authority": AUTHORITY, "note": ""}
    # the same file again changes nothing
    again = import_commune_groups(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_new_decision_ends_the_previous_group_the_day_before_and_keeps_it(tmp_path, communes, write_table):
    a = communes[0]
    first = assign(a, 2, dt.date(2026, 2, 15), number="120/QĐ-UBND")
    path = write_table(tmp_path, "nhom-moi", [
        [*HEADER, "note"], [a.code, 1, "1/1/2027", "45/QĐ-UBND", "20/12/2026", AUTHORITY, "đô thị hóa"]], "csv")
    preview = import_commune_groups(path, dry_run=True)
    assert (preview.created, preview.updated, preview.unchanged) == (1, 0, 0)
    assert preview.messages == ["Kết thúc 1 lần xếp nhóm trước (đến ngày liền trước ngày áp dụng nhóm mới)."]
    assert [(c.row, c.action, c.before, c.after) for c in preview.changes] == [
        (2, "update", "nhóm 2 từ 15/2/2026 đến nay, quyết định 120/QĐ-UBND ngày 15/2/2026",
         "nhóm 2 từ 15/2/2026 đến 31/12/2026, quyết định 120/QĐ-UBND ngày 15/2/2026"),
        (2, "create", "", "nhóm 1 từ 1/1/2027 đến nay, quyết định 45/QĐ-UBND ngày 20/12/2026")]
    import_commune_groups(path)
    assert list(CommuneGroupAssignment.objects.filter(unit=a).order_by("valid_from").values_list(
        "group", "valid_from", "valid_to", "decision_number", "note")) == [
        (2, dt.date(2026, 2, 15), dt.date(2026, 12, 31), "120/QĐ-UBND", ""),
        (1, dt.date(2027, 1, 1), None, "45/QĐ-UBND", "đô thị hóa")]
    closing = AuditEntry.objects.get(model="units.communegroupassignment", object_id=str(first.pk))
    assert (closing.action, closing.before["valid_to"], closing.after["valid_to"], closing.note) == (
        "update", None, "2026-12-31",
        "Nhập tệp nhom-moi.csv, dòng 2 (quyết định 45/QĐ-UBND xếp nhóm mới từ 1/1/2027)")


def test_every_bad_row_is_named_with_its_fix_and_nothing_is_written(tmp_path, province, communes, write_table):
    a, b, c = communes
    assign(b, 2, dt.date(2026, 2, 15), dt.date(2026, 12, 31), number="120/QĐ-UBND")
    assign(b, 1, dt.date(2027, 1, 1), number="45/QĐ-UBND")
    old = ended_commune()
    ward = Unit.objects.filter(parent=province, unit_type__code="phuong").order_by("code").first()
    path = write_table(tmp_path, "nhom-loi", [
        [*HEADER, "valid_to"],
        ["99999", 2, "2026-02-15", "1/QĐ-UBND", "2026-02-10", AUTHORITY, ""],               # 2 unknown code
        [old.code, 2, "2026-02-15", "1/QĐ-UBND", "2026-02-10", AUTHORITY, ""],             # 3 not in force then
        [ward.code, 2, "2026-02-15", "1/QĐ-UBND", "2026-02-10", AUTHORITY, ""],            # 4 a ward
        [a.code, 4, "2026-02-30", "", "", AUTHORITY, "2026-01-01"],                        # 5 group, dates, decision
        [b.code, 3, "2026-06-01", "2/QĐ-UBND", "2026-05-20", AUTHORITY, "2026-12-31"],     # 6 inside a closed one
        [c.code, 3, "2026-02-15", "3/QĐ-UBND", "2026-02-10", AUTHORITY, "2026-12-31"],
        [c.code, 2, "2026-06-01", "4/QĐ-UBND", "2026-05-20", AUTHORITY, ""],               # 8 overlaps row 7
        [c.code, 1, "15/02/2026", "3/QĐ-UBND", "2026-02-10", AUTHORITY, ""],               # 9 same as row 7
        [a.code, 1, "2026-03-01", "5/QĐ-UBND", "2026-02-20", AUTHORITY, "2026-02-01"],     # 10 ends before it starts
    ], "csv")
    old_spans = "; ".join(f"«{u.name}» {format_date(u.valid_from)} – {format_date(u.valid_to)}"
                          for u in Unit.objects.filter(code=old.code).order_by("valid_from"))
    assert errors_of(path) == [
        "Dòng 2, cột «unit_code» (giá trị «99999»): không có đơn vị hành chính mã 99999. Kiểm tra mã GSO (cấp xã "
        "có 5 chữ số).",
        f"Dòng 3, cột «unit_code» (giá trị «{old.code}»): xã mã {old.code} không có hiệu lực ngày 15/2/2026 (các "
        f"thời kỳ của mã này: {old_spans}). Nhóm xã chỉ xếp cho xã đang có hiệu lực: sửa ngày bắt đầu áp dụng "
        "(valid_from) hoặc mã xã.",
        f"Dòng 4, cột «unit_code» (giá trị «{ward.code}»): «{ward.name}» là phường, không phải xã; nhóm xã theo "
        "Quyết định 51/2025/QĐ-TTg chỉ áp dụng cho xã. Bỏ dòng này hoặc sửa mã xã.",
        "Dòng 5, cột «group» (giá trị «4»): nhóm xã không hợp lệ. Điền 1, 2 hoặc 3 (Quyết định 51/2025/QĐ-TTg: 1 — "
        "xã ven đô thị, định hướng đô thị hóa hoặc nông nghiệp dưới 10% cơ cấu kinh tế; 3 — xã khu vực II, III "
        "vùng đồng bào dân tộc thiểu số và miền núi; 2 — các xã còn lại).",
        f"Dòng 5, cột «valid_from» (giá trị «2026-02-30»): ngày bắt đầu áp dụng không hợp lệ. {DATE_HINT}",
        "Dòng 5, cột «decision_number»: thiếu số quyết định xếp nhóm xã. Điền số, ký hiệu quyết định của UBND "
        "tỉnh như trên văn bản, ví dụ 1234/QĐ-UBND.",
        f"Dòng 5, cột «decision_date»: thiếu ngày ban hành quyết định xếp nhóm xã. {DATE_HINT}",
        "Dòng 6, cột «valid_from» (giá trị «2026-06-01»): trùng thời gian áp dụng với việc xếp nhóm 2 từ "
        "15/2/2026 đến 31/12/2026, quyết định 120/QĐ-UBND ngày 15/2/2026. Mỗi xã chỉ thuộc một nhóm tại một thời "
        "điểm: sửa ngày bắt đầu hoặc ngày hết áp dụng (valid_to) cho khỏi chồng lên nhau.",
        "Dòng 8, cột «valid_from» (giá trị «2026-06-01»): trùng thời gian áp dụng với việc xếp nhóm 3 từ "
        "15/2/2026 đến 31/12/2026, quyết định 3/QĐ-UBND ngày 10/2/2026 (dòng 7). Mỗi xã chỉ thuộc một nhóm tại "
        "một thời điểm: sửa ngày bắt đầu hoặc ngày hết áp dụng (valid_to) cho khỏi chồng lên nhau.",
        "Dòng 9, cột «valid_from» (giá trị «15/02/2026»): trùng với dòng 7 (cùng xã và ngày bắt đầu áp dụng). "
        "Giữ lại một dòng.",
        "Dòng 10, cột «valid_to» (giá trị «2026-02-01»): ngày hết áp dụng trước ngày bắt đầu áp dụng (1/3/2026). "
        "Sửa lại, hoặc để trống nếu nhóm xã còn áp dụng.",
    ]


def test_only_the_province_office_imports_groups(tmp_path, province, communes, make_user, write_table):
    a = communes[0]
    path = write_table(tmp_path, "nhom", [HEADER, [a.code, 3, "2026-02-15", "1/QĐ-UBND", "2026-02-10", AUTHORITY]],
                       "csv")
    officer = make_user("can-bo-xa", Role.COMMUNE_OFFICER, a)
    assert errors_of(path, user=officer) == [
        "Chỉ Văn phòng Điều phối NTM tỉnh (hoặc quản trị hệ thống) được nhập quyết định xếp nhóm xã. Gửi tệp cho "
        "Văn phòng Điều phối NTM tỉnh, hoặc chọn loại dữ liệu khác."]
    office = make_user("vp-tinh", Role.PROVINCE_OFFICE, province)
    assert import_commune_groups(path, user=office).created == 1
    entry = AuditEntry.objects.get(model="units.communegroupassignment")
    assert (entry.user, entry.actor) == (office, "vp-tinh")


def test_a_province_office_may_not_import_another_provinces_communes(tmp_path, province, communes, make_user,
                                                                     write_table):
    from nongthonso.units.models import UnitType

    other = Unit.objects.create(code="T07", name="Tỉnh Thử", unit_type=UnitType.objects.get(code="tinh"),
                                valid_from=NEW_FROM, synthetic=True)
    office = make_user("vp-tinh-khac", Role.PROVINCE_OFFICE, other)
    a = communes[0]
    path = write_table(tmp_path, "nhom", [HEADER, [a.code, 3, "2026-02-15", "1/QĐ-UBND", "2026-02-10", AUTHORITY]],
                       "csv")
    assert errors_of(path, user=office) == [
        f"Dòng 2, cột «unit_code» (giá trị «{a.code}»): Bạn không được nhập quyết định xếp nhóm của "
        f"{a.name[:1].lower()}{a.name[1:]}. Việc này do Văn phòng Điều phối NTM tỉnh phụ trách xã thực hiện; bỏ "
        "dòng này."]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_imports_back_unchanged_and_rebuilds_the_history(tmp_path, communes, fmt):
    a, b, _ = communes
    assign(a, 2, dt.date(2026, 2, 15), dt.date(2026, 12, 31), number="120/QĐ-UBND")
    assign(a, 1, dt.date(2027, 1, 1), number="45/QĐ-UBND")
    CommuneGroupAssignment.objects.create(unit=b, group=3, valid_from=dt.date(2026, 2, 15), note="miền núi",
                                          decision_number="120/QĐ-UBND", decision_date=dt.date(2026, 2, 10),
                                          authority=AUTHORITY)
    path = tmp_path / f"nhom-xa.{fmt}"
    with path.open("wb") as out:
        exports.write(exports.commune_groups_table("19"), fmt, out)
    recorded = state()[0]
    # imported back: nothing changes
    result = import_commune_groups(path)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    # into a database without them: the same history again
    CommuneGroupAssignment.objects.all().delete()
    assert import_commune_groups(path).created == 3
    assert [row for row in state()[0]] == recorded


def test_the_export_lists_the_history_in_the_import_columns(communes):
    a = communes[0]
    assign(a, 2, dt.date(2026, 2, 15), dt.date(2026, 12, 31), number="120/QĐ-UBND")
    assign(a, 1, dt.date(2027, 1, 1), number="45/QĐ-UBND")
    table = exports.commune_groups_table("19")
    assert tuple(table.header) == ("unit_code", "group", "valid_from", "valid_to", "decision_number",
                                   "decision_date", "authority", "note")
    assert list(table.rows) == [
        (a.code, 2, "2026-02-15", "2026-12-31", "120/QĐ-UBND", "2026-02-15", AUTHORITY, ""),
        (a.code, 1, "2027-01-01", "", "45/QĐ-UBND", "2027-01-01", AUTHORITY, "")]
    with pytest.raises(exports.NothingFound, match="Không có đơn vị mã «99»"):
        exports.commune_groups_table("99")


def test_a_group_imported_late_turns_the_unknowns_of_an_assessment_into_verdicts(tmp_path, province, communes,
                                                                                 write_table):
    # given a 2026 assessment of a (new) commune that has no group yet, with a value for a group-dependent indicator
    from nongthonso.units.models import UnitType

    a = Unit.objects.create(code="T9501", name="Xã Thử Nhóm", unit_type=UnitType.objects.get(code="xa"),
                            parent=province, valid_from=NEW_FROM, synthetic=True)
    cset = CriteriaSet.objects.get(code="xa-ntm-2026-2030", superseded_by__isnull=True)
    assessment = Assessment.objects.create(unit=a, year=2026, criteria_set=cset)
    assessment.values.create(indicator=cset.indicators.get(code="2.2"), value=85)
    evaluate_assessment(assessment)
    roads = next(i for c in assessment.results["criteria"] for i in c["indicators"] if i["code"] == "2.2")
    assert (roads["status"], roads["threshold"]) == ("unknown", None)
    assert assessment.results["notes"][0]["message"].startswith(
        "Xã chưa được xếp nhóm theo Quyết định 51/2025/QĐ-TTg cho năm 2026 nên")
    # when the province imports its group (3: the threshold is 80)
    path = write_table(tmp_path, "nhom", [HEADER, [a.code, 3, "2026-02-15", "1/QĐ-UBND", "2026-02-10", AUTHORITY]],
                       "csv")
    import_commune_groups(path)
    # then the assessment has been evaluated again, in group 3, with no note
    assessment.refresh_from_db()
    roads = next(i for c in assessment.results["criteria"] for i in c["indicators"] if i["code"] == "2.2")
    assert (assessment.results["threshold_class"], roads["status"], roads["threshold"]) == ("3", "met", 80)
    assert assessment.results["notes"] == []


def test_the_web_page_and_the_api_take_commune_groups(client, settings, tmp_path, communes, make_user, token_for):
    settings.MEDIA_ROOT = tmp_path / "media"
    a = communes[0]
    admin = make_user("quan-tri", is_superuser=True, is_staff=True)
    client.force_login(admin)
    content = f"unit_code,group,valid_from,decision_number,decision_date\n{a.code},2,2026-02-15,1/QĐ-UBND,2026-02-10\n"
    page = client.get("/nhap-du-lieu/").content.decode()
    assert '<option value="commune_groups">Nhóm xã</option>' in page
    response = client.post("/nhap-du-lieu/", {"kind": "commune_groups", "token": "tokentokentoken1",
                                              "file": SimpleUploadedFile("nhom.csv", content.encode())})
    assert response.status_code == 200 and 'data-count="created">1<' in response.content.decode()
    assert not CommuneGroupAssignment.objects.exists()  # a preview only
    api = Client()  # a machine client: its token, no session
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(admin)}"}
    response = api.post("/api/imports/commune_groups",
                        {"file": SimpleUploadedFile("nhom.csv", content.encode())}, **auth)
    assert response.status_code == 200, response.content
    assert (response.json()["kind"], response.json()["created"]) == ("commune_groups", 1)
    exported = api.get("/api/exports/commune_groups?unit=19", **auth)
    assert exported.status_code == 200 and exported["Content-Disposition"] == 'attachment; filename="nhom-xa-19.csv"'
    assert b"".join(exported.streaming_content).decode("utf-8-sig").splitlines() == [
        "unit_code,group,valid_from,valid_to,decision_number,decision_date,authority,note",
        f"{a.code},2,2026-02-15,,1/QĐ-UBND,2026-02-10,,"]
