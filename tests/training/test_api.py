"""Training over the REST API: the courses a caller sees (with sessions, bridge points, connections and figures
counted from the rows), the participants as the pages scope them, registration and the roll call through the same
services, the API's one error format, and the operations documented in the OpenAPI document."""

from __future__ import annotations

import pytest

from nongthonso.audit.models import AuditEntry
from nongthonso.training.models import Attendance, AttendanceMethod, Connection, Participant, RegisteredVia
from nongthonso.training.reports import course_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def tokens(token_for, organiser, host, make_user, province_19):
    return {"organiser": token_for(organiser), "host": token_for(host),
            "viewer": token_for(make_user("xem.tinh", "viewer", province_19))}


def test_a_course_reads_with_its_sessions_points_connections_and_figures(call, tokens, course, session, main_point,
                                                                         sub_point, participant, host):
    Attendance.objects.create(session=session, participant=participant, mode="online", bridge_point=sub_point,
                              method="zoom")
    Connection.objects.create(session=session, bridge_point=sub_point, status="connected", note="Tốt")
    def listed(token):
        return {c["code"]: c for c in call("GET", "/api/training/courses?limit=500", token).json()["items"]}

    assert listed(tokens["viewer"])[course.code]["organised"] is False
    assert listed(tokens["organiser"])[course.code]["organised"] is True
    assert course.code not in listed(tokens["host"]) or listed(tokens["host"])[course.code]["organised"] is False
    data = call("GET", f"/api/training/courses/{course.code}", tokens["host"]).json()
    assert (data["title"], data["mode"], data["organiser"]["code"]) == (course.title, "hybrid", "19")
    assert data["topics"] == [{"code": "I.5", "title": "Chuyển đổi số trong xây dựng NTM", "group": "I",
                               "provenance": "quoted"}]
    assert [g["code"] for g in data["target_groups"]] == ["lanh-dao-xa-cds", "truong-xom"]
    assert data["sessions"][0] | {"starts_at": None, "ends_at": None} == {
        "id": session.pk, "kind": "theory", "title": session.title, "starts_at": None, "ends_at": None,
        "venue": session.venue, "visited_sites": [], "in_person": 0, "online": 1}
    points = {p["id"]: p for p in data["bridge_points"]}
    assert points[main_point.pk]["is_main"] and not points[sub_point.pk]["is_main"]
    assert (points[sub_point.pk]["registered"], points[sub_point.pk]["attended"]) == (1, 1)
    assert [(c["session"], c["status"], c["note"]) for c in points[sub_point.pk]["connections"]] == [
        (session.pk, "connected", "Tốt")]
    assert data["figures"] == {"registered": 1, "in_person": 0, "online": 1, "bridge_points": 1,
                               "sentence": course_report(course).sentence}
    assert data["hosted_points"] == [sub_point.pk] and data["organised"] is False


def test_participants_are_scoped_as_on_the_pages(call, tokens, course, main_point, sub_point, participant, catalogue,
                                                 host_commune, assert_error):
    Participant.objects.create(course=course, full_name="Hà Văn Chính", unit=host_commune,
                               target_group=catalogue.leader, bridge_point=main_point,
                               registered_via=RegisteredVia.ORGANISER)
    everyone = call("GET", f"/api/training/courses/{course.code}/participants", tokens["organiser"]).json()
    assert [p["full_name"] for p in everyone["items"]] == ["Hà Văn Chính", "Nguyễn Thị Hoa"]
    theirs = call("GET", f"/api/training/courses/{course.code}/participants", tokens["host"]).json()
    assert [p["id"] for p in theirs["items"]] == [participant.pk]
    assert theirs["items"][0] | {"registered_at": None} == {
        "id": participant.pk, "full_name": "Nguyễn Thị Hoa", "position": "Phó Chủ tịch UBND xã",
        "unit": {"id": host_commune.pk, "code": host_commune.code, "name": host_commune.name, "level": "xa"},
        "target_group": "lanh-dao-xa-cds", "phone": "0912345678", "email": "hoa@example.vn",
        "bridge_point": sub_point.pk, "registered_via": "organiser", "registered_at": None, "erased": False,
        "sessions_attended": 0}
    paged = call("GET", f"/api/training/courses/{course.code}/participants?limit=1&offset=1&bridge_point="
                        f"{main_point.pk}", tokens["organiser"]).json()
    assert (paged["count"], paged["limit"], paged["offset"], paged["items"]) == (1, 1, 1, [])
    error = assert_error(call("GET", f"/api/training/courses/{course.code}/participants", tokens["viewer"]), 403,
                         "role")
    assert "ban tổ chức khoá và người chủ trì" in error["message"]
    assert_error(call("GET", "/api/training/courses/khong-co/participants", tokens["organiser"]), 404, "not_found")


