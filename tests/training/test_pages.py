"""The organiser's and bridge-point host's pages: what they show (counted from the rows), what each form writes and
audits, the Vietnamese messages of what is refused, materials checked by content and served by permission, the
personal-data section, the export (formula-safe) and the erasure that keeps the figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from nongthonso.audit.models import AuditEntry
from nongthonso.training.models import (
    Attendance,
    AttendanceMethod,
    AttendanceMode,
    BridgePoint,
    Connection,
    Course,
    Lecturer,
    Material,
    Participant,
    Provenance,
    RegisteredVia,
    Session,
    Topic,
)
from nongthonso.training.reports import course_report

from .conftest import ENDS_ON, STARTS_ON, local

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _entries(model: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(model=f"training.{model}").order_by("pk"))


def _field_block(html: str, field: str) -> str:
    """The part of a form page from the field ``field`` to the next field: its input, help and errors."""
    start = html.index(f'data-field="{field}"')
    end = html.find('data-field="', start + 1)
    return html[start:end if end > 0 else None]


def _office(part: str) -> bytes:
    """A minimal Office Open XML archive holding ``part`` (ppt/presentation.xml: a PowerPoint file …)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr(part, '<?xml version="1.0"?><root/>')
    return buffer.getvalue()


def _pptx() -> bytes:
    return _office("ppt/presentation.xml")


# --- courses ---------------------------------------------------------------------------------------------------------

def _course_form(catalogue, province, **changes) -> dict:
    data = {"code": "cds-2024", "title": "Tập huấn CĐS năm 2024", "plan": "Kế hoạch 154/KH-UBND",
            "organiser": province.code, "organiser_name": "Văn phòng Điều phối NTM tỉnh", "starts_on": "2024-05-06",
            "ends_on": "2024-05-08", "mode": "hybrid", "description": "",
            "topics": [catalogue.digital.pk, catalogue.skill.pk], "target_groups": [catalogue.leader.pk]}
    data.update(changes)
    return data


def test_the_organiser_creates_a_course_with_topics_and_target_groups(client_for, organiser, province_19, catalogue):
    client = client_for(organiser)
    page = client.get("/tap-huan/tao-moi/").content.decode()
    assert f'value="{province_19.code}"' in page  # the organiser's unit, filled in
    assert "Do tỉnh bổ sung" not in page and "Trích từ văn bản" in page and "Tạm đặt, chưa đối chiếu" in page
    response = client.post("/tap-huan/tao-moi/", _course_form(catalogue, province_19))
    assert response.status_code == 302 and response["Location"] == "/tap-huan/cds-2024/"
    course = Course.objects.get(code="cds-2024")
    assert course.organiser == province_19 and course.created_by == organiser and course.mode == "hybrid"
    assert set(course.topics.all()) == {catalogue.digital, catalogue.skill}
    assert list(course.target_groups.all()) == [catalogue.leader]
    entry = _entries("course")[-1]
    assert entry.action == "create" and entry.user == organiser and entry.after["topics"] == sorted(
        [catalogue.digital.pk, catalogue.skill.pk])


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"ends_on": "2024-05-01"}, "ends_on", "Ngày bế giảng 1/5/2024 trước ngày khai giảng 6/5/2024"),
    ({"code": "Khoá 1"}, "code", "Mã khoá dùng chữ thường không dấu"),
    ({"code": "tao-moi"}, "code", "Mã «tao-moi» trùng với đường dẫn của một trang tập huấn"),
    ({"code": "do-bao-phu"}, "code", "Mã «do-bao-phu» trùng với đường dẫn của một trang tập huấn"),
    ({"organiser": "99999"}, "organiser", "Không có đơn vị mã «99999» còn hiệu lực ngày 6/5/2024"),
    ({"mode": "radio"}, "mode", "Chọn hình thức: trực tiếp, trực tuyến"),
    ({"title": ""}, "title", "Nhập tên khoá tập huấn"),
])
def test_a_course_form_with_a_mistake_says_what_to_fix_and_writes_nothing(client_for, organiser, province_19,
                                                                          catalogue, changes, field, message):
    response = client_for(organiser).post("/tap-huan/tao-moi/", _course_form(catalogue, province_19, **changes))
    assert response.status_code == 400
    assert message in _field_block(response.content.decode(), field)
    assert not Course.objects.filter(title="Tập huấn CĐS năm 2024").exists()


