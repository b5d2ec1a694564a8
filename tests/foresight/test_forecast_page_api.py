"""The forecast page /du-bao/du-bao/ and GET /api/foresight/forecast: signed in, scoped to the user's units (a unit
outside the scope is 404), the same figures as the command."""

import pytest
from django.test import Client
from django.urls import reverse

from nongthonso.foresight.forecast import LAST_YEAR


@pytest.fixture
def officer(make_user, van_phu):
    return make_user("can-bo-van-phu", "commune_officer", van_phu)


@pytest.fixture
def signed_in(officer):
    client = Client()
    client.force_login(officer)
    return client


@pytest.mark.django_db
def test_api_lists_only_the_communes_in_scope(call, token_for, officer, van_phu, assert_error):
    token = token_for(officer)
    response = call("get", f"/api/foresight/forecast?unit=19&year={LAST_YEAR}&target=2030%3D65%25", token)
    assert response.status_code == 404  # the province itself is not within a commune officer's scope
    response = call("get", f"/api/foresight/forecast?unit={van_phu.code}&year={LAST_YEAR}&target=2030%3D65%25", token)
    assert response.status_code == 200, response.content
    data = response.json()
    assert [row["unit"] for row in data["communes"]] == [van_phu.code]
    assert data["province"]["expectation"][-1]["target"] is not None
    assert data["series"] and all("low" in s and "high" in s for s in data["series"])
    assert_error(call("get", f"/api/foresight/forecast?unit=01849&year={LAST_YEAR}", token), 404, "not_found")
    assert_error(call("get", f"/api/foresight/forecast?unit={van_phu.code}&year=2020", token), 422, "invalid")
    assert call("get", f"/api/foresight/forecast?unit={van_phu.code}").status_code == 401


@pytest.mark.django_db
def test_page_of_a_commune_shows_its_forecast_and_charts(signed_in, van_phu):
    response = signed_in.get(reverse("foresight_forecast"), {"unit": van_phu.code, "year": LAST_YEAR,
                                                            "targets": "2030=65%"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-unit="{van_phu.code}"' in html and 'id="forecast-data"' in html
    assert "foresight/forecast.js" in html and "vendor/chartjs/chart.umd.min.js" in html
    assert "Gồm dữ liệu minh họa." in html
    assert "<script>" not in html  # no inline script (CSP)


@pytest.mark.django_db
def test_page_refuses_outside_scope_and_bad_input(signed_in):
    response = signed_in.get(reverse("foresight_forecast"), {"unit": "19"})
    assert response.status_code == 404 and "phạm vi bạn được xem" in response.content.decode()
    response = signed_in.get(reverse("foresight_forecast"), {"year": "hai nghìn"})
    assert response.status_code == 400 and "không phải số" in response.content.decode()
    anonymous = Client().get(reverse("foresight_forecast"))
    assert anonymous.status_code == 302
