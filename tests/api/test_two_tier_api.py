"""The two-tier workflow through the REST API with tokens: a merged commune's 2026 dossier opened with values
carried from 2025, confirmed, submitted to the province, returned, resubmitted by a user holding two roles (who
may then not approve it), approved and recognised by the province office; no district step."""

import datetime as dt

import pytest

from nongthonso.accounts.services import grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def tokens(dai_tu, make_user, new_unit, token_for, van_phu):
    province, commune = new_unit("19", "tinh"), van_phu
    both = make_user("api.kiemnhiem", "commune_officer", commune)
    grant(both, "province_office", province)
    return {
        "officer": token_for(make_user("api.xa", "commune_officer", commune)),
        "province": token_for(make_user("api.tinh", "province_office", province)),
        "both": token_for(both),
        "district": token_for(make_user("api.huyen", "district_office", dai_tu)),
        "commune": commune,
    }


@pytest.fixture
def step(call):
    """``step(token, pk, action, **body)``: the workflow step ``action`` on dossier ``pk`` through the API."""

    def take(token, pk, action, **body):
        return call("POST", f"/api/assessments/{pk}/steps/{action}", token, body or None)

    return take


def test_a_2026_dossier_walks_the_two_tier_workflow_through_the_api(tokens, assert_error, call, step):
    # the officer opens Vạn Phú's 2026 dossier: the two-tier workflow, values carried from 2025 awaiting confirmation
    opened = call("POST", "/api/assessments", tokens["officer"], {"unit_id": tokens["commune"].pk, "year": 2026})
    assert opened.status_code == 200, opened.content.decode()
    dossier = opened.json()
    pk = dossier["id"]
    assert (dossier["workflow"], dossier["state"], dossier["state_label"]) == ("hai-cap", "draft", "Đang nhập số liệu")
    assert dossier["unconfirmed"] and all(v["carried"]["set"] == "xa-ntm-2021-2025" for v in dossier["values"]
                                          if v["needs_confirmation"])
    assert {a["action"] for a in dossier["actions"]} == {"edit_values"}  # not «submit» yet

    # submitting before the carried values are confirmed: 409 requirement
    error = assert_error(step(tokens["officer"], pk, "submit"), 409, "requirement")
    assert error["message"].startswith(f"Còn {len(dossier['unconfirmed'])} giá trị mang sang")

    # confirm them all, then submit
    confirmed = call("POST", f"/api/assessments/{pk}/confirm", tokens["officer"], {})
    assert confirmed.status_code == 200, confirmed.content.decode()
    assert sorted(confirmed.json()["confirmed"]) == sorted(dossier["unconfirmed"])
    submitted = step(tokens["officer"], pk, "submit")
    assert submitted.status_code == 200, submitted.content.decode()
    assert submitted.json()["assessment"]["state_label"] == "Đã gửi, chờ tỉnh thẩm định"

    # nobody verifies: the two-tier workflow has no such step
    assert_error(step(tokens["district"], pk, "verify"), 404, "not_found")  # a ceased district sees nothing new
    error = assert_error(step(tokens["province"], pk, "verify"), 409, "step")
    assert "không có bước «Xác nhận hồ sơ»" in error["message"]

    # the province returns it; the colleague holding both roles resubmits, and may not approve it
    assert_error(step(tokens["province"], pk, "return"), 422, "reason")
    assert step(tokens["province"], pk, "return", reason="Tiêu chí 6: thiếu danh sách hộ nghèo").status_code == 200
    assert step(tokens["both"], pk, "submit").status_code == 200
    error = assert_error(step(tokens["both"], pk, "approve"), 403, "separation")
    assert "tách bạch nhiệm vụ" in error["message"]
    detail = call("GET", f"/api/assessments/{pk}", tokens["both"]).json()
    assert "approve" not in {a["action"] for a in detail["actions"]}

    # the province office approves and records the decision
    assert step(tokens["province"], pk, "approve").status_code == 200
    recorded = step(tokens["province"], pk, "record_decision", decision={
        "number": "2302/QĐ-UBND", "date": dt.date(2026, 11, 30).isoformat(), "authority": "UBND tỉnh Thái Nguyên"})
    assert recorded.status_code == 200, recorded.content.decode()
    event = recorded.json()["event"]
    assert (event["to_state"], event["actor_role"], event["details"]["workflow"]) == (
        "recognised", "Văn phòng Điều phối NTM tỉnh Thái Nguyên", "hai-cap")
