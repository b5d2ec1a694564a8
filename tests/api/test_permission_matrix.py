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
from tests.accounts.helpers import assessed_communes, dossier, make_user, other_province_dossier, put_in_state, snapshot
from tests.accounts.helpers import unit as unit_at
from tests.accounts.test_permission_matrix import (
    COVERS,
    ENDS_IN,
    INDICATOR,
    MAY,
    NEW_VALUE,
    ROLES,
    STARTS_FROM,
    TARGETS,
)

from .helpers import assert_error, call, token_for

# the 2023 dossiers walk the three-tier workflow: today is 1/6/2025 here (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("before_two_tier")

DECISION = {"number": "902/QĐ-UBND", "date": "2023-12-20", "authority": "UBND tỉnh Thái Nguyên"}


def test_the_api_matrix_covers_every_action():
    assert set(ACTIONS) == set(STARTS_FROM) == {"view", "edit_values", *ENDS_IN}


@pytest.fixture
def world(db):
    province, dai_tu = unit_at("19", "tinh"), unit_at("171", "huyen")
    own, sibling = assessed_communes(dai_tu)[:2]
    elsewhere = next(c for d in province.children.filter(code__in=["167", "168", "169", "170"]).order_by("code")
                     for c in assessed_communes(d))
    users = {
        "province_office": make_user("tinh", "province_office", province),
        "district_office": make_user("huyen", "district_office", dai_tu),
        "commune_officer": make_user("xa", "commune_officer", own),
        "viewer": make_user("xem", "viewer", province),
    }
    dossiers = {"own_commune": dossier(own), "same_district": dossier(sibling), "other_district": dossier(elsewhere),
                "other_province": other_province_dossier()}
    return SimpleNamespace(users=users, tokens={role: token_for(user) for role, user in users.items()},
                           dossiers=dossiers)


def _request(action: str, assessment: Assessment, token: str):
    if action == "view":
        return call("GET", f"/api/assessments/{assessment.pk}", token)
    if action == "edit_values":
        return call("PUT", f"/api/assessments/{assessment.pk}/values/{INDICATOR}", token, {"value": NEW_VALUE})
    body = {"reason": "Kiểm tra quyền qua API"}
    if action == "record_decision":
        body["decision"] = DECISION
    return call("POST", f"/api/assessments/{assessment.pk}/steps/{action}", token, body)


@pytest.mark.django_db
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_through_the_api(world, role, action, target):
    # given a user with the role over its unit, with a token, and a dossier in the state the action starts from
    user, token = world.users[role], world.tokens[role]
    assessment = put_in_state(world.dossiers[target], STARTS_FROM[action])
    visible = target in COVERS[role]
    allowed = action in MAY[role] and visible
    before = snapshot(assessment)

    # then the list shows the dossier exactly when the user may view it
    listed = call("GET", f"/api/assessments?unit={assessment.unit_id}&year=2023&limit=500", token)
    assert listed.status_code == 200
    assert (assessment.pk in {a["id"] for a in listed.json()["items"]}) is visible

    # when the user tries the action through the API
    response = _request(action, assessment, token)

    if allowed:
        assert response.status_code == 200, response.content.decode()
        after = Assessment.objects.get(pk=assessment.pk)
        if action == "view":
            assert response.json()["id"] == assessment.pk
            assert snapshot(assessment) == before
            return
        if action == "edit_values":
            assert IndicatorValue.objects.get(assessment=assessment, indicator__code=INDICATOR).value == NEW_VALUE
            assert after.state == State.DRAFT
            stored = response.json()["value"]
            assert (stored["indicator"], stored["value"], stored["updated_by"]) == (INDICATOR, NEW_VALUE, user.username)
        else:
            assert after.state == ENDS_IN[action]
            event = WorkflowEvent.objects.get(assessment=assessment)
            assert (event.action, event.from_state, event.to_state, event.actor) == (
                action, STARTS_FROM[action], ENDS_IN[action], user)
            assert response.json()["event"]["id"] == event.pk
            assert response.json()["assessment"]["state"] == ENDS_IN[action]
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
def test_a_refused_write_on_a_visible_dossier_says_who_may_do_it(world):
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
def test_registrations_are_scoped_like_dossiers(world):
    # given the demo's registrations (2023 targets) across the province
    from nongthonso.recognition.models import Registration

    dai_tu = unit_at("171", "huyen")
    in_district = set(Registration.objects.filter(unit__path__startswith=dai_tu.path).values_list("pk", flat=True))
    assert in_district and Registration.objects.exclude(pk__in=in_district).exists()

    # when the district office and the province viewer list them
    district = call("GET", "/api/registrations?limit=500", world.tokens["district_office"]).json()
    viewer = call("GET", "/api/registrations?limit=500", world.tokens["viewer"]).json()

    # then the district sees exactly its district's, the province viewer all of the province's
    assert {r["id"] for r in district["items"]} == in_district
    assert district["count"] == len(in_district)
    assert viewer["count"] == Registration.objects.filter(unit__path__startswith=unit_at("19", "tinh").path).count()


@pytest.mark.django_db
def test_decisions_are_public_facts_for_any_authenticated_user(world):
    # when the commune officer lists decisions
    data = call("GET", "/api/decisions?limit=500", world.tokens["commune_officer"]).json()
    # then it sees every decision, not only its commune's
    assert data["count"] == Decision.objects.count() > 1