def test_a_course_cannot_be_organised_by_a_unit_outside_the_organisers_scope(client_for, make_user, dai_tu,
                                                                               province_19, catalogue):
    district_organiser = make_user("btc.daitu", "training_organiser", dai_tu)
    response = client_for(district_organiser).post("/tap-huan/tao-moi/", _course_form(catalogue, province_19))
    assert response.status_code == 400
    assert "nằm ngoài các đơn vị bạn được tổ chức tập huấn" in response.content.decode()
    ok = client_for(district_organiser).post("/tap-huan/tao-moi/", _course_form(catalogue, dai_tu))
    assert ok.status_code == 302 and Course.objects.get(code="cds-2024").organiser == dai_tu


def test_a_duplicate_code_is_refused(client_for, organiser, province_19, catalogue, course):
    response = client_for(organiser).post("/tap-huan/tao-moi/", _course_form(catalogue, province_19,
                                                                            code=course.code))
    assert response.status_code == 400 and f"Mã khoá «{course.code}» đã có" in response.content.decode()


def test_editing_a_course_logs_only_what_changed(client_for, organiser, course, province_19, catalogue):
    client = client_for(organiser)
    form = _course_form(catalogue, province_19, starts_on=STARTS_ON.isoformat(), ends_on=ENDS_ON.isoformat(),
                        title=course.title, plan=course.plan, organiser_name=course.organiser_name,
                        topics=[catalogue.digital.pk], target_groups=[catalogue.leader.pk, catalogue.hamlet_head.pk])
    form.pop("code")
    unchanged = client.post(f"/tap-huan/{course.code}/sua/", form, follow=True)
    assert "Thông tin khoá không thay đổi." in unchanged.content.decode() and not _entries("course")
    form["title"] = "Tập huấn chuyển đổi số (đợt 1)"
    client.post(f"/tap-huan/{course.code}/sua/", form)
    entry = _entries("course")[-1]
    assert entry.action == "update" and entry.before == {"title": course.title}
    assert entry.after == {"title": "Tập huấn chuyển đổi số (đợt 1)"}


def test_the_organiser_adds_a_topic_of_the_province(client_for, organiser, course, catalogue, province_19):
    response = client_for(organiser).post(f"/tap-huan/{course.code}/chuyen-de/", {
        "group": catalogue.skills.pk, "title": "Ứng dụng bản đồ số cấp xã"}, follow=True)
    assert "Đã thêm chuyên đề «Ứng dụng bản đồ số cấp xã»" in response.content.decode()
    topic = Topic.objects.get(title="Ứng dụng bản đồ số cấp xã")
    assert topic.province == province_19 and topic.provenance == Provenance.PROVINCE and topic.code == "19-1"
    assert course.topics.filter(pk=topic.pk).exists()
    page = client_for(organiser).get(f"/tap-huan/{course.code}/").content.decode()
    assert "19-1. Ứng dụng bản đồ số cấp xã" in page and "Do tỉnh bổ sung" in page
    again = client_for(organiser).post(f"/tap-huan/{course.code}/chuyen-de/", {
        "group": catalogue.skills.pk, "title": "ứng dụng bản đồ số cấp xã"}, follow=True)
    assert "đã có trong danh mục" in again.content.decode() and Topic.objects.filter(province=province_19).count() == 1


