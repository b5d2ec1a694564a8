"""The dossier workflow: commune → district → province, as an explicit table of transitions.

::

    action           from                      to          who (within their units)
    submit           draft, returned           submitted   commune officer
    verify           submitted                 verified    district office
    return           submitted, verified       returned    district office, province office — reason required
    approve          verified                  approved    province office (appraisal)
    record_decision  approved                  recognised  province office — number, date, authority
    reopen           approved, recognised      draft       province office — reason required

Values can be changed only in ``draft`` and ``returned`` (``ensure_editable``, called by
``services.set_value`` and ``services.store_values``); everything after submission is locked.
Who may do what is ``accounts.services.ROLE_ACTIONS``; this module adds the state rules. Every step
runs in one transaction with the assessment row locked, bumps ``Assessment.version``, and writes a
``WorkflowEvent`` and an audit entry; nothing here deletes history.

Recording a decision is the one place where this app reaches up to ``recognition`` (imported where
used): the decision is what makes the unit's status change (``recognition.services.status_on``).
Recording is not refused when the stored results say the unit does not meet the level: a signed
decision is a legal fact to be recorded; the disagreement shows as an alert (DESIGN.md).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from nongthonso.accounts.models import Action
from nongthonso.accounts.services import acting_membership, can, refusal, restrict, role_at, unit_phrase
from nongthonso.audit.models import AuditEntry
from nongthonso.audit.services import record

from .models import Assessment, IndicatorValue, State, WorkflowEvent

DRAFT, SUBMITTED, RETURNED = State.DRAFT, State.SUBMITTED, State.RETURNED
VERIFIED, APPROVED, RECOGNISED = State.VERIFIED, State.APPROVED, State.RECOGNISED
EDITABLE: tuple[str, ...] = (DRAFT, RETURNED)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    step: str  # the step in words, for "what must happen first"
    reason_hint: str = ""  # non-empty: a reason is required, and this says what to write
    needs_decision: bool = False

    @property
    def needs_reason(self) -> bool:
        return bool(self.reason_hint)

    @property
    def label(self) -> str:
        return Action(self.action).label


TRANSITIONS: tuple[Transition, ...] = (
    Transition(Action.SUBMIT, (DRAFT, RETURNED), SUBMITTED, "xã gửi hồ sơ"),
    Transition(Action.VERIFY, (SUBMITTED,), VERIFIED, "huyện xác nhận hồ sơ"),
    Transition(Action.RETURN, (SUBMITTED, VERIFIED), RETURNED, "huyện trả lại hồ sơ (kèm lý do)",
               reason_hint="Phải ghi lý do trả lại hồ sơ để xã biết cần sửa gì, ví dụ: «Tiêu chí 10: thiếu biểu "
                           "tổng hợp thu nhập bình quân đầu người»."),
    Transition(Action.APPROVE, (VERIFIED,), APPROVED, "tỉnh thẩm định, phê duyệt hồ sơ"),
    Transition(Action.RECORD_DECISION, (APPROVED,), RECOGNISED, "tỉnh ghi quyết định công nhận",
               needs_decision=True),
    Transition(Action.REOPEN, (APPROVED, RECOGNISED), DRAFT, "tỉnh mở lại hồ sơ (kèm lý do)",
               reason_hint="Phải ghi lý do mở lại hồ sơ đã khóa, ví dụ: «Sửa số liệu tiêu chí 17 theo kết luận "
                           "kiểm tra ngày 12/9/2023»; lý do được lưu trong lịch sử hồ sơ."),
)
BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}

_LOCKED = {
    SUBMITTED: "đã gửi lên huyện nên không sửa được số liệu. Đề nghị huyện trả lại hồ sơ (kèm lý do) nếu cần sửa.",
    VERIFIED: "đã được huyện xác nhận nên không sửa được số liệu. Đề nghị huyện trả lại hồ sơ (kèm lý do) nếu "
              "cần sửa.",
    APPROVED: "đã được tỉnh thẩm định nên số liệu đã khóa. Đề nghị Văn phòng Điều phối NTM tỉnh mở lại hồ sơ "
              "(kèm lý do) nếu cần sửa.",
    RECOGNISED: "đã có quyết định công nhận nên số liệu đã khóa. Đề nghị Văn phòng Điều phối NTM tỉnh mở lại hồ "
                "sơ (kèm lý do) nếu cần sửa.",
}


class WorkflowError(PermissionDenied):
    """A refused step or edit. ``message`` (Vietnamese) says why and how to proceed; ``code`` is one of
    login, role, scope (who may), state, locked (when), reason, decision (what is missing), stale,
    unknown_action."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class DecisionInput:
    """The recognition decision the province records: number, date of issue, issuing authority."""

    number: str
    date: dt.date | str | None
    authority: str
    note: str = ""


