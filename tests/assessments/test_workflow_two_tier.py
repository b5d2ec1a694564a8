"""The two-tier dossier workflow (commune → province, from 1/7/2025): steps as data, separation of duties, the move
of dossiers left at a district on 30/6/2025, and the scope a role has through lineage.

Today is the real date here (after 1/7/2025) unless a test says otherwise.
"""

import datetime as dt
from types import SimpleNamespace

import pytest

from nongthonso.accounts.services import grant
from nongthonso.assessments.definitions import definitions
from nongthonso.assessments.models import Assessment, IndicatorValue, State, WorkflowEvent
from nongthonso.assessments.workflow import (
    WorkflowError,
    available_actions,
    awaiting,
    definition_of,
    held_back,
    history,
    perform,
    state_label,
    transfer_ended,
    why_not,
)
from nongthonso.audit.models import AuditEntry
from nongthonso.core.text import format_date
from nongthonso.criteria.choices import Level
from nongthonso.recognition.models import Decision
from nongthonso.recognition.services import status_on

DECISION = {"number": "1502/QĐ-UBND", "date": dt.date(2026, 9, 15), "authority": "UBND tỉnh Thái Nguyên"}
PROVINCE_OFFICE = "Văn phòng Điều phối NTM tỉnh Thái Nguyên"


@pytest.fixture
def flow(db, dossier_2026, make_user, new_unit, van_phu):
    """Vạn Phú (formed on 1/7/2025 from Vạn Phú and Văn Yên) and its 2026 dossier; its officer, two province office
    staff, and a user who is both Vạn Phú's officer and a province office member."""
    province, commune = new_unit("19", "tinh"), van_phu
    both = make_user("kiemnhiem", "commune_officer", commune)
    grant(both, "province_office", province)
    return SimpleNamespace(
        province=province, commune=commune, dossier=dossier_2026(commune),
        officer=make_user("canbo", "commune_officer", commune),
        office=make_user("tinh", "province_office", province),
        office2=make_user("tinh2", "province_office", province),
        both=both,
    )


@pytest.mark.django_db
def test_the_two_tier_steps_are_data():
    two_tier = definitions()["hai-cap"]
    assert (two_tier.parent_level, two_tier.valid_from, two_tier.valid_to) == ("tinh", dt.date(2025, 7, 1), None)
    assert [(t.action, t.sources, t.target, t.actors, t.needs_reason, t.needs_decision) for t in two_tier.steps] == [
        ("submit", ("draft", "returned"), "submitted", (("commune_officer", "xa"),), False, False),
        ("return", ("submitted",), "returned", (("province_office", "tinh"),), True, False),
        ("approve", ("submitted",), "approved", (("province_office", "tinh"),), False, False),
        ("record_decision", ("approved",), "recognised", (("province_office", "tinh"),), False, True),
        ("reopen", ("approved", "recognised"), "draft", (("province_office", "tinh"),), True, False),
    ]
    assert two_tier.separation == {"approve": ("submit", "verify"), "record_decision": ("submit", "verify")}


@pytest.mark.django_db
def test_the_structure_of_the_unit_chooses_the_workflow(flow, before_two_tier, assessed_communes, dai_tu, dossier,
                                                        put_in_state):
    # a 2026 dossier of a commune directly under the province, and a 2023 dossier of a commune under a district
    old = dossier(assessed_communes(dai_tu)[0])
    assert (definition_of(flow.dossier).code, definition_of(old).code) == ("hai-cap", "ba-cap")
    assert state_label(put_in_state(flow.dossier, State.SUBMITTED)) == "Đã gửi, chờ tỉnh thẩm định"
    assert state_label(put_in_state(old, State.SUBMITTED)) == "Đã gửi, chờ huyện xác nhận"


