"""``GET /api/smart/targets``: the progress of a province's targets for a year, as the page computes it; scoped to
the provinces of the caller's roles (404 elsewhere), in the API's one error format."""

from __future__ import annotations

import pytest

from nongthonso.smart.models import Target
from nongthonso.smart.progress import progress

pytestmark = pytest.mark.django_db


def test_the_targets_of_2023_with_their_progress(call, token_for, users, province_2023):
    response = call("GET", "/api/smart/targets?year=2023&province=19", token_for(users.viewer))
    assert response.status_code == 200
    data = response.json()
    assert (data["province"], data["year"], data["as_of"]) == ({"code": "19", "name": province_2023.name}, 2023,
                                                             "2023-12-31")
    assert [p["code"] for p in data["programmes"]] == ["qd-924-2022", "kh-154-2022-thai-nguyen"]
    targets = {t["code"]: t for p in data["programmes"] for t in p["targets"]}
    assert set(targets) == set(Target.objects.values_list("code", flat=True))
    expected = {p.target.code: p for pp in progress(province_2023, 2023) for p in pp.targets}
    for code, target in targets.items():
        assert (target["status"], target["numerator"], target["denominator"]) == (
            expected[code].status, expected[code].numerator, expected[code].denominator), code
    advanced = targets["qd924-nc-15-2"]
    assert (advanced["value"], advanced["target"], advanced["met"], advanced["gap"]) == (23.02, 50.0, False, 26.98)
    assert advanced["provenance"] == "secondary" and "bản tóm tắt" in advanced["source"]
    assert targets["qd924-huyen-nc-6-5"]["value"] is None and targets["qd924-huyen-nc-6-5"]["met"] is None


def test_a_province_outside_the_callers_roles_is_not_found(call, token_for, users, assert_error):
    error = assert_error(call("GET", "/api/smart/targets?year=2023&province=01", token_for(users.viewer)), 404,
                         "not_found")
    assert "phạm vi của bạn" in error["message"]
    assert_error(call("GET", "/api/smart/targets?year=2023", token_for(users.nobody)), 404, "not_found")


def test_the_year_is_checked_and_a_token_is_needed(call, token_for, users, assert_error):
    assert_error(call("GET", "/api/smart/targets?year=1800", token_for(users.viewer)), 422, "validation_error")
    assert_error(call("GET", "/api/smart/targets?year=2023"), 401, "unauthenticated")


def test_without_a_year_the_latest_year_with_a_programme_is_given(call, token_for, make_user, new_unit):
    # today is 4/12/2026 and the programmes end in 2025; the province of 31/12/2025 is the one formed on 1/7/2025
    viewer = make_user("smart.xem.2026", "viewer", new_unit("19", "tinh"))
    data = call("GET", "/api/smart/targets", token_for(viewer)).json()
    assert (data["year"], data["as_of"]) == (2025, "2025-12-31")
    assert [p["code"] for p in data["programmes"]] == ["qd-924-2022", "kh-154-2022-thai-nguyen"]
