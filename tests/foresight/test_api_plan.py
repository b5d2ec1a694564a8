"""The registration plan over the REST API (issue 15): a plan made and read as the pages show it, suggestions decided
through ``plan.decide`` (audited, once), the scope (another province's office and a commune officer see nothing, a
viewer may read but not decide); and its export ``foresight-plan``, scoped and formula-safe."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from nongthonso.audit.models import AuditEntry
from nongthonso.criteria.choices import Level
from nongthonso.demo.thai_nguyen import AS_OF
from nongthonso.foresight.models import Plan, PlanSuggestion
from nongthonso.recognition.models import Registration

pytestmark = pytest.mark.django_db
PLANS = "/api/foresight/plans"


@pytest.fixture
def office(make_user, province_19):
    return make_user("vp-tinh", "province_office", province_19)


@pytest.fixture
def made(call, token_for, office):
    """(the office's token, the plan) for 2024 from 30/6/2023: every commune a new-rural commune (100 %), made
    through the API."""
    token = token_for(office)
    response = call("post", PLANS, token, {"province": "19", "as_of": AS_OF.isoformat(), "year": 2024,
                                           "targets": {Level.XA_NTM: "100%"}})
    assert response.status_code == 200, response.content.decode()[:2000]
    return token, Plan.objects.get(pk=response.json()["id"])


def _decide(call, token, suggestion, decision, **more):
    return call("post", f"{PLANS}/{suggestion.plan_id}/suggestions/{suggestion.pk}", token,
                {"decision": decision, **more})


def test_a_plan_made_and_read_as_the_page_shows_it(call, made, office):
    token, plan = made
    assert AuditEntry.objects.filter(model="foresight.plan", object_id=str(plan.pk), action="create",
                                     user=office).exists()
    listed = call("get", f"{PLANS}?province=19&year=2024", token).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == plan.pk
    suggested = plan.suggestions.count()
    assert suggested and listed["items"][0]["suggestions"] == {"suggested": suggested, "accepted": 0, "rejected": 0}
    data = call("get", f"{PLANS}/{plan.pk}", token).json()
    assert data["may_decide"] and data["summary"] == plan.summary and data["targets"] == plan.targets
    # the suggestions the page shows, in its order, with their reasons
    client = Client()
    client.force_login(office)
    page = client.get(reverse("foresight_plan", args=[plan.pk]))
    shown = [s for _label, _summary, _target, rows in page.context["sections"] for s in rows]
    assert [s["id"] for s in data["items"]] == [s.pk for s in shown]
    first, row = data["items"][0], shown[0]
    assert first["unit"]["code"] == row.unit.code and first["reasons"] == row.reasons and first["rank"] == row.rank
    assert first["cost"] == int(row.cost) and first["probability"] == row.probability
    assert first["status"] == "suggested" and first["chosen_level"] == Level.XA_NTM


def test_accept_is_audited_and_a_second_decision_refused(call, made, office, assert_error):
    token, plan = made
    first = plan.suggestions.order_by("rank").first()
    response = _decide(call, token, first, "accept", note="Đủ điều kiện")
    assert response.status_code == 200, response.content
    data = response.json()
    registration = Registration.objects.get(unit=first.unit, target_level=Level.XA_NTM, target_year=2024)
    assert data["status"] == "accepted" and data["registration"] == registration.pk
    assert data["decided_by"] == office.username and data["note"] == "Đủ điều kiện"
    assert AuditEntry.objects.filter(model="foresight.plansuggestion", object_id=str(first.pk), user=office).exists()
    assert AuditEntry.objects.filter(model="recognition.registration", object_id=str(registration.pk),
                                     action="create", user=office).exists()
    error = assert_error(_decide(call, token, first, "reject"), 409, "refused")
    assert "đã được" in error["message"] and office.username in error["message"]
    first.refresh_from_db()
    assert first.status == PlanSuggestion.Status.ACCEPTED
    assert Registration.objects.filter(unit=first.unit, target_year=2024).count() == 1


def test_edit_reject_and_bad_bodies(call, made, assert_error):
    token, plan = made
    rows = list(plan.suggestions.order_by("rank")[:2])
    if len(rows) < 2:
        pytest.skip("the demo gives fewer than two suggestions")
    edited = _decide(call, token, rows[0], "edit", level=Level.XA_NANG_CAO).json()
    assert edited["edited_level"] == Level.XA_NANG_CAO and edited["status"] == "suggested"
    assert_error(_decide(call, token, rows[0], "edit", level=Level.XA_NANG_CAO), 409, "refused")
    accepted = _decide(call, token, rows[0], "accept").json()
    assert Registration.objects.get(pk=accepted["registration"]).target_level == Level.XA_NANG_CAO
    assert _decide(call, token, rows[1], "reject", note="Chưa bố trí vốn").json()["status"] == "rejected"
    assert not Registration.objects.filter(unit=rows[1].unit, target_year=2024).exists()
    error = assert_error(_decide(call, token, rows[1], "approve"), 422, "validation_error")
    assert error["details"][0]["field"] == "decision"
    assert_error(_decide(call, token, rows[1], "edit", level="huyen_ntm"), 422, "validation_error")
    assert_error(call("post", f"{PLANS}/{plan.pk}/suggestions/{rows[1].pk + 10**6}", token, {"decision": "accept"}),
                 404, "not_found")


def test_scope_another_province_a_commune_officer_and_a_viewer(call, made, token_for, make_user, province_19,
                                                              unit_at, other_province_dossier, assert_error):
    _token, plan = made
    first = plan.suggestions.order_by("rank").first()
    stranger = token_for(make_user("vp-khac", "province_office", other_province_dossier.unit.parent.parent))
    assert call("get", PLANS, stranger).json()["count"] == 0
    assert_error(call("get", f"{PLANS}/{plan.pk}", stranger), 404, "not_found")
    assert_error(_decide(call, stranger, first, "accept"), 404, "not_found")
    refused = call("post", PLANS, stranger, {"province": "19", "as_of": AS_OF.isoformat(), "year": 2024,
                                             "targets": {Level.XA_NTM: "50%"}})
    assert_error(refused, 403, "role")
    commune = token_for(make_user("xa", "commune_officer", first.unit))
    assert call("get", PLANS, commune).json()["count"] == 0
    assert_error(call("get", f"{PLANS}/{plan.pk}", commune), 404, "not_found")
    viewer = token_for(make_user("xem", "viewer", province_19))
    assert call("get", f"{PLANS}/{plan.pk}", viewer).json()["may_decide"] is False
    assert "Chỉ Văn phòng Điều phối NTM tỉnh" in assert_error(_decide(call, viewer, first, "accept"), 403,
                                                              "role")["message"]
    assert not Registration.objects.filter(unit=first.unit, target_year=2024).exists()
    assert Plan.objects.count() == 1
    assert call("get", PLANS).status_code == 401


def test_a_session_write_needs_the_csrf_token(made, office):
    _token, plan = made
    first = plan.suggestions.order_by("rank").first()
    client = Client(enforce_csrf_checks=True)
    client.force_login(office)
    response = client.post(f"{PLANS}/{plan.pk}/suggestions/{first.pk}", '{"decision": "accept"}',
                           content_type="application/json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "csrf_failed"
    first.refresh_from_db()
    assert first.status == PlanSuggestion.Status.SUGGESTED


def test_the_export_is_one_row_per_suggestion_scoped_and_formula_safe(call, made, office, token_for, make_user,
                                                                      other_province_dossier, assert_error):
    from nongthonso.core import registry
    from nongthonso.foresight.exports_plan import HEADER, KIND

    token, plan = made
    assert registry.find(registry.ExportKind, KIND) is not None
    first = plan.suggestions.order_by("level", "rank").first()
    _decide(call, token, first, "accept", note="=HYPERLINK(\"http://x\")")
    first.refresh_from_db()
    last = plan.suggestions.order_by("level", "rank").last()
    last.reasons = {**last.reasons, "text": ["=1+1", *last.reasons["text"][1:]]}
    last.save(update_fields=["reasons"])
    response = call("get", f"/api/exports/{KIND}?unit=19&year=2024&format=csv", token)
    assert response.status_code == 200, response.content[:500]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert list(rows[0]) == list(HEADER)
    assert [r["unit_code"] for r in rows] == [s.unit.code for s in plan.suggestions.order_by("level", "rank")]
    top = rows[0]
    assert top["decision"] == "Đã chấp nhận" and top["decided_by"] == office.username and top["decided_at"]
    assert top["registration_id"] == str(first.registration_id) and top["note"].startswith("'=")
    assert top["cost_vnd"] == str(int(first.cost)) and top["year"] == "2024" and top["level"] == Level.XA_NTM.label
    assert rows[-1]["reasons"].startswith("'=1+1")  # a reason starting with «=» is text, never a formula
    xlsx = call("get", f"/api/exports/{KIND}?unit=19&year=2024&format=xlsx", token)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cell = sheet.cell(row=sheet.max_row, column=HEADER.index("reasons") + 1)
    assert cell.data_type == "s" and "=1+1" in cell.value  # a text cell, not a formula («f»)
    # another province's office: no plan there for it
    stranger = token_for(make_user("vp-khac", "province_office", other_province_dossier.unit.parent.parent))
    assert_error(call("get", f"/api/exports/{KIND}?unit=19&year=2024&format=csv", stranger), 404, "not_found")
    assert_error(call("get", f"/api/exports/{KIND}?format=csv", token), 422, "export")
