"""The commune scorecard (/xa/<id>/): criteria met / not met / unknown, values against thresholds with the
gap, threshold provenance, decisions, the history of values, and scoping."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from nongthonso.accounts.models import Role
from nongthonso.accounts.services import grant
from nongthonso.assessments import models as assessment_models
from nongthonso.assessments.models import Assessment
from nongthonso.assessments.selectors import LEVEL_SHORT
from nongthonso.assessments.services import set_value
from nongthonso.recognition.models import Decision
from nongthonso.recognition.services import status_on
from nongthonso.units.models import Unit

AS_OF = dt.date(2023, 6, 30)
NTM_SET = "xa-ntm-2021-2025"
MODEL_SET = "xa-ntm-kieu-mau-2021-2025"

pytestmark = pytest.mark.django_db


def url(unit: Unit) -> str:
    return reverse("scorecard", args=[unit.pk])


def commune(name: str) -> Unit:
    return Unit.objects.valid_on(AS_OF).rural_communes().get(name=name)


def ntm_2023(unit: Unit) -> Assessment:
    return Assessment.objects.select_related("unit", "criteria_set").get(unit=unit, year=2023,
                                                                         criteria_set__code=NTM_SET)


def criterion_block(html: str, code: str) -> str:
    match = re.search(rf'<tbody class="criterion" data-criterion="{re.escape(code)}".*?</tbody>', html, re.S)
    assert match, f"criterion {code} is shown"
    return match.group(0)


def indicator_row(html: str, code: str) -> str:
    match = re.search(rf'<tr data-indicator="{re.escape(code)}".*?</tr>', html, re.S)
    assert match, f"indicator {code} is shown"
    return match.group(0)


def cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("quantri", "quantri@example.vn", "mật-khẩu-thử")


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


def login_as(client, username: str, role: str, unit: Unit):
    user = get_user_model().objects.create_user(username, password="mật-khẩu-thử")
    grant(user, role, unit)
    client.force_login(user)
    return user


def test_anonymous_is_sent_to_the_login_page(client):
    target = url(commune("Xã Na Mao"))
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={target}"


def test_the_scorecard_shows_the_19_criteria_of_the_latest_assessment(superuser_client):
    # given a commune with NTM assessments for 2022 and 2023 / when its scorecard is opened as of 30/6/2023
    unit = commune("Xã Na Mao")
    assessment = ntm_2023(unit)
    html = superuser_client.get(url(unit)).content.decode()
    # then the 2023 assessment is shown with its 19 criteria, each met / not met / unknown as stored
    statuses = re.findall(r'<tbody class="criterion" data-criterion="([^"]+)" data-status="([^"]+)"', html)
    assert len(statuses) == 19
    assert dict(statuses) == {c["code"]: c["status"] for c in assessment.results["criteria"]}
    assert (f'<div class="figure" data-figure="criteria_met"><b>{assessment.criteria_met}/19</b>'
            "<span>tiêu chí đạt (năm 2023)</span>") in html
    assert html.count('<tr data-indicator="') == sum(len(c["indicators"]) for c in assessment.results["criteria"])


def test_a_value_below_its_threshold_shows_the_gap_and_a_missing_value_is_unknown(superuser_client, superuser):
    # given a commune whose road indicator 2.1 is set below its 100% threshold and indicator 5 is emptied
    unit = commune("Xã Na Mao")
    assessment = ntm_2023(unit)
    set_value(assessment, "2.1", "87,5", user=superuser)
    set_value(assessment, "5", "", user=superuser)
    # when the scorecard is opened
    html = superuser_client.get(url(unit)).content.decode()
    # then 2.1 shows value, comparator, threshold, the gap in Vietnamese number format, and "not met"
    assert cells(indicator_row(html, "2.1"))[1:5] == ["87,5%", "≥ 100%", "thiếu 12,5%", "Không đạt"]
    assert 'data-status="not_met"' in criterion_block(html, "2")[:120]
    assert '<span class="status not_met">Không đạt</span>' in criterion_block(html, "2")
    # and criterion 5 is unknown (no value is not a failure)
    assert cells(indicator_row(html, "5"))[1] == "—"
    assert '<span class="status unknown">Chưa xác định</span>' in criterion_block(html, "5")


def test_every_threshold_carries_its_provenance_tag_with_its_source(superuser_client):
    # given the NTM set, whose thresholds are placeholders except the rows taken from secondary sources (2.1, and in
    # a TDMNPB commune 2.2-2.4, 15.3, 15.4)
    unit = commune("Xã Na Mao")
    html = superuser_client.get(url(unit)).content.decode()
    # then every indicator carries one tag, with the source on hover
    assert html.count('data-provenance="') == html.count('<tr data-indicator="')
    assert re.search(r'<span class="badge secondary" data-provenance="secondary" title="[^"]*digest P19[^"]*">'
                     r"Theo nguồn thứ cấp</span>", indicator_row(html, "2.1"))
    assert ">Theo nguồn thứ cấp</span>" in indicator_row(html, "15.3")
    assert re.search(r'<span class="badge unverified" data-provenance="placeholder" title="QĐ 318/QĐ-TTg Phụ lục I'
                     r'[^"]*">Tạm đặt, chưa đối chiếu</span>', indicator_row(html, "1.1"))
    assert ">Trích từ văn bản</span>" not in html


def test_thresholds_quoted_from_the_decision_are_marked_so(superuser_client):
    # given a model commune, assessed against the model-commune set whose indicators 2 and 3 are quoted from
    # Decision 319
    assessment = Assessment.objects.filter(criteria_set__code=MODEL_SET, year=2023).select_related("unit").first()
    response = superuser_client.get(url(assessment.unit), {"year": 2023, "set": MODEL_SET})
    html = response.content.decode()
    # then 2 and 3 say "Trích từ văn bản" and 1 (income threshold taken from the advanced set's placeholder) does not
    assert ">Trích từ văn bản</span>" in indicator_row(html, "2")
    assert ">Trích từ văn bản</span>" in indicator_row(html, "3")
    assert ">Tạm đặt, chưa đối chiếu</span>" in indicator_row(html, "1")


def test_the_decisions_about_a_recognised_commune_are_listed_with_number_and_date(superuser_client):
    # given a commune recognised NTM by a decision before 30/6/2023
    decision = (Decision.objects.filter(level="xa_ntm", kind="recognition", date__lte=AS_OF,
                                        units__unit_type__is_rural=True).order_by("date").first())
    unit = decision.units.filter(unit_type__is_rural=True).first()
    html = superuser_client.get(url(unit)).content.decode()
    # then the scorecard names its level and lists the decision, dated as Vietnamese documents do
    date = f"{decision.date.day}/{decision.date.month}/{decision.date.year}"
    assert f'<tr data-decision="{decision.number}"><td>{decision.number}</td><td>{date}</td>' in html
    level = status_on(unit, AS_OF).commune_level
    assert level is not None
    assert f'<div class="figure" data-figure="level"><b class="met">{LEVEL_SHORT[level]}</b>' in html


def test_the_evidence_section_appears_only_when_evidence_files_exist_in_the_installation(superuser_client):
    html = superuser_client.get(url(commune("Xã Na Mao"))).content.decode()
    assert ("<h2>Tài liệu minh chứng</h2>" in html) == hasattr(assessment_models, "Evidence")


def test_a_value_changed_through_set_value_heads_the_history(client):
    # given a commune officer who changes indicator 2.1 of its commune from its current value to 55
    unit = commune("Xã Na Mao")
    assessment = ntm_2023(unit)
    before = next(i["value"] for c in assessment.results["criteria"] for i in c["indicators"] if i["code"] == "2.1")
    officer = login_as(client, "can_bo_na_mao", Role.COMMUNE_OFFICER, unit)
    set_value(assessment, "2.1", 55, user=officer, source="Báo cáo giao thông 2023")
    # when the scorecard is opened
    html = client.get(url(unit)).content.decode()
    # then the newest history entry says who changed which indicator, from what to what
    history = html[html.index("Lịch sử thay đổi số liệu"):]
    first = re.search(r"<tr data-audit=.*?</tr>", history, re.S).group(0)
    old = f"{before:g}%".replace(".", ",")
    assert cells(first)[1:4] == ["can_bo_na_mao", "Sửa", "Chỉ tiêu 2.1"]
    assert re.search(rf'<td data-col="before">{re.escape(old)}<br>Nguồn số liệu: Số liệu minh họa \(demo\)', first)
    assert '<td data-col="after">55%<br>Nguồn số liệu: Báo cáo giao thông 2023</td>' in first
    # and the older import by the demo is still there below it
    assert "nongthonso demo" in history[history.index(first) + len(first):]


def test_another_year_can_be_chosen_and_a_missing_year_is_explained(superuser_client):
    unit = commune("Xã Na Mao")
    html = superuser_client.get(url(unit), {"year": 2022}).content.decode()
    assert "Kết quả năm 2022 theo Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2021-2025" in html
    html = superuser_client.get(url(unit), {"year": 1999}).content.decode()
    assert "Xã Na Mao không có bản đánh giá năm 1999; chọn một năm trong danh sách." in html


def test_a_commune_officer_cannot_open_another_communes_scorecard(client):
    own, other = commune("Xã Na Mao"), commune("Xã An Khánh")
    login_as(client, "can_bo_na_mao", Role.COMMUNE_OFFICER, own)
    assert client.get(url(own)).status_code == 200
    assert client.get(url(other)).status_code == 404


def test_a_district_office_sees_its_communes_only(client):
    dai_tu = Unit.objects.valid_on(AS_OF).get(code="171", unit_type__level__code="huyen")
    login_as(client, "vp_dai_tu", Role.DISTRICT_OFFICE, dai_tu)
    inside = Unit.objects.valid_on(AS_OF).within(dai_tu).rural_communes().first()
    outside = Unit.objects.valid_on(AS_OF).rural_communes().exclude(path__startswith=dai_tu.path).first()
    assert client.get(url(inside)).status_code == 200
    assert client.get(url(outside)).status_code == 404


def test_a_district_is_not_a_commune_scorecard(superuser_client):
    dai_tu = Unit.objects.valid_on(AS_OF).get(code="171", unit_type__level__code="huyen")
    assert superuser_client.get(url(dai_tu)).status_code == 404
