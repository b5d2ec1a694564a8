"""Every role × every action × a dossier inside or outside the role's unit: allowed or refused — in the three-tier
years (today is 1/6/2025 here: ``before_two_tier``); the two-tier matrix is test_permission_matrix_two_tier.py.

Each role holds one membership: the province office and the viewer over province 19, the district
office over Đại Từ, the commune officer over one Đại Từ commune. The dossiers: that commune ("own"),
another commune of Đại Từ, a commune of another district, a commune of another province. Before each
action the dossier is put in the state the action starts from, so only role and unit decide. A
refused write leaves the database exactly as it was.
"""

import datetime as dt

import pytest

from nongthonso.accounts.services import ACTIONS, restrict, visible_units
from nongthonso.assessments.models import Assessment, IndicatorValue, State, WorkflowEvent
from nongthonso.assessments.services import set_value
from nongthonso.assessments.workflow import WorkflowError, available_actions, perform
from nongthonso.demo.thai_nguyen import AS_OF
from nongthonso.recognition.models import Decision

DECISION = {"number": "901/QĐ-UBND", "date": dt.date(2023, 12, 20), "authority": "UBND tỉnh Thái Nguyên"}


def test_the_matrix_covers_every_action(three_tier_matrix):
    assert set(ACTIONS) == set(three_tier_matrix.starts_from) == {"view", "edit_values", *three_tier_matrix.ends_in}


@pytest.mark.django_db
def test_permission_matrix(three_tier_matrix, three_tier_world, role, action, target, put_in_state, snapshot):
    # given a user with the role over its unit, and a dossier in the state the action starts from
    matrix, world = three_tier_matrix, three_tier_world
    user = world.users[role]
    assessment = put_in_state(world.dossiers[target], matrix.starts_from[action])
    allowed = action in matrix.may[role] and target in matrix.covers[role]
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
            return set_value(assessment, matrix.indicator, matrix.new_value, user=user)
        return perform(assessment, action, user, reason="Kiểm tra quyền",
                       decision=DECISION if action == "record_decision" else None)

    if allowed:
        attempt()
        after = Assessment.objects.get(pk=assessment.pk)
        if action == "edit_values":
            stored = IndicatorValue.objects.get(assessment=assessment, indicator__code=matrix.indicator)
            assert stored.value == matrix.new_value
            assert after.state == State.DRAFT
        else:
            assert after.state == matrix.ends_in[action]
            event = WorkflowEvent.objects.get(assessment=assessment)
            assert (event.action, event.from_state, event.to_state, event.actor) == (
                action, matrix.starts_from[action], matrix.ends_in[action], user)
        assert after.version == before.version + 1
        if action == "record_decision":
            assert list(Decision.objects.get(number="901/QĐ-UBND").units.all()) == [assessment.unit]
    else:
        with pytest.raises(WorkflowError) as refused:
            attempt()
        # then it is refused for who the user is, not for the dossier's state, and nothing changed
        expected_code = "scope" if action in matrix.may[role] else "role"
        assert refused.value.code == expected_code
        assert "thực hiện" in refused.value.message
        assert snapshot(assessment) == before
