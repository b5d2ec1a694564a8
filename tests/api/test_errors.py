"""One error format everywhere: {"error": {"code", "message" (Vietnamese, with the fix), "details"}}, for
unknown paths and methods, ids outside the user's scope, invalid input, refused and locked writes, and bugs."""

import pytest
from django.test import Client

from nongthonso.assessments.models import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_two_tier")]


@pytest.fixture
def officer(assessed_communes, dossier, make_user, token_for, dai_tu):
    """A commune officer and its commune's 2023 dossier, as the demo leaves it: approved, so locked."""
    commune = assessed_communes(dai_tu)[0]
    user = make_user("api.xa", "commune_officer", commune)
    return token_for(user), dossier(commune)


def test_unknown_path_under_api_is_404_in_the_error_format(province_token, assert_error, call):
    error = assert_error(call("GET", "/api/khong-co", province_token), 404, "not_found")
    assert "/api/docs" in error["message"]


def test_wrong_method_is_405_in_the_error_format(province_token, assert_error, call):
    response = call("DELETE", "/api/units", province_token)
    error = assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET" and "DELETE" in error["message"]


def test_an_assessment_outside_the_users_units_is_404_not_403(officer, assert_error, assessed_communes, call, dossier,
                                                              dai_tu):
    token, _own = officer
    other = dossier(assessed_communes(dai_tu)[1])
    error = assert_error(call("GET", f"/api/assessments/{other.pk}", token), 404, "not_found")
    assert str(other.pk) in error["message"]


def test_invalid_query_parameters_are_422_with_every_field_listed(province_token, assert_error, call):
    response = call("GET", "/api/assessments?year=hai-nghin&limit=0&state=done", province_token)
    error = assert_error(response, 422, "validation_error")
    assert {(d["field"], d["location"], d["code"]) for d in error["details"]} == {
        ("year", "query", "int_parsing"), ("limit", "query", "greater_than_equal"), ("state", "query", "literal_error")}
    assert "«year» (tham số truy vấn) phải là số nguyên" in error["message"]
    assert "«limit» (tham số truy vấn) phải lớn hơn hoặc bằng 1" in error["message"]


def test_an_invalid_date_says_the_expected_form(province_token, assert_error, call):
    error = assert_error(call("GET", "/api/summary?unit=19&as_of=30/6/2023", province_token), 422, "validation_error")
    assert "«as_of» (tham số truy vấn) phải là ngày dạng NĂM-THÁNG-NGÀY, ví dụ 2023-06-30" in error["message"]


def test_an_invalid_body_is_422_and_writes_nothing(officer, dossiers_open, assert_error, call, snapshot):
    token, assessment = officer
    before = snapshot(assessment)
    response = call("PUT", f"/api/assessments/{assessment.pk}/values/2.1", token, {"note": "thiếu giá trị"})
    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [{"field": "value", "location": "body", "code": "missing",
                                 "message": "là bắt buộc nhưng chưa có"}]
    assert snapshot(assessment) == before


def test_a_body_that_is_not_json_is_400(officer, dossiers_open, assert_error):
    token, assessment = officer
    response = Client().put(f"/api/assessments/{assessment.pk}/values/2.1", data="{giá trị",
                            content_type="application/json", headers={"Authorization": f"Bearer {token}"})
    error = assert_error(response, 400, "bad_request")
    assert "JSON" in error["message"]


def test_a_value_of_the_wrong_type_is_422_invalid_value_and_writes_nothing(officer, dossiers_open, assert_error, call,
                                                                           snapshot):
    token, assessment = officer
    before = snapshot(assessment)
    response = call("PUT", f"/api/assessments/{assessment.pk}/values/2.1", token, {"value": "nhiều"})
    error = assert_error(response, 422, "invalid_value")
    assert error["message"] == ("Chỉ tiêu 2.1 cần một số (%); «nhiều» không phải là số. Dùng dấu phẩy cho phần "
                                "thập phân, ví dụ 85,7.")
    assert error["details"][0]["field"] == "value"
    assert snapshot(assessment) == before


