"""The OCOP rating workflow over the REST API (/api/ocop/ratings…, certificates/{id}/revoke): the services the pages
use (``workflow.start``/``perform``, ``scoring.set_scores``, ``certificates.revoke``), token auth, the one error
format: 409 refused step or stale version, 422 bad input, 403 role and separation of duties, 404 out of scope,
403 ``csrf_failed`` for a session write without the token."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from nongthonso.audit.models import AuditEntry
from nongthonso.ocop.models import Certificate, Evaluation, MemberScore, RatingEvent, Round

pytestmark = pytest.mark.django_db

DECISION = {"number": "123/QĐ-UBND", "date": "2025-08-10"}


@pytest.fixture
def api(rating_world, token_for, call):
    """``api.<who>(method, path, body)``: a request with the token of the world's producer account, commune
    officer, district office or province office."""
    w = rating_world
    tokens = {who: token_for(getattr(w, who)) for who in ("producer_user", "xa", "huyen", "tinh")}

    class Caller:
        def __getattr__(self, who):
            return lambda method, path, body=None: call(method, f"/api/ocop{path}", tokens[who], body)

    return Caller()


def arrange_round(rating_world, rating_id: int, day: dt.date = dt.date(2025, 8, 5)) -> Evaluation:
    """A round of the province's council taking the dossier (rounds are arranged on the council pages)."""
    council = rating_world.councils["tinh"]
    sitting = Round.objects.create(council=council, name="Đợt 1 năm 2025", date=day, synthetic=True)
    sitting.members.set(council.members.all())
    return Evaluation.objects.create(rating_id=rating_id, round=sitting)


def step(caller, rating_id: int, action: str, version: int, **fields):
    return caller("POST", f"/ratings/{rating_id}/steps", {"action": action, "expected_version": version, **fields})


def test_decision_1489_from_the_producer_to_a_4_star_certificate(rating_world, api, today_is):
    w = rating_world
    today_is(dt.date(2025, 8, 1))
    opened = api.producer_user("POST", "/ratings", {"product": "TST-001", "self_assessment": "Mong đạt 4 sao."})
    assert opened.status_code == 200, opened.content
    rating = opened.json()
    assert (rating["state"], rating["version"], rating["workflow_here"]) == ("draft", 0, "ocop-1489")
    assert [s["action"] for s in rating["steps"]] == ["submit"]
    assert rating["events"][0]["label"] == "Lập hồ sơ đánh giá"
    rid = rating["id"]

    submitted = step(api.producer_user, rid, "submit", 0).json()
    assert (submitted["event"]["action"], submitted["rating"]["state"], submitted["rating"]["stage"]) == (
        "submit", "submitted", "xa")
    commune_view = api.xa("GET", f"/ratings/{rid}").json()
    preassess = next(s for s in commune_view["steps"] if s["action"] == "preassess")
    assert preassess["needs_pre_assessment"] is True
    proposed = step(api.xa, rid, "preassess", 1, pre_assessment="Hồ sơ đủ; đề xuất 4 sao.").json()["rating"]
    assert (proposed["state"], proposed["stage"], proposed["pre_assessment"]) == (
        "proposed", "tinh", "Hồ sơ đủ; đề xuất 4 sao.")

    evaluation = arrange_round(w, rid)
    members = api.tinh("GET", f"/ratings/{rid}").json()["evaluations"][0]["members"]
    assert [m["scored"] for m in members] == [0, 0]
    for member in members:
        written = api.tinh("PUT", f"/ratings/{rid}/evaluations/{evaluation.pk}/scores/{member['id']}",
                           {"points": {"A1": 30, "B1": "20", "C1": "25"}})
        assert written.status_code == 200, written.content
    result = written.json()
    assert (result["total"], result["stars"], result["complete"]) == (75.0, 4, True)
    assert MemberScore.objects.filter(evaluation=evaluation).count() == 6

    today_is(dt.date(2025, 8, 12))
    scored = step(api.tinh, rid, "score", 2).json()["rating"]
    assert [s["key"] for s in scored["steps"]] == ["return@tinh", "decide@tinh", "not_recognise@tinh"]
    decide = next(s for s in scored["steps"] if s["action"] == "decide")
    assert decide["stars"] == [3, 4]
    decided = step(api.tinh, rid, "decide", 3, stars=4, decision=DECISION).json()
    certificate = decided["rating"]["certificate"]
    assert (decided["rating"]["state"], certificate["stars"], certificate["decision_number"]) == (
        "certified", 4, "123/QĐ-UBND")
    assert (certificate["valid_until"], certificate["status"]) == ("2028-08-10", "in_force")
    assert certificate["issuing_authority"] == "Ủy ban nhân dân tỉnh Thái Nguyên"
    assert [e["action"] for e in decided["rating"]["events"]] == ["start", "submit", "preassess", "score", "decide"]
    assert AuditEntry.objects.filter(action="transition", object_id=str(rid)).count() == 4

    revoked = api.tinh("POST", f"/certificates/{certificate['id']}/revoke",
                       {"number": "567/QĐ-UBND", "date": "2025-08-12", "reason": "Vi phạm an toàn thực phẩm"})
    assert revoked.status_code == 200, revoked.content
    assert (revoked.json()["status"], revoked.json()["revoked_on"]) == ("revoked", "2025-08-12")
    stored = Certificate.objects.get(pk=certificate["id"])
    assert (stored.revocation_decision, stored.revocation_reason) == ("567/QĐ-UBND", "Vi phạm an toàn thực phẩm")
    assert AuditEntry.objects.filter(action="update", object_id=str(stored.pk)).exists()


