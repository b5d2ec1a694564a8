"""Every role × every action × a 2026 dossier of the two-tier province: allowed or refused.

Today (the real date, after 1/7/2025) the two-tier workflow applies to communes directly under the province: the
province office appraises, approves, records the decision; there is no «verify» step and no district. Each role
holds one membership: the province office and the viewer over the new province 19, the commune officer over the
merged commune Vạn Phú, and a district office still holding a role on the former district Đại Từ (ceased on
30/6/2025). The dossiers: Vạn Phú's ("own"), another commune of the province (Lam Vỹ), a commune of another
province. A refused write leaves the database exactly as it was.
"""

import datetime as dt
from types import SimpleNamespace

import pytest

from nongthonso.accounts.services import ACTIONS, restrict, visible_units
from nongthonso.assessments.models import Assessment, IndicatorValue, State, WorkflowEvent
from nongthonso.assessments.services import set_value
from nongthonso.assessments.workflow import WorkflowError, available_actions, definition_of, perform
from nongthonso.demo.thai_nguyen_2026 import AS_OF as DAY
from nongthonso.recognition.models import Decision

ROLES = ("province_office", "district_office", "commune_officer", "viewer")
TARGETS = ("own_commune", "other_commune", "other_province")

# written out independently of the code: the two-tier workflow's actors
MAY = {
    "province_office": {"view", "return", "approve", "record_decision", "reopen"},
    "district_office": set(),  # its district ceased on 30/6/2025: it reaches no 2026 dossier
    "commune_officer": {"view", "edit_values", "submit"},
    "viewer": {"view"},
}
COVERS = {
    "province_office": {"own_commune", "other_commune"},
    "district_office": set(),
    "commune_officer": {"own_commune"},
    "viewer": {"own_commune", "other_commune"},
}
STARTS_FROM = {"view": State.DRAFT, "edit_values": State.DRAFT, "submit": State.DRAFT, "verify": State.SUBMITTED,
               "return": State.SUBMITTED, "approve": State.SUBMITTED, "record_decision": State.APPROVED,
               "reopen": State.APPROVED}
ENDS_IN = {"submit": State.SUBMITTED, "return": State.RETURNED, "approve": State.APPROVED,
           "record_decision": State.RECOGNISED, "reopen": State.DRAFT}
DECISION = {"number": "902/QĐ-UBND", "date": dt.date(2026, 9, 15), "authority": "UBND tỉnh Thái Nguyên"}
INDICATOR, NEW_VALUE = "2.1", 55.5


@pytest.fixture
def world(db, dai_tu, dossier_2026, lam_vy, make_user, new_unit, other_province_dossier, van_phu):
    province = new_unit("19", "tinh")
    own, other = van_phu, lam_vy
    users = {
        "province_office": make_user("tinh", "province_office", province),
        "district_office": make_user("huyen", "district_office", dai_tu),
        "commune_officer": make_user("xa", "commune_officer", own),
        "viewer": make_user("xem", "viewer", province),
    }
    dossiers = {"own_commune": dossier_2026(own), "other_commune": dossier_2026(other),
                "other_province": other_province_dossier}
    return SimpleNamespace(users=users, dossiers=dossiers)


@pytest.mark.django_db
def test_the_2026_dossiers_follow_the_two_tier_workflow(world):
    assert {definition_of(d).code for d in world.dossiers.values()} == {"hai-cap"}


@pytest.mark.django_db
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_two_tier_permission_matrix(world, role, action, target, put_in_state, snapshot):
    # given a user with the role over its unit, and a dossier in the state the action starts from
    user = world.users[role]
    assessment = put_in_state(world.dossiers[target], STARTS_FROM[action])
    allowed = action in MAY[role] and target in COVERS[role]
    before = snapshot(assessment)

    # then scoping and the offered actions agree with the matrix
    if action in ("view", "edit_values"):
        assert restrict(Assessment.objects.filter(pk=assessment.pk), user, action).exists() is allowed
    if action == "view":
        assert visible_units(user, DAY).filter(pk=assessment.unit_id).exists() is allowed
        return
    assert (action in dict(available_actions(assessment, user))) is allowed

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
        else:
            assert (after.state, after.workflow.code) == (ENDS_IN[action], "hai-cap")
            event = WorkflowEvent.objects.get(assessment=assessment)
            assert (event.action, event.from_state, event.to_state, event.actor) == (
                action, STARTS_FROM[action], ENDS_IN[action], user)
        assert after.version == before.version + 1
        if action == "record_decision":
            assert list(Decision.objects.get(number="902/QĐ-UBND").units.all()) == [assessment.unit]
    else:
        with pytest.raises(WorkflowError) as refused:
            attempt()
        # then «verify» is not a step of the two-tier workflow at all; otherwise it is refused for who the user is
        if action == "verify":
            assert refused.value.code == "step"
            assert refused.value.message.endswith(
                "theo «Quy trình hai cấp: xã → tỉnh», không có bước «Xác nhận hồ sơ». Các bước của quy trình này: "
                "«Gửi hồ sơ tự đánh giá», «Trả lại hồ sơ», «Thẩm định, phê duyệt hồ sơ», «Ghi quyết định công nhận», "
                "«Mở lại hồ sơ».")
        else:
            assert refused.value.code in ("scope", "role")
            assert "thực hiện" in refused.value.message
        assert snapshot(assessment) == before
