"""Training reports on small hand-made courses: every figure of a course's report, the rounding rule of its sentence at
its edges, coverage with people deduplicated across courses, targets and headcounts, the user's scope; the pages,
downloads, command line and API that serve them; the headcounts import; the catalogue's loading."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from nongthonso.audit.models import AuditEntry
from nongthonso.core import registry
from nongthonso.core.imports import ImportFailed
from nongthonso.demo import training_2023
from nongthonso.training import catalogue
from nongthonso.training.models import (
    Attendance,
    AttendanceMethod,
    AttendanceMode,
    BridgePoint,
    Connection,
    ConnectionStatus,
    Course,
    CoverageTarget,
    Headcount,
    Mode,
    Participant,
    Provenance,
    RegisteredVia,
    Session,
    SessionKind,
    TargetGroup,
    Topic,
    TopicGroup,
)
from nongthonso.training.reports import OutOfScope, approximate, course_report, coverage, report_sentence
from nongthonso.training.reports_headcounts import import_headcounts

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = dt.date(2024, 3, 4)
DAI_TU, DINH_HOA = "171", "167"


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), ZONE)


@pytest.fixture(autouse=True)
def no_demo_course():
    """These tests count their own small courses: the demo's October 2023 course and headcounts are set aside (the
    demo's figures are tests/training/test_demo_course.py's)."""
    training_2023.clear()


@pytest.fixture
def units(unit_at):
    """Province 19, two of its districts, two communes of Đại Từ and one of Định Hóa, a hamlet of the first commune
    (the demo's units, as on 30/6/2023 — in force through 2024)."""
    from nongthonso.units.models import Unit

    dai_tu, dinh_hoa = unit_at(DAI_TU, "huyen"), unit_at(DINH_HOA, "huyen")
    c1, c2 = Unit.objects.valid_on(DAY).within(dai_tu).rural_communes().order_by("code")[:2]
    c3 = Unit.objects.valid_on(DAY).within(dinh_hoa).rural_communes().order_by("code").first()
    hamlet = Unit.objects.valid_on(DAY).filter(parent=c1).order_by("code").first()
    return {"province": unit_at("19", "tinh"), "dai_tu": dai_tu, "dinh_hoa": dinh_hoa, "c1": c1, "c2": c2, "c3": c3,
            "hamlet": hamlet}


@pytest.fixture
def groups():
    return {g.code: g for g in TargetGroup.objects.all()}


def make_course(code: str, organiser, *, day: dt.date = DAY, mode: str = Mode.HYBRID, title: str = "") -> Course:
    return Course.objects.create(code=code, title=title or f"Khoá {code}", organiser=organiser, starts_on=day,
                                 ends_on=day + dt.timedelta(days=2), mode=mode, organiser_name="VPĐP NTM tỉnh")


def session(course: Course, kind: str, start: dt.datetime, end: dt.datetime, title: str = "Buổi học") -> Session:
    return Session.objects.create(course=course, kind=kind, title=title, starts_at=start, ends_at=end)


def person(course: Course, name: str, *, unit=None, group=None, point=None, email="", phone="") -> Participant:
    return Participant.objects.create(course=course, full_name=name, unit=unit, target_group=group, email=email,
                                      phone=phone, bridge_point=point, registered_via=RegisteredVia.ORGANISER)


def present(s: Session, p: Participant, mode: str, point=None) -> Attendance:
    return Attendance.objects.create(session=s, participant=p, mode=mode, bridge_point=point,
                                     method=AttendanceMethod.QR if mode == AttendanceMode.IN_PERSON
                                     else AttendanceMethod.ZOOM)


@pytest.fixture
def hybrid(units, groups):
    """A hybrid course of the province: a theory day, a field visit over two days; the main point and three
    sub-points — A with people online, B only reporting its connection, C whose connection failed — and six
    registered people:

    - p1 (district staff, Đại Từ) in the room both sessions;
    - p2 (commune leader, c1) in the room at the theory session, online at A on the field visit: in both counts;
    - p3 (hamlet head, hamlet of c1) online at A;
    - p4 (commune leader, Định Hóa's commune) online from home (no point);
    - p5 (c2) registered at C, never attended; p6: no group, no unit, never attended.
    """
    course = make_course("khoa-lai", units["province"])
    theory = session(course, SessionKind.THEORY, at(DAY, 8), at(DAY, 17), "Lý thuyết")
    visit = session(course, SessionKind.FIELD_VISIT, at(DAY + dt.timedelta(days=1), 7),
                    at(DAY + dt.timedelta(days=2), 18), "Tham quan")
    main = BridgePoint.objects.create(course=course, name="Chính", is_main=True, host_unit=units["province"],
                                      capacity=100)
    a = BridgePoint.objects.create(course=course, name="A", host_unit=units["c1"], capacity=30)
    b = BridgePoint.objects.create(course=course, name="B", host_unit=units["dai_tu"])
    c = BridgePoint.objects.create(course=course, name="C", host_unit=units["c2"], capacity=20)
    Connection.objects.create(session=theory, bridge_point=b, status=ConnectionStatus.CONNECTED)
    Connection.objects.create(session=theory, bridge_point=c, status=ConnectionStatus.FAILED)
    p1 = person(course, "Nguyễn Văn Một", unit=units["dai_tu"], group=groups["can-bo-cds-huyen"], point=main)
    p2 = person(course, "Trần Thị Hai", unit=units["c1"], group=groups["lanh-dao-xa-cds"], point=main)
    p3 = person(course, "Lê Văn Ba", unit=units["hamlet"], group=groups["truong-xom"], point=a)
    p4 = person(course, "Phạm Thị Bốn", unit=units["c3"], group=groups["lanh-dao-xa-cds"])
    person(course, "Hoàng Văn Năm", unit=units["c2"], group=groups["he-thong-chinh-tri-co-so"], point=c)
    person(course, "Vũ Thị Sáu")
    present(theory, p1, AttendanceMode.IN_PERSON, main)
    present(visit, p1, AttendanceMode.IN_PERSON, main)
    present(theory, p2, AttendanceMode.IN_PERSON, main)
    present(visit, p2, AttendanceMode.ONLINE, a)
    present(theory, p3, AttendanceMode.ONLINE, a)
    present(theory, p4, AttendanceMode.ONLINE)
    return course


# --- the sentence ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("n", "text"), [
    (0, "0"), (7, "7"), (10, "10"), (11, "hơn 10"), (12, "12"), (19, "gần 20"), (50, "50"), (53, "hơn 50"),
    (55, "hơn 50"), (56, "56"), (57, "gần 60"), (180, "180"), (949, "hơn 900"), (950, "gần 1.000"),
    (987, "gần 1.000"), (999, "gần 1.000"), (1000, "1.000"), (1100, "hơn 1.000"), (1101, "1.101"),
    (9500, "gần 10.000"), (9499, "hơn 9.000"),
])
def test_a_number_near_a_round_figure_reads_as_it(n, text):
    # «gần X»: at most 5% below the next round figure; «hơn X»: at most 10% above the one below; else exact
    assert approximate(n) == text


