"""The work queue (``/ho-so/``): only the dossiers the user can move on now, one row per dossier with its unit, set,
state, age and the one next step, oldest first, filtered and paged, in a bounded number of queries.

Today is the real date (after 1/7/2025): the 2026 dossiers of the new province follow the two-tier workflow; tests
of the three-tier one say ``before_two_tier``.
"""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from nongthonso.assessments import definitions, queue
from nongthonso.assessments.models import Assessment, State, WorkflowEvent
from nongthonso.assessments.workflow import awaiting, perform
from nongthonso.criteria.choices import Level
from nongthonso.demo.thai_nguyen_2026 import SET_2026
from nongthonso.recognition.models import Decision
from nongthonso.recognition.services import statuses_on

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _open_2023_dossiers():
    """(Overrides the folder's: the demo's 2022/2023 dossiers stay approved, as published.)"""


def _rows(client, query: str = "") -> list[dict]:
    """The queue's rows as the page shows them: dossier id, next step, and each cell's text."""
    html = client.get("/ho-so/" + query).content.decode()
    rows = []
    for pk, step, cells in re.findall(r'<tr data-dossier="(\d+)" data-next="(\w+)">(.*?)</tr>', html, re.S):
        text = {col: " ".join(re.sub(r"<[^>]+>", "", value).split())
                for col, value in re.findall(r'<td data-col="(\w+)"[^>]*>(.*?)</td>', cells, re.S)}
        link = re.search(r'href="([^"]+)"', cells).group(1)
        rows.append({"pk": int(pk), "step": step, "link": link, **text})
    return rows


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def province_office(make_user, new_unit):
    """``province_office(name="tinh")``: a member of the new province's office."""

    def member(name: str = "tinh"):
        return make_user(name, "province_office", new_unit("19", "tinh"))

    return member


@pytest.fixture
def submitted(make_user, dossier_2026):
    """``submitted(commune, officer_name)``: the commune's 2026 dossier submitted by its officer (today), and the
    officer."""

    def submit(commune, officer_name: str):
        officer = make_user(officer_name, "commune_officer", commune)
        a = dossier_2026(commune)
        perform(a, "submit", officer)
        return a, officer

    return submit


def test_a_district_sees_a_submitted_dossier_once_with_its_set_state_age_and_next_step(before_two_tier,
                                                                                       assessed_communes, dai_tu,
                                                                                       dossier, make_user,
                                                                                       put_in_state):
    # given a 2023 dossier of a Đại Từ commune submitted by its officer
    commune = assessed_communes(dai_tu)[0]
    a = put_in_state(dossier(commune), State.DRAFT)
    perform(a, "submit", make_user("canbo", "commune_officer", commune))
    district = make_user("huyen", "district_office", dai_tu)
    # the district may verify it or return it: two steps …
    assert awaiting(district, "verify").filter(pk=a.pk).exists() and awaiting(district, "return").filter(
        pk=a.pk).exists()

    # … and the queue has one row for it: its unit, set, state, age, and the step that moves it on
    rows = [r for r in _rows(_client(district)) if r["pk"] == a.pk]
    assert rows == [{
        "pk": a.pk, "step": "verify", "link": f"/ho-so/{a.pk}/#buoc-verify",
        "unit": f"{commune.name}, Huyện Đại Từ", "year": "2023",
        "set": "Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2021-2025",
        "state": "Đã gửi, chờ huyện xác nhận", "waited": "hôm nay", "next": "Xác nhận hồ sơ"}]
    # the link leads to the step's form on the dossier page
    page = _client(district).get(f"/ho-so/{a.pk}/").content.decode()
    assert 'id="buoc-verify"' in page