def test_the_course_page_shows_everything_counted_from_the_rows(client_for, organiser, course, session, main_point,
                                                                 sub_point, participant, catalogue, host_commune):
    visit = Session.objects.create(course=course, kind="field_visit", title="Tham quan mô hình xã thông minh",
                                   starts_at=local(dt.date(2023, 10, 13), 8), ends_at=local(dt.date(2023, 10, 13), 17),
                                   visited_sites="HTX chè Tân Cương\nThôn thông minh Hòa Bình")
    Lecturer.objects.create(course=course, name="TS. Trần Văn An", organisation="Bộ NN&PTNT").sessions.add(session)
    in_person = Participant.objects.create(course=course, full_name="Hà Văn Bình", unit=host_commune,
                                           target_group=catalogue.leader, bridge_point=main_point,
                                           registered_via=RegisteredVia.ORGANISER)
    Attendance.objects.create(session=session, participant=in_person, mode="in_person", bridge_point=main_point,
                              method="qr")
    Attendance.objects.create(session=session, participant=participant, mode="online", bridge_point=sub_point,
                              method="zoom")
    Attendance.objects.create(session=visit, participant=in_person, mode="in_person", method="qr")
    Connection.objects.create(session=session, bridge_point=sub_point, status="unstable", note="Mạng yếu")
    html = client_for(organiser).get(f"/tap-huan/{course.code}/").content.decode()
    for text in ("Kế hoạch 154/KH-UBND ngày 15/10/2022", "Văn phòng Điều phối NTM tỉnh", "11/10/2023 – 15/10/2023",
                 "Trực tiếp kết hợp trực tuyến", str(catalogue.basic), "I.5. Chuyển đổi số trong xây dựng NTM",
                 "Trích từ văn bản", catalogue.leader.label, catalogue.hamlet_head.label, "HTX chè Tân Cương",
                 "Tham quan, học tập thực tế", "TS. Trần Văn An", host_commune.name, "Kết nối chập chờn",
                 "Điểm cầu chính", "Điểm cầu phụ"):
        assert text in html, text
    assert '<b data-figure="registered">2</b>' in html
    assert '<b data-figure="in_person">1</b>' in html and '<b data-figure="online">1</b>' in html
    assert '<b data-figure="points">1</b>' in html


# --- sessions, lecturers, materials -----------------------------------------------------------------------------

def test_sessions_are_kept_within_the_course_and_field_visits_name_their_sites(client_for, organiser, course):
    client = client_for(organiser)
    url = f"/tap-huan/{course.code}/buoi/moi/"
    outside = client.post(url, {"kind": "theory", "title": "Khai mạc", "starts_at": "2023-10-20T08:00",
                                "ends_at": "2023-10-20T11:00"})
    assert outside.status_code == 400 and "Buổi học phải trong thời gian của khoá, từ 11/10/2023 đến 15/10/2023" in \
        outside.content.decode()
    no_sites = client.post(url, {"kind": "field_visit", "title": "Tham quan", "starts_at": "2023-10-13T08:00",
                                 "ends_at": "2023-10-13T17:00"})
    assert no_sites.status_code == 400 and "cần ghi nơi tham quan" in no_sites.content.decode()
    backwards = client.post(url, {"kind": "theory", "title": "Khai mạc", "starts_at": "2023-10-11T08:00",
                                  "ends_at": "2023-10-11T07:00"})
    assert "Giờ kết thúc phải sau giờ bắt đầu." in backwards.content.decode()
    assert not Session.objects.filter(course=course).exists()
    ok = client.post(url, {"kind": "field_visit", "title": "Tham quan", "starts_at": "2023-10-13T08:00",
                           "ends_at": "2023-10-13T17:00", "visited_sites": "HTX chè\nThôn thông minh",
                           "topics": [course.topics.get().pk]})
    visit = Session.objects.get(course=course)
    assert ok.status_code == 302 and ok["Location"] == f"/tap-huan/{course.code}/buoi/{visit.pk}/"
    assert visit.visited_sites == "HTX chè\nThôn thông minh" and visit.topics.count() == 1
    assert _entries("session")[-1].action == "create"
    page = client.get(ok["Location"]).content.decode()
    assert "<li>HTX chè</li>" in page and "<li>Thôn thông minh</li>" in page


def test_lecturers_teach_sessions_of_their_course(client_for, organiser, course, session):
    client = client_for(organiser)
    response = client.post(f"/tap-huan/{course.code}/giang-vien/moi/", {
        "name": "ThS. Lê Thu", "title": "Phó Chánh Văn phòng", "organisation": "VPĐP NTM Trung ương",
        "sessions": [session.pk]})
    assert response.status_code == 302
    lecturer = Lecturer.objects.get(course=course)
    assert list(lecturer.sessions.all()) == [session] and _entries("lecturer")[-1].action == "create"
    edit = client.post(f"/tap-huan/{course.code}/giang-vien/{lecturer.pk}/sua/", {"name": "ThS. Lê Thu Hà"})
    assert edit.status_code == 302 and _entries("lecturer")[-1].after == {
        "name": "ThS. Lê Thu Hà", "title": "", "organisation": "", "sessions": []}