def test_the_sentence_says_what_took_place():
    assert report_sentence(180, 987, 53) == "180 người trực tiếp, gần 1.000 học viên tại hơn 50 điểm cầu trực tuyến"
    assert report_sentence(25, 0, 0) == "25 người trực tiếp"
    assert report_sentence(0, 40, 0) == "40 học viên trực tuyến"
    assert report_sentence(0, 105, 4) == "hơn 100 học viên tại 4 điểm cầu trực tuyến"
    assert report_sentence(0, 120, 4) == "120 học viên tại 4 điểm cầu trực tuyến"
    assert report_sentence(0, 0, 0) == "0 người trực tiếp"


# --- a course's figures ---------------------------------------------------------------------------------------------

def test_every_figure_of_a_course_is_counted_from_its_rows(hybrid, units):
    r = course_report(hybrid)
    # people: p1 and p2 in the room; p2, p3, p4 online (p2 in both); six registered
    assert (r.registered, r.in_person, r.online) == (6, 2, 3)
    # points: A (online attendance) and B (connected); not C (failed, nobody), not the main point
    assert (r.bridge_points, r.bridge_points_registered) == (2, 3)
    assert r.sentence == "2 người trực tiếp, 3 học viên tại 2 điểm cầu trực tuyến"
    # sessions: the field visit covers two days; three days in all
    assert [(k.kind, k.sessions, k.days) for k in r.sessions_by_kind] == [("theory", 1, 1), ("field_visit", 1, 2)]
    assert r.days == 3
    assert [(s.title, s.days, s.in_person, s.online, s.bridge_points) for s in r.sessions] == [
        ("Lý thuyết", [DAY], 2, 2, 2),  # p3 at A, p4 from home; A by attendance, B by its connection
        ("Tham quan", [DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2)], 1, 1, 1),
    ]
    # by target group, those without one last
    assert [(g.code, g.registered, g.in_person, g.online) for g in r.participants_by_group] == [
        ("can-bo-cds-huyen", 1, 1, 0), ("lanh-dao-xa-cds", 2, 1, 2), ("truong-xom", 1, 0, 1),
        ("he-thong-chinh-tri-co-so", 1, 0, 0), ("", 1, 0, 0)]
    # by the unit just below the organiser (the province): the districts; no unit last
    assert [(u.code, u.registered, u.in_person, u.online) for u in r.participants_by_unit] == [
        (DAI_TU, 4, 2, 2), (DINH_HOA, 1, 0, 1), ("", 1, 0, 0)]
    assert r.by_bridge_point[0].name == "Chính"  # the main point first
    assert {p.name: (p.is_main, p.capacity, p.registered, p.attended, p.connected) for p in r.by_bridge_point} == {
        "Chính": (True, 100, 2, 2, 0), "A": (False, 30, 1, 2, 0), "B": (False, None, 0, 0, 1),
        "C": (False, 20, 1, 0, 0)}


