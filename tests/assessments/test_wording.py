"""Domain wording (issue 11, item 7): the revocation label only for a commune holding the level, values in the
histories as people typed them, no history for an edit that changes nothing."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.urls import reverse

from nongthonso.accounts.models import Role
from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.assessments.selectors import _changes
from nongthonso.assessments.services import set_value
from nongthonso.audit.models import AuditEntry
from nongthonso.criteria import confirmations
from nongthonso.criteria.choices import Level
from nongthonso.criteria.models import Threshold
from nongthonso.recognition.models import Decision
from nongthonso.recognition.services import status_on
from nongthonso.units.models import Unit

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2023, 6, 30)
NTM_SET = "xa-ntm-2021-2025"
REVOCATION = "Thuộc diện xem xét thu hồi"


def dossier_2023(unit: Unit) -> Assessment:
    return Assessment.objects.select_related("unit", "criteria_set").get(unit=unit, year=2023,
                                                                         criteria_set__code=NTM_SET)


@pytest.fixture
def failing():
    """A commune never recognised whose 2023 dossier fails the revocation test (half its criteria or more)."""
    found = next(a for a in Assessment.objects.filter(year=2023, criteria_set__code=NTM_SET, revoke=True)
                 .select_related("unit", "criteria_set").order_by("unit__code")
                 if not status_on(a.unit, AS_OF).levels)
    return found.unit


@pytest.fixture
def officer(make_user):
    return lambda unit: make_user(f"canbo.{unit.code}", Role.COMMUNE_OFFICER, unit)


def scorecard_html(client, unit: Unit) -> str:
    client.force_login(get_user_model().objects.create_superuser("root", password=None))
    return client.get(reverse("scorecard", args=[unit.pk]), {"as_of": AS_OF.isoformat()}).content.decode()


# --- revocation concerns a level held -------------------------------------------------------------------------------

def test_a_commune_never_recognised_is_not_labelled_for_revocation(client, failing):
    a = dossier_2023(failing)
    assert a.revoke and not a.revocation_due(status_on(failing, AS_OF))
    html = scorecard_html(client, failing)
    assert "Chưa đạt chuẩn" in html and REVOCATION not in html and "data-revocation" not in html


def test_a_recognised_commune_failing_the_test_is_labelled_for_revocation(client, failing):
    decision = Decision.objects.create(number="99/QĐ-UBND", date=dt.date(2022, 12, 20), authority="UBND tỉnh",
                                       kind=Decision.Kind.RECOGNITION, level=Level.XA_NTM, for_year=2022,
                                       synthetic=True)
    decision.units.add(failing)
    assert dossier_2023(failing).revocation_due(status_on(failing, AS_OF))
    html = scorecard_html(client, failing)
    assert re.search(rf'data-revocation>{REVOCATION} \(Quyết định 18/2022/QĐ-TTg\):', html)


# --- an edit that changes nothing is not recorded ---------------------------------------------------------------------

def _trail(a: Assessment) -> tuple:
    a.refresh_from_db()
    return (AuditEntry.objects.count(), a.version, a.evaluated_at,
            list(IndicatorValue.objects.filter(assessment=a).values_list("pk", "value", "updated_at")))


@pytest.mark.parametrize("code, first, again", [("2.1", "59,5", "59.50"), ("2.1", "71", "71,0"),
                                                ("1.1", "1", "đạt"), ("1.1", "0", "Không đạt")])
def test_saving_the_same_value_again_writes_nothing(dossiers_open, failing, officer, code, first, again):
    a, user = dossier_2023(failing), officer(failing)
    set_value(a, code, first, user=user, source="Nhập trực tiếp")
    before = _trail(a)
    kept = set_value(a, code, again, user=user, source="Nhập trực tiếp", expected_version=a.version)
    assert kept.pk is not None
    assert _trail(a) == before  # no audit entry, no version, no evaluation, the row untouched


def test_an_empty_value_where_there_was_none_writes_nothing(dossiers_open, failing, officer):
    a, user = dossier_2023(failing), officer(failing)
    IndicatorValue.objects.filter(assessment=a, indicator__code="2.1").delete()
    before = _trail(a)
    assert set_value(a, "2.1", "", user=user).pk is None
    assert _trail(a) == before


def test_a_changed_note_or_source_is_still_an_edit(dossiers_open, failing, officer):
    a, user = dossier_2023(failing), officer(failing)
    set_value(a, "2.1", "71", user=user, source="Nhập trực tiếp")
    count = AuditEntry.objects.count()
    set_value(a, "2.1", "71", user=user, source="Nhập trực tiếp", note="Theo báo cáo của thôn")
    assert AuditEntry.objects.count() == count + 1


def test_the_web_form_saving_an_unchanged_value_adds_no_history(client, dossiers_open, failing, officer):
    a, user = dossier_2023(failing), officer(failing)
    client.force_login(user)
    url = reverse("dossier_value", args=[a.pk, "2.1"])
    client.post(url, {"value": "59,5", "version": a.version})
    a.refresh_from_db()
    count = AuditEntry.objects.filter(model="assessments.indicatorvalue").count()
    response = client.post(url, {"value": "59,5", "version": a.version})
    assert response.status_code == 200
    assert AuditEntry.objects.filter(model="assessments.indicatorvalue").count() == count


# --- histories show values as typed -----------------------------------------------------------------------------------

def test_the_histories_show_values_as_typed(client, dossiers_open, failing, officer):
    a, user = dossier_2023(failing), officer(failing)
    set_value(a, "2.1", "59,5", user=user)
    set_value(a, "2.1", "71", user=user)
    set_value(a, "1.1", "0", user=user)
    set_value(a, "1.1", "1", user=user)

    client.force_login(user)
    timeline = client.get(reverse("dossier", args=[a.pk])).content.decode()
    assert "Chỉ tiêu 2.1: 59,5% → 71%" in timeline and "Chỉ tiêu 1.1: Không đạt → Đạt" in timeline
    assert "59.5" not in timeline and "71.0" not in timeline and "False → True" not in timeline

    html = scorecard_html(client, failing)
    history = re.search(r'<article class="card history[^"]*">.*?</article>', html, re.S).group(0)
    rows = re.findall(r'<tr data-audit="\d+">(.*?)</tr>', history, re.S)
    cells = [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows]
    assert cells[0][3:] == ["Chỉ tiêu 1.1", "Không đạt", "Đạt"]
    assert cells[1][3:5] == ["Chỉ tiêu 1.1", "ĐạtNguồn số liệu: Số liệu minh họa (demo), không phải số liệu chính thức"]
    assert cells[2][3:] == ["Chỉ tiêu 2.1", "59,5%", "71%"]
    assert "False" not in history and "True" not in history


def test_the_dossier_entries_read_as_words(failing):
    """The history of an import (indicator codes → values) and of the dossier's creation (year, set)."""
    a = dossier_2023(failing)
    imported = AuditEntry(model="assessments.assessment", object_id=str(a.pk), action="import",
                          before={"1.1": False, "2.1": 59.5}, after={"1.1": True, "2.1": 71.0})
    units = {"1.1": "", "2.1": "%"}
    _subject, changes = _changes(imported, {}, units)
    assert [(c.label, c.before, c.after) for c in changes] == [("Chỉ tiêu 1.1", "Không đạt", "Đạt"),
                                                              ("Chỉ tiêu 2.1", "59,5%", "71%")]
    created = AuditEntry(model="assessments.assessment", object_id=str(a.pk), action="create",
                         after={"unit": a.unit.code, "year": 2023, "set": NTM_SET})
    _subject, changes = _changes(created, {}, units)
    assert [(c.label, c.after) for c in changes] == [("Đơn vị", a.unit.code), ("Năm", "2023"), ("Bộ tiêu chí", NTM_SET)]