def test_the_province_is_not_asked_to_decide_for_communes_recognised_already(province_office):
    office = province_office()
    today = timezone.localdate()
    # the demo left its 2022 and 2025 dossiers approved: the workflow alone says hundreds wait for a decision …
    approved = awaiting(office, "record_decision")
    assert approved.count() > 300
    listed = {r["pk"] for r in _rows(_client(office), "?state=approved")}
    waiting = set(queue.queue(office).filter(next_step="record_decision").values_list("pk", flat=True))
    assert listed <= waiting and len(listed) == min(len(waiting), queue.PAGE_SIZE)
    # … but the queue keeps only those of communes in force that hold no decision at the set's level (or above)
    # from the dossier's year on
    kept = Assessment.objects.filter(pk__in=waiting).select_related("unit", "criteria_set")
    assert kept and all(a.unit.valid_to is None or a.unit.valid_to >= today for a in kept)
    def held(a):
        return [statuses_on([a.unit], day, merger_rule=False)[a.unit.pk].holds(a.criteria_set.level)
                for day in (dt.date(a.year, 1, 1), today)]

    assert all(held(a) == [False, False] for a in kept)
    dropped = approved.exclude(pk__in=waiting).select_related("unit", "criteria_set")
    recognised = [a for a in dropped if a.unit.valid_to is None or a.unit.valid_to >= today]
    assert recognised and all(any(held(a)) for a in recognised)
    assert dropped.filter(unit__valid_to__lt=today).exists()  # the communes merged on 1/7/2025: no decision now


def test_a_recognition_decision_takes_a_dossier_out_of_the_province_queue(province_office, submitted, lam_vy):
    # given a 2026 dossier approved by the province, its commune not recognised under any decision since 2026
    office = province_office()
    a, _officer = submitted(lam_vy, "canbo")
    perform(a, "approve", office)
    assert [r["step"] for r in _rows(_client(office)) if r["pk"] == a.pk] == ["record_decision"]

    # when the province imports a decision recognising the commune (not through the dossier's own step) …
    decision = Decision.objects.create(number="77/QĐ-UBND", date=timezone.localdate(), authority="UBND tỉnh",
                                       kind="recognition", level=Level.XA_NTM, for_year=2026)
    decision.units.add(a.unit)
    # … the dossier no longer waits for one, though its state has not changed
    assert Assessment.objects.get(pk=a.pk).state == State.APPROVED
    assert a.pk not in {r["pk"] for r in _rows(_client(office))}

    # a revocation dated before the dossier's year would not have settled it: the dossier waits again
    decision.date = dt.date(2020, 5, 4)
    decision.save()
    Decision.objects.create(number="78/QĐ-UBND", date=dt.date(2021, 3, 1), authority="UBND tỉnh",
                            kind="revocation", level=Level.XA_NTM).units.add(a.unit)
    assert a.pk in {r["pk"] for r in _rows(_client(office))}


def test_the_commune_is_led_to_its_carried_values_before_submitting_and_sees_only_its_own(dossier_2026, make_user,
                                                                                          van_phu):
    commune = van_phu
    officer = make_user("canbo", "commune_officer", commune)
    a = dossier_2026(commune, confirmed=False)
    rows = _rows(_client(officer))
    assert [(r["pk"], r["step"], r["next"], r["link"]) for r in rows] == [
        (a.pk, "submit", "Xác nhận giá trị mang sang, rồi gửi hồ sơ", f"/ho-so/{a.pk}/#carried")]
    # once they are confirmed, the next step is the submission itself
    a = dossier_2026(commune, confirmed=True)
    assert [(r["step"], r["next"], r["link"]) for r in _rows(_client(officer))] == [
        ("submit", "Gửi hồ sơ tự đánh giá", f"/ho-so/{a.pk}/#buoc-submit")]
    # submitted: nothing waits for the commune any more
    perform(a, "submit", officer)
    html = _client(officer).get("/ho-so/").content.decode()
    assert _rows(_client(officer)) == [] and "Không có hồ sơ nào đang chờ bạn xử lý." in html


def test_who_submitted_a_dossier_does_not_find_it_waiting_for_their_approval(dossier_2026, make_user, new_unit,
                                                                             van_phu, province_office):
    commune = van_phu
    both = make_user("kiemnhiem", "commune_officer", commune)
    from nongthonso.accounts.services import grant

    grant(both, "province_office", new_unit("19", "tinh"))
    a = dossier_2026(commune)
    perform(a, "submit", both)
    assert a.pk not in {r["pk"] for r in _rows(_client(both))}
    assert a.pk in {r["pk"] for r in _rows(_client(province_office()))}


