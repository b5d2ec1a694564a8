"""Every role × every action × a dossier inside or outside the role's unit: allowed or refused — in the three-tier
years (today is 1/6/2025 here: ``before_two_tier``); the two-tier matrix is test_permission_matrix_two_tier.py.

Each role holds one membership: the province office and the viewer over province 19, the district
office over Đại Từ, the commune officer over one Đại Từ commune. The dossiers: that commune ("own"),
another commune of Đại Từ, a commune of another district, a commune of another province. Before each
action the dossier is put in the state the action starts from, so only role and unit decide. A
refused write leaves the database exactly as it was.
"""

import datetime as dt
from types import SimpleNamespace

import pytest

from nongthonso.accounts.services import ACTIONS, restrict, visible_units
from nongthonso.assessments.models import Assessment, IndicatorValue, State, WorkflowEvent
from nongthonso.assessments.services import set_value
from nongthonso.assessments.workflow import WorkflowError, available_actions, perform
from nongthonso.recognition.models import Decision

from .helpers import (
    AS_OF,
    DAI_TU,
    assessed_communes,
    dossier,
    make_user,
    other_province_dossier,
    put_in_state,
    snapshot,
    unit,
)

pytestmark = pytest.mark.usefixtures("before_two_tier")

ROLES = ("province_office", "district_office", "commune_officer", "viewer")
TARGETS = ("own_commune", "same_district", "other_district", "other_province")

# The expected matrix, written out independently of the roles the accounts app registers (core.registry).
MAY = {
    "province_office": {"view", "return", "approve", "record_decision", "reopen"},
    "district_office": {"view", "verify", "return"},
    "commune_officer": {"view", "edit_values", "submit"},
    "viewer": {"view"},
}
COVERS = {
    "province_office": {"own_commune", "same_district", "other_district"},
    "district_office": {"own_commune", "same_district"},
    "commune_officer": {"own_commune"},
    "viewer": {"own_commune", "same_district", "other_district"},
}
STARTS_FROM = {"view": State.DRAFT, "edit_values": State.DRAFT, "submit": State.DRAFT, "verify": State.SUBMITTED,
               "return": State.SUBMITTED, "approve": State.VERIFIED, "record_decision": State.APPROVED,
               "reopen": State.APPROVED}
ENDS_IN = {"submit": State.SUBMITTED, "verify": State.VERIFIED, "return": State.RETURNED,
           "approve": State.APPROVED, "record_decision": State.RECOGNISED, "reopen": State.DRAFT}
DECISION = {"number": "901/QĐ-UBND", "date": dt.date(2023, 12, 20), "authority": "UBND tỉnh Thái Nguyên"}
INDICATOR, NEW_VALUE = "2.1", 55.5


def test_the_matrix_covers_every_action():
    assert set(ACTIONS) == set(STARTS_FROM) == {"view", "edit_values", *ENDS_IN}


@pytest.fixture
def world(db):
    province, dai_tu = unit("19", "tinh"), unit(DAI_TU, "huyen")
    own, sibling = assessed_communes(dai_tu)[:2]
    elsewhere = next(c for d in unit("19", "tinh").children.filter(code__in=["167", "168", "169", "170"])
                     .order_by("code") for c in assessed_communes(d))
    users = {
        "province_office": make_user("tinh", "province_office", province),
        "district_office": make_user("huyen", "district_office", dai_tu),
        "commune_officer": make_user("xa", "commune_officer", own),
        "viewer": make_user("xem", "viewer", province),
    }
    dossiers = {"own_commune": dossier(own), "same_district": dossier(sibling), "other_district": dossier(elsewhere),
                "other_province": other_province_dossier()}
    return SimpleNamespace(users=users, dossiers=dossiers)


@pytest.mark.django_db
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(world, role, action, target):
    # given a user with the role over its unit, and a dossier in the state the action starts from
    user = world.users[role]
    assessment = put_in_state(world.dossiers[target], STARTS_FROM[action])
    allowed = action in MAY[role] and target in COVERS[role]
    before = snapshot(assessment)

    # then the restricted queryset and the offered actions agree with the matrix
    assert restrict(Assessment.objects.filter(pk=assessment.pk), user, action).exists() is allowed
    assert Assessment.objects.restrict(user, action).filter(pk=assessment.pk).exists() is allowed
    if action == "view":
        assert visible_units(user, AS_OF).filter(pk=assessment.unit_id).exists() is allowed
        assert snapshot(assessment) == before
        return
    assert (action in dict(available_actions(assessment, user))) is allowed

    # when the user tries the write
    def attempt():
        if action == "edit_values":
            return set_value(assessment, INDICATOR, NEW_VALUE, user=user)
        return perform(assessment, action, user, reason="Kiểm tra quyền",
                       decision=DECISION if action == "record_decision" else None)

    if allowed:
        attempt()
        after = Assessment.objects.get(pk=assessment.pk)
        if action == "edit_values":
            assert IndicatorValue.objects.get(assessment=assessment, indicator__code=INDICATOR).value == NEW_VALUE
            assert after.state == State.DRAFT
        else:
            assert after.state == ENDS_IN[action]
            event = WorkflowEvent.objects.get(assessment=assessment)
            assert (event.action, event.from_state, event.to_state, event.actor) == (
                action, STARTS_FROM[action], ENDS_IN[action], user)
        assert after.version == before.version + 1
        if action == "record_decision":
            assert list(Decision.objects.get(number="901/QĐ-UBND").units.all()) == [assessment.unit]
    else:
        with pytest.raises(WorkflowError) as refused:
            attempt()
        # then it is refused for who the user is, not for the dossier's state, and nothing changed
        expected_code = "scope" if action in MAY[role] else "role"
        assert refused.value.code == expected_code
        assert "thực hiện" in refused.value.message
        assert snapshot(assessment) == before