def _dossier(assessment: Assessment) -> str:
    return f"hồ sơ năm {assessment.year} của {unit_phrase(assessment.unit)}"


def _state_label(state: str) -> str:
    return State(state).label


def _steps_to(state: str, targets: tuple[str, ...]) -> list[Transition]:
    """The shortest chain of steps from ``state`` into one of ``targets`` (table order breaks ties)."""
    queue, seen = deque([(state, [])]), {state}
    while queue:
        current, path = queue.popleft()
        if current in targets:
            return path
        for t in TRANSITIONS:
            if current in t.sources and t.target not in seen:
                seen.add(t.target)
                queue.append((t.target, [*path, t]))
    return []


def _state_error(assessment: Assessment, transition: Transition) -> WorkflowError:
    label = transition.label
    sources = " hoặc ".join(f"«{_state_label(s)}»" for s in transition.sources)
    steps = _steps_to(assessment.state, transition.sources)
    text = (f"Không thể {label[0].lower() + label[1:]} vì {_dossier(assessment)} đang ở trạng thái "
            f"«{_state_label(assessment.state)}». Bước «{label}» chỉ làm được khi hồ sơ ở trạng thái {sources}")
    text += f"; trước đó cần: {', rồi '.join(t.step for t in steps)}." if steps else "."
    return WorkflowError(text, "state")


def _check_allowed(assessment: Assessment, action: str, user) -> None:
    refused = refusal(user, action, assessment.unit)
    if refused is not None:
        raise WorkflowError(refused.message, refused.code)


def _fresh_state(assessment: Assessment) -> str:
    """Re-read state and version (locking the row inside a transaction) into ``assessment``."""
    rows = Assessment.objects.filter(pk=assessment.pk)
    if transaction.get_connection().in_atomic_block:
        rows = rows.select_for_update()
    assessment.state, assessment.version = rows.values_list("state", "version").get()
    return assessment.state


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _locked_error(assessment: Assessment) -> WorkflowError:
    return WorkflowError(f"{_capitalised(_dossier(assessment))} {_LOCKED[assessment.state]}", "locked")


def _last_change(assessment: Assessment):
    """The newest audit entry about the dossier: a value entered or imported, or a workflow step."""
    value_ids = [str(pk) for pk in IndicatorValue.objects.filter(assessment=assessment).values_list("pk", flat=True)]
    return (AuditEntry.objects.filter(Q(model="assessments.assessment", object_id=str(assessment.pk))
                                      | Q(model="assessments.indicatorvalue", object_id__in=value_ids))
            .order_by("-timestamp", "-pk").first())


def _change_text(entry) -> str:
    """What an audit entry did, in words: "nhập chỉ tiêu 2.1 = 61.5", "bước «Gửi hồ sơ»" …"""
    if entry.model == "assessments.indicatorvalue":
        return f"nhập chỉ tiêu {entry.object_repr}"
    action = (entry.after or {}).get("action") if entry.action == "transition" else None
    if action in BY_ACTION:
        return f"bước «{BY_ACTION[action].label}»"
    return "nhập số liệu từ tệp" if entry.action == "import" else entry.get_action_display().lower()


def stale_error(assessment: Assessment, expected_version: int, indicator_code: str | None = None) -> WorkflowError:
    """The refusal (code "stale") of a write based on version ``expected_version`` of a dossier that has
    changed since: who changed it last and when (from the audit log), and to reload and re-enter."""
    entry = _last_change(assessment)
    if entry is None:
        who = "vừa được người khác thay đổi"
    else:
        when = timezone.localtime(entry.timestamp)
        who = (f"vừa được {entry.actor or 'người khác'} thay đổi lúc {when:%H:%M} ngày "
               f"{when.day}/{when.month}/{when.year} ({_change_text(entry)})")
    text = (f"{_capitalised(_dossier(assessment))} {who} sau khi bạn mở trang (hồ sơ đang ở phiên bản "
            f"{assessment.version}, trang của bạn là phiên bản {expected_version}). ")
    if indicator_code is not None:
        text += (f"Giá trị bạn vừa nhập cho chỉ tiêu {indicator_code} chưa được lưu. Tải lại trang để xem số liệu "
                 "mới nhất, rồi nhập lại.")
    else:
        text += "Bước này chưa được thực hiện. Tải lại trang, kiểm tra rồi thực hiện lại."
    return WorkflowError(text, "stale")


def ensure_editable(assessment: Assessment, user=None) -> None:
    """Raise WorkflowError unless the assessment's values may be changed now (by ``user``; None: the
    system, e.g. the demo, which is subject to the lock but not to roles). Inside a transaction the
    assessment row stays locked until it ends, so no step can slip in between check and write."""
    if user is not None:
        _check_allowed(assessment, Action.EDIT_VALUES, user)
    if _fresh_state(assessment) not in EDITABLE:
        raise _locked_error(assessment)