def test_refusals_in_the_one_error_format(rating_world, api, assert_error, call, make_user, token_for, province_19,
                                          today_is):
    w = rating_world
    today_is(dt.date(2025, 8, 1))
    w.producer.members.add(w.tinh)  # the province officer is also an account of the producer
    rid = api.tinh("POST", "/ratings", {"product": "TST-001"}).json()["id"]
    # a second dossier while this one is open
    assert "đang xử lý" in assert_error(api.producer_user("POST", "/ratings", {"product": "TST-001"}),
                                        409, "state")["message"]
    # the province may not propose for the commune; the commune has nothing to propose yet
    assert_error(step(api.tinh, rid, "preassess", 0), 403, "role")
    assert_error(step(api.xa, rid, "preassess", 0, pre_assessment="Đủ"), 409, "state")
    step(api.tinh, rid, "submit", 0)
    # a stale page: the version read before the submission
    stale = assert_error(step(api.xa, rid, "preassess", 0, pre_assessment="Đủ"), 409, "stale")["message"]
    assert "vừa được ocop_tinh thay đổi lúc" in stale and "phiên bản 1" in stale
    assert_error(step(api.xa, rid, "preassess", 1), 422, "needs")
    step(api.xa, rid, "preassess", 1, pre_assessment="Đề xuất 4 sao.")
    colleague = token_for(make_user("ocop_tinh_2", "province_office", province_19))
    no_round = call("POST", f"/api/ocop/ratings/{rid}/steps", colleague, {"action": "score", "expected_version": 2})
    assert "chưa được đưa vào đợt đánh giá nào" in assert_error(no_round, 409, "evaluation")["message"]
    evaluation = arrange_round(w, rid)
    first, second = evaluation.round.members.order_by("order")
    bad = assert_error(api.tinh("PUT", f"/ratings/{rid}/evaluations/{evaluation.pk}/scores/{first.pk}",
                                {"points": {"A1": 41, "Z9": 1}}), 422, "invalid_value")
    assert {d["field"] for d in bad["details"]} == {"points.A1", "points.Z9"}
    assert not MemberScore.objects.filter(evaluation=evaluation).exists()
    for member in (first, second):
        api.tinh("PUT", f"/ratings/{rid}/evaluations/{evaluation.pk}/scores/{member.pk}",
                 {"points": {"A1": 30, "B1": 20, "C1": 25}})
    # who submitted may not close the scoring, whatever their roles
    separated = assert_error(step(api.tinh, rid, "score", 2), 403, "separation")["message"]
    assert "tách bạch nhiệm vụ" in separated
    assert RatingEvent.objects.filter(rating_id=rid).count() == 3
    # another officer of the office may
    closed = call("POST", f"/api/ocop/ratings/{rid}/steps", colleague, {"action": "score", "expected_version": 2})
    assert (closed.status_code, closed.json()["rating"]["state"]) == (200, "scored")
    # bad input: an unknown action, a body that is not an object
    assert_error(api.tinh("POST", f"/ratings/{rid}/steps", {"action": "approve"}), 422, "validation_error")
    assert_error(api.tinh("POST", f"/ratings/{rid}/steps", ["score"]), 422, "validation_error")