def test_a_host_registers_a_participant_at_their_point(call, tokens, course, sub_point, host, host_commune):
    before = AuditEntry.objects.count()
    response = call("POST", f"/api/training/courses/{course.code}/participants", tokens["host"], {
        "full_name": "Lò Văn Minh", "position": "Trưởng xóm", "unit": host_commune.code, "target_group": "truong-xom",
        "phone": "0977 000 111", "bridge_point": sub_point.pk})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["registered_via"], data["bridge_point"], data["phone"]) == ("host", sub_point.pk, "0977000111")
    person = Participant.objects.get(pk=data["id"])
    assert person.registered_by == host and AuditEntry.objects.count() == before + 1


def test_a_registration_that_does_not_fit_says_which_field_and_how(call, tokens, course, main_point, sub_point,
                                                                  participant, host_commune, assert_error):
    url = f"/api/training/courses/{course.code}/participants"
    body = {"full_name": "Lò Văn Minh", "unit": host_commune.code, "target_group": "truong-xom",
            "bridge_point": main_point.pk, "email": "hoa@example.vn"}
    error = assert_error(call("POST", url, tokens["host"], body), 422, "validation_error")
    fields = {d["field"]: d["message"] for d in error["details"]}
    assert set(fields) == {"bridge_point", "email"}
    assert fields["email"].startswith("Khoá đã có người học đăng ký với địa chỉ thư «hoa@example.vn»")
    assert "Chọn điểm cầu trong danh sách" in fields["bridge_point"]
    missing = assert_error(call("POST", url, tokens["organiser"], {"full_name": "A"}), 422, "validation_error")
    assert {d["field"] for d in missing["details"]} == {"unit", "target_group"}
    assert list(Participant.objects.filter(course=course)) == [participant]


def test_the_roll_call_through_the_api(call, tokens, course, session, main_point, sub_point, participant,
                                       assert_error):
    url = f"/api/training/courses/{course.code}/sessions/{session.pk}/bridge-points/{sub_point.pk}/attendance"
    done = call("PUT", url, tokens["host"], {"present": [participant.pk]}).json()
    assert done == {"added": [participant.pk], "removed": [], "present": [participant.pk]}
    row = Attendance.objects.get(participant=participant)
    assert (row.method, row.mode, row.bridge_point) == (AttendanceMethod.ROLL_CALL, "online", sub_point)
    assert call("PUT", url, tokens["host"], {"present": []}).json()["removed"] == [participant.pk]
    assert_error(call("PUT", url, tokens["host"], {"present": [participant.pk + 99]}), 422, "validation_error")
    main = f"/api/training/courses/{course.code}/sessions/{session.pk}/bridge-points/{main_point.pk}/attendance"
    assert_error(call("PUT", main, tokens["host"], {"present": []}), 403, "role")
    unknown = f"/api/training/courses/{course.code}/sessions/{session.pk}/bridge-points/999999/attendance"
    assert_error(call("PUT", unknown, tokens["host"], {"present": []}), 404, "not_found")
    assert_error(call("PUT", url, tokens["host"], {"present": "tất cả"}), 422, "validation_error")


def test_the_session_writes_need_the_csrf_token(course, sub_point, session, host, host_commune, assert_error):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(host)
    response = client.post(f"/api/training/courses/{course.code}/participants", data={
        "full_name": "A", "unit": host_commune.code, "target_group": "x"}, content_type="application/json")
    assert_error(response, 403, "csrf_failed")


def test_the_operations_are_documented():
    from django.test import Client

    doc = Client().get("/api/openapi.json").json()
    paths = doc["paths"]
    assert paths["/api/training/courses"]["get"]["tags"] == ["Tập huấn"]
    register = paths["/api/training/courses/{code}/participants"]["post"]
    assert register["summary"] == "Đăng ký một người học" and "registered_via" in register["description"]
    assert register["responses"]["403"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    participant = doc["components"]["schemas"]["ParticipantIn"]["properties"]
    assert "đối chiếu báo cáo điểm danh" in participant["phone"]["description"]