def why_not(assessment: Assessment, action: str, user) -> WorkflowError | None:
    """The error ``perform`` (or, for "edit_values", ``ensure_editable``) would raise for ``user``
    before looking at the reason or decision; None when the step is open to them now. No writes."""
    try:
        if action == Action.EDIT_VALUES:
            _check_allowed(assessment, action, user)
            if assessment.state not in EDITABLE:
                raise _locked_error(assessment)
            return None
        transition = _transition(action)
        _check_allowed(assessment, action, user)
        if assessment.state not in transition.sources:
            raise _state_error(assessment, transition)
    except WorkflowError as exc:
        return exc
    return None


def available_actions(assessment: Assessment, user) -> list[tuple[str, str]]:
    """What ``user`` may do to the assessment in its current state, as (action, Vietnamese label):
    "edit_values" when the values are open to them, then the workflow steps in table order."""
    unit = assessment.unit
    actions = []
    if assessment.state in EDITABLE and can(user, Action.EDIT_VALUES, unit):
        actions.append((Action.EDIT_VALUES.value, Action.EDIT_VALUES.label))
    for t in TRANSITIONS:
        if assessment.state in t.sources and can(user, t.action, unit):
            actions.append((t.action.value, t.label))
    return actions


def awaiting(user, action: str, queryset: QuerySet | None = None) -> QuerySet:
    """Assessments on which ``user`` could do workflow step ``action`` now (a work list)."""
    transition = _transition(action)
    base = Assessment.objects.all() if queryset is None else queryset
    return restrict(base.filter(state__in=transition.sources), user, action)


def history(assessment: Assessment) -> QuerySet:
    """Every workflow step of the assessment, oldest first."""
    return WorkflowEvent.objects.filter(assessment=assessment).select_related("actor").order_by("timestamp", "pk")


def _transition(action: str) -> Transition:
    try:
        return BY_ACTION[action]
    except KeyError:
        steps = ", ".join(f"{t.action} ({t.label})" for t in TRANSITIONS)
        raise WorkflowError(f"«{action}» không phải một bước của quy trình hồ sơ. Các bước: {steps}.",
                            "unknown_action") from None


def perform(assessment: Assessment, action: str, user, *, reason: str = "", decision: Any = None,
            expected_version: int | None = None) -> WorkflowEvent:
    """Take workflow step ``action`` as ``user``, or raise WorkflowError (Vietnamese) saying why not.

    ``reason``: required for "return" and "reopen", kept with the step otherwise. ``decision``: for
    "record_decision", a ``DecisionInput``, a mapping with number, date, authority (and note), or an
    existing ``recognition.Decision`` (kind recognition, the set's level, for the assessment's year) to
    add the unit to. ``expected_version``: refuse if the dossier changed since the user loaded it.
    Updates ``assessment.state`` and ``assessment.version`` in place; returns the step recorded.
    """
    transition = _transition(action)
    reason = (reason or "").strip()
    with transaction.atomic():
        # of=("self",): lock the assessment row only, not the unit and criteria set rows joined to it
        locked = (Assessment.objects.select_for_update(of=("self",))
                  .select_related("unit__unit_type__level", "criteria_set").get(pk=assessment.pk))
        _check_allowed(locked, action, user)
        if expected_version is not None and expected_version != locked.version:
            raise stale_error(locked, expected_version)
        if locked.state not in transition.sources:
            raise _state_error(locked, transition)
        if transition.needs_reason and not reason:
            raise WorkflowError(transition.reason_hint, "reason")
        if decision is not None and not transition.needs_decision:
            raise WorkflowError(f"Bước «{transition.label}» không kèm quyết định; quyết định chỉ ghi ở bước "
                                f"«{Action.RECORD_DECISION.label}».", "decision")
        details: dict[str, Any] = {"results": {"criteria_met": locked.criteria_met,
                                               "criteria_total": locked.criteria_total,
                                               "eligible": locked.eligible}}
        if transition.needs_decision:
            recorded = _record_decision(locked, decision, user)
            details["decision"] = {"id": recorded.pk, "number": recorded.number, "date": recorded.date.isoformat(),
                                   "authority": recorded.authority, "level": recorded.level,
                                   "for_year": recorded.for_year}
        from_state = locked.state
        Assessment.objects.filter(pk=locked.pk).update(state=transition.target, version=F("version") + 1)
        locked.refresh_from_db(fields=["state", "version"])
        membership = acting_membership(user, action, locked.unit)
        event = WorkflowEvent.objects.create(
            assessment=locked, action=action, from_state=from_state, to_state=locked.state, actor=user,
            actor_name=user.get_username(),
            actor_role=role_at(membership.role, membership.unit) if membership else "quản trị hệ thống",
            reason=reason, details=details, version=locked.version)
        record("transition", locked, before={"state": from_state, "version": locked.version - 1},
               after={"state": locked.state, "version": locked.version, "action": action, **details},
               user=user, note=reason)
    assessment.state, assessment.version = locked.state, locked.version
    return event