def test_an_empty_course_reports_zeros(units):
    r = course_report(make_course("trong", units["dai_tu"], mode=Mode.IN_PERSON))
    assert (r.registered, r.in_person, r.online, r.bridge_points, r.days) == (0, 0, 0, 0, 0)
    assert r.sessions == [] and r.participants_by_group == [] and r.sentence == "0 người trực tiếp"


def test_the_json_has_the_keys_the_command_line_promises(hybrid):
    data = course_report(hybrid).to_dict()
    assert {"in_person", "online", "bridge_points", "sessions", "participants_by_group"} <= set(data)
    json.dumps(data)  # plain data: dates as text
    assert data["sessions"][0]["days"] == [DAY.isoformat()]


# --- coverage -------------------------------------------------------------------------------------------------------

def headcount(unit, group, count, year=2024):
    return Headcount.objects.create(unit=unit, target_group=group, year=year, count=count)


def trained(course_code, organiser, people, *, day=DAY):
    """A course held on ``day`` that ``people`` (name, unit, group, email, phone) attended online."""
    course = make_course(course_code, organiser, day=day)
    s = session(course, SessionKind.THEORY, at(day, 8), at(day, 17))
    for name, unit, group, email, phone in people:
        present(s, person(course, name, unit=unit, group=group, email=email, phone=phone), AttendanceMode.ONLINE)
    return course