def test_out_of_scope_is_404_and_a_session_write_needs_csrf(rating_world, api, make_user, assert_error, call,
                                                            token_for, today_is):
    w = rating_world
    today_is(dt.date(2025, 8, 1))
    rid = api.producer_user("POST", "/ratings", {"product": "TST-001"}).json()["id"]
    stranger = token_for(make_user("nguoi-ngoai", email="ngoai@example.vn"))
    assert_error(call("GET", f"/api/ocop/ratings/{rid}", stranger), 404, "not_found")
    assert_error(call("POST", f"/api/ocop/ratings/{rid}/steps", stranger, {"action": "submit"}), 404, "not_found")
    assert_error(call("POST", "/api/ocop/ratings", stranger, {"product": "TST-001"}), 404, "not_found")
    assert_error(call("POST", f"/api/ocop/ratings/{rid}/steps", None, {"action": "submit"}), 401, "unauthenticated")

    client = Client(enforce_csrf_checks=True)
    client.force_login(w.producer_user)
    refused = call("POST", f"/api/ocop/ratings/{rid}/steps", None, {"action": "submit"}, client=client)
    assert_error(refused, 403, "csrf_failed")
    assert RatingEvent.objects.filter(rating_id=rid, action="submit").count() == 0


def test_scores_only_while_the_council_waits_and_only_ones_own_seat(rating_world, api, make_user, assert_error,
                                                                    call, token_for, today_is):
    w = rating_world
    today_is(dt.date(2025, 8, 1))
    rid = api.producer_user("POST", "/ratings", {"product": "TST-001"}).json()["id"]
    evaluation = arrange_round(w, rid)
    first, second = evaluation.round.members.order_by("order")
    seat = make_user("uy-vien", email="uyvien@example.vn")
    first.user = seat
    first.save()
    path = f"/ratings/{rid}/evaluations/{evaluation.pk}/scores/"
    # a draft does not wait for the council
    assert_error(api.tinh("PUT", f"{path}{second.pk}", {"points": {"A1": 30}}), 409, "state")
    step(api.producer_user, rid, "submit", 0)
    step(api.xa, rid, "preassess", 1, pre_assessment="Đề xuất 4 sao.")
    # the office writes the seats without an account, not a member's own
    assert_error(api.tinh("PUT", f"{path}{first.pk}", {"points": {"A1": 30}}), 403, "role")
    own = call("PUT", f"/api/ocop{path}{first.pk}", token_for(seat), {"points": {"A1": 30, "B1": 20, "C1": 25}})
    assert own.status_code == 200, own.content
    assert_error(call("PUT", f"/api/ocop{path}{second.pk}", token_for(seat), {"points": {"A1": 1}}), 403, "role")
    assert_error(api.tinh("PUT", f"{path}999999", {"points": {"A1": 1}}), 404, "not_found")
    assert MemberScore.objects.filter(evaluation=evaluation, member=first).count() == 3
