"""Attendance imported from video platforms' reports (issue 12 item 3): each format told by its header, matching
(e-mail, then phone, then name; ambiguity never guessed), repeated joins summed, unmatched people resolved, all or
nothing, the command line, the web page, the API, who may.

The files in ``files/`` follow each platform's real layout: Zoom's participants export (and with its meeting data
first), Google Meet's attendance sheet saved as CSV, Microsoft Teams' attendance report (UTF-16, tab-separated, its
summary and in-meeting activities sections around the participants), and the project's own file. Runs on SQLite and,
with ``DATABASE_URL``, on PostgreSQL (the inserts go through ``COPY`` there).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import Workbook

from nongthonso.audit.models import AuditEntry
from nongthonso.core.imports import ImportFailed
from nongthonso.demo.thai_nguyen import AS_OF
from nongthonso.training import attendance
from nongthonso.training.attendance_formats import seconds_of
from nongthonso.training.models import (
    Attendance,
    AttendanceMethod,
    AttendanceMode,
    BridgePoint,
    Course,
    Mode,
    Participant,
    RegisteredVia,
    Session,
    SessionKind,
)
from nongthonso.units.models import Unit

pytestmark = pytest.mark.django_db
FILES = Path(__file__).parent / "files"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
MAIN_POINT = "Điểm cầu chính tại Văn phòng Điều phối NTM tỉnh"
SUB_POINT = "Điểm cầu xã Hùng Sơn"


# --- a course to import into (tests/training/conftest.py may later offer the same) ------------------------------

@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def course(province_19, dai_tu):
    course = Course.objects.create(code="cds-2023", title="Tập huấn chuyển đổi số trong xây dựng NTM",
                                   organiser=province_19, starts_on=dt.date(2023, 10, 11),
                                   ends_on=dt.date(2023, 10, 15), mode=Mode.HYBRID)
    commune = Unit.objects.valid_on(AS_OF).within(dai_tu).rural_communes().order_by("code").first()
    BridgePoint.objects.create(course=course, name=MAIN_POINT, is_main=True, host_unit=province_19)
    BridgePoint.objects.create(course=course, name=SUB_POINT, host_unit=commune)
    return course


@pytest.fixture
def session(course):
    return Session.objects.create(course=course, kind=SessionKind.THEORY, title="Chuyển đổi số trong NTM",
                                  starts_at=dt.datetime(2023, 10, 11, 8, tzinfo=HANOI),
                                  ends_at=dt.datetime(2023, 10, 11, 11, 30, tzinfo=HANOI))


@pytest.fixture
def people(course, session):
    """The course's participants, by short name: An and Bình by e-mail (at the sub-point), Cường by phone, Dung by
    name only, two «Hoàng Văn Em» (one name, two people), Giang already checked in at the venue."""
    sub = BridgePoint.objects.get(course=course, is_main=False)
    main = BridgePoint.objects.get(course=course, is_main=True)

    def person(full_name, email="", phone="", point=None):
        return Participant.objects.create(course=course, full_name=full_name, email=email, phone=phone,
                                          bridge_point=point, registered_via=RegisteredVia.ORGANISER)

    found = {
        "an": person("Nguyễn Văn An", "an.nguyen@thainguyen.gov.vn", point=sub),
        "binh": person("Trần Thị Bình", "binh.tran@thainguyen.gov.vn", point=sub),
        "cuong": person("Lê Văn Cường", phone="0912 345 003", point=sub),
        "dung": person("Phạm Thị Dung", point=main),
        "em1": person("Hoàng Văn Em"),
        "em2": person("Hoàng Văn Em"),
        "giang": person("Đỗ Thị Giang", "giang.do@thainguyen.gov.vn", point=main),
    }
    Attendance.objects.create(session=session, participant=found["giang"], mode=AttendanceMode.IN_PERSON,
                              bridge_point=main, method=AttendanceMethod.QR)
    return found


@pytest.fixture
def organiser(make_user, province_19):
    return make_user("ban-to-chuc", "training_organiser", province_19)


@pytest.fixture
def written():
    """What an import may write, counted: attendance rows, participants, audit entries."""
    return lambda: (Attendance.objects.count(), Participant.objects.count(), AuditEntry.objects.count())


def rows_of(session) -> dict[str, tuple]:
    return {a.participant.full_name: (a.mode, a.method, a.bridge_point.name if a.bridge_point else None, a.minutes)
            for a in Attendance.objects.filter(session=session).select_related("participant", "bridge_point")}


def first_row(result, name: str) -> int:
    return next(p.row for p in result.unresolved if p.name == name)


# --- formats --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("file", "fmt", "rows", "people_found", "unmatched"), [
    ("zoom_participants.csv", "zoom", 7, 5, 1),
    ("zoom_with_meeting_data.csv", "zoom", 2, 2, 0),
    ("meet_attendance.csv", "meet", 4, 3, 0),
    ("teams_attendance.csv", "teams", 4, 3, 1),
    ("attendance_own.csv", "csv", 3, 3, 0),
])
def test_each_format_is_recognised_by_its_header(session, people, written, file, fmt, rows, people_found, unmatched):
    before = written()
    result = attendance.import_attendance(FILES / file, session, dry_run=True)
    assert (result.format.code, result.rows, result.people, len(result.unresolved)) == (
        fmt, rows, people_found, unmatched)
    assert written() == before  # a dry run writes nothing


def test_zoom_rows_are_matched_by_email_then_phone_then_name_and_repeated_joins_summed(session, people, written):
    check = attendance.import_attendance(FILES / "zoom_participants.csv", session, dry_run=True)
    (host,) = check.unresolved
    assert (host.row, host.name, host.reason, host.minutes) == (2, "Văn phòng Điều phối NTM tỉnh (Zoom Room)",
                                                                "not_found", 218)
    assert {line.participant: line.how for line in check.lines} == {
        "Nguyễn Văn An": "email", "Trần Thị Bình": "email", "Lê Văn Cường": "phone", "Phạm Thị Dung": "name",
        "Đỗ Thị Giang": "email"}
    audits = AuditEntry.objects.count()
    result = attendance.import_attendance(FILES / "zoom_participants.csv", session,
                                          resolutions={host.row: attendance.SKIP})
    assert (result.created, result.updated, result.unchanged, result.kept_in_person, result.skipped) == (4, 0, 1, 1, 1)
    assert rows_of(session) == {
        "Nguyễn Văn An": ("online", "zoom", SUB_POINT, 208),  # 102 + 106 minutes: two joins, one row
        "Trần Thị Bình": ("online", "zoom", SUB_POINT, 191),
        "Lê Văn Cường": ("online", "zoom", SUB_POINT, 150),  # dialled in: «+84 912 345 003» is his phone
        "Phạm Thị Dung": ("online", "zoom", None, 176),  # registered at the main point: online from elsewhere
        "Đỗ Thị Giang": ("in_person", "qr", MAIN_POINT, None),  # checked in at the venue: kept
    }
    (entry,) = AuditEntry.objects.order_by("-pk")[:1]
    assert AuditEntry.objects.count() == audits + 1  # one entry for the import, not one per row
    assert (entry.action, entry.model, entry.object_id) == ("import", "training.session", str(session.pk))
    assert entry.after == {"file": "zoom_participants.csv", "sha256": result.sha256, "format": "zoom", "rows": 7,
                           "participants": 5, "created": 4, "updated": 0, "unchanged": 1, "kept_in_person": 1,
                           "participants_added": 0, "skipped_rows": 1}


def test_importing_again_updates_rows_and_never_duplicates_them(session, people, tmp_path):
    resolutions = {2: attendance.SKIP}
    attendance.import_attendance(FILES / "zoom_participants.csv", session, resolutions=resolutions)
    again = attendance.import_attendance(FILES / "zoom_participants.csv", session, resolutions=resolutions)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    changed = tmp_path / "zoom.csv"
    changed.write_text((FILES / "zoom_participants.csv").read_text(encoding="utf-8").replace(",191,", ",185,"),
                       encoding="utf-8")
    result = attendance.import_attendance(changed, session, resolutions=resolutions)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 4)
    assert Attendance.objects.filter(session=session).count() == 5
    assert rows_of(session)["Trần Thị Bình"][3] == 185


def test_teams_report_utf16_is_read_to_the_end_of_its_participants_section(session, people):
    result = attendance.import_attendance(FILES / "teams_attendance.csv", session,
                                          resolutions={11: attendance.SKIP})
    # «3. In-Meeting Activities» repeats An's two joins: read, they would double his time
    assert rows_of(session)["Nguyễn Văn An"] == ("online", "teams", SUB_POINT, 208)  # 3h 28m 2s
    assert rows_of(session)["Lê Văn Cường"] == ("online", "teams", SUB_POINT, 46)  # «Lê Văn Cường (Guest)», 45m 30s
    assert result.skipped == 1 and result.format.code == "teams"


def test_meet_names_match_in_either_order_and_durations_in_words(session, people):
    attendance.import_attendance(FILES / "meet_attendance.csv", session)
    assert rows_of(session) == {
        "Nguyễn Văn An": ("online", "meet", SUB_POINT, 208),  # 1 hr 42 min + 1 hr 46 min
        "Trần Thị Bình": ("online", "meet", SUB_POINT, 190),
        "Phạm Thị Dung": ("online", "meet", None, 175),  # First name «Dung», Last name «Phạm Thị»
        "Đỗ Thị Giang": ("in_person", "qr", MAIN_POINT, None),
    }


def test_the_projects_own_file_says_mode_and_bridge_point(session, people):
    result = attendance.import_attendance(FILES / "attendance_own.csv", session)
    assert result.format.code == "csv"
    assert rows_of(session) == {
        "Nguyễn Văn An": ("online", "csv", SUB_POINT, 200),
        "Lê Văn Cường": ("online", "csv", SUB_POINT, 95),
        "Phạm Thị Dung": ("in_person", "csv", MAIN_POINT, None),  # the main point: in person
        "Đỗ Thị Giang": ("in_person", "qr", MAIN_POINT, None),
    }


def test_an_xlsx_workbook_is_read_like_its_csv(session, people, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    for line in (FILES / "meet_attendance.csv").read_text(encoding="utf-8").splitlines():
        sheet.append(line.split(","))
    workbook.save(tmp_path / "meet.xlsx")
    result = attendance.import_attendance(tmp_path / "meet.xlsx", session, dry_run=True)
    assert (result.format.code, result.people, result.created) == ("meet", 3, 3)


@pytest.mark.parametrize(("text", "seconds"), [
    ("45", 2700), ("1h 2m 3s", 3723), ("10m 59s", 659), ("45s", 45), ("1 hr 4 min", 3840), ("< 1 min", 60),
    ("1 giờ 5 phút", 3900), ("1:02:03", 3723), ("1:05", 3900), ("2,5", 150)])
def test_durations_as_the_platforms_write_them(text, seconds):
    assert seconds_of(text) == seconds


# --- matching ------------------------------------------------------------------------------------------------------

def write(tmp_path: Path, *rows: str, header: str = "Name (Original Name),User Email,Duration (Minutes)") -> Path:
    path = tmp_path / "zoom.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_email_decides_before_the_name(session, people, tmp_path):
    # the name is Bình's, the e-mail An's: the e-mail wins
    path = write(tmp_path, "Trần Thị Bình,an.nguyen@thainguyen.gov.vn,60")
    result = attendance.import_attendance(path, session)
    assert [(line.participant, line.how) for line in result.lines] == [("Nguyễn Văn An", "email")]


def test_a_name_two_participants_share_is_not_guessed(session, people, tmp_path):
    path = write(tmp_path, "Hoang Van Em,,60", "Nguyễn Văn An,an.nguyen@thainguyen.gov.vn,60")
    result = attendance.import_attendance(path, session, dry_run=True)
    (person,) = result.unresolved
    assert (person.reason, set(person.candidates)) == ("ambiguous", {people["em1"].pk, people["em2"].pk})
    assert set(result.roster.suggestions(person)) == {people["em1"].pk, people["em2"].pk}
    with pytest.raises(attendance.Unresolved):
        attendance.import_attendance(path, session)
    assert not Attendance.objects.filter(session=session, participant__full_name="Nguyễn Văn An").exists()
    attendance.import_attendance(path, session, resolutions={person.row: people["em2"].pk})
    assert Attendance.objects.get(session=session, participant__full_name="Hoàng Văn Em").participant == people["em2"]


def test_unmatched_people_are_added_or_skipped_as_chosen(session, people, tmp_path, organiser):
    path = write(tmp_path, "Chu Văn Mới,moi.chu@thainguyen.gov.vn,80", "Chu Văn Mới,moi.chu@thainguyen.gov.vn,20",
                 "Máy chiếu hội trường,,200", "Thiết bị lạ,,10")
    check = attendance.import_attendance(path, session, dry_run=True)
    new, projector, device = (first_row(check, n) for n in ("Chu Văn Mới", "Máy chiếu hội trường", "Thiết bị lạ"))
    result = attendance.import_attendance(path, session, user=organiser, resolutions={
        new: attendance.NEW, projector: attendance.SKIP, device: people["dung"].pk})
    added = Participant.objects.get(course=session.course, email="moi.chu@thainguyen.gov.vn")
    assert (added.full_name, added.registered_via, added.registered_by) == ("Chu Văn Mới", RegisteredVia.IMPORT,
                                                                            organiser)
    assert rows_of(session)["Chu Văn Mới"] == ("online", "zoom", None, 100)  # both rows of the new person
    assert rows_of(session)["Phạm Thị Dung"][3] == 10  # «Thiết bị lạ» was Dung, the organiser says
    assert (result.added, result.skipped) == (1, 1)


# --- bad files --------------------------------------------------------------------------------------------------------

def test_a_bad_file_gets_row_errors_in_vietnamese_and_writes_nothing(session, people, written):
    before = written()
    with pytest.raises(ImportFailed) as refused:
        attendance.import_attendance(FILES / "zoom_bad.csv", session)
    assert [str(e) for e in refused.value.errors] == [
        "Dòng 2, cột «Duration (Minutes)» (giá trị «một trăm»): thời lượng không đọc được: cần một số phút, ví dụ 45. "
        "Sửa ô này (hoặc tải lại báo cáo).",
        "Dòng 3, cột «User Email» (giá trị «binh.tran(at)thainguyen.gov.vn»): không phải địa chỉ thư điện tử hợp lệ "
        "(dạng ten@vi-du.vn). Sửa ô này hoặc để trống.",
        "Dòng 4, cột «Name (Original Name)»: dòng không có họ tên, thư điện tử hay điện thoại nên không biết là ai. "
        "Điền ít nhất một trong ba, hoặc xóa dòng này.",
        "Dòng 5, cột «Duration (Minutes)»: thiếu thời lượng tham dự. Tải lại báo cáo từ nền tảng họp trực tuyến "
        "(không xóa ô nào).",
    ]
    assert written() == before


def test_a_file_no_platform_wrote_is_named_as_such(session, people, not_a_table, tmp_path):
    with pytest.raises(ImportFailed) as refused:
        attendance.import_attendance(FILES / "not_a_report.csv", session)
    assert str(refused.value).startswith("Không nhận ra tệp «not_a_report.csv»: trong 40 dòng đầu không có dòng tiêu "
                                         "đề của báo cáo Zoom (Name (Original Name), User Email, Duration (Minutes)…)")
    (tmp_path / "anh.png").write_bytes(not_a_table["png"])
    with pytest.raises(ImportFailed, match=r"^Tệp «anh\.png» không phải CSV \(UTF-8 hoặc UTF-16\) hay XLSX\."):
        attendance.import_attendance(tmp_path / "anh.png", session)
    (tmp_path / "rong.csv").write_bytes(b"")
    with pytest.raises(ImportFailed, match=r"^Tệp «rong\.csv» rỗng\."):
        attendance.import_attendance(tmp_path / "rong.csv", session)
    header_only = write(tmp_path)
    with pytest.raises(ImportFailed, match=r"có dòng tiêu đề .* nhưng không có dòng nào về người tham dự"):
        attendance.import_attendance(header_only, session)


def test_the_projects_own_file_is_checked_row_by_row(session, people, tmp_path, written):
    path = tmp_path / "diem-danh.csv"
    path.write_text("full_name,email,phone,bridge_point,mode,minutes\n"
                    "Nguyễn Văn An,,,Điểm cầu xã Không Có,,\n"
                    f"Trần Thị Bình,,,{SUB_POINT},trực tiếp,\n"
                    "Lê Văn Cường,,091234,,,\n"
                    "Phạm Thị Dung,,,,vắng,\n", encoding="utf-8")
    before = written()
    with pytest.raises(ImportFailed) as refused:
        attendance.import_attendance(path, session)
    messages = [str(e) for e in refused.value.errors]
    assert messages[0].startswith("Dòng 2, cột «bridge_point» (giá trị «Điểm cầu xã Không Có»): khoá không có điểm cầu "
                                  f"tên này. Ghi đúng tên một điểm cầu của khoá («{MAIN_POINT}», «{SUB_POINT}»)")
    assert messages[1] == (f"Dòng 3, cột «mode» (giá trị «trực tiếp»): «{SUB_POINT}» là điểm cầu phụ: học viên ở đó "
                           "dự trực tuyến. Sửa hình thức dự, hoặc để trống ô này.")
    assert messages[2].startswith("Dòng 4, cột «phone» (giá trị «091234»): số điện thoại cần 8–15 chữ số")
    assert messages[3].startswith("Dòng 5, cột «mode» (giá trị «vắng»): hình thức dự phải là «trực tuyến»")
    assert written() == before
    path.write_text("full_name,ghi_chu\nNguyễn Văn An,x\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="Dòng 1, cột «ghi_chu»: Cột «ghi_chu» không có trong tệp mẫu"):
        attendance.import_attendance(path, session)


# --- the command line ----------------------------------------------------------------------------------------------

def test_the_command_line_refuses_unmatched_people_unless_told_what_to_do(session, people, written):
    path = str(FILES / "zoom_participants.csv")
    before = written()
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"^Không nhập được: 1 lỗi\. Chưa ghi gì"):
        call_command("import", "attendance", path, "--session", str(session.pk), stderr=err, stdout=io.StringIO())
    assert err.getvalue().startswith(
        "Dòng 2, cột «Name (Original Name)» (giá trị «Văn phòng Điều phối NTM tỉnh (Zoom Room)»): không khớp học "
        "viên nào của khoá (theo thư điện tử, điện thoại, họ tên). Thêm làm học viên mới (--add-unmatched) hoặc bỏ "
        "qua (--skip-unmatched)")
    out = io.StringIO()
    call_command("import", "attendance", path, "--session", str(session.pk), "--skip-unmatched", "--dry-run",
                 stdout=out)
    assert out.getvalue().startswith("Sẽ ghi điểm danh của 5 học viên: tạo mới 4, cập nhật 0, giữ nguyên 1.")
    assert written() == before
    call_command("import", "attendance", path, "--session", str(session.pk), "--add-unmatched", stdout=out)
    added = Participant.objects.get(course=session.course, registered_via=RegisteredVia.IMPORT)
    assert added.full_name == "Văn phòng Điều phối NTM tỉnh (Zoom Room)"
    assert AuditEntry.objects.filter(model="training.session", actor="nongthonso import attendance").count() == 1


def test_the_command_line_checks_its_options(session, people):
    path = str(FILES / "zoom_participants.csv")
    with pytest.raises(CommandError, match=r"^Thiếu --session \(mã số buổi học\): «Điểm danh buổi học từ báo cáo"):
        call_command("import", "attendance", path, stderr=io.StringIO())
    with pytest.raises(CommandError, match=r"^--session «mười hai» không hợp lệ: cần một số nguyên dương"):
        call_command("import", "attendance", path, "--session", "mười hai", stderr=io.StringIO())
    with pytest.raises(CommandError, match=r"^--session không dùng cho «values» \(không có tùy chọn riêng\)\."):
        call_command("import", "values", path, "--session", "1", stderr=io.StringIO())
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "attendance", path, "--session", "999999", stderr=err)
    assert err.getvalue().startswith("Không có buổi học mã số 999999. Kiểm tra mã số")
    with pytest.raises(CommandError):
        call_command("import", "attendance", path, "--session", str(session.pk), "--add-unmatched",
                     "--skip-unmatched", stderr=(err := io.StringIO()))
    assert err.getvalue().startswith("Chọn một trong hai: thêm người không khớp")


# --- who may -------------------------------------------------------------------------------------------------------

def page(course, session, tail: str = "") -> str:
    return f"/tap-huan/{course.code}/buoi/{session.pk}/nhap-diem-danh/{tail}"


def test_only_the_courses_organisers_may_import(session, people, course, organiser, make_user, province_19, dai_tu,
                                                unit_at, written):
    viewer = make_user("xem", "viewer", province_19)
    office = make_user("huyen", "district_office", dai_tu)  # sees the course: a bridge point is in Đại Từ
    elsewhere = make_user("to-chuc-khac", "training_organiser", dai_tu)  # organises in Đại Từ, not the province
    away = make_user("dinh-hoa", "district_office", unit_at("167", "huyen"))  # no point there: not found
    for user, status in ((organiser, 200), (viewer, 403), (office, 403), (elsewhere, 403), (away, 404)):
        client = Client()
        client.force_login(user)
        assert client.get(page(course, session)).status_code == status, user
    client = Client()
    client.force_login(viewer)
    html = client.get(page(course, session)).content.decode()
    assert "Chỉ ban tổ chức khoá «Tập huấn chuyển đổi số trong xây dựng NTM» mới nhập điểm danh" in html
    before = written()
    with pytest.raises(ImportFailed, match="Chỉ ban tổ chức khoá"):
        attendance.import_attendance(FILES / "meet_attendance.csv", session, user=elsewhere)
    with pytest.raises(ImportFailed, match=r"Không có buổi học mã số \d+ trong các khoá bạn tổ chức"):
        attendance.run(FILES / "meet_attendance.csv", session=session.pk, user=elsewhere)
    assert written() == before
    assert attendance.may_import(organiser) and attendance.may_import(elsewhere)
    assert not attendance.may_import(viewer) and not attendance.may_import(office)
    assert Client().get(page(course, session)).status_code == 302  # a login first


# --- the web page ----------------------------------------------------------------------------------------------------

def upload(client, course, session, name: str, content: bytes):
    return client.post(page(course, session), {"token": "tokentokentoken1", "file": SimpleUploadedFile(name, content)})


def test_the_page_previews_asks_for_the_unmatched_and_imports_the_file_checked(session, people, course, organiser,
                                                                               written, media):
    client = Client()
    client.force_login(organiser)
    assert 'enctype="multipart/form-data"' in client.get(page(course, session)).content.decode()
    before = written()
    response = upload(client, course, session, "zoom.csv", (FILES / "zoom_participants.csv").read_bytes())
    html = response.content.decode()
    assert response.status_code == 200 and written() == before
    assert "Xem trước: Báo cáo người tham gia Zoom" in html and 'data-count="unmatched">1<' in html
    assert '<fieldset class="unmatched" data-row="2">' in html and 'list="course-participants"' in html
    assert f'value="Nguyễn Văn An · {SUB_POINT} · an.nguyen@thainguyen.gov.vn #{people["an"].pk}"' in html
    binding = re.search(r'name="binding" value="([^"]+)"', html).group(1)
    # confirming without a choice: asked again, nothing written
    response = client.post(page(course, session, "xac-nhan/"), {"binding": binding})
    assert response.status_code == 400 and written() == before
    assert "Còn 1 người chưa chọn cách xử lý" in response.content.decode()
    assert '<fieldset class="unmatched missing" data-row="2">' in response.content.decode()
    # a binding tampered with, or for another session, is refused
    assert client.post(page(course, session, "xac-nhan/"), {"binding": binding[:-2] + "xx"}).status_code == 400
    # the host's own device: the organiser picks Dung by searching
    response = client.post(page(course, session, "xac-nhan/"), {
        "binding": binding, "u-2": "other", "u-2-other": f"Phạm Thị Dung · {MAIN_POINT} #{people['dung'].pk}"})
    html = response.content.decode()
    assert response.status_code == 200 and "Đã nhập điểm danh từ tệp «zoom.csv»" in html
    assert rows_of(session)["Phạm Thị Dung"] == ("online", "zoom", None, 176 + 218)
    assert not list((media / "imports").iterdir())  # the file is gone once imported
    assert client.post(page(course, session, "xac-nhan/"), {"binding": binding}).status_code == 400  # only once


def test_the_page_suggests_the_participants_an_ambiguous_name_may_be(session, people, course, organiser):
    client = Client()
    client.force_login(organiser)
    content = b"Name (Original Name),User Email,Duration (Minutes)\nHoang Van Em,,75\n"
    html = upload(client, course, session, "em.csv", content).content.decode()
    em1, em2 = people["em1"].pk, people["em2"].pk
    assert "khớp với nhiều học viên — chọn đúng người" in html
    assert f'<option value="p{em1}">Hoàng Văn Em</option>' in html
    assert f'<option value="p{em2}">Hoàng Văn Em</option>' in html
    binding = re.search(r'name="binding" value="([^"]+)"', html).group(1)
    response = client.post(page(course, session, "xac-nhan/"), {"binding": binding, "u-2": f"p{em2}"})
    assert response.status_code == 200
    assert Attendance.objects.get(session=session, participant__full_name="Hoàng Văn Em").participant_id == em2


def test_the_page_shows_a_bad_files_errors_and_keeps_nothing(session, people, course, organiser, media):
    client = Client()
    client.force_login(organiser)
    response = upload(client, course, session, "loi.csv", (FILES / "zoom_bad.csv").read_bytes())
    html = response.content.decode()
    assert response.status_code == 400 and "Tệp «loi.csv» có lỗi" in html and '<tr data-row="3">' in html
    assert not list((media / "imports").iterdir())


def test_the_pages_forms_need_the_csrf_token(session, people, course, organiser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(organiser)
    response = upload(client, course, session, "zoom.csv", (FILES / "zoom_participants.csv").read_bytes())
    assert response.status_code == 403
    assert 'name="csrfmiddlewaretoken"' in client.get(page(course, session)).content.decode()


def test_the_template_lists_the_participants_formula_safe_and_imports_back(session, people, course, organiser,
                                                                          tmp_path):
    Participant.objects.filter(pk=people["em1"].pk).update(full_name="=HYPERLINK(\"http://x\")")
    client = Client()
    client.force_login(organiser)
    response = client.get(page(course, session, "tep-mau.csv"))
    assert response["Content-Disposition"] == f'attachment; filename="diem-danh-cds-2023-buoi-{session.pk}.csv"'
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "full_name,email,phone,bridge_point,mode,minutes"
    assert f"Nguyễn Văn An,an.nguyen@thainguyen.gov.vn,,{SUB_POINT},online," in lines
    assert '"\'=HYPERLINK(""http://x"")",,,,,' in lines  # text, not a formula, in a spreadsheet
    (tmp_path / "mau.csv").write_bytes(response.content)
    result = attendance.import_attendance(tmp_path / "mau.csv", session, dry_run=True)
    assert (result.format.code, result.people, result.unresolved) == ("csv", 7, [])


# --- the API ---------------------------------------------------------------------------------------------------------

def test_the_api_takes_the_session_and_the_choice_as_parameters(session, people, organiser, token_for, assert_error):
    token = token_for(organiser)
    client = Client()

    def post(query: str):
        with (FILES / "zoom_participants.csv").open("rb") as f:
            return client.post(f"/api/imports/attendance{query}", {"file": f}, headers={
                "Authorization": f"Bearer {token}"})

    error = assert_error(post(""), 422, "validation_error")
    assert error["details"][0]["field"] == "session"
    assert assert_error(post("?session=1&dry_run=true&held_on=2024-01-01"), 422, "validation_error")["details"][0][
        "field"] == "held_on"
    refused = assert_error(post(f"?session={session.pk}"), 422, "import_failed")
    assert refused["details"][0]["row"] == 2
    response = post(f"?session={session.pk}&skip_unmatched=true")
    assert response.status_code == 200, response.content
    assert (response.json()["created"], response.json()["unchanged"]) == (4, 1)
    doc = client.get("/api/openapi.json").json()["paths"]["/api/imports/{kind}"]["post"]
    assert {"session", "add_unmatched", "skip_unmatched"} <= {p["name"] for p in doc["parameters"]}
