"""The web app's permission matrix (tests/accounts/test_permission_matrix.py), through the API.

Same roles, units, dossiers and expectations. Through the API a refusal is an HTTP status in the API's error
format: a dossier outside the user's units is 404 (reads and writes alike: the API does not reveal it
exists); a visible dossier the role may not act on is 403 with refusal's code ("role"). A refused write
leaves the database exactly as it was.
"""

from types import SimpleNamespace

import pytest

from nongthonso.accounts.services import ACTIONS
from nongthonso.assessments.models import Assessment, IndicatorValue, State, WorkflowEvent
from nongthonso.recognition.models import Decision

DECISION = {"number": "902/QĐ-UBND", "date": "2023-12-20", "authority": "UBND tỉnh Thái Nguyên"}


def test_the_api_matrix_covers_every_action(three_tier_matrix):
    assert set(ACTIONS) == set(three_tier_matrix.starts_from) == {"view", "edit_values", *three_tier_matrix.ends_in}


@pytest.fixture
def world(three_tier_world, token_for):
    """The matrix's users and dossiers (today being 1/6/2025: the 2023 dossiers walk the three-tier workflow), and
    an API token of each user."""
    return SimpleNamespace(**vars(three_tier_world),
                           tokens={role: token_for(user) for role, user in three_tier_world.users.items()})


@pytest.fixture
def request_action(call, three_tier_matrix):
    """``request_action(action, assessment, token)``: the API request that takes ``action`` on the dossier."""

    def request(action: str, assessment: Assessment, token: str):
        if action == "view":
            return call("GET", f"/api/assessments/{assessment.pk}", token)
        if action == "edit_values":
            return call("PUT", f"/api/assessments/{assessment.pk}/values/{three_tier_matrix.indicator}", token,
                        {"value": three_tier_matrix.new_value})
        body = {"reason": "Kiểm tra quyền qua API"}
        if action == "record_decision":
            body["decision"] = DECISION
        return call("POST", f"/api/assessments/{assessment.pk}/steps/{action}", token, body)

    return request


@pytest.mark.django_db
def test_permission_matrix_through_the_api(three_tier_matrix, world, role, action, target, assert_error, call,
                                           put_in_state, request_action, snapshot):
    # given a user with the role over its unit, with a token, and a dossier in the state the action starts from
    matrix = three_tier_matrix
    user, token = world.users[role], world.tokens[role]
    assessment = put_in_state(world.dossiers[target], matrix.starts_from[action])
    visible = target in matrix.covers[role]
    allowed = action in matrix.may[role] and visible
    before = snapshot(assessment)

    # then the list shows the dossier exactly when the user may view it
    listed = call("GET", f"/api/assessments?unit={assessment.unit_id}&year=2023&limit=500", token)
    assert listed.status_code == 200
    assert (assessment.pk in {a["id"] for a in listed.json()["items"]}) is visible

    # when the user tries the action through the API
    response = request_action(action, assessment, token)

    if allowed:
        assert response.status_code == 200, response.content.decode()
        after = Assessment.objects.get(pk=assessment.pk)
        if action == "view":
            assert response.json()["id"] == assessment.pk
            assert snapshot(assessment) == before
            return
        if action == "edit_values":
            value = IndicatorValue.objects.get(assessment=assessment, indicator__code=matrix.indicator)
            assert value.value == matrix.new_value
            assert after.state == State.DRAFT
            stored = response.json()["value"]
            assert (stored["indicator"], stored["value"], stored["updated_by"]) == (
                matrix.indicator, matrix.new_value, user.username)
        else:
            assert after.state == matrix.ends_in[action]
            event = WorkflowEvent.objects.get(assessment=assessment)
            assert (event.action, event.from_state, event.to_state, event.actor) == (
                action, matrix.starts_from[action], matrix.ends_in[action], user)
            assert response.json()["event"]["id"] == event.pk
            assert response.json()["assessment"]["state"] == matrix.ends_in[action]
        assert after.version == before.version + 1
        if action == "record_decision":
            assert list(Decision.objects.get(number="902/QĐ-UBND").units.all()) == [assessment.unit]
        return

    # then it is refused: 404 outside the user's units, 403 (refused for the role) on a visible dossier
    if not visible:
        assert_error(response, 404, "not_found")
    else:
        error = assert_error(response, 403, "role")
        assert "thực hiện" in error["message"]
    # and nothing changed
    assert snapshot(assessment) == before


@pytest.mark.django_db
def test_a_refused_write_on_a_visible_dossier_says_who_may_do_it(world, assert_error, call, put_in_state, snapshot):
    # given the district office and a verified dossier of its district
    assessment = put_in_state(world.dossiers["own_commune"], State.VERIFIED)
    before = snapshot(assessment)

    # when it tries to approve (the province's step)
    response = call("POST", f"/api/assessments/{assessment.pk}/steps/approve", world.tokens["district_office"], {})

    # then 403, the same message as the web app gives, and nothing changed
    error = assert_error(response, 403, "role")
    assert error["message"] == ("Vai trò của bạn (Văn phòng Điều phối NTM huyện Đại Từ) không được thẩm định, phê "
                                "duyệt hồ sơ. Việc này do Văn phòng Điều phối NTM tỉnh Thái Nguyên thực hiện.")
    assert snapshot(assessment) == before


@pytest.mark.django_db
def test_registrations_are_scoped_like_dossiers(world, call, dai_tu, province_19):
    # given the demo's registrations (2023 targets) across the province
    from nongthonso.recognition.models import Registration

    in_district = set(Registration.objects.filter(unit__path__startswith=dai_tu.path).values_list("pk", flat=True))
    assert in_district and Registration.objects.exclude(pk__in=in_district).exists()

    # when the district office and the province viewer list them
    district = call("GET", "/api/registrations?limit=500", world.tokens["district_office"]).json()
    viewer = call("GET", "/api/registrations?limit=500", world.tokens["viewer"]).json()

    # then the district sees exactly its district's, the province viewer all of the province's
    assert {r["id"] for r in district["items"]} == in_district
    assert district["count"] == len(in_district)
    assert viewer["count"] == Registration.objects.filter(unit__path__startswith=province_19.path).count()


@pytest.mark.django_db
def test_decisions_are_public_facts_for_any_authenticated_user(world, call):
    # when the commune officer lists decisions
    data = call("GET", "/api/decisions?limit=500", world.tokens["commune_officer"]).json()
    # then it sees every decision, not only its commune's
    assert data["count"] == Decision.objects.count() > 1