def test_an_unknown_indicator_is_404_listing_the_codes(officer, dossiers_open, assert_error, call):
    token, assessment = officer
    error = assert_error(call("PUT", f"/api/assessments/{assessment.pk}/values/99.9", token, {"value": 1}),
                         404, "not_found")
    assert "không có chỉ tiêu mã «99.9»" in error["message"] and "2.1, 2.2" in error["message"]


def test_a_locked_dossier_is_409_locked_and_unchanged(officer, assert_error, call, snapshot):
    # given the commune's dossier approved by the province (the demo's state)
    token, assessment = officer
    assert assessment.state == State.APPROVED
    before = snapshot(assessment)
    # when the commune officer tries to change a value
    response = call("PUT", f"/api/assessments/{assessment.pk}/values/2.1", token, {"value": 10})
    # then 409 locked, saying who can reopen it, and nothing changed
    error = assert_error(response, 409, "locked")
    assert "đã được tỉnh thẩm định nên số liệu đã khóa" in error["message"]
    assert "mở lại hồ sơ" in error["message"]
    assert snapshot(assessment) == before


def test_a_step_from_the_wrong_state_is_409_state(officer, dossiers_open, assert_error, call, make_user, token_for,
                                                  dai_tu):
    _token, assessment = officer
    district = token_for(make_user("api.huyen", "district_office", dai_tu))
    error = assert_error(call("POST", f"/api/assessments/{assessment.pk}/steps/verify", district, {}), 409, "state")
    assert "trước đó cần: xã gửi hồ sơ" in error["message"]


def test_a_stale_version_is_409_stale(officer, dossiers_open, assert_error, call):
    token, assessment = officer
    response = call("POST", f"/api/assessments/{assessment.pk}/steps/submit", token,
                    {"expected_version": assessment.version + 5})
    error = assert_error(response, 409, "stale")
    assert "Tải lại" in error["message"]


def test_return_without_a_reason_is_422_reason(officer, assert_error, call, make_user, put_in_state, snapshot,
                                               token_for, dai_tu):
    _token, assessment = officer
    put_in_state(assessment, State.SUBMITTED)
    district = token_for(make_user("api.huyen", "district_office", dai_tu))
    before = snapshot(assessment)
    error = assert_error(call("POST", f"/api/assessments/{assessment.pk}/steps/return", district, {"reason": "  "}),
                         422, "reason")
    assert "Phải ghi lý do trả lại hồ sơ" in error["message"]
    assert snapshot(assessment) == before


def test_an_incomplete_decision_is_422_decision(officer, province_user, province_token, assert_error, call, snapshot):
    _token, assessment = officer
    before = snapshot(assessment)
    response = call("POST", f"/api/assessments/{assessment.pk}/steps/record_decision", province_token,
                    {"decision": {"number": "904/QĐ-UBND"}})
    error = assert_error(response, 422, "decision")
    assert "thiếu ngày ban hành" in error["message"] and "thiếu cơ quan ban hành" in error["message"]
    assert snapshot(assessment) == before


def test_an_unknown_step_is_422_listing_the_steps(officer, province_token, assert_error, call):
    _token, assessment = officer
    error = assert_error(call("POST", f"/api/assessments/{assessment.pk}/steps/publish", province_token, {}),
                         422, "validation_error")
    assert "'record_decision' hoặc 'reopen'" in error["message"]


def test_a_bug_is_500_internal_error_in_the_error_format(province_token, monkeypatch, assert_error, call):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("nongthonso.api.routers.reports.summary", broken)
    response = call("GET", "/api/summary?unit=19", province_token, **{"X-Request-ID": "req-123"})
    error = assert_error(response, 500, "internal_error")
    assert "mã yêu cầu req-123" in error["message"] and "boom" not in error["message"]