def test_coverage_counts_each_person_once_across_courses(units, groups):
    lead, htct = groups["lanh-dao-xa-cds"], groups["he-thong-chinh-tri-co-so"]
    headcount(units["c1"], lead, 4)
    headcount(units["c2"], lead, 2)
    trained("k1", units["province"], [
        ("Nguyễn Văn An", units["c1"], lead, "An@Example.org", ""),
        ("Trần Văn Bình", units["c1"], lead, "", "+84 912 345 678"),
        ("Lê Thị Chi", units["c1"], lead, "", ""),
        ("Đỗ Văn Dũng", units["c2"], lead, "", ""),
    ])
    trained("k2", units["province"], [
        ("Nguyễn Văn An", units["c1"], lead, "an@example.org", ""),  # the same e-mail, another case
        ("Trần Văn Bình", units["c1"], lead, "", "0912345678"),  # the same phone, national form
        ("le  thi CHI", units["c1"], lead, "", ""),  # the same name folded, same unit
        ("Đỗ Văn Dũng", units["c1"], lead, "", ""),  # same name, another unit: another person
    ], day=DAY + dt.timedelta(days=30))
    c = coverage(DAI_TU, 2024)
    rows = {(r.unit_code, r.group_code): (r.headcount, r.trained, r.share) for r in c.rows}
    assert rows == {(units["c1"].code, lead.code): (4, 4, 100.0), (units["c2"].code, lead.code): (2, 1, 50.0)}
    total = next(t for t in c.totals if t.group_code == lead.code)
    assert (total.headcount, total.trained, total.share) == (6, 5, 83.3)
    # no own target: the grassroots target (≥ 80%) applies, and is met
    assert (total.target.group_code, total.target.share, total.met) == (htct.code, 80.0, True)
    [category] = c.categories
    assert (category.target.group_code, category.groups, category.headcount, category.trained) == (
        htct.code, [lead.label], 6, 5)


def test_an_erased_person_can_no_longer_be_matched(units, groups):
    lead = groups["lanh-dao-xa-cds"]
    headcount(units["c1"], lead, 3)
    for code in ("k1", "k2"):
        course = trained(code, units["province"], [("Nguyễn Văn An", units["c1"], lead, "an@example.org", "")])
    Participant.objects.filter(course=course).update(full_name="Đã xoá", email="", erased_at=at(DAY, 20))
    row = coverage(units["c1"].code, 2024).totals[0]
    assert row.trained == 2  # the erased row is a person of its own: the figures stay counted, not merged


def test_a_person_counts_for_the_deepest_unit_with_a_headcount(units, groups):
    heads = groups["truong-xom"]
    headcount(units["dai_tu"], heads, 10)  # the district's own count
    headcount(units["c1"], heads, 5)  # and the commune's, below it
    trained("k1", units["province"], [
        ("Hà Văn Xóm", units["hamlet"], heads, "", ""),  # a hamlet of c1: c1's headcount
        ("Ma Văn Huyện", units["c2"], heads, "", ""),  # c2 has none: the district's
        ("Nông Văn Khác", units["c3"], heads, "", ""),  # Định Hóa has none at all: unassigned
    ])
    c = coverage("19", 2024)
    rows = {(r.unit_code, r.group_code): (r.headcount, r.trained) for r in c.rows}
    assert rows == {(DAI_TU, heads.code): (15, 2)}
    assert c.unassigned == {heads.label: 1}
    # the district's table: its own headcount on its row, c1's on c1's, each person once
    c = coverage(DAI_TU, 2024)
    assert {(r.unit_code, r.trained, r.headcount) for r in c.rows} == {(DAI_TU, 1, 10), (units["c1"].code, 1, 5)}
    # the province's row for Đại Từ opens it; the commune's has nothing below it
    assert [r.drill for r in coverage("19", 2024).rows] == [True]


def test_trained_within_the_targets_period_up_to_the_year(units, groups):
    full_time = groups["chuyen-trach-ntm"]  # its own target: 100%, 2021-2025
    headcount(units["c1"], full_time, 4, year=2022)
    trained("truoc", units["province"], [("A", units["c1"], full_time, "a@x.vn", "")], day=dt.date(2020, 12, 31))
    trained("dau-ky", units["province"], [("B", units["c1"], full_time, "b@x.vn", "")], day=dt.date(2021, 1, 1))
    trained("trong-nam", units["province"], [("C", units["c1"], full_time, "c@x.vn", "")], day=dt.date(2022, 12, 31))
    trained("sau", units["province"], [("D", units["c1"], full_time, "d@x.vn", "")], day=dt.date(2023, 1, 1))
    [row] = coverage(units["c1"].code, 2022).totals
    assert (row.trained, row.share, row.met) == (2, 50.0, False)  # B and C: from 2021 to the end of 2022
    assert row.target.share == 100.0 and row.target.period_start == dt.date(2021, 1, 1)
    # a group with no target: within the year only
    other = groups["hoc-vien-khac"]
    headcount(units["c1"], other, 2, year=2022)
    trained("khac", units["province"], [("E", units["c1"], other, "e@x.vn", "")], day=dt.date(2021, 5, 1))
    trained("khac-2022", units["province"], [("F", units["c1"], other, "f@x.vn", "")], day=dt.date(2022, 5, 1))
    row = next(r for r in coverage(units["c1"].code, 2022).totals if r.group_code == other.code)
    assert (row.trained, row.target, row.met) == (1, None, None)


