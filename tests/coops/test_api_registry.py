"""/api/coops/: co-operatives in scope with members and capital counted from rows, filters, a co-operative's detail
with its officers and yearly figures, 404 outside scope, the token and the session."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from nongthonso.coops.models import Contribution, Officer

from .registry_world import client_of, registry_world  # noqa: F401  (the fixture «registry»)

pytestmark = pytest.mark.django_db


def test_the_list_counts_members_and_capital_from_rows(registry, call, token_for):
    token = token_for(registry["office"])
    data = call("GET", "/api/coops", token).json()
    assert data["count"] == 2
    vp = next(c for c in data["items"] if c["registration_code"] == "4607000001")
    assert (vp["members"], vp["capital"], vp["unit"]["code"]) == (2, 45_000_000, registry["van_phu"].code)
    Contribution.objects.create(member=registry["an"], date=dt.date(2025, 6, 1), amount=Decimal(2_500_000))
    again = call("GET", f"/api/coops/{registry['vp'].pk}", token).json()
    assert again["capital"] == 47_500_000


def test_filters(registry, call, token_for):
    token = token_for(registry["office"])
    assert [c["name"] for c in call("GET", "/api/coops?q=mien lam vy", token).json()["items"]] == [
        registry["lv"].name]
    assert call("GET", "/api/coops?sector=trong_trot", token).json()["count"] == 1
    assert call("GET", f"/api/coops?unit={registry['van_phu'].code}", token).json()["count"] == 1
    assert call("GET", "/api/coops?active=false", token).json()["count"] == 0


def test_the_detail_gives_officers_and_yearly_figures(registry, call, token_for):
    Officer.objects.create(cooperative=registry["vp"], full_name="Nguyễn Văn An", position="Giám đốc")
    data = call("GET", f"/api/coops/{registry['vp'].pk}", token_for(registry["manager_vp"])).json()
    assert data["officers"][0]["position"] == "Giám đốc"
    assert data["years"] == [{"year": 2025, "revenue": 1_200_000_000, "profit": 90_000_000,
                              "distributed": 30_000_000, "employees": 12, "reported_on": None}]


def test_outside_scope_is_not_found_and_anonymous_is_refused(registry, call, token_for, assert_error):
    token = token_for(registry["officer_lv"])
    assert [c["id"] for c in call("GET", "/api/coops", token).json()["items"]] == [registry["lv"].pk]
    assert_error(call("GET", f"/api/coops/{registry['vp'].pk}", token), 404, "not_found")
    assert call("GET", "/api/coops").status_code == 401


def test_the_session_works_too(registry, call):
    client = client_of(registry["manager_lv"])
    data = call("GET", "/api/coops", client=client).json()
    assert [c["id"] for c in data["items"]] == [registry["lv"].pk]
