"""Opening a dossier for an odd year (``year=0``, 99999, «2024.0», text) gets a Vietnamese message, never a server
error (issue 11, item 6): on the commune's page (``/xa/<id>/mo-ho-so/``, then the scorecard) and through the API."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nongthonso.assessments.imports import MAX_YEAR, MIN_YEAR
from nongthonso.assessments.models import Assessment

pytestmark = pytest.mark.django_db

ODD = ["0", "-1", "1", "2009", "2101", "9999", "10000", "99999", "65536", "2024.0", "2 024", "1e3", "", " ",
       "hai nghìn", "٢٠٢٤", "²⁰²⁴"]
years = st.one_of(st.sampled_from(ODD), st.integers(-10**12, 10**12).map(str), st.text(max_size=12))
examples = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture
def officer(db, assessed_communes, dai_tu, make_user):
    commune = assessed_communes(dai_tu)[0]
    return commune, make_user("canbo.nam", "commune_officer", commune)


def _in_range(raw: str) -> bool:
    text = raw.strip()
    return text.isascii() and text.isdecimal() and MIN_YEAR <= int(text) <= MAX_YEAR


@given(raw=years)
@examples
def test_the_open_button_answers_an_odd_year_with_a_message(officer, raw):
    commune, user = officer
    client = Client()
    client.force_login(user)
    before = Assessment.objects.filter(unit=commune).count()

    response = client.post(f"/xa/{commune.pk}/mo-ho-so/", {"year": raw})

    assert response.status_code == 302
    if _in_range(raw):
        return  # opened, or refused by the service with its own message (no set in force that year …)
    assert response["Location"] == f"/xa/{commune.pk}/"
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "không hợp lệ" in message and f"từ {MIN_YEAR} đến {MAX_YEAR}" in message
    assert Assessment.objects.filter(unit=commune).count() == before
    # and the scorecard it goes back to shows it
    page = client.get(response["Location"], {"year": raw})
    assert page.status_code == 200


@pytest.mark.parametrize("raw", ["0", "99999", "2009"])
def test_the_message_names_the_year_and_how_to_write_one(officer, raw):
    commune, user = officer
    client = Client()
    client.force_login(user)
    html = client.post(f"/xa/{commune.pk}/mo-ho-so/", {"year": raw}, follow=True).content.decode()
    assert f"Năm «{raw}» không hợp lệ: nhập năm đánh giá bằng 4 chữ số, từ {MIN_YEAR} đến {MAX_YEAR}" in html


@given(year=st.one_of(st.integers(-10**6, 10**6), st.sampled_from([0, 1, 1899, 2101, 9999, 10000])))
@examples
def test_the_api_answers_an_odd_year_with_a_validation_error(officer, year, call, token_for):
    commune, user = officer
    response = call("POST", "/api/assessments", token_for(user), {"unit_id": commune.pk, "year": year})
    assert response.status_code in (200, 422), response.content.decode()
    if response.status_code == 422:
        error = response.json()["error"]
        if error["code"] == "validation_error":
            assert [d["field"] for d in error["details"]] == ["year"]
        else:  # a year the API takes but no criteria set is in force for
            assert error["code"] == "criteria_set" and f"năm {year}" in error["message"]