def test_a_province_target_of_its_own_replaces_the_kind_of_cadre(units, groups):
    heads = groups["truong-xom"]
    CoverageTarget.objects.create(target_group=heads, period_start=dt.date(2024, 1, 1),
                                  period_end=dt.date(2024, 12, 31), share=Decimal("50"), source="KH của tỉnh",
                                  provenance=Provenance.PROVINCE)
    headcount(units["c1"], heads, 2)
    trained("k", units["province"], [("A", units["hamlet"], heads, "", "")])
    [row] = coverage(units["c1"].code, 2024).totals
    assert (row.share, row.target.share, row.target.group_code, row.met) == (50.0, 50.0, heads.code, True)


def test_coverage_reads_only_the_users_scope(units, groups, make_user):
    lead = groups["lanh-dao-xa-cds"]
    headcount(units["c1"], lead, 2)
    headcount(units["c3"], lead, 2)
    trained("k", units["province"], [("A", units["c1"], lead, "", ""), ("B", units["c3"], lead, "", "")])
    organiser = make_user("to-chuc-dai-tu", "training_organiser", units["dai_tu"])
    with pytest.raises(OutOfScope, match="ngoài phạm vi"):
        coverage("19", 2024, organiser)
    c = coverage(DAI_TU, 2024, organiser)
    assert [(r.unit_code, r.trained) for r in c.rows] == [(units["c1"].code, 1)]
    # the province office reads it all (it carries the training actions)
    office = make_user("vp-tinh", "province_office", units["province"])
    assert {r.unit_code for r in coverage("19", 2024, office).rows} == {DAI_TU, DINH_HOA}


# --- pages and downloads ---------------------------------------------------------------------------------------------

