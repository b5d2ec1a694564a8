"""The demo's October 2023 course, rebuilt from raw records, reproduces the province's report: «180 người trực tiếp,
gần 1.000 học viên tại hơn 50 điểm cầu trực tuyến», two days of theory (11-12/10) and three of field visits
(13-15/10) — every figure counted from its synthetic rows, as the seed describes them."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from nongthonso.demo import training_2023
from nongthonso.training.models import Attendance, BridgePoint, Course, Headcount, Lecturer, Participant
from nongthonso.training.reports import course_report, coverage
from nongthonso.training.scope import visible_courses
from nongthonso.units.models import Unit

pytestmark = pytest.mark.django_db

# the province's report (2023): «… 180 người … và gần 1.000 cán bộ, học viên tại hơn 50 điểm cầu trực tuyến»
SEED_SENTENCE = "180 người trực tiếp, gần 1.000 học viên tại hơn 50 điểm cầu trực tuyến"
OLD_DISTRICTS = {"164", "165", "167", "168", "169", "170", "171", "172", "173"}


@pytest.fixture
def course() -> Course:
    return Course.objects.select_related("organiser").get(code=training_2023.CODE)


def test_the_computed_sentence_reproduces_the_seed(course):
    report = course_report(course)
    assert report.sentence == SEED_SENTENCE
    assert (report.in_person, report.online, report.bridge_points) == (180, 987, 53)
    assert report.bridge_points_registered == 55  # two sub-points lost the connection and saw nobody
    assert report.registered == 180 + 987 + 25  # 25 registered online never connected


def test_two_days_of_theory_then_three_of_field_visits(course):
    report = course_report(course)
    assert [(k.kind, k.sessions, k.days) for k in report.sessions_by_kind] == [("theory", 2, 2),
                                                                              ("field_visit", 3, 3)]
    assert [(s.kind, s.days) for s in report.sessions] == [
        ("theory", [dt.date(2023, 10, 11)]), ("theory", [dt.date(2023, 10, 12)]),
        ("field_visit", [dt.date(2023, 10, 13)]), ("field_visit", [dt.date(2023, 10, 14)]),
        ("field_visit", [dt.date(2023, 10, 15)])]
    visited = [site for s in report.sessions for site in s.visited_sites]
    for model in ("chuyển đổi số", "nông nghiệp sinh thái", "nông thôn hiện đại", "nông dân thông minh", "OCOP xanh",
                  "du lịch nông thôn"):
        assert any(model in site for site in visited), model
    # online only on the theory days; nobody online on the field visits
    assert [s.online > 0 for s in report.sessions] == [True, True, False, False, False]


def test_the_course_is_the_reports(course):
    assert course.title == ("Tập huấn nâng cao năng lực cho cán bộ các cấp về chuyển đổi số trong xây dựng nông thôn "
                            "mới")
    assert (course.starts_on, course.ends_on, course.mode) == (dt.date(2023, 10, 11), dt.date(2023, 10, 15), "hybrid")
    assert "154/KH-UBND" in course.plan and course.organiser.code == "19"
    lecturers = dict(Lecturer.objects.filter(course=course).values_list("name", "organisation"))
    assert lecturers["TS. Nguyễn Tiến Dũng"] == "Trường Đại học Kỹ thuật Công nghiệp, Đại học Thái Nguyên"
    assert lecturers["ThS. Nguyễn Thị Như Trang"] == "Hợp tác xã Trà Sơn Dung"


def test_who_came_in_person_is_who_the_report_names(course):
    groups = {g.code: (g.registered, g.in_person) for g in course_report(course).participants_by_group}
    assert groups["can-bo-cds-huyen"][1] == 18  # 2 × 9 districts
    assert groups["lanh-dao-xa-cds"] == (126, 126)  # the leader of each rural commune
    assert groups["bi-thu-chi-bo"][1] == groups["truong-xom"][1] == 18  # 3 hamlets × 6 pilot communes
    # each checked in by QR code at the main point on at least one theory day
    main = BridgePoint.objects.get(course=course, is_main=True)
    in_person = Participant.objects.filter(course=course, attendance__mode="in_person").distinct()
    assert in_person.count() == 180
    assert all(p.bridge_point_id == main.pk for p in in_person)
    assert in_person.filter(attendance__method="qr").distinct().count() == 180


def test_sub_points_span_the_old_districts_on_the_day(course):
    points = BridgePoint.objects.filter(course=course, is_main=False).select_related("host_unit__parent")
    districts = {p.host_unit.code if p.host_unit.parent.code == "19" else p.host_unit.parent.code for p in points}
    assert districts == OLD_DISTRICTS
    assert all(p.host_unit.is_valid_on(dt.date(2023, 10, 11)) for p in points)
    assert Unit.objects.get(pk=course.organiser_id).is_valid_on(dt.date(2023, 10, 11))


def test_every_row_is_synthetic(course):
    assert course.synthetic
    assert not Participant.objects.filter(course=course, synthetic=False).exists()
    assert not Attendance.objects.filter(session__course=course, synthetic=False).exists()
    assert not Headcount.objects.filter(synthetic=False).exists()
    assert Participant.objects.filter(course=course).exclude(email="").exclude(email__endswith=".invalid").count() == 0


def test_the_demo_rebuilds_the_same_course():
    before = (Participant.objects.count(), Attendance.objects.count(), Headcount.objects.count())
    training_2023.build()
    assert (Participant.objects.count(), Attendance.objects.count(), Headcount.objects.count()) == before
    assert course_report(Course.objects.get(code=training_2023.CODE)).sentence == SEED_SENTENCE


def test_coverage_is_computed_from_the_2023_headcounts():
    c = coverage("19", 2023)
    assert {r.unit_code for r in c.rows} == OLD_DISTRICTS
    assert all(r.share is not None and 0 < r.share <= 100 for r in c.totals)
    categories = {k.target.group_code: k for k in c.categories}
    assert set(categories) == {"chuyen-trach-ntm", "he-thong-chinh-tri-co-so"}
    assert categories["he-thong-chinh-tri-co-so"].target.share == 80.0
    assert set(categories["he-thong-chinh-tri-co-so"].groups) == {
        "Lãnh đạo UBND xã phụ trách chuyển đổi số", "Bí thư chi bộ", "Trưởng xóm", "Cán bộ hệ thống chính trị cơ sở"}
    leaders = next(t for t in c.totals if t.group_code == "lanh-dao-xa-cds")
    assert leaders.trained == 126 and c.unassigned == {}


def test_the_command_line_and_the_demo_users_see_it(course, development_settings):
    out = io.StringIO()
    call_command("report", "training", "--course", training_2023.CODE, "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["in_person"], data["online"], data["bridge_points"], data["sentence"]) == (180, 987, 53,
                                                                                            SEED_SENTENCE)
    call_command("demo_users", stdout=io.StringIO())
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    organiser, host = users.get(username="taphuan.tinh"), users.get(username="diemcau.lamvy")
    for user in (organiser, host):  # granted on today's units, reaching the 2023 ones by lineage
        assert visible_courses(user).filter(pk=course.pk).exists()
        client = Client()
        client.force_login(user)
        page = client.get(f"/tap-huan/{training_2023.CODE}/bao-cao/")
        assert page.status_code == 200 and SEED_SENTENCE in page.content.decode()


@pytest.fixture
def development_settings(settings):
    settings.DEBUG = True  # demo_users refuses to run with DEBUG off