# --- a ceiling exceeded, a floor not reached --------------------------------------------------------------------------

def entry_row(html: str, code: str) -> str:
    start = rf'<div class="entry-row" data-indicator="{re.escape(code)}"'
    match = re.search(start + r'.*?(?=<div class="entry-row"|</section>)', html, re.S)
    assert match, f"indicator {code} is on the entry page"
    return match.group(0)


def test_a_ceiling_exceeded_reads_over_and_a_floor_missed_reads_short(client, dossiers_open, failing, officer):
    a, user = dossier_2023(failing), officer(failing)
    ceiling = next(i for c in a.results["criteria"] for i in c["indicators"] if i["code"] == "11")["threshold"]
    set_value(a, "11", ceiling + 2.8, user=user)  # multidimensional poverty, ≤ the threshold
    set_value(a, "2.1", 97.5, user=user)  # roads, ≥ 100%
    client.force_login(user)
    html = client.get(reverse("dossier", args=[a.pk])).content.decode()
    poverty, roads = entry_row(html, "11"), entry_row(html, "2.1")
    assert "Không đạt · vượt 2,8%" in poverty and "thiếu" not in poverty
    assert "Không đạt · thiếu 2,5%" in roads and "vượt" not in roads
    card = scorecard_html(client, failing)
    assert "vượt 2,8%" in re.search(r'<tr data-indicator="11".*?</tr>', card, re.S).group(0)