def test_the_queue_is_scoped_to_the_users_units(make_user, new_unit, van_phu, submitted, lam_vy):
    a, _officer = submitted(lam_vy, "canbo.lamvy")
    other_commune = make_user("canbo.vanphu", "commune_officer", van_phu)
    viewer = make_user("xem", "viewer", new_unit("19", "tinh"))
    assert a.pk not in {r["pk"] for r in _rows(_client(other_commune))}
    assert _rows(_client(viewer)) == []
    nobody = make_user("chua.co.vai.tro")
    html = _client(nobody).get("/ho-so/").content.decode()
    assert "chưa được giao vai trò" in html and _rows(_client(nobody)) == []


def test_oldest_first_and_paged(province_office):
    office = province_office()
    # given more dossiers waiting for appraisal than a page holds, submitted on different days
    dossiers = list(Assessment.objects.filter(year=2026, criteria_set__code=SET_2026, state=State.DRAFT)
                    .select_related("unit")[:queue.PAGE_SIZE + 5])
    assert len(dossiers) == queue.PAGE_SIZE + 5
    now = timezone.now()
    for i, a in enumerate(dossiers):
        Assessment.objects.filter(pk=a.pk).update(state=State.SUBMITTED)
        WorkflowEvent.objects.create(assessment=a, action="submit", from_state="draft", to_state="submitted",
                                     actor_name="canbo", timestamp=now - dt.timedelta(days=1000 + i))
    client = _client(office)
    first = _rows(client, "?state=submitted")
    assert len(first) == queue.PAGE_SIZE
    days = [int(r["waited"].split()[0].replace(".", "")) for r in first]
    assert days == sorted(days, reverse=True) and days[0] == 1000 + queue.PAGE_SIZE + 4
    second = _rows(client, "?state=submitted&page=2")
    assert {r["pk"] for r in first}.isdisjoint(r["pk"] for r in second)
    total = queue.queue(office).filter(shown_state="submitted").count()
    assert len(first) + len(second) == total
    html = client.get("/ho-so/?state=submitted").content.decode()
    assert 'href="?state=submitted&amp;page=2"' in html


def test_the_filters_year_set_state_and_a_search_without_diacritics(province_office, submitted, van_phu):
    office = province_office()
    client = _client(office)
    a, _officer = submitted(van_phu, "canbo")
    every = _rows(client)
    assert {r["year"] for r in every} >= {"2025", "2026"}
    assert {r["year"] for r in _rows(client, "?year=2026")} == {"2026"}
    assert {r["set"] for r in _rows(client, f"?set={SET_2026}")} == {
        "Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2026-2030"}
    assert {r["state"] for r in _rows(client, "?state=submitted")} == {"Đã gửi, chờ tỉnh thẩm định"}
    found = _rows(client, "?q=van+phu")
    assert [r["pk"] for r in found] == [a.pk] and found[0]["unit"].startswith("Xã Vạn Phú")
    # the filter offers only what the queue holds; a value it does not hold is refused, saying why, and ignored
    html = client.get("/ho-so/?year=1999").content.decode()
    assert "Không có hồ sơ năm 1999 nào đang chờ bạn xử lý; chọn một năm trong danh sách." in html
    assert len(_rows(client, "?year=1999")) == len(every)
    assert '<option value="2026">2026</option>' in html and '<option value="2022">' not in html


def test_the_queue_costs_the_same_few_queries_for_a_few_dossiers_and_for_a_page_of_them(
        django_assert_max_num_queries, monkeypatch, province_office):
    monkeypatch.setattr(definitions, "RECHECK_SECONDS", 3600)  # the definitions' change token: read once here
    office = province_office()
    client = _client(office)
    client.get("/ho-so/")  # the workflow definitions cached
    few = queue.queue(office).count()
    with django_assert_max_num_queries(12) as small:
        client.get("/ho-so/")
    # given many more dossiers waiting (a full page, several sets of states), the page costs no more
    Assessment.objects.filter(year=2026, state=State.DRAFT).update(state=State.SUBMITTED)
    assert queue.queue(office).count() > few + queue.PAGE_SIZE
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(_rows(client)) == queue.PAGE_SIZE


def test_a_superuser_sees_every_dossier_waiting_once(make_user):
    admin = make_user("quantri", is_superuser=True)
    waiting = queue.queue(admin)
    assert waiting.count() == waiting.values("pk").distinct().count()
    assert set(waiting.values_list("next_step", flat=True)) == {"submit", "approve", "record_decision"}