@pytest.mark.django_db
def test_a_2026_dossier_goes_to_the_province_and_back_and_is_recognised(flow):
    a = flow.dossier
    version = a.version
    # when the commune submits, the province returns it with a reason, the commune resubmits, the province
    # approves and records the decision
    perform(a, "submit", flow.officer)
    perform(a, "return", flow.office, reason="Tiêu chí 6: thiếu danh sách hộ nghèo đa chiều đã phê duyệt")
    perform(a, "submit", flow.officer, reason="Đã bổ sung danh sách")
    perform(a, "approve", flow.office, reason="Hội đồng thẩm định thống nhất")
    perform(a, "record_decision", flow.office, decision=DECISION)

    # then each step is recorded with who, in which role, and why; no district anywhere
    assert (a.state, a.version, a.workflow.code) == (State.RECOGNISED, version + 5, "hai-cap")
    officer = "cán bộ phụ trách NTM xã Vạn Phú"
    assert [(e.action, e.from_state, e.to_state, e.actor_name, e.actor_role, e.reason) for e in history(a)] == [
        ("submit", "draft", "submitted", "canbo", officer, ""),
        ("return", "submitted", "returned", "tinh", PROVINCE_OFFICE,
         "Tiêu chí 6: thiếu danh sách hộ nghèo đa chiều đã phê duyệt"),
        ("submit", "returned", "submitted", "canbo", officer, "Đã bổ sung danh sách"),
        ("approve", "submitted", "approved", "tinh", PROVINCE_OFFICE, "Hội đồng thẩm định thống nhất"),
        ("record_decision", "approved", "recognised", "tinh", PROVINCE_OFFICE, ""),
    ]
    assert {e.details["workflow"] for e in history(a)} == {"hai-cap"}
    decision = Decision.objects.get(number="1502/QĐ-UBND")
    assert (decision.level, decision.for_year, list(decision.units.all())) == (Level.XA_NTM, 2026, [flow.commune])
    assert status_on(flow.commune, dt.date(2026, 9, 15)).holds(Level.XA_NTM)


@pytest.mark.django_db
def test_the_user_who_submitted_may_not_approve_or_record_the_decision(flow, snapshot):
    a = flow.dossier
    # given a user holding both roles who submitted the dossier
    perform(a, "submit", flow.both)
    before = snapshot(a)
    today = format_date(dt.date.today())

    # when they try to approve it: refused, saying why, and nothing changed
    with pytest.raises(WorkflowError) as refused:
        perform(a, "approve", flow.both)
    assert refused.value.code == "separation"
    assert refused.value.message == (
        f"Bạn đã thực hiện bước «Gửi hồ sơ tự đánh giá» với hồ sơ năm 2026 của xã Vạn Phú ngày {today}, nên không "
        "được thực hiện bước «Thẩm định, phê duyệt hồ sơ» với hồ sơ này: theo «Quy trình hai cấp: xã → tỉnh», người "
        "đã thực hiện bước «Gửi hồ sơ tự đánh giá» hoặc «Xác nhận hồ sơ» không được thực hiện bước «Thẩm định, phê "
        "duyệt hồ sơ» của cùng hồ sơ (tách bạch nhiệm vụ), dù có vai trò nào. Việc này do một cán bộ khác của Văn "
        "phòng Điều phối NTM tỉnh Thái Nguyên thực hiện.")
    assert snapshot(a) == before
    # and the page shows the step as held back, with the reason; their work list does not offer it
    assert "approve" not in dict(available_actions(a, flow.both))
    assert [(step.action, message) for step, message in held_back(a, flow.both)] == [
        ("approve", refused.value.message)]
    assert not awaiting(flow.both, "approve").filter(pk=a.pk).exists()
    assert awaiting(flow.office, "approve").filter(pk=a.pk).exists()
    assert why_not(a, "approve", flow.both).code == "separation"

    # when another province officer approves, the submitter may not record the decision either
    perform(a, "approve", flow.office)
    with pytest.raises(WorkflowError) as refused:
        perform(a, "record_decision", flow.both, decision=DECISION)
    assert refused.value.code == "separation"
    perform(a, "record_decision", flow.office2, decision=DECISION)
    assert a.state == State.RECOGNISED