def _parse_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def _decision_input(decision) -> DecisionInput:
    if isinstance(decision, DecisionInput):
        return decision
    if isinstance(decision, Mapping):
        return DecisionInput(number=str(decision.get("number") or ""), date=decision.get("date"),
                             authority=str(decision.get("authority") or ""), note=str(decision.get("note") or ""))
    raise WorkflowError("Để ghi quyết định công nhận, cần số quyết định, ngày ban hành và cơ quan ban hành "
                        "(ví dụ: 1234/QĐ-UBND, 20/12/2023, UBND tỉnh Thái Nguyên).", "decision")


def _record_decision(assessment: Assessment, decision, user):
    """Create the recognition decision (or add the unit to an existing one with the same number and date)."""
    from nongthonso.recognition.models import Decision

    level, year, unit = assessment.criteria_set.level, assessment.year, assessment.unit
    level_label = assessment.criteria_set.get_level_display()
    if isinstance(decision, Decision):
        problems = []
        if decision.kind != Decision.Kind.RECOGNITION:
            problems.append("không phải quyết định công nhận")
        if decision.level != level:
            problems.append(f"công nhận mức «{decision.get_level_display()}», còn hồ sơ là mức «{level_label}»")
        if decision.for_year != year:
            problems.append(f"công nhận cho năm {decision.for_year}, còn hồ sơ là năm {year}")
        if problems:
            raise WorkflowError(f"Không dùng được {decision} cho {_dossier(assessment)}: "
                                f"{'; '.join(problems)}. Chọn đúng quyết định hoặc nhập quyết định mới.", "decision")
        target = decision
    else:
        data = _decision_input(decision)
        number, authority = data.number.strip(), data.authority.strip()
        date = _parse_date(data.date)
        problems = []
        if not number:
            problems.append("thiếu số, ký hiệu quyết định (ví dụ 1234/QĐ-UBND)")
        if date is None:
            problems.append("thiếu ngày ban hành hoặc ngày không đúng dạng ngày/tháng/năm (ví dụ 20/12/2023)")
        elif date > timezone.localdate():
            problems.append(f"ngày ban hành {date.day}/{date.month}/{date.year} ở tương lai; chỉ ghi quyết định đã "
                            "ban hành")
        elif date.year < year:
            problems.append(f"ngày ban hành {date.day}/{date.month}/{date.year} trước năm {year}, trong khi quyết "
                            f"định công nhận cho năm {year}")
        if not authority:
            problems.append("thiếu cơ quan ban hành (ví dụ UBND tỉnh Thái Nguyên)")
        if problems:
            raise WorkflowError("Chưa ghi được quyết định công nhận: " + "; ".join(problems) + ".", "decision")
        # compared in Python: SQLite's case-insensitive match folds ASCII only, not «Đ»/«đ»
        same = [d for d in Decision.objects.filter(date=date) if _folded(d.number) == _folded(number)]
        target = next((d for d in same if d.kind == Decision.Kind.RECOGNITION and d.level == level
                       and d.for_year == year and _folded(d.authority) == _folded(authority)), None)
        if target is None and same:
            raise WorkflowError(f"Đã có {same[0]} của {same[0].authority}, mức «{same[0].get_level_display()}», "
                                f"cho năm {same[0].for_year}; không khớp với hồ sơ này (mức «{level_label}», năm "
                                f"{year}). Kiểm tra lại số, ngày và cơ quan ban hành.", "decision")
        if target is None:
            target = Decision.objects.create(number=number, date=date, authority=authority,
                                             kind=Decision.Kind.RECOGNITION, level=level, for_year=year,
                                             note=data.note.strip())
            target.units.add(unit)
            record("create", target, after={"number": number, "date": date.isoformat(), "authority": authority,
                                            "kind": target.kind, "level": level, "for_year": year,
                                            "units": [unit.code]},
                   user=user, note=f"Ghi theo {_dossier(assessment)}")
            return target
    if not target.units.filter(pk=unit.pk).exists():
        before = sorted(target.units.values_list("code", flat=True))
        target.units.add(unit)
        record("update", target, before={"units": before}, after={"units": sorted([*before, unit.code])},
               user=user, note=f"Thêm {unit} theo {_dossier(assessment)}")
    return target
