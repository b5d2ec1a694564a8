"""The province office confirms thresholds against the official text (issue 11, item 8): the review page
(/tieu-chi/doi-chieu-nguong/), who may confirm for which province, the citation's checks, the audit, and which
confirmation backs the threshold a commune is judged against."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook

from nongthonso.accounts.models import Role
from nongthonso.assessments.models import Assessment
from nongthonso.audit.models import AuditEntry
from nongthonso.criteria import confirmations
from nongthonso.criteria.confirmations import Citation, CitationRejected, ConfirmationRefused
from nongthonso.criteria.models import CriteriaSet, Threshold, ThresholdConfirmation
from nongthonso.dataio.workbook import build_template
from nongthonso.units.models import Unit, UnitType

pytestmark = pytest.mark.django_db

URL = reverse("threshold_review")
NTM_SET = "xa-ntm-2021-2025"
CITATION = Citation(document="Quyết định 318/QĐ-TTg ngày 08/3/2022", appendix="Phụ lục I", page="5")


@pytest.fixture
def office(make_user, new_unit):
    return make_user("vpdp.tinh", Role.PROVINCE_OFFICE, new_unit("19", "tinh"), first_name="Văn phòng",
                     last_name="Tỉnh")


@pytest.fixture
def other_province(db):
    return Unit.objects.create(code="T07", name="Tỉnh Thử Nghiệm", unit_type=UnitType.objects.get(code="tinh"),
                               valid_from=dt.date(1997, 1, 1), synthetic=True)


def ntm_set() -> CriteriaSet:
    return CriteriaSet.objects.get(code=NTM_SET, superseded_by__isnull=True)


def row(indicator: str, **where) -> Threshold:
    defaults = {"region": "", "commune_group": None, "year": None, "province_code": ""}
    return Threshold.objects.get(indicator__criteria_set=ntm_set(), indicator__code=indicator,
                                 **{**defaults, **where})


def post(client, ids, citation: Citation = CITATION, **extra):
    data = {"tinh": "19", "bo": ntm_set().pk, "threshold": [str(i) for i in ids], "document": citation.document,
            "article": citation.article, "appendix": citation.appendix, "page": citation.page, "confirm": "1"}
    return client.post(URL, {**data, **extra})


def threshold_row(html: str, pk: int) -> str:
    match = re.search(rf'<tr data-threshold="{pk}".*?</tr>', html, re.S)
    assert match, f"threshold {pk} is listed"
    return match.group(0)


# --- the page -------------------------------------------------------------------------------------------------------

def test_the_province_office_sees_the_thresholds_of_its_region_with_none_confirmed(client, office):
    client.force_login(office)
    response = client.get(URL, {"tinh": "19", "bo": ntm_set().pk})
    assert response.status_code == 200
    html = response.content.decode()
    listed = confirmations.review_rows(ntm_set(), "19")
    assert f'data-review-count="0/{len(listed)}"' in html
    # Thái Nguyên lies in the northern midlands and mountains: its region's rows and the national ones, no others
    regions = {r.threshold.region for r in listed}
    assert regions == {"", "TDMNPB"}
    assert "Vùng Trung du và miền núi phía Bắc" in html and "Vùng Đồng bằng sông Cửu Long" not in html
    assert html.count('data-confirmed="0"') == len(listed)
    assert "Tạm đặt, chưa đối chiếu" in threshold_row(html, listed[0].threshold.pk)


def test_the_menu_offers_the_page_to_the_province_office_only(client, office, make_user, new_unit):
    client.force_login(office)
    assert URL in client.get(reverse("communes")).content.decode()
    viewer = make_user("xem", Role.VIEWER, new_unit("19", "tinh"))
    client.force_login(viewer)
    assert URL not in client.get(reverse("communes")).content.decode()


@pytest.mark.parametrize("role, code, level", [(Role.VIEWER, "19", "tinh"), (Role.COMMUNE_OFFICER, "05845", "xa"),
                                               (None, None, None)])
def test_other_roles_are_refused_the_page_and_the_write(client, make_user, new_unit, role, code, level):
    user = make_user("khac", role, new_unit(code, level) if code else None)
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 403
    assert "Văn phòng Điều phối NTM tỉnh" in response.content.decode()
    response = post(client, [row("1.1").pk])
    assert response.status_code == 403
    assert not ThresholdConfirmation.objects.exists()
    with pytest.raises(ConfirmationRefused):
        confirmations.confirm(user, ntm_set(), "19", [row("1.1").pk], CITATION)


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- confirming -----------------------------------------------------------------------------------------------------

def test_confirming_records_the_citation_who_and_when_audited_and_shows_it(client, office):
    client.force_login(office)
    picked = [row("1.1").pk, row("2.1").pk]
    response = post(client, picked)
    assert response.status_code == 302
    stored = ThresholdConfirmation.objects.filter(province_code="19").order_by("threshold_id")
    assert [c.threshold_id for c in stored] == sorted(picked)
    first = stored[0]
    assert (first.document, first.appendix, first.page) == (CITATION.document, "Phụ lục I", "5")
    assert first.confirmed_by == office and first.confirmed_by_name == "Văn phòng Tỉnh"
    assert first.value == first.threshold.value
    entries = AuditEntry.objects.filter(model="criteria.thresholdconfirmation", action="create")
    assert entries.count() == 2
    assert entries.first().after["page"] == "5" and entries.first().user == office
    html = client.get(response["Location"]).content.decode()
    assert "Đã xác nhận 2 ngưỡng" in html
    shown = threshold_row(html, picked[0])
    assert 'data-confirmed="1"' in shown and "Quyết định 318/QĐ-TTg ngày 08/3/2022, Phụ lục I, trang 5" in shown
    assert "Văn phòng Tỉnh" in shown
    assert 'data-review-count="2/' in html
    # the next citation starts from this one
    assert f'name="document" value="{CITATION.document}"' in html and 'name="page" value="5"' in html


def test_confirming_again_with_the_same_citation_writes_nothing(office):
    confirmations.confirm(office, ntm_set(), "19", [row("1.1").pk], CITATION)
    before = AuditEntry.objects.count()
    assert confirmations.confirm(office, ntm_set(), "19", [row("1.1").pk], CITATION) == []
    assert AuditEntry.objects.count() == before
    changed = Citation(document=CITATION.document, appendix="Phụ lục I", page="6")
    (updated,) = confirmations.confirm(office, ntm_set(), "19", [row("1.1").pk], changed)
    assert updated.page == "6"
    entry = AuditEntry.objects.filter(model="criteria.thresholdconfirmation").latest("pk")
    assert (entry.action, entry.before["page"], entry.after["page"]) == ("update", "5", "6")


@pytest.mark.parametrize("citation, field, words", [
    (Citation(appendix="Phụ lục I", page="5"), "document", "Chưa ghi văn bản"),
    (Citation(document="QĐ 318/QĐ-TTg", page="5"), "article", "Chưa ghi điều, khoản hoặc phụ lục"),
    (Citation(document="QĐ 318/QĐ-TTg", article="Điều 1"), "page", "Chưa ghi trang"),
    (Citation(document="QĐ 318/QĐ-TTg", article="Điều 1", page="năm"), "page", "Trang «năm» không đúng dạng"),
])
def test_an_incomplete_citation_is_refused_naming_the_field(client, office, citation, field, words):
    client.force_login(office)
    response = post(client, [row("1.1").pk], citation)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="err-{field}"' in html and words in html
    assert 'checked' in threshold_row(html, row("1.1").pk)  # the rows picked stay picked
    assert not ThresholdConfirmation.objects.exists()
    assert not AuditEntry.objects.filter(model="criteria.thresholdconfirmation").exists()


def test_nothing_picked_is_refused(client, office):
    client.force_login(office)
    response = post(client, [])
    assert response.status_code == 400 and "Chưa chọn ngưỡng nào" in response.content.decode()


def test_withdrawing_a_confirmation_is_audited(client, office):
    client.force_login(office)
    confirmations.confirm(office, ntm_set(), "19", [row("1.1").pk], CITATION)
    response = client.post(URL, {"tinh": "19", "bo": ntm_set().pk, "withdraw": str(row("1.1").pk)})
    assert response.status_code == 302
    assert not ThresholdConfirmation.objects.exists()
    entry = AuditEntry.objects.filter(model="criteria.thresholdconfirmation").latest("pk")
    assert entry.action == "delete" and entry.before["document"] == CITATION.document


# --- scope ----------------------------------------------------------------------------------------------------------

def test_another_province_office_confirms_only_for_its_own_province(client, make_user, other_province):
    office = make_user("vpdp.khac", Role.PROVINCE_OFFICE, other_province)
    with pytest.raises(ConfirmationRefused, match="chỉ xác nhận được ngưỡng áp dụng cho tỉnh mình"):
        confirmations.confirm(office, ntm_set(), "19", [row("1.1").pk], CITATION)
    client.force_login(office)
    post(client, [row("1.1").pk])  # asks for province 19: the page works on the user's own province only
    assert list(ThresholdConfirmation.objects.values_list("province_code", flat=True)) == ["T07"]


def test_a_provincial_set_is_reviewed_by_its_province_only(office, make_user, other_province):
    provincial = CriteriaSet.objects.get(province_code="19", code="xa-ntm-hien-dai-19-2026")
    ids = [t.pk for t in Threshold.objects.filter(indicator__criteria_set=provincial)[:1]]
    assert provincial in confirmations.sets_for("19") and provincial not in confirmations.sets_for("T07")
    other = make_user("vpdp.khac", Role.PROVINCE_OFFICE, other_province)
    with pytest.raises(CitationRejected, match="không áp dụng cho tỉnh mã T07"):
        confirmations.confirm(other, provincial, "T07", ids, CITATION)
    assert confirmations.confirm(office, provincial, "19", ids, CITATION)


def test_rows_of_another_set_cannot_be_slipped_in(office):
    foreign = Threshold.objects.filter(indicator__criteria_set__code="xa-ntm-2026-2030").first()
    with pytest.raises(CitationRejected, match=f"Ngưỡng mã {foreign.pk} không thuộc bộ"):
        confirmations.confirm(office, ntm_set(), "19", [row("1.1").pk, foreign.pk], CITATION)
    assert not ThresholdConfirmation.objects.exists()


def test_a_province_office_reaches_the_provinces_its_province_succeeded(office):
    assert set(confirmations.provinces_for(office)) == {"19", "06"}  # the 2025 Thái Nguyên took in Bắc Kạn
    superuser = get_user_model().objects.create_superuser("root", password=None)
    assert set(confirmations.provinces_for(superuser)) == {"19", "06"}


# --- what backs the threshold a commune is judged against -------------------------------------------------------------

def test_the_confirmation_of_the_row_a_commune_is_judged_against_backs_it(office):
    cset = ntm_set()
    # income (10): a national row and one per region and year; a commune of the region in 2023 is judged against
    # its region's 2023 row, in a year without one against the national row
    specific = row("10", region="TDMNPB", year=2023)
    confirmations.confirm(office, cset, "19", [row("10").pk], CITATION)
    assert "10" not in confirmations.backing(cset, "19", 2023, region="TDMNPB")
    assert "10" in confirmations.backing(cset, "19", 2026, region="TDMNPB")
    confirmations.confirm(office, cset, "19", [specific.pk], CITATION)
    backing = confirmations.backing(cset, "19", 2023, region="TDMNPB")
    assert backing["10"].threshold_id == specific.pk
    assert "10" not in confirmations.backing(cset, "06", 2023, region="TDMNPB")  # confirmed for 19, not for 06


def test_a_changed_threshold_is_no_longer_backed_by_its_confirmation(client, office):
    cset = ntm_set()
    target = row("1.1")
    confirmations.confirm(office, cset, "19", [target.pk], CITATION)
    assert "1.1" in confirmations.backing(cset, "19", 2023, region="TDMNPB")
    Threshold.objects.filter(pk=target.pk).update(value=not target.value if isinstance(target.value, bool)
                                                  else target.value + 1)
    assert "1.1" not in confirmations.backing(cset, "19", 2023, region="TDMNPB")
    client.force_login(office)
    html = client.get(URL, {"tinh": "19", "bo": cset.pk}).content.decode()
    shown = threshold_row(html, target.pk)
    assert 'data-confirmed="stale"' in shown and "Ngưỡng đã đổi sau khi xác nhận" in shown


# --- the API ----------------------------------------------------------------------------------------------------------

def test_the_api_gives_each_thresholds_confirmations_and_a_dossiers(client, office):
    cset = ntm_set()
    confirmations.confirm(office, cset, "19", [row("2.1").pk], CITATION)
    client.force_login(office)
    data = client.get(f"/api/criteria-sets/{cset.pk}").json()
    rows = {(i["code"], t["region"], t["year"]): t for c in data["criteria"] for i in c["indicators"]
            for t in i["thresholds"]}
    (given,) = rows[("2.1", "", None)]["confirmations"]
    assert given["province_code"] == "19"
    assert given["citation"] == "Quyết định 318/QĐ-TTg ngày 08/3/2022, Phụ lục I, trang 5"
    assert given["confirmed_by"] == "Văn phòng Tỉnh"
    assert rows[("2.2", "", None)]["confirmations"] == []

    dossier = Assessment.objects.filter(criteria_set=cset, year=2023).first()  # a commune of the old province 19
    detail = client.get(f"/api/assessments/{dossier.pk}").json()
    assert detail["threshold_confirmations"]["2.1"]["page"] == "5"
    assert "2.2" not in detail["threshold_confirmations"]


# --- the Excel template -----------------------------------------------------------------------------------------------

def test_the_template_of_a_province_says_which_indicators_it_confirmed(office):
    cset = ntm_set()
    confirmations.confirm(office, cset, "19", [row("2.1").pk], CITATION)
    two_two = [r.threshold.pk for r in confirmations.review_rows(cset, "19") if r.indicator.code == "2.2"]
    confirmations.confirm(office, cset, "19", two_two[:1], CITATION)  # one of its rows only

    def flags(**where) -> dict[str, str]:
        book = load_workbook(io.BytesIO(build_template(NTM_SET, **where)))
        return {r[0]: r[6] for r in book["Chỉ tiêu"].iter_rows(min_row=2, values_only=True)}

    shown = flags(unit_code="19", year=2023)
    assert shown["2.1"] == "Đã xác nhận: Quyết định 318/QĐ-TTg ngày 08/3/2022, Phụ lục I, trang 5"
    assert shown["2.2"] == "Chưa đối chiếu"
    assert flags()["2.1"] == "Chưa đối chiếu"  # a template for no province: the catalogue's flag