# --- verdict colours --------------------------------------------------------------------------------------------------

def test_a_commune_without_a_level_is_not_shown_in_the_colour_of_success(client, failing):
    html = scorecard_html(client, failing)
    assert '<div class="figure" data-figure="level"><b class="not_met">Chưa đạt chuẩn</b>' in html
    assert '<div class="figure" data-figure="eligible"><b class="not_met">Chưa đạt</b>' in html


def test_the_stylesheet_gives_a_figure_its_verdicts_colour():
    """A figure's number is green (``.figure b``); a verdict's class must win over it (it did not: «Chưa đạt
    chuẩn» was green)."""
    css = Path(finders.find("nongthonso/app.css")).read_text(encoding="utf-8")
    assert re.search(r"\.figure b\.not_met\b[^{]*\{[^}]*color:\s*#b3261e", css)
    assert re.search(r"\.figure b\.unknown\b[^{]*\{[^}]*color:\s*var\(--muted\)", css)


# --- thresholds confirmed by the province show as such ----------------------------------------------------------------

def test_a_threshold_the_province_confirmed_shows_as_confirmed_on_the_scorecard_and_entry_page(
        client, dossiers_open, failing, officer, make_user, new_unit):
    office = make_user("vpdp", Role.PROVINCE_OFFICE, new_unit("19", "tinh"), first_name="Lan", last_name="Nguyễn")
    a = dossier_2023(failing)
    row = Threshold.objects.get(indicator__criteria_set=a.criteria_set, indicator__code="2.1", region="", year=None)
    citation = confirmations.Citation(document="Quyết định 318/QĐ-TTg ngày 08/3/2022", appendix="Phụ lục I",
                                      page="7")
    confirmations.confirm(office, a.criteria_set, "19", [row.pk], citation)

    card = scorecard_html(client, failing)
    roads = re.search(r'<tr data-indicator="2.1".*?</tr>', card, re.S).group(0)
    assert '<span class="badge confirmed"' in roads and "Theo nguồn thứ cấp" not in roads
    assert "Quyết định 318/QĐ-TTg ngày 08/3/2022, Phụ lục I, trang 7 — xác nhận bởi Lan Nguyễn ngày" in roads
    other = re.search(r'<tr data-indicator="2.2".*?</tr>', card, re.S).group(0)
    assert "Theo nguồn thứ cấp" in other

    client.force_login(officer(failing))
    html = client.get(reverse("dossier", args=[a.pk])).content.decode()
    assert '<span class="badge confirmed" title="Quyết định 318/QĐ-TTg' in entry_row(html, "2.1")
    assert "Theo nguồn thứ cấp" in entry_row(html, "2.2")