@pytest.mark.django_db
def test_separation_holds_for_the_round_a_reopening_starts_a_new_one(flow):
    a = flow.dossier
    perform(a, "submit", flow.both)
    perform(a, "approve", flow.office)
    perform(a, "reopen", flow.office, reason="Sửa số liệu tiêu chí 8")
    # the same user submitted in the earlier round only: in the new round, the commune officer submits
    perform(a, "submit", flow.officer)
    perform(a, "approve", flow.both)
    assert a.state == State.APPROVED


@pytest.mark.django_db
def test_verify_is_not_a_step_after_1_july_2025(flow, dai_tu, make_user, put_in_state, snapshot):
    a = put_in_state(flow.dossier, State.SUBMITTED)
    district = make_user("huyen", "district_office", dai_tu)
    before = snapshot(a)
    with pytest.raises(WorkflowError) as refused:
        perform(a, "verify", district)
    assert refused.value.code == "step"
    assert refused.value.message.startswith("Hồ sơ năm 2026 của xã Vạn Phú theo «Quy trình hai cấp: xã → tỉnh», "
                                            "không có bước «Xác nhận hồ sơ».")
    assert snapshot(a) == before


@pytest.mark.django_db
def test_unconfirmed_carried_values_hold_the_submission_back(flow):
    a = flow.dossier
    value = IndicatorValue.objects.filter(assessment=a).first() or IndicatorValue.objects.create(
        assessment=a, indicator=a.criteria_set.indicators.get(code="2.1"), value=71.5)
    IndicatorValue.objects.filter(pk=value.pk).update(carried={"rule": "own", "from": []}, confirmed_at=None)
    with pytest.raises(WorkflowError) as refused:
        perform(a, "submit", flow.officer)
    assert refused.value.code == "requirement"
    assert refused.value.message.startswith("Còn ")
    assert "submit" not in dict(available_actions(a, flow.officer))
    assert [step.action for step, _ in held_back(a, flow.officer)] == ["submit"]


@pytest.mark.django_db
def test_a_dossier_left_at_a_district_moves_to_the_province_with_an_event(flow, assessed_communes, dai_tu, dossier,
                                                                          put_in_state):
    # given a 2025 self-assessment of a former Đại Từ commune, submitted to the district before 1/7/2025
    old = put_in_state(dossier(assessed_communes(dai_tu)[0]), State.SUBMITTED)
    verified = put_in_state(dossier(assessed_communes(dai_tu)[1]), State.VERIFIED)
    finished = put_in_state(dossier(assessed_communes(dai_tu)[2]), State.APPROVED)  # stays
    assert definition_of(old).code == "hai-cap"  # the pages show the new steps at once

    # when the ended workflow's dossiers are moved
    moved = transfer_ended()

    # then the two in progress moved (the verified one back to «waiting for the province»), with the reason
    assert moved >= 2
    for a, state in ((old, State.SUBMITTED), (verified, State.SUBMITTED)):
        a.refresh_from_db()
        assert (a.state, a.workflow.code) == (state, "hai-cap")
        event = WorkflowEvent.objects.filter(assessment=a).latest("pk")
        assert (event.action, event.to_state, event.actor_name) == ("transfer", state, "hệ thống")
        assert event.reason.startswith("Từ ngày 1/7/2025 chính quyền địa phương tổ chức theo hai cấp, không còn cấp "
                                       "huyện")
        assert AuditEntry.objects.filter(object_id=str(a.pk), action="transition",
                                         after__action="transfer").exists()
    finished.refresh_from_db()
    assert (finished.state, finished.workflow_id) == (State.APPROVED, None)
    assert transfer_ended() == 0  # nothing left to move

    # and the new province's office (a role on the new province only) sees it in its queue and approves it
    assert awaiting(flow.office, "approve").filter(pk=old.pk).exists()
    perform(old, "approve", flow.office)
    assert history(old).last().actor_role == PROVINCE_OFFICE