def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_course_report_page_shows_the_figures_to_who_may_see_the_course(hybrid, units, make_user):
    organiser = make_user("to-chuc", "training_organiser", units["province"])
    response = signed_in(organiser).get("/tap-huan/khoa-lai/bao-cao/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 người trực tiếp, 3 học viên tại 2 điểm cầu trực tuyến" in html
    assert 'data-figure="bridge_points"><b>2/3</b>' in html
    # a host of another district sees no such course
    outsider = make_user("diem-cau", "bridge_host", units["dinh_hoa"])
    assert signed_in(outsider).get("/tap-huan/khoa-lai/bao-cao/").status_code == 404
    assert signed_in(outsider).get("/tap-huan/khoa-lai/bao-cao.xlsx").status_code == 404
    assert Client().get("/tap-huan/khoa-lai/bao-cao/").status_code == 302  # a login first


def test_the_course_report_downloads(hybrid, units, make_user):
    client = signed_in(make_user("to-chuc", "training_organiser", units["province"]))
    xlsx = client.get("/tap-huan/khoa-lai/bao-cao.xlsx")
    assert xlsx["Content-Disposition"] == 'attachment; filename="bao-cao-tap-huan-khoa-lai.xlsx"'
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(xlsx.content))
    summary = {row[0]: row[1] for row in wb["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert (summary["Dự trực tiếp"], summary["Dự trực tuyến"], summary["Điểm cầu trực tuyến có tham dự"]) == (2, 3, 2)
    assert summary["Tóm tắt"] == "2 người trực tiếp, 3 học viên tại 2 điểm cầu trực tuyến"
    docx = client.get("/tap-huan/khoa-lai/bao-cao.docx")
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    text = zipfile.ZipFile(io.BytesIO(docx.content)).read("word/document.xml").decode()
    assert "2 người trực tiếp, 3 học viên tại 2 điểm cầu trực tuyến" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text


def test_a_course_title_that_looks_like_a_formula_stays_text(units, make_user):
    make_course("cong-thuc", units["province"], title='=HYPERLINK("http://x.invalid","bấm")')
    xlsx = signed_in(make_user("to-chuc", "training_organiser", units["province"])).get(
        "/tap-huan/cong-thuc/bao-cao.xlsx")
    from openpyxl import load_workbook

    cell = load_workbook(io.BytesIO(xlsx.content))["Tổng hợp"]["B2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x.invalid","bấm")', "s")


def test_the_coverage_page_in_and_out_of_scope(units, groups, make_user):
    lead = groups["lanh-dao-xa-cds"]
    headcount(units["c1"], lead, 2)
    trained("k", units["province"], [("A", units["c1"], lead, "", "")])
    organiser = signed_in(make_user("to-chuc-dai-tu", "training_organiser", units["dai_tu"]))
    page = organiser.get("/tap-huan/do-bao-phu/")  # the user's unit, the latest year with headcounts
    html = page.content.decode()
    assert page.status_code == 200 and "Huyện Đại Từ, năm 2024" in html
    assert f'data-unit="{units["c1"].code}" data-group="{lead.code}"' in html and "50,0%" in html
    refused = organiser.get("/tap-huan/do-bao-phu/?unit=19&year=2024")
    assert refused.status_code == 403 and "nằm ngoài phạm vi được giao" in refused.content.decode()
    assert organiser.get("/tap-huan/do-bao-phu/?year=hai").status_code == 400
    assert organiser.get("/tap-huan/do-bao-phu.xlsx?unit=19&year=2024").status_code == 403
    download = organiser.get("/tap-huan/do-bao-phu.docx?year=2024")
    assert download["Content-Disposition"] == f'attachment; filename="do-bao-phu-tap-huan-{DAI_TU}-2024.docx"'
    nobody = signed_in(make_user("khong-vai-tro"))
    assert nobody.get("/tap-huan/do-bao-phu/").status_code == 403


# --- the command line and the API --------------------------------------------------------------------------------

def test_the_command_line_reports_a_course(hybrid, tmp_path):
    out = io.StringIO()
    call_command("report", "training", "--course", "khoa-lai", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["in_person"], data["online"], data["bridge_points"]) == (2, 3, 2)
    assert [s["kind"] for s in data["sessions"]] == ["theory", "field_visit"]
    assert data["participants_by_group"][0] == {"code": "can-bo-cds-huyen", "name": "Cán bộ tham mưu chuyển đổi "
                                                "số trong xây dựng NTM cấp huyện", "registered": 1, "in_person": 1,
                                                "online": 0}
    out = io.StringIO()
    call_command("report", "training", "--course", "khoa-lai", stdout=out)
    assert "2 người trực tiếp, 3 học viên tại 2 điểm cầu trực tuyến." in out.getvalue()
    call_command("report", "training", "--course", "khoa-lai", "--format", "xlsx", "--output",
                 str(tmp_path / "k.xlsx"), stderr=io.StringIO())
    assert zipfile.is_zipfile(tmp_path / "k.xlsx")
    with pytest.raises(CommandError, match="Không có khoá tập huấn mã «khong-co»"):
        call_command("report", "training", "--course", "khong-co")
    with pytest.raises(CommandError, match="cần --course"):
        call_command("report", "training")
    with pytest.raises(CommandError, match="--unit chỉ dùng cho báo cáo summary"):
        call_command("report", "training", "--course", "khoa-lai", "--unit", "19")
    with pytest.raises(CommandError, match="--course không dùng cho báo cáo summary"):
        call_command("report", "summary", "--course", "khoa-lai")


def test_the_api_serves_the_report_to_who_may_see_the_course(hybrid, units, make_user, token_for, call,
                                                              assert_error):
    organiser = make_user("to-chuc", "training_organiser", units["province"])
    response = call("GET", "/api/training/courses/khoa-lai/report", token_for(organiser))
    assert response.status_code == 200
    body = response.json()
    assert body == json.loads(json.dumps(course_report(hybrid).to_dict()))
    outsider = make_user("diem-cau", "bridge_host", units["dinh_hoa"])
    assert_error(call("GET", "/api/training/courses/khoa-lai/report", token_for(outsider)), 404, "not_found")
    assert call("GET", "/api/training/courses/khoa-lai/report").status_code == 401
    schema = call("GET", "/api/openapi.json", token_for(organiser)).json()
    assert "/api/training/courses/{code}/report" in schema["paths"] and "/api/training/coverage" in schema["paths"]


def test_the_api_serves_the_coverage_in_scope(units, groups, make_user, token_for, call, assert_error):
    lead = groups["lanh-dao-xa-cds"]
    headcount(units["c1"], lead, 4)
    trained("k", units["province"], [("A", units["c1"], lead, "", "")])
    token = token_for(make_user("to-chuc-dai-tu", "training_organiser", units["dai_tu"]))
    body = call("GET", "/api/training/coverage?year=2024", token).json()
    assert (body["unit_code"], body["totals"][0]["trained"], body["totals"][0]["share"]) == (DAI_TU, 1, 25.0)
    assert_error(call("GET", "/api/training/coverage?unit=19&year=2024", token), 403, "scope")
    assert_error(call("GET", "/api/training/coverage?unit=99999&year=2024", token), 404, "not_found")


def test_report_kinds_are_a_registry_entry():
    entry = registry.get(registry.ReportKind, "training")
    assert [o.name for o in entry.options] == ["course"] and "json" in entry.formats


# --- headcounts ----------------------------------------------------------------------------------------------------

def csv_file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "so-can-bo.csv"
    path.write_text("\n".join(["unit_code,target_group,year,count", *rows]) + "\n", encoding="utf-8")
    return path


def test_headcounts_import_all_or_nothing_audited(tmp_path, units, groups, make_user):
    organiser = make_user("to-chuc-dai-tu", "training_organiser", units["dai_tu"])
    c1 = units["c1"].code
    path = csv_file(tmp_path, f"{c1},truong-xom,2024,12", f"{c1},Lãnh đạo UBND xã phụ trách chuyển đổi số,2024,2",
                    f"{DAI_TU},can bo tham muu chuyen doi so trong xay dung ntm cap huyen,2024,1.234")
    dry = import_headcounts(path, dry_run=True, user=organiser)
    assert (dry.created, Headcount.objects.filter(year=2024).count()) == (3, 0)
    result = import_headcounts(path, user=organiser)
    assert result.created == 3
    assert sorted(Headcount.objects.filter(year=2024).values_list("target_group__code", "count")) == [
        ("can-bo-cds-huyen", 1234), ("lanh-dao-xa-cds", 2), ("truong-xom", 12)]
    assert AuditEntry.objects.filter(model="training.headcount", action="create").count() == 3
    # the same file again changes nothing; a new count updates, audited with the one before
    assert import_headcounts(path, user=organiser).unchanged == 3
    import_headcounts(csv_file(tmp_path, f"{c1},truong-xom,2024,13"), user=organiser)
    entry = AuditEntry.objects.filter(model="training.headcount", action="update").get()
    assert (entry.before["count"], entry.after["count"]) == (12, 13)


def test_a_bad_headcounts_file_writes_nothing_and_says_why(tmp_path, units, make_user):
    organiser = make_user("to-chuc-dai-tu", "training_organiser", units["dai_tu"])
    c1, c3 = units["c1"].code, units["c3"].code
    path = csv_file(tmp_path, f"{c1},khong-co,2024,3", f"{c1},truong-xom,2024,-1", f"{c1},truong-xom,hai,3",
                    "99999,truong-xom,2024,3", f"{c3},truong-xom,2024,3", f"{c1},truong-xom,2024,3",
                    f"{c1},Trưởng xóm,2024,4")
    before = (Headcount.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ImportFailed) as failed:
        import_headcounts(path, user=organiser)
    messages = [str(e) for e in failed.value.errors]
    assert messages[0].startswith("Dòng 2, cột «target_group» (giá trị «khong-co»): không có nhóm đối tượng này")
    assert messages[1].startswith("Dòng 3, cột «count» (giá trị «-1»): số cán bộ không hợp lệ")
    assert messages[2].startswith("Dòng 4, cột «year» (giá trị «hai»): năm không hợp lệ")
    assert messages[3].startswith("Dòng 5, cột «unit_code» (giá trị «99999»): không có đơn vị hành chính mã 99999")
    assert messages[4].startswith(f"Dòng 6, cột «unit_code» (giá trị «{c3}»): Bạn không được nhập số cán bộ")
    assert messages[5].startswith(f"Dòng 8, cột «unit_code» (giá trị «{c1}»): trùng với dòng 7")
    assert len(messages) == 6
    assert (Headcount.objects.count(), AuditEntry.objects.count()) == before
    viewer = make_user("xem", "viewer", units["province"])
    with pytest.raises(ImportFailed, match="Chỉ ban tổ chức tập huấn"):
        import_headcounts(csv_file(tmp_path, f"{c1},truong-xom,2024,3"), user=viewer)


def test_headcounts_export_back_in_the_import_columns(tmp_path, units, groups):
    headcount(units["c1"], groups["truong-xom"], 7)
    out = tmp_path / "xuat.csv"
    call_command("export", "training_headcounts", "--unit", DAI_TU, "--year", "2024", "--output", str(out),
                 stdout=io.StringIO(), stderr=io.StringIO())
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines == ["unit_code,target_group,year,count", f"{units['c1'].code},truong-xom,2024,7"]
    Headcount.objects.all().delete()
    assert import_headcounts(out).created == 1


# --- the catalogue ---------------------------------------------------------------------------------------------------

def test_the_catalogue_is_loaded_once_and_never_overwrites_the_provinces_corrections():
    assert list(Topic.objects.filter(province__isnull=True).values_list("code", flat=True)) == [
        *(f"I.{i}" for i in range(1, 7)), *(f"II.{i}" for i in range(1, 10)), *(f"III.{i}" for i in range(1, 5))]
    topic = Topic.objects.get(code="II.3")
    assert (topic.provenance, topic.title) == ("placeholder", "Chuyên đề II.3 (tên theo QĐ 3360, chưa đối chiếu)")
    assert [(g.code, g.provenance) for g in TopicGroup.objects.all()] == [
        ("I", "secondary"), ("II", "secondary"), ("III", "secondary")]
    assert TopicGroup.objects.get(code="I").title == ("Nhóm I: các nội dung cơ bản về xây dựng nông thôn mới (06 "
                                                      "chuyên đề)")
    Topic.objects.filter(code="II.3").update(title="Tên đúng theo quyết định", provenance="quoted")
    assert catalogue.load() == {"topic_groups": 0, "topics": 0, "target_groups": 0, "coverage_targets": 0}
    assert Topic.objects.get(code="II.3").title == "Tên đúng theo quyết định"
    assert sorted(CoverageTarget.objects.values_list("target_group__code", "share")) == [
        ("chuyen-trach-ntm", Decimal("100.00")), ("he-thong-chinh-tri-co-so", Decimal("80.00"))]


def test_unloading_the_catalogue_refuses_while_a_course_uses_it(units):
    course = make_course("dung-chuyen-de", units["province"])
    course.topics.add(Topic.objects.get(code="I.1"))
    Participant.objects.create(course=course, full_name="A", target_group=TargetGroup.objects.get(code="truong-xom"),
                               registered_via=RegisteredVia.ORGANISER)
    with pytest.raises(catalogue.CatalogueInvalid, match="còn được dùng bởi A"):
        catalogue.unload()
    assert (Topic.objects.count(), CoverageTarget.objects.count()) == (19, 2)  # nothing removed
    Participant.objects.filter(course=course).delete()
    catalogue.unload()  # the migration reversed
    assert (Topic.objects.count(), TargetGroup.objects.count(), CoverageTarget.objects.count()) == (0, 0, 0)
    catalogue.load()
    assert Topic.objects.count() == 19
