"""The three-tier dossier workflow (commune → district → province, to 30/6/2025), with reasons, locks, decisions
and history; the two-tier one is in test_workflow_two_tier.py.

Every refused step is checked for its Vietnamese reason and for leaving the database unchanged. Today is 1/6/2025
here (``before_two_tier``): the district level still exists.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from nongthonso.assessments.definitions import definitions
from nongthonso.assessments.imports import import_values
from nongthonso.assessments.models import Assessment, IndicatorValue, State
from nongthonso.assessments.services import set_value
from nongthonso.assessments.workflow import (
    WorkflowError,
    available_actions,
    awaiting,
    ensure_editable,
    history,
    perform,
    why_not,
)
from nongthonso.audit.models import AuditEntry
from nongthonso.core.imports import ImportFailed
from nongthonso.criteria.choices import Level
from nongthonso.demo.thai_nguyen import AS_OF
from nongthonso.recognition.decisions import DecisionInput
from nongthonso.recognition.models import Decision
from nongthonso.recognition.services import status_on

pytestmark = pytest.mark.usefixtures("before_two_tier")

DECISION_DATE = dt.date(2023, 12, 20)
DECISION = {"number": "1234/QĐ-UBND", "date": DECISION_DATE, "authority": "UBND tỉnh Thái Nguyên"}
INDICATOR = "2.1"


@pytest.fixture
def flow(db, assessed_communes, dai_tu, dossier, make_user, province_19):
    """A Đại Từ commune not yet NTM on 30/6/2023, its 2023 dossier (draft), and one user per role."""
    province = province_19
    commune = next(c for c in assessed_communes(dai_tu) if not status_on(c, AS_OF).holds(Level.XA_NTM))
    return SimpleNamespace(
        commune=commune, dossier=dossier(commune),
        commune_officer=make_user("canbo", "commune_officer", commune),
        district=make_user("huyen", "district_office", dai_tu),
        province=make_user("tinh", "province_office", province),
        viewer=make_user("xem", "viewer", province),
    )


def advance(flow, state):
    """Take the dossier through the real steps, from draft to ``state``."""
    steps = {
        State.SUBMITTED: [("submit", flow.commune_officer)],
        State.VERIFIED: [("submit", flow.commune_officer), ("verify", flow.district)],
        State.RETURNED: [("submit", flow.commune_officer), ("return", flow.district)],
        State.APPROVED: [("submit", flow.commune_officer), ("verify", flow.district), ("approve", flow.province)],
        State.RECOGNISED: [("submit", flow.commune_officer), ("verify", flow.district), ("approve", flow.province),
                           ("record_decision", flow.province)],
    }[state]
    for action, user in steps:
        perform(flow.dossier, action, user, reason="Thiếu minh chứng" if action == "return" else "",
                decision=DECISION if action == "record_decision" else None)
    assert flow.dossier.state == state
    return flow.dossier


@pytest.mark.django_db
def test_the_three_tier_steps_are_data():
    three_tier = definitions()["ba-cap"]
    assert (three_tier.parent_level, three_tier.valid_to, three_tier.successor) == ("huyen", dt.date(2025, 6, 30),
                                                                                    "hai-cap")
    assert [(t.action, t.sources, t.target, t.needs_reason, t.needs_decision) for t in three_tier.steps] == [
        ("submit", ("draft", "returned"), "submitted", False, False),
        ("verify", ("submitted",), "verified", False, False),
        ("return", ("submitted", "verified"), "returned", True, False),
        ("approve", ("verified",), "approved", False, False),
        ("record_decision", ("approved",), "recognised", False, True),
        ("reopen", ("approved", "recognised"), "draft", True, False),
    ]


@pytest.mark.django_db
def test_a_dossier_goes_from_draft_to_recognised_and_the_status_follows(flow):
    from nongthonso.reports.services import summary

    # given a draft dossier of a commune that is not NTM
    a = flow.dossier
    version = a.version
    ntm_before = summary("19", dt.date(2023, 12, 31)).ntm
    assert not status_on(flow.commune, DECISION_DATE).holds(Level.XA_NTM)

    # when each office takes its step
    perform(a, "submit", flow.commune_officer)
    perform(a, "verify", flow.district)
    perform(a, "approve", flow.province, reason="Hội đồng thẩm định thống nhất")
    event = perform(a, "record_decision", flow.province, decision=DECISION)

    # then the dossier is recognised, one version per step, each step recorded with who and why
    assert (a.state, a.version) == (State.RECOGNISED, version + 4)
    assert Assessment.objects.get(pk=a.pk).state == State.RECOGNISED
    assert [(e.action, e.from_state, e.to_state, e.actor_name, e.actor_role, e.reason, e.version)
            for e in history(a)] == [
        ("submit", "draft", "submitted", "canbo", f"cán bộ phụ trách NTM {flow.commune.name[0].lower()}"
         f"{flow.commune.name[1:]}", "", version + 1),
        ("verify", "submitted", "verified", "huyen", "Văn phòng Điều phối NTM huyện Đại Từ", "", version + 2),
        ("approve", "verified", "approved", "tinh", "Văn phòng Điều phối NTM tỉnh Thái Nguyên",
         "Hội đồng thẩm định thống nhất", version + 3),
        ("record_decision", "approved", "recognised", "tinh", "Văn phòng Điều phối NTM tỉnh Thái Nguyên", "",
         version + 4),
    ]
    transitions = AuditEntry.objects.filter(action="transition", object_id=str(a.pk)).order_by("pk")
    assert [(t.before["state"], t.after["state"], t.actor) for t in transitions] == [
        ("draft", "submitted", "canbo"), ("submitted", "verified", "huyen"), ("verified", "approved", "tinh"),
        ("approved", "recognised", "tinh")]

    # and the decision exists, for this unit, at the set's level, for the dossier's year
    decision = Decision.objects.get(number="1234/QĐ-UBND")
    assert (decision.date, decision.authority, decision.kind, decision.level, decision.for_year) == (
        DECISION_DATE, "UBND tỉnh Thái Nguyên", "recognition", Level.XA_NTM, 2023)
    assert list(decision.units.all()) == [flow.commune]
    assert event.details["decision"]["id"] == decision.pk
    assert AuditEntry.objects.filter(action="create", model="recognition.decision", object_id=str(decision.pk)).exists()

    # and the unit's status changes from the decision's date, and the summary with it
    assert not status_on(flow.commune, DECISION_DATE - dt.timedelta(days=1)).holds(Level.XA_NTM)
    status = status_on(flow.commune, DECISION_DATE)
    assert status.holds(Level.XA_NTM) and status.decisions[Level.XA_NTM] == decision
    assert summary("19", dt.date(2023, 12, 31)).ntm == ntm_before + 1


ILLEGAL = [
    # (state, action, who, the end of the message: what must happen first)
    (State.DRAFT, "verify", "district", "trạng thái «Đã gửi, chờ huyện xác nhận»; trước đó cần: xã gửi hồ sơ."),
    (State.DRAFT, "approve", "province", "trước đó cần: xã gửi hồ sơ, rồi huyện xác nhận hồ sơ."),
    (State.DRAFT, "return", "district", "trước đó cần: xã gửi hồ sơ."),
    (State.DRAFT, "record_decision", "province",
     "trước đó cần: xã gửi hồ sơ, rồi huyện xác nhận hồ sơ, rồi tỉnh thẩm định, phê duyệt hồ sơ."),
    (State.SUBMITTED, "submit", "commune_officer", "trước đó cần: huyện trả lại hồ sơ (kèm lý do)."),
    (State.SUBMITTED, "approve", "province", "trước đó cần: huyện xác nhận hồ sơ."),
    (State.VERIFIED, "verify", "district", "trước đó cần: huyện trả lại hồ sơ (kèm lý do), rồi xã gửi hồ sơ."),
    (State.RETURNED, "verify", "district", "trước đó cần: xã gửi hồ sơ."),
    (State.APPROVED, "return", "district", "trước đó cần: tỉnh mở lại hồ sơ (kèm lý do), rồi xã gửi hồ sơ."),
    (State.APPROVED, "approve", "province", "trước đó cần: tỉnh mở lại hồ sơ (kèm lý do), rồi xã gửi hồ sơ, rồi "
                                            "huyện xác nhận hồ sơ."),
    (State.RECOGNISED, "record_decision", "province", "trước đó cần: tỉnh mở lại hồ sơ (kèm lý do), rồi xã gửi "
                                                      "hồ sơ, rồi huyện xác nhận hồ sơ, rồi tỉnh thẩm định, phê "
                                                      "duyệt hồ sơ."),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "action", "who", "first"), ILLEGAL)
def test_illegal_transitions_are_refused_with_the_state_and_what_must_happen_first(flow, state, action, who, first,
                                                                                   snapshot):
    # given a dossier in `state`, reached through the real steps
    a = advance(flow, state) if state != State.DRAFT else flow.dossier
    before = snapshot(a)
    # when a user whose role allows the action tries it in the wrong state
    with pytest.raises(WorkflowError) as refused:
        perform(a, action, getattr(flow, who), reason="lý do", decision=DECISION if action == "record_decision"
                else None)
    # then the message names the current state and what must happen first, and nothing changed
    assert refused.value.code == "state"
    assert f"đang ở trạng thái «{State(state).label}»" in refused.value.message
    assert refused.value.message.endswith(first)
    assert snapshot(a) == before
    assert why_not(a, action, getattr(flow, who)).message == refused.value.message


@pytest.mark.django_db
def test_a_state_refusal_reads_in_full(flow):
    with pytest.raises(WorkflowError) as refused:
        perform(flow.dossier, "verify", flow.district)
    assert str(refused.value) == (
        f"Không thể xác nhận hồ sơ vì hồ sơ năm 2023 của xã {flow.commune.name.removeprefix('Xã ')} đang ở trạng "
        "thái «Đang nhập số liệu». Bước «Xác nhận hồ sơ» chỉ làm được khi hồ sơ ở trạng thái «Đã gửi, chờ huyện "
        "xác nhận»; trước đó cần: xã gửi hồ sơ.")


@pytest.mark.django_db
def test_a_wrong_role_is_told_who_may(flow, snapshot):
    advance(flow, State.VERIFIED)
    before = snapshot(flow.dossier)
    with pytest.raises(WorkflowError) as refused:
        perform(flow.dossier, "approve", flow.commune_officer)
    assert refused.value.code == "role"
    assert refused.value.message == (
        f"Vai trò của bạn (cán bộ phụ trách NTM xã {flow.commune.name.removeprefix('Xã ')}) không được thẩm định, "
        "phê duyệt hồ sơ. Việc này do Văn phòng Điều phối NTM tỉnh Thái Nguyên thực hiện.")
    assert snapshot(flow.dossier) == before


@pytest.mark.django_db
def test_another_districts_office_is_told_whose_dossier_it_is(flow, make_user, snapshot, unit_at):
    other = make_user("huyen-khac", "district_office", unit_at("167", "huyen"))
    advance(flow, State.SUBMITTED)
    before = snapshot(flow.dossier)
    with pytest.raises(WorkflowError) as refused:
        perform(flow.dossier, "verify", other)
    assert refused.value.code == "scope"
    assert refused.value.message.startswith("Bạn là Văn phòng Điều phối NTM ")
    assert refused.value.message.endswith("Việc này do Văn phòng Điều phối NTM huyện Đại Từ thực hiện.")
    assert snapshot(flow.dossier) == before


@pytest.mark.django_db
def test_a_user_who_is_not_logged_in_is_asked_to_log_in(flow, snapshot):
    from django.contrib.auth.models import AnonymousUser

    before = snapshot(flow.dossier)
    with pytest.raises(WorkflowError) as refused:
        perform(flow.dossier, "submit", AnonymousUser())
    assert (refused.value.code, refused.value.message) == ("login", "Bạn cần đăng nhập để gửi hồ sơ tự đánh giá.")
    assert snapshot(flow.dossier) == before


@pytest.mark.django_db
@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_return_requires_a_reason(flow, blank, snapshot):
    a = advance(flow, State.SUBMITTED)
    before = snapshot(a)
    with pytest.raises(WorkflowError) as refused:
        perform(a, "return", flow.district, reason=blank)
    assert refused.value.code == "reason"
    assert refused.value.message.startswith("Phải ghi lý do trả lại hồ sơ để xã biết cần sửa gì")
    assert snapshot(a) == before
    assert a.state == State.SUBMITTED


@pytest.mark.django_db
def test_a_returned_dossier_opens_again_for_the_commune(flow):
    a = advance(flow, State.SUBMITTED)
    event = perform(a, "return", flow.district, reason="  Tiêu chí 2: thiếu biên bản nghiệm thu đường  ")
    assert (a.state, event.reason) == (State.RETURNED, "Tiêu chí 2: thiếu biên bản nghiệm thu đường")
    entry = AuditEntry.objects.filter(action="transition", object_id=str(a.pk)).latest("pk")
    assert entry.note == "Tiêu chí 2: thiếu biên bản nghiệm thu đường"
    set_value(a, INDICATOR, 61.5, user=flow.commune_officer)
    assert IndicatorValue.objects.get(assessment=a, indicator__code=INDICATOR).value == 61.5


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "message"), [
    (State.SUBMITTED, "đã được gửi nên không sửa được số liệu. Đề nghị Văn phòng Điều phối NTM huyện Đại Từ hoặc "
                      "Văn phòng Điều phối NTM tỉnh Thái Nguyên trả lại hồ sơ (kèm lý do) nếu cần sửa."),
    (State.VERIFIED, "đã được huyện xác nhận nên không sửa được số liệu. Đề nghị Văn phòng Điều phối NTM huyện Đại "
                     "Từ hoặc Văn phòng Điều phối NTM tỉnh Thái Nguyên trả lại hồ sơ (kèm lý do) nếu cần sửa."),
    (State.APPROVED, "đã được tỉnh thẩm định nên số liệu đã khóa. Đề nghị Văn phòng Điều phối NTM tỉnh Thái Nguyên "
                     "mở lại hồ sơ (kèm lý do) nếu cần sửa."),
    (State.RECOGNISED, "đã có quyết định công nhận nên số liệu đã khóa. Đề nghị Văn phòng Điều phối NTM tỉnh Thái "
                       "Nguyên mở lại hồ sơ (kèm lý do) nếu cần sửa."),
])
@pytest.mark.parametrize("as_system", [False, True])
def test_locks_hold(flow, state, message, as_system, snapshot):
    # given a dossier submitted or further along
    a = advance(flow, state)
    before = snapshot(a)
    # when its own commune officer (or the system, with no user) tries to change a value
    with pytest.raises(WorkflowError) as refused:
        set_value(a, INDICATOR, 12.5, user=None if as_system else flow.commune_officer)
    # then it is refused, saying why and how, and the value, version and logs are unchanged
    assert refused.value.code == "locked"
    assert refused.value.message == (f"Hồ sơ năm 2023 của xã {flow.commune.name.removeprefix('Xã ')} {message}")
    assert snapshot(a) == before
    assert "edit_values" not in dict(available_actions(a, flow.commune_officer))


@pytest.mark.django_db
def test_a_stale_copy_of_the_assessment_does_not_get_past_the_lock(flow, snapshot):
    stale = Assessment.objects.get(pk=flow.dossier.pk)  # loaded while still a draft
    advance(flow, State.SUBMITTED)
    before = snapshot(stale)
    with pytest.raises(WorkflowError, match="đã được gửi nên không sửa được"):
        set_value(stale, INDICATOR, 12.5, user=flow.commune_officer)
    assert snapshot(stale) == before


@pytest.mark.django_db
def test_an_import_cannot_change_a_locked_dossier(flow, tmp_path, snapshot):
    a = advance(flow, State.VERIFIED)
    before = snapshot(a)
    path = tmp_path / "values.csv"
    path.write_text(f"unit_code,year,indicator_code,value,note\n{flow.commune.code},2023,{INDICATOR},12.5,\n",
                    encoding="utf-8")
    locked = "đang ở trạng thái «Huyện đã xác nhận, chờ tỉnh thẩm định» nên số liệu đã khóa"
    with pytest.raises(ImportFailed, match=locked):
        import_values(path)
    assert snapshot(a) == before


@pytest.mark.django_db
@pytest.mark.parametrize("state", [State.APPROVED, State.RECOGNISED])
def test_reopening_needs_a_reason_and_then_unlocks(flow, state, snapshot):
    a = advance(flow, state)
    before = snapshot(a)
    with pytest.raises(WorkflowError) as refused:
        perform(a, "reopen", flow.province, reason=" ")
    assert refused.value.code == "reason"
    assert refused.value.message.startswith("Phải ghi lý do mở lại hồ sơ đã khóa")
    assert snapshot(a) == before

    event = perform(a, "reopen", flow.province, reason="Sửa tiêu chí 2 theo kết luận kiểm tra")
    assert (event.from_state, event.to_state, event.reason) == (state, State.DRAFT,
                                                                "Sửa tiêu chí 2 theo kết luận kiểm tra")
    set_value(a, INDICATOR, 61.5, user=flow.commune_officer)
    assert IndicatorValue.objects.get(assessment=a, indicator__code=INDICATOR).value == 61.5
    # a recorded decision stays: reopening the data does not revoke a recognition
    assert Decision.objects.filter(number="1234/QĐ-UBND").count() == (1 if state == State.RECOGNISED else 0)


@pytest.mark.django_db
def test_the_history_survives_return_and_resubmission(flow):
    # given a dossier submitted, returned with a reason, fixed and submitted again, then verified
    a = flow.dossier
    perform(a, "submit", flow.commune_officer)
    perform(a, "return", flow.district, reason="Tiêu chí 2: số liệu chưa khớp biên bản")
    set_value(a, INDICATOR, 61.5, user=flow.commune_officer, note="sửa theo ý kiến huyện")
    perform(a, "submit", flow.commune_officer, reason="Đã sửa tiêu chí 2")
    perform(a, "verify", flow.district)
    # then every step is still there, in order, with its reason
    assert [(e.action, e.from_state, e.to_state, e.actor_name, e.reason) for e in history(a)] == [
        ("submit", "draft", "submitted", "canbo", ""),
        ("return", "submitted", "returned", "huyen", "Tiêu chí 2: số liệu chưa khớp biên bản"),
        ("submit", "returned", "submitted", "canbo", "Đã sửa tiêu chí 2"),
        ("verify", "submitted", "verified", "huyen", ""),
    ]
    # and so is the value change made in between, in the audit log
    value = IndicatorValue.objects.get(assessment=a, indicator__code=INDICATOR)
    change = AuditEntry.objects.get(model="assessments.indicatorvalue", object_id=str(value.pk), action="update")
    assert (change.after["value"], change.after["note"], change.actor) == (61.5, "sửa theo ý kiến huyện", "canbo")


AVAILABLE = [
    (State.DRAFT, {"commune_officer": ["edit_values", "submit"], "district": [], "province": [], "viewer": []}),
    (State.SUBMITTED, {"commune_officer": [], "district": ["verify", "return"], "province": ["return"],
                       "viewer": []}),
    (State.RETURNED, {"commune_officer": ["edit_values", "submit"], "district": [], "province": [], "viewer": []}),
    (State.VERIFIED, {"commune_officer": [], "district": ["return"], "province": ["return", "approve"],
                      "viewer": []}),
    (State.APPROVED, {"commune_officer": [], "district": [], "province": ["record_decision", "reopen"],
                      "viewer": []}),
    (State.RECOGNISED, {"commune_officer": [], "district": [], "province": ["reopen"], "viewer": []}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "expected"), AVAILABLE)
def test_available_actions_offer_only_what_the_user_may_do_now(flow, state, expected, put_in_state):
    a = put_in_state(flow.dossier, state)
    assert {who: [action for action, _ in available_actions(a, getattr(flow, who))] for who in expected} == expected


@pytest.mark.django_db
def test_available_actions_come_with_vietnamese_labels(flow, put_in_state):
    a = put_in_state(flow.dossier, State.SUBMITTED)
    assert available_actions(a, flow.district) == [("verify", "Xác nhận hồ sơ"), ("return", "Trả lại hồ sơ")]
    a = put_in_state(flow.dossier, State.DRAFT)
    assert available_actions(a, flow.commune_officer) == [("edit_values", "Nhập, sửa số liệu"),
                                                          ("submit", "Gửi hồ sơ tự đánh giá")]


@pytest.mark.django_db
def test_a_superuser_may_take_any_step_but_not_skip_one(flow):
    admin = get_user_model().objects.create_user("quantri", password=None, is_superuser=True)
    assert [a for a, _ in available_actions(flow.dossier, admin)] == ["edit_values", "submit"]
    with pytest.raises(WorkflowError) as refused:
        perform(flow.dossier, "approve", admin)
    assert refused.value.code == "state"
    event = perform(flow.dossier, "submit", admin)
    assert (event.actor_role, flow.dossier.state) == ("quản trị hệ thống", State.SUBMITTED)


@pytest.mark.django_db
def test_a_step_on_a_dossier_changed_since_it_was_loaded_is_refused(flow, snapshot):
    a = flow.dossier
    seen = a.version
    set_value(Assessment.objects.get(pk=a.pk), INDICATOR, 61.5, user=flow.commune_officer)  # someone else edits
    before = snapshot(a)
    with pytest.raises(WorkflowError) as refused:
        perform(a, "submit", flow.commune_officer, expected_version=seen)
    assert refused.value.code == "stale"
    assert "Tải lại trang" in refused.value.message
    assert snapshot(a) == before
    perform(a, "submit", flow.commune_officer, expected_version=seen + 1)
    assert a.state == State.SUBMITTED


@pytest.mark.django_db
def test_awaiting_lists_the_dossiers_waiting_for_the_user(flow, make_user, unit_at):
    assert list(awaiting(flow.district, "verify")) == []
    advance(flow, State.SUBMITTED)
    assert list(awaiting(flow.district, "verify")) == [flow.dossier]
    assert list(awaiting(flow.province, "approve").filter(year=2023)) == []  # (the demo has a 2025 one waiting)
    assert list(awaiting(make_user("huyen-khac", "district_office", unit_at("167", "huyen")), "verify")) == []


@pytest.mark.django_db
@pytest.mark.parametrize(("decision", "message"), [
    (None, "Để ghi quyết định công nhận, cần số quyết định, ngày ban hành và cơ quan ban hành (ví dụ: "
           "1234/QĐ-UBND, 20/12/2023, UBND tỉnh Thái Nguyên)."),
    ({"number": " ", "date": "", "authority": ""},
     "Chưa ghi được quyết định công nhận: thiếu số, ký hiệu quyết định (ví dụ 1234/QĐ-UBND); thiếu ngày ban hành "
     "hoặc ngày không đúng dạng ngày/tháng/năm (ví dụ 20/12/2023); thiếu cơ quan ban hành (ví dụ UBND tỉnh Thái "
     "Nguyên)."),
    ({"number": "1/QĐ-UBND", "date": "31/2/2023", "authority": "UBND tỉnh Thái Nguyên"},
     "Chưa ghi được quyết định công nhận: thiếu ngày ban hành hoặc ngày không đúng dạng ngày/tháng/năm (ví dụ "
     "20/12/2023)."),
    ({"number": "1/QĐ-UBND", "date": "2099-01-02", "authority": "UBND tỉnh Thái Nguyên"},
     "Chưa ghi được quyết định công nhận: ngày ban hành 2/1/2099 ở tương lai; chỉ ghi quyết định đã ban hành."),
    (DecisionInput("1/QĐ-UBND", dt.date(2022, 12, 30), "UBND tỉnh Thái Nguyên"),
     "Chưa ghi được quyết định công nhận: ngày ban hành 30/12/2022 trước năm 2023, trong khi quyết định công nhận "
     "cho năm 2023."),
])
def test_a_decision_needs_number_date_and_authority(flow, decision, message, snapshot):
    a = advance(flow, State.APPROVED)
    before = snapshot(a)
    with pytest.raises(WorkflowError) as refused:
        perform(a, "record_decision", flow.province, decision=decision)
    assert (refused.value.code, refused.value.message) == ("decision", message)
    assert snapshot(a) == before


@pytest.mark.django_db
def test_one_decision_recognises_several_communes(flow, assessed_communes, dai_tu, dossier, put_in_state):
    # given a first commune recognised by decision 1234/QĐ-UBND (date written the Vietnamese way)
    advance(flow, State.APPROVED)
    perform(flow.dossier, "record_decision", flow.province, decision={**DECISION, "date": "20/12/2023"})
    # and a second Đại Từ commune whose dossier the province has approved
    second = dossier(next(c for c in assessed_communes(dai_tu) if c != flow.commune))
    put_in_state(second, State.APPROVED)
    # when the same decision is recorded for it
    perform(second, "record_decision", flow.province, decision=DECISION)
    # then there is one decision naming both communes
    decision = Decision.objects.get(number="1234/QĐ-UBND")
    assert set(decision.units.all()) == {flow.commune, second.unit}
    assert AuditEntry.objects.filter(model="recognition.decision", object_id=str(decision.pk), action="update").exists()


@pytest.mark.django_db
def test_a_decision_that_does_not_match_the_dossier_is_refused(flow, snapshot):
    a = advance(flow, State.APPROVED)
    other = Decision.objects.create(number="77/QĐ-UBND", date=dt.date(2023, 11, 2), authority="UBND tỉnh Thái Nguyên",
                                    level=Level.XA_NANG_CAO, for_year=2023)
    before = snapshot(a)
    with pytest.raises(WorkflowError) as refused:
        perform(a, "record_decision", flow.province, decision=other)
    assert refused.value.code == "decision"
    assert "công nhận mức «Xã đạt chuẩn nông thôn mới nâng cao», còn hồ sơ là mức «Xã đạt chuẩn nông thôn mới»" in (
        refused.value.message)
    with pytest.raises(WorkflowError, match="không khớp với hồ sơ này"):
        perform(a, "record_decision", flow.province,
                decision={"number": "77/qđ-ubnd", "date": "2023-11-02", "authority": "UBND tỉnh Thái Nguyên"})
    assert snapshot(a) == before
    assert list(other.units.all()) == []


@pytest.mark.django_db
def test_only_the_decision_step_takes_a_decision_and_unknown_steps_are_named(flow, snapshot):
    before = snapshot(flow.dossier)
    with pytest.raises(WorkflowError) as refused:
        perform(flow.dossier, "submit", flow.commune_officer, decision=DECISION)
    assert refused.value.code == "decision"
    with pytest.raises(WorkflowError) as refused:
        perform(flow.dossier, "publish", flow.province)
    assert refused.value.code == "unknown_action"
    assert refused.value.message.startswith("«publish» không phải một bước của quy trình hồ sơ. Các bước: submit")
    assert snapshot(flow.dossier) == before


@pytest.mark.django_db
def test_ensure_editable_checks_role_before_state(flow):
    with pytest.raises(WorkflowError) as refused:
        ensure_editable(flow.dossier, flow.district)
    assert refused.value.code == "role"
    ensure_editable(flow.dossier, flow.commune_officer)
    ensure_editable(flow.dossier)  # the system (no user) is bound by the lock only