def test_materials_are_checked_by_content_and_served_only_to_who_sees_the_course(client_for, organiser, course,
                                                                                   session, make_user, tmp_path,
                                                                                   settings, assessed_communes,
                                                                                   province_19):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(organiser)
    url = f"/tap-huan/{course.code}/tai-lieu/moi/"
    ok = client.post(url, {"title": "Bài giảng CĐS", "session": session.pk,
                           "file": SimpleUploadedFile("bai giang.pdf", PDF, "application/octet-stream")}, follow=True)
    assert "Đã tải lên tài liệu «Bài giảng CĐS»." in ok.content.decode()
    slides = client.post(url, {"file": SimpleUploadedFile("trinh-chieu.pptx", _pptx(), "application/zip")})
    assert slides.status_code == 302
    pdf, pptx = Material.objects.filter(course=course).order_by("pk")
    assert (pdf.content_type, pdf.session, pdf.original_name) == ("application/pdf", session, "bai giang.pdf")
    assert pptx.content_type.endswith("presentationml.presentation") and pptx.title == "trinh-chieu.pptx"
    assert "bai" not in pdf.file.name and pdf.file.name.endswith(".pdf")
    fake = client.post(url, {"file": SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 executable", "application/pdf")})
    assert fake.status_code == 400
    assert "không phải PDF, PPTX, DOCX, XLSX, PNG, JPEG (kiểm tra theo nội dung tệp, không theo tên)" in \
        fake.content.decode()
    assert [e.action for e in _entries("material")] == ["create", "create"]
    served = client.get(f"/tap-huan/{course.code}/tai-lieu/{pdf.pk}/")
    assert served.status_code == 200 and b"".join(served.streaming_content) == PDF
    assert served["Content-Disposition"].startswith("attachment;") and served["X-Content-Type-Options"] == "nosniff"
    elsewhere = next(c for d in province_19.children.filter(code="167") for c in assessed_communes(d))
    outsider = client_for(make_user("canbo.khac", "commune_officer", elsewhere))
    assert outsider.get(f"/tap-huan/{course.code}/tai-lieu/{pdf.pk}/").status_code == 404
    deleted = client.post(f"/tap-huan/{course.code}/tai-lieu/{pptx.pk}/xoa/")
    assert deleted.status_code == 302 and not Material.objects.filter(pk=pptx.pk).exists()
    assert _entries("material")[-1].action == "delete"


@pytest.mark.parametrize(("name", "content", "kind"), [
    ("ke-hoach.docx", _office("word/document.xml"), "wordprocessingml.document"),
    ("so-lieu.xlsx", _office("xl/workbook.xml"), "spreadsheetml.sheet"),
    ("anh.jpg", b"\xff\xd8\xff\xe0 jpeg", "image/jpeg"),
    ("nen.zip", _office("thu-muc/tep.txt"), None),  # a ZIP archive that is no Office document
    ("trang.html", b"<html><script>alert(1)</script>", None),
])
def test_each_kind_of_material_is_known_by_its_content(client_for, organiser, course, settings, tmp_path, name,
                                                       content, kind):
    settings.MEDIA_ROOT = tmp_path
    response = client_for(organiser).post(f"/tap-huan/{course.code}/tai-lieu/moi/", {
        "file": SimpleUploadedFile(name, content, "application/pdf")})
    if kind is None:
        assert response.status_code == 400 and "kiểm tra theo nội dung tệp" in response.content.decode()
        assert not Material.objects.exists()
    else:
        assert response.status_code == 302 and Material.objects.get().content_type.endswith(kind)


def test_a_material_over_the_limit_is_refused_before_its_body_is_read(client_for, organiser, course, settings,
                                                                        tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.TRAINING_MATERIAL_MAX_BYTES = 1000
    client = client_for(organiser)
    url = f"/tap-huan/{course.code}/tai-lieu/moi/"
    big = b"%PDF-1.4\n" + b"0" * 200_000
    response = client.post(url, {"file": SimpleUploadedFile("lon.pdf", big, "application/pdf")})
    assert response.status_code == 413 and "Tệp vượt giới hạn" in response.content.decode()
    just_over = client.post(url, {"file": SimpleUploadedFile("lon.pdf", PDF + b"0" * 1000, "application/pdf")})
    assert just_over.status_code == 400 and "vượt giới hạn" in just_over.content.decode()
    assert not Material.objects.exists()


# --- bridge points and connections ------------------------------------------------------------------------------

def test_the_organiser_adds_bridge_points_one_main_at_most(client_for, organiser, course, main_point, host_commune,
                                                          host):
    client = client_for(organiser)
    url = f"/tap-huan/{course.code}/diem-cau/moi/"
    second_main = client.post(url, {"name": "Hội trường huyện", "is_main": "on", "host_unit": host_commune.code})
    assert second_main.status_code == 400
    assert f"Khoá đã có điểm cầu chính «{main_point.name}»" in second_main.content.decode()
    unknown_user = client.post(url, {"name": "Điểm cầu xã", "host_unit": host_commune.code, "host_user": "ai.do"})
    assert "Không có tài khoản đang hoạt động tên «ai.do»" in unknown_user.content.decode()
    ok = client.post(url, {"name": "Điểm cầu xã", "host_unit": host_commune.code, "capacity": "45",
                           "host_name": "Chủ tịch UBND xã", "host_user": host.username, "address": "Hội trường xã"})
    assert ok.status_code == 302
    point = BridgePoint.objects.get(course=course, name="Điểm cầu xã")
    assert (point.host_unit, point.capacity, point.host_user, point.is_main) == (host_commune, 45, host, False)
    assert _entries("bridgepoint")[-1].action == "create"


def test_a_host_edits_only_the_address_capacity_and_host_person_of_their_point(client_for, host, course, sub_point,
                                                                               province_19):
    response = client_for(host).post(f"/tap-huan/{course.code}/diem-cau/{sub_point.pk}/sua/", {
        "name": "Đổi tên", "is_main": "on", "host_unit": province_19.code, "address": "Nhà văn hoá xã",
        "capacity": "60", "host_name": "Bà Ma Thị Lan"})
    assert response.status_code == 302
    sub_point.refresh_from_db()
    assert (sub_point.name, sub_point.is_main, sub_point.address, sub_point.capacity) == (
        "Điểm cầu " + sub_point.host_unit.name, False, "Nhà văn hoá xã", 60)
    assert _entries("bridgepoint")[-1].after == {"address": "Nhà văn hoá xã", "capacity": 60,
                                                 "host_name": "Bà Ma Thị Lan"}


def test_the_host_reports_the_connection_per_session(client_for, host, course, session, sub_point):
    client = client_for(host)
    url = f"/tap-huan/{course.code}/diem-cau/{sub_point.pk}/buoi/{session.pk}/ket-noi/"
    page = client.get(f"/tap-huan/{course.code}/buoi/{session.pk}/").content.decode()
    assert f'action="{url}"' in page and "chưa báo" in page
    done = client.post(url, {f"p{sub_point.pk}-status": "failed", f"p{sub_point.pk}-note": "Mất điện"}, follow=True)
    assert "Mất kết nối" in done.content.decode()
    connection = Connection.objects.get(session=session, bridge_point=sub_point)
    assert (connection.status, connection.note, connection.recorded_by) == ("failed", "Mất điện", host)
    client.post(url, {f"p{sub_point.pk}-status": "connected", f"p{sub_point.pk}-note": "Mất điện"})
    client.post(url, {f"p{sub_point.pk}-status": "", f"p{sub_point.pk}-note": ""})
    assert not Connection.objects.filter(session=session).exists()
    assert [e.action for e in _entries("connection")] == ["create", "update", "delete"]
    assert _entries("connection")[1].before == {"status": "failed", "note": "Mất điện"}


def test_the_course_page_links_the_organisers_other_pages(client_for, organiser, host, course):
    from django.urls import reverse

    html = client_for(organiser).get(f"/tap-huan/{course.code}/").content.decode()
    for name, marker in (("training_registration_poster", "registration"), ("training_certificates", "certificates"),
                         ("training_evaluation_questions", "evaluation"), ("training_report", "course-report")):
        assert f'href="{reverse(name, args=[course.code])}" data-link="{marker}"' in html
    assert 'data-link="certificates"' not in client_for(host).get(f"/tap-huan/{course.code}/").content.decode()


def test_the_session_page_links_the_other_pages_only_when_they_exist(client_for, organiser, course, session):
    from django.urls import NoReverseMatch, reverse

    html = client_for(organiser).get(f"/tap-huan/{course.code}/buoi/{session.pk}/").content.decode()
    for name, marker in (("training_checkin_poster", "checkin-poster"),
                         ("training_attendance_import", "attendance-import")):
        try:
            url = reverse(name, args=[course.code, session.pk])
        except NoReverseMatch:
            assert f'data-link="{marker}"' not in html
        else:
            assert f'href="{url}" data-link="{marker}"' in html


# --- participants ----------------------------------------------------------------------------------------------------

def _person(catalogue, where, point=None, **changes) -> dict:
    data = {"full_name": "Lò Văn Minh", "position": "Trưởng xóm", "unit": where.code,
            "target_group": catalogue.hamlet_head.pk, "phone": "", "email": "",
            "bridge_point": point.pk if point else ""}
    data.update(changes)
    return data


def test_the_page_says_why_each_piece_of_personal_data_is_collected(client_for, organiser, course):
    html = client_for(organiser).get(f"/tap-huan/{course.code}/hoc-vien/").content.decode()
    assert "Dữ liệu cá nhân của người học (Nghị định 13/2023/NĐ-CP)" in html
    for why in ("để điểm danh và ghi giấy chứng nhận", "Để tính tỷ lệ cán bộ của từng đơn vị",
                "Chỉ để đối chiếu báo cáo điểm danh của phần mềm họp trực tuyến", "Nhật ký thay đổi không lưu"):
        assert why in html, why


def test_the_organiser_registers_at_any_point_the_host_at_theirs(client_for, organiser, host, course, main_point,
                                                                 sub_point, catalogue, host_commune):
    url = f"/tap-huan/{course.code}/hoc-vien/dang-ky/"
    assert client_for(organiser).post(url, _person(catalogue, host_commune, main_point)).status_code == 302
    by_organiser = Participant.objects.get(course=course, full_name="Lò Văn Minh")
    assert (by_organiser.registered_via, by_organiser.bridge_point, by_organiser.registered_by) == (
        RegisteredVia.ORGANISER, main_point, organiser)
    refused = client_for(host).post(url, _person(catalogue, host_commune, main_point, full_name="Hoàng Thị Mai"))
    assert refused.status_code == 400 and "Chọn điểm cầu trong danh sách" in refused.content.decode()
    nowhere = client_for(host).post(url, _person(catalogue, host_commune, full_name="Hoàng Thị Mai"))
    assert nowhere.status_code == 400 and "Chọn điểm cầu của bạn" in nowhere.content.decode()
    ok = client_for(host).post(url, _person(catalogue, host_commune, sub_point, full_name="Hoàng Thị Mai",
                                            phone="0988 123 456"))
    assert ok.status_code == 302
    by_host = Participant.objects.get(course=course, full_name="Hoàng Thị Mai")
    assert (by_host.registered_via, by_host.bridge_point, by_host.phone) == (RegisteredVia.HOST, sub_point,
                                                                             "0988123456")
    # the host sees the people of their point only; the organiser everyone
    host_page = client_for(host).get(f"/tap-huan/{course.code}/hoc-vien/").content.decode()
    assert "Hoàng Thị Mai" in host_page and "Lò Văn Minh" not in host_page
    organiser_page = client_for(organiser).get(f"/tap-huan/{course.code}/hoc-vien/").content.decode()
    assert "Hoàng Thị Mai" in organiser_page and "Lò Văn Minh" in organiser_page


@pytest.mark.parametrize(("changes", "message"), [
    ({"full_name": ""}, "Nhập họ và tên người học"),
    ({"phone": "12ab"}, "Số điện thoại «12ab» không hợp lệ"),
    ({"email": "hoa@"}, "Địa chỉ thư điện tử «hoa@» không hợp lệ"),
    ({"phone": "0912.345.678"}, "Khoá đã có người học đăng ký với số điện thoại «0912345678»"),
    ({"email": "HOA@example.vn"}, "Khoá đã có người học đăng ký với địa chỉ thư «hoa@example.vn»"),
    ({"unit": "00000"}, "Không có đơn vị mã «00000» còn hiệu lực ngày 11/10/2023"),
    ({"target_group": ""}, "Chọn nhóm đối tượng của người học"),
])
def test_a_registration_with_a_mistake_says_what_to_fix(client_for, organiser, course, sub_point, participant,
                                                        catalogue, host_commune, changes, message):
    before = Participant.objects.count()
    response = client_for(organiser).post(f"/tap-huan/{course.code}/hoc-vien/dang-ky/",
                                          _person(catalogue, host_commune, sub_point, **changes))
    assert response.status_code == 400 and message in response.content.decode()
    assert Participant.objects.count() == before


def test_the_audit_log_keeps_no_personal_data(client_for, organiser, course, sub_point, catalogue, host_commune):
    client = client_for(organiser)
    client.post(f"/tap-huan/{course.code}/hoc-vien/dang-ky/", _person(
        catalogue, host_commune, sub_point, full_name="Đinh Thị Riêng", phone="0911222333", email="rieng@example.vn"))
    person = Participant.objects.get(full_name="Đinh Thị Riêng")
    client.post(f"/tap-huan/{course.code}/hoc-vien/{person.pk}/sua/", _person(
        catalogue, host_commune, sub_point, full_name="Đinh Thị Riêng Tư", phone="0911222444",
        email="rieng@example.vn"))
    entries = _entries("participant")
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].after["personal_fields_changed"] == ["full_name", "phone"]
    logged = json.dumps([[e.object_repr, e.before, e.after, e.note] for e in entries], ensure_ascii=False)
    for secret in ("Riêng", "0911222", "rieng@", "Trưởng xóm"):
        assert secret not in logged, secret
    assert entries[0].object_repr == f"Học viên #{person.pk}"


def test_the_export_is_formula_safe_in_both_formats(client_for, organiser, course, participant):
    participant.full_name = '=HYPERLINK("http://x","bấm")'
    participant.save()
    client = client_for(organiser)
    response = client.get(f"/tap-huan/{course.code}/hoc-vien/xuat/", {"dinh-dang": "csv"})
    assert response["Content-Disposition"] == f'attachment; filename="hoc-vien-{course.code}.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Họ và tên", "Chức vụ", "Mã đơn vị"]
    assert rows[1][0] == "'" + participant.full_name and rows[1][5:7] == ["0912345678", "hoa@example.vn"]
    xlsx = client.get(f"/tap-huan/{course.code}/hoc-vien/xuat/", {"dinh-dang": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cell = sheet.cell(row=2, column=1)
    assert cell.value == participant.full_name and cell.data_type == "s"
    assert client.get(f"/tap-huan/{course.code}/hoc-vien/xuat/", {"dinh-dang": "pdf"}).status_code == 302


def test_erasing_a_person_keeps_the_figures(client_for, organiser, course, session, sub_point, participant):
    Attendance.objects.create(session=session, participant=participant, mode="online", bridge_point=sub_point,
                              method="zoom")
    figures = course_report(course)
    url = f"/tap-huan/{course.code}/hoc-vien/{participant.pk}/xoa-thong-tin/"
    unconfirmed = client_for(organiser).post(url, follow=True)
    assert "Chưa xoá: đánh dấu ô xác nhận" in unconfirmed.content.decode()
    assert Participant.objects.get(pk=participant.pk).erased_at is None
    response = client_for(organiser).post(url, {"confirm": "1"}, follow=True)
    assert "Đã xoá thông tin cá nhân của một người học" in response.content.decode()
    participant.refresh_from_db()
    assert (participant.full_name, participant.position, participant.phone, participant.email) == ("Đã xoá", "", "", "")
    assert participant.erased_at is not None and participant.unit_id and participant.target_group_id
    assert Attendance.objects.filter(participant=participant).count() == 1
    assert course_report(course) == figures
    entry = _entries("participant")[-1]
    assert entry.object_repr == f"Học viên #{participant.pk}" and entry.after["erased"] is True
    assert "Hoa" not in json.dumps([entry.before, entry.after, entry.note], ensure_ascii=False)
    again = client_for(organiser).post(url, {"confirm": "1"}, follow=True)
    assert "đã được xoá trước đó" in again.content.decode()


def test_erasing_a_whole_course_waits_for_its_end(client_for, organiser, course, session, main_point, participant,
                                                   catalogue, host_commune, today_is):
    other = Participant.objects.create(course=course, full_name="Vi Văn Sáng", unit=host_commune,
                                       target_group=catalogue.secretary, bridge_point=main_point,
                                       registered_via=RegisteredVia.HOST)
    Attendance.objects.create(session=session, participant=other, mode="in_person", bridge_point=main_point,
                              method="qr")
    figures = course_report(course)
    client = client_for(organiser)
    today_is(ENDS_ON)
    early = client.post(f"/tap-huan/{course.code}/hoc-vien/xoa-thong-tin/", {"confirm": "1"}, follow=True)
    assert "chỉ xoá thông tin của cả khoá sau khi khoá kết thúc" in early.content.decode()
    assert not Participant.objects.filter(erased_at__isnull=False).exists()
    today_is(ENDS_ON + dt.timedelta(days=1))
    done = client.post(f"/tap-huan/{course.code}/hoc-vien/xoa-thong-tin/", {"confirm": "1"}, follow=True)
    assert "Đã xoá thông tin cá nhân của 2 người học" in done.content.decode()
    assert set(Participant.objects.filter(course=course).values_list("full_name", flat=True)) == {"Đã xoá"}
    assert course_report(course) == figures
    assert len([e for e in _entries("participant") if e.after.get("erased")]) == 2


# --- the roll call ----------------------------------------------------------------------------------------------

def test_the_host_calls_the_roll_at_their_point(client_for, host, course, session, sub_point, participant, catalogue,
                                                host_commune):
    absent = Participant.objects.create(course=course, full_name="Nông Văn Vắng", unit=host_commune,
                                        target_group=catalogue.hamlet_head, bridge_point=sub_point,
                                        registered_via=RegisteredVia.HOST)
    scanned = Participant.objects.create(course=course, full_name="Triệu Thị Quét", unit=host_commune,
                                         target_group=catalogue.hamlet_head, bridge_point=sub_point,
                                         registered_via=RegisteredVia.HOST)
    Attendance.objects.create(session=session, participant=scanned, mode="online", bridge_point=sub_point,
                              method=AttendanceMethod.QR)
    client = client_for(host)
    url = f"/tap-huan/{course.code}/diem-cau/{sub_point.pk}/buoi/{session.pk}/diem-danh/"
    page = client.get(url).content.decode()
    assert "Nông Văn Vắng" in page and "Quét mã QR tại lớp" in page and 'data-present-count>1<' in page
    done = client.post(url, {"present": [participant.pk, scanned.pk]}, follow=True)
    assert "Đã lưu điểm danh: 2 người có mặt tại điểm cầu (thêm 1, bỏ 0)." in done.content.decode()
    row = Attendance.objects.get(session=session, participant=participant)
    assert (row.method, row.mode, row.bridge_point, row.recorded_by) == (
        AttendanceMethod.ROLL_CALL, AttendanceMode.ONLINE, sub_point, host)
    # unticking removes the roll call's row, never one recorded otherwise
    client.post(url, {"present": []})
    assert list(Attendance.objects.filter(session=session).values_list("participant", flat=True)) == [scanned.pk]
    entries = [e for e in _entries("session") if e.note.startswith("Điểm danh tại điểm cầu")]
    assert [e.after["added"] for e in entries] == [[participant.pk], []]
    assert entries[1].before["removed"] == [participant.pk]
    # someone registered elsewhere cannot be ticked here
    stranger = client.post(url, {"present": [absent.pk + 1000]})
    assert stranger.status_code == 400 and "không đăng ký tại điểm cầu" in stranger.content.decode()


def test_the_roll_call_at_the_main_point_counts_people_in_person(client_for, organiser, course, session, main_point,
                                                                 catalogue, host_commune):
    person = Participant.objects.create(course=course, full_name="Bế Văn Tới", unit=host_commune,
                                        target_group=catalogue.leader, bridge_point=main_point,
                                        registered_via=RegisteredVia.ORGANISER)
    client_for(organiser).post(f"/tap-huan/{course.code}/diem-cau/{main_point.pk}/buoi/{session.pk}/diem-danh/",
                               {"present": [person.pk]})
    assert Attendance.objects.get(participant=person).mode == AttendanceMode.IN_PERSON
    assert course_report(course).in_person == 1