@pytest.mark.django_db
def test_a_role_on_the_successor_reaches_the_predecessors_dossiers(flow, dossier_2026, lam_vy):
    # Vạn Phú (2025) was formed from Vạn Phú (2024) and Văn Yên; Vạn Phú (2024) from Vạn Thọ and Ký Phú
    old = {a.unit.name: a for a in Assessment.objects.filter(year=2023, criteria_set__code="xa-ntm-2021-2025",
                                                               unit__code__in=["05839", "05845", "05842"])
           .select_related("unit")}
    assert set(old) == {"Xã Vạn Thọ", "Xã Ký Phú", "Xã Văn Yên"}
    visible = Assessment.objects.restrict(flow.officer, "view")
    assert set(visible.filter(year=2023).values_list("unit__name", flat=True)) == set(old)
    assert not visible.filter(pk=dossier_2026(lam_vy).pk).exists()


@pytest.mark.django_db
def test_the_work_list_writes_nothing_and_lists_dossiers_due_to_move_under_the_province(flow, client,
                                                                                        assessed_communes, dai_tu,
                                                                                        dossier, make_user,
                                                                                        put_in_state):
    # given a 2023 dossier verified by a district, never moved (today is after 1/7/2025)
    old = put_in_state(dossier(assessed_communes(dai_tu)[3]), State.VERIFIED)
    nobody, district = make_user("chua.co.vai.tro"), make_user("huyen2", "district_office", dai_tu)
    events, audit = WorkflowEvent.objects.count(), AuditEntry.objects.count()
    # then the province office's work list has it waiting for appraisal, shown as the move will leave it …
    assert awaiting(flow.office, "approve").filter(pk=old.pk).exists()
    assert not awaiting(district, "verify").filter(pk=old.pk).exists()
    assert (definition_of(old).code, state_label(old)) == ("hai-cap", "Đã gửi, chờ tỉnh thẩm định")
    assert "approve" in dict(available_actions(old, flow.office))
    # … and opening the work list, even with no role, writes nothing
    client.force_login(nobody)
    assert client.get("/ho-so/").status_code == 200
    client.force_login(flow.office)
    assert f"/ho-so/{old.pk}/" in client.get("/ho-so/").content.decode()
    assert (WorkflowEvent.objects.count(), AuditEntry.objects.count()) == (events, audit)
    # the step moves it first (the system's event), then records the approval
    perform(old, "approve", flow.office)
    assert [(e.action, e.from_state, e.to_state, e.actor_name) for e in history(old)][-2:] == [
        ("transfer", "verified", "submitted", "hệ thống"), ("approve", "submitted", "approved", "tinh")]


@pytest.mark.django_db
def test_who_verified_a_dossier_before_1_july_2025_may_not_approve_it_after(flow, monkeypatch, assessed_communes,
                                                                            dai_tu, dossier, make_user, put_in_state):
    # given a user who was the district office and is now also in the province office
    commune = assessed_communes(dai_tu)[4]
    a = put_in_state(dossier(commune), State.DRAFT)
    officer = make_user("canbo.cu", "commune_officer", commune)
    both = make_user("huyen.tinh", "district_office", dai_tu)
    grant(both, "province_office", flow.province)
    with monkeypatch.context() as before:  # in June 2025 the dossier is submitted and verified
        from django.utils import timezone

        real = timezone.localdate
        before.setattr("django.utils.timezone.localdate",
                       lambda value=None, tz=None: dt.date(2025, 6, 1) if value is None else real(value, tz))
        perform(a, "submit", officer)
        perform(a, "verify", both)
    # when, after the move to the two-tier workflow, they try to approve what they verified: refused
    with pytest.raises(WorkflowError) as refused:
        perform(a, "approve", both)
    assert refused.value.code == "separation"
    assert "«Xác nhận hồ sơ»" in refused.value.message
    perform(a, "approve", flow.office)
    assert a.state == State.APPROVED
