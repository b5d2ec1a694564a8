"""The dossier workflow: the steps of the workflow a dossier follows (``definitions``), with who may take each,
the state rules, separation of duties, and what each step requires.

Two workflows ship as data (``workflows/*.yaml``): the three-tier flow for communes under a district (to 30/6/2025)
and the two-tier flow for communes directly under the province (since 1/7/2025)::

    action           three-tier: from → to               two-tier: from → to        who
    submit           draft, returned → submitted          draft, returned → submitted  commune officer
    verify           submitted → verified                 —                            district office
    return           submitted, verified → returned       submitted → returned         district / province office
    approve          verified → approved                  submitted → approved         province office (appraisal)
    record_decision  approved → recognised                approved → recognised        province office
    reopen           approved, recognised → draft         approved, recognised → draft province office

Who may take a step is the step's ``actors``: a role granted on a unit of the named level that covers the dossier's
unit (``accounts.services.covers``: below it, or below a version it succeeded by lineage). The person who
submitted or verified a dossier may not approve it or record its decision in the same round (``separation``, per
workflow), whatever roles they hold. Values can be changed only in ``draft`` and ``returned`` (``ensure_editable``);
everything after submission is locked. Every step runs in one transaction with the assessment row locked, bumps
``Assessment.version``, and writes a ``WorkflowEvent`` and an audit entry; nothing here deletes history.

When a dossier's workflow has ended (the three-tier flow on 30/6/2025) while the dossier is still in progress, it
moves to the workflow's successor (``transfer``): its state mapped, an event recording why. Pages and the API show
the successor's steps at once (``definition_of``); the move is written by the next step, the work list, or
``nongthonso workflows transfer``.

The «record decision» step writes the decision through ``recognition.decisions.record_decision`` (recognition lies
below this app and knows nothing of dossiers): the decision is what makes the unit's status change
(``recognition.services.status_on``). Recording is not refused when the stored results say the unit does not meet
the level: a signed decision is a legal fact to be recorded; the disagreement shows as an alert
(``reports.alerts``).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from nongthonso.accounts.models import Action
from nongthonso.accounts.services import (
    _active,
    actors_text,
    can,
    covers,
    memberships,
    refusal,
    role_at,
    unit_phrase,
)
from nongthonso.audit.models import AuditEntry
from nongthonso.audit.services import record
from nongthonso.core.text import format_date
from nongthonso.recognition.decisions import DecisionRejected, record_decision

from . import definitions
from .definitions import Definition, Step
from .models import Assessment, IndicatorValue, State, WorkflowEvent
from .signals import step_taken

DRAFT, SUBMITTED, RETURNED = State.DRAFT, State.SUBMITTED, State.RETURNED
VERIFIED, APPROVED, RECOGNISED = State.VERIFIED, State.APPROVED, State.RECOGNISED
EDITABLE: tuple[str, ...] = (DRAFT, RETURNED)
# the steps in the order pages list them (a workflow has some of them)
ACTIONS: tuple[str, ...] = (Action.SUBMIT, Action.VERIFY, Action.RETURN, Action.APPROVE, Action.RECORD_DECISION,
                            Action.REOPEN)
TRANSFER = "transfer"  # the WorkflowEvent action of a move to the successor workflow
TRANSFER_LABEL = "Chuyển sang quy trình mới"

_LOCKED = {
    SUBMITTED: "đã được gửi nên không sửa được số liệu. Đề nghị {returner} trả lại hồ sơ (kèm lý do) nếu cần sửa.",
    VERIFIED: "đã được huyện xác nhận nên không sửa được số liệu. Đề nghị {returner} trả lại hồ sơ (kèm lý do) nếu "
              "cần sửa.",
    APPROVED: "đã được tỉnh thẩm định nên số liệu đã khóa. Đề nghị {reopener} mở lại hồ sơ (kèm lý do) nếu cần sửa.",
    RECOGNISED: "đã có quyết định công nhận nên số liệu đã khóa. Đề nghị {reopener} mở lại hồ sơ (kèm lý do) nếu "
                "cần sửa.",
}


class WorkflowError(PermissionDenied):
    """A refused step or edit. ``message`` (Vietnamese) says why and how to proceed; ``code`` is one of
    login, role, scope (who may), separation (who took an earlier step), state, locked (when), step (not in the
    dossier's workflow), requirement (what must hold first), reason, decision (what is missing), stale,
    unknown_action, workflow (no workflow applies)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


def _dossier(assessment: Assessment) -> str:
    return f"hồ sơ năm {assessment.year} của {unit_phrase(assessment.unit)}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _verb(label: str) -> str:
    return label[:1].lower() + label[1:]


def label(action: str) -> str:
    """A step's name: «Gửi hồ sơ tự đánh giá» …; a move between workflows: «Chuyển sang quy trình mới»."""
    return TRANSFER_LABEL if action == TRANSFER else Action(action).label


# --------------------------------------------------------------------------------------- which workflow

def _started(assessment: Assessment) -> Definition:
    """The workflow the dossier started under (stored), or the one its unit's structure selects."""
    if assessment.workflow_id is not None:
        return definitions.by_pk(assessment.workflow_id)
    found = definitions.select(assessment.unit, assessment.year)
    if found is None:
        raise WorkflowError(definitions.selection_text(assessment.unit), "workflow")
    return found


def _due(assessment: Assessment, today: dt.date | None = None) -> tuple[Definition, Definition, str] | None:
    """(ended workflow, successor, new state) when the dossier must move now; None when it stays."""
    current = _started(assessment)
    today = today or timezone.localdate()
    if not (current.ended_before(today) and current.successor and assessment.state in current.transfer_states):
        return None
    return current, definitions.definitions()[current.successor], current.transfer_states[assessment.state]


def effective(assessment: Assessment, today: dt.date | None = None) -> tuple[Definition, str]:
    """The workflow whose steps apply to the dossier now and its state in it: the one it follows, or — when that
    has ended while the dossier is in progress — its successor and the state the move gives (the move itself is
    written by ``transfer``). No writes: pages and lists show what the next step will find."""
    due = _due(assessment, today)
    return (due[1], due[2]) if due else (_started(assessment), assessment.state)


def definition_of(assessment: Assessment, today: dt.date | None = None) -> Definition:
    """``effective``'s workflow."""
    return effective(assessment, today)[0]


def state_label(assessment: Assessment) -> str:
    """The dossier's state in its workflow's words («Đã gửi, chờ tỉnh thẩm định» …)."""
    definition, state = effective(assessment)
    return definition.state_label(state)


def _transfer_locked(locked: Assessment, user=None, today: dt.date | None = None) -> WorkflowEvent | None:
    """Move ``locked`` (its row locked in the caller's transaction) to the successor workflow if due."""
    due = _due(locked, today)
    if due is None:
        return None
    ended, successor, state = due
    from_state = locked.state
    Assessment.objects.filter(pk=locked.pk).update(state=state, workflow_id=successor.pk, version=F("version") + 1)
    locked.refresh_from_db(fields=["state", "version", "workflow"])
    details = {"from_workflow": ended.code, "to_workflow": successor.code,
               "ended": ended.valid_to.isoformat() if ended.valid_to else None}
    event = WorkflowEvent.objects.create(
        assessment=locked, action=TRANSFER, from_state=from_state, to_state=state, actor=user,
        actor_name=user.get_username() if user is not None else "hệ thống",
        actor_role="quy trình hồ sơ", reason=ended.transfer_reason, details=details, version=locked.version)
    record("transition", locked, before={"state": from_state, "workflow": ended.code, "version": locked.version - 1},
           after={"state": state, "workflow": successor.code, "version": locked.version, "action": TRANSFER},
           user=user, note=ended.transfer_reason)
    return event


def transfer(assessment: Assessment, *, user=None, today: dt.date | None = None) -> WorkflowEvent | None:
    """Move the dossier to its workflow's successor if its workflow has ended while it is in progress; the event
    says why. Returns the event, or None when nothing was due. Updates ``assessment`` in place."""
    with transaction.atomic():
        locked = Assessment.objects.select_for_update(of=("self",)).select_related(
            "unit__parent__unit_type__level").get(pk=assessment.pk)
        event = _transfer_locked(locked, user, today)
    if event is not None:
        assessment.state, assessment.version, assessment.workflow_id = (locked.state, locked.version,
                                                                        locked.workflow_id)
    return event


def transfer_ended(today: dt.date | None = None, *, user=None) -> int:
    """Move every dossier due to move (``transfer``); returns how many moved. A few queries when none is due. Run by
    ``nongthonso workflows transfer`` and the demo; the system is the actor (``user`` None)."""
    today = today or timezone.localdate()
    moved = 0
    for ended in definitions.definitions().values():
        if not (ended.ended_before(today) and ended.successor and ended.transfer_states):
            continue
        under = Q(workflow_id=ended.pk) | Q(workflow__isnull=True,
                                             unit__parent__unit_type__level__code=ended.parent_level)
        candidates = (Assessment.objects.filter(under, state__in=list(ended.transfer_states))
                      .select_related("unit__parent__unit_type__level").order_by("pk"))
        for assessment in candidates:
            if _started(assessment).code == ended.code and transfer(assessment, user=user, today=today):
                moved += 1
    return moved


# --------------------------------------------------------------------------------------- who may

def _step(definition: Definition, assessment: Assessment, action: str) -> Step:
    if action not in ACTIONS:
        steps = ", ".join(f"{s.action} ({s.label})" for s in definition.steps)
        raise WorkflowError(f"«{action}» không phải một bước của quy trình hồ sơ. Các bước: {steps}.",
                            "unknown_action")
    found = definition.step(action)
    if found is None:
        steps = ", ".join(f"«{s.label}»" for s in definition.steps)
        raise WorkflowError(f"{_capitalised(_dossier(assessment))} theo «{definition.name}», không có bước "
                            f"«{label(action)}». Các bước của quy trình này: {steps}.", "step")
    return found


def _acting(user, step: Step, unit) -> list:
    """The user's memberships under which they may take ``step`` on ``unit``, closest first."""
    found = [m for m in memberships(user)
             if (m.role, m.unit.unit_type.level.code) in step.actors and covers(m, unit)]
    return sorted(found, key=lambda m: (not unit.path.startswith(m.unit.path), -len(m.unit.path)))


def _refusal(user, step: Step, unit) -> WorkflowError | None:
    """None when ``user`` may take ``step`` on ``unit`` by role and unit; otherwise why not, and who may."""
    verb = _verb(step.label)
    if not _active(user):
        return WorkflowError(f"Bạn cần đăng nhập để {verb}.", "login")
    if user.is_superuser or _acting(user, step, unit):
        return None
    who = actors_text(step.actors, unit)
    own = memberships(user)
    same_role = [m for m in own if m.role in {role for role, _level in step.actors}]
    if same_role:
        mine = "; ".join(role_at(m.role, m.unit) for m in same_role)
        return WorkflowError(f"Bạn là {mine}, nên không được {verb} của {unit_phrase(unit)}. "
                             f"Việc này do {who} thực hiện.", "scope")
    if own:
        mine = "; ".join(role_at(m.role, m.unit) for m in own)
        return WorkflowError(f"Vai trò của bạn ({mine}) không được {verb}. Việc này do {who} thực hiện.", "role")
    return WorkflowError(f"Tài khoản của bạn chưa được giao vai trò nào nên không được {verb}. Việc này do {who} "
                         "thực hiện; đề nghị Văn phòng Điều phối NTM tỉnh giao vai trò nếu bạn cần.", "role")


def _round_events(assessment: Assessment) -> QuerySet[WorkflowEvent]:
    """The steps of the current round: since the dossier was last reopened (or from the start)."""
    events = WorkflowEvent.objects.filter(assessment=assessment)
    last_reopen = events.filter(action=Action.REOPEN).aggregate(v=Max("version"))["v"]
    return events.filter(version__gt=last_reopen) if last_reopen is not None else events


def _separation(definition: Definition, step: Step, assessment: Assessment, user) -> WorkflowError | None:
    """The refusal when ``user`` took, in this round, a step whose actor may not take ``step`` (the workflow's
    ``separation``: whoever submitted or verified a dossier does not approve it or record its decision)."""
    earlier = definition.separation.get(step.action)
    if not earlier or not _active(user):
        return None
    taken = _round_events(assessment).filter(actor=user, action__in=earlier).order_by("timestamp", "pk").first()
    if taken is None:
        return None
    when = timezone.localtime(taken.timestamp).date()
    names = " hoặc ".join(f"«{label(a)}»" for a in earlier)
    who = actors_text(step.actors, assessment.unit)
    return WorkflowError(
        f"Bạn đã thực hiện bước «{label(taken.action)}» với {_dossier(assessment)} ngày {format_date(when)}, nên không "
        f"được thực hiện bước «{step.label}» với hồ sơ này: theo «{definition.name}», người đã thực hiện bước {names} "
        f"không được thực hiện bước «{step.label}» của cùng hồ sơ (tách bạch nhiệm vụ), dù có vai trò nào. Việc này "
        f"do một cán bộ khác của {who} thực hiện.",
        "separation")


def _unconfirmed(assessment: Assessment) -> WorkflowError | None:
    codes = IndicatorValue.objects.filter(assessment=assessment).awaiting_confirmation().codes()
    if not codes:
        return None
    return WorkflowError(
        f"Còn {len(codes)} giá trị mang sang từ giai đoạn trước chưa được xác nhận (chỉ tiêu {', '.join(codes)}). "
        "Kiểm tra từng giá trị, sửa nếu cần, rồi bấm «Xác nhận» (hoặc «Xác nhận tất cả giá trị mang sang») trước "
        "khi gửi hồ sơ.", "requirement")


# what a step may require (WorkflowStep.requires): name → the refusal when it does not hold
REQUIREMENTS = {"confirmed_values": _unconfirmed}


def _requirements(step: Step, assessment: Assessment) -> WorkflowError | None:
    for name in step.requires:
        refused = REQUIREMENTS[name](assessment)
        if refused is not None:
            return refused
    return None


def _steps_to(definition: Definition, state: str, targets: tuple[str, ...]) -> list[Step]:
    """The shortest chain of steps from ``state`` into one of ``targets`` (table order breaks ties)."""
    queue, seen = deque([(state, [])]), {state}
    while queue:
        current, path = queue.popleft()
        if current in targets:
            return path
        for t in definition.steps:
            if current in t.sources and t.target not in seen:
                seen.add(t.target)
                queue.append((t.target, [*path, t]))
    return []


def _state_error(definition: Definition, assessment: Assessment, step: Step) -> WorkflowError:
    sources = " hoặc ".join(f"«{definition.state_label(s)}»" for s in step.sources)
    steps = _steps_to(definition, assessment.state, step.sources)
    text = (f"Không thể {_verb(step.label)} vì {_dossier(assessment)} đang ở trạng thái "
            f"«{definition.state_label(assessment.state)}». Bước «{step.label}» chỉ làm được khi hồ sơ ở trạng thái "
            f"{sources}")
    text += f"; trước đó cần: {', rồi '.join(t.description for t in steps)}." if steps else "."
    return WorkflowError(text, "state")


def _fresh_state(assessment: Assessment) -> str:
    """Re-read state and version (locking the row inside a transaction) into ``assessment``."""
    rows = Assessment.objects.filter(pk=assessment.pk)
    if transaction.get_connection().in_atomic_block:
        rows = rows.select_for_update()
    assessment.state, assessment.version = rows.values_list("state", "version").get()
    return assessment.state


def _locked_error(assessment: Assessment) -> WorkflowError:
    definition = definition_of(assessment)
    unit = assessment.unit

    def who(action: str) -> str:
        step = definition.step(action)
        return actors_text(step.actors, unit) if step else "Văn phòng Điều phối NTM tỉnh"

    text = _LOCKED[assessment.state].format(returner=who(Action.RETURN), reopener=who(Action.REOPEN))
    return WorkflowError(f"{_capitalised(_dossier(assessment))} {text}", "locked")


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
    if action in ACTIONS or action == TRANSFER:
        return f"bước «{label(action)}»"
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


def _check_editor(assessment: Assessment, user) -> None:
    refused = refusal(user, Action.EDIT_VALUES, assessment.unit)
    if refused is not None:
        raise WorkflowError(refused.message, refused.code)


def ensure_editable(assessment: Assessment, user=None) -> None:
    """Raise WorkflowError unless the assessment's values may be changed now (by ``user``; None: the
    system, e.g. the demo, which is subject to the lock but not to roles). Inside a transaction the
    assessment row stays locked until it ends, so no step can slip in between check and write."""
    if user is not None:
        _check_editor(assessment, user)
    if _fresh_state(assessment) not in EDITABLE:
        raise _locked_error(assessment)


def _why_not_step(definition: Definition, assessment: Assessment, action: str, user,
                  state: str | None = None) -> WorkflowError | None:
    """The refusal ``perform`` would give ``user`` for ``action`` before the reason and decision, with the dossier
    in ``state`` (default: its own) under ``definition``; None when the step is open to them."""
    step = _step(definition, assessment, action)
    refused = _refusal(user, step, assessment.unit) or _separation(definition, step, assessment, user)
    if refused is None and (state or assessment.state) not in step.sources:
        refused = _state_error(definition, assessment, step)
    return refused or _requirements(step, assessment)


def why_not(assessment: Assessment, action: str, user) -> WorkflowError | None:
    """The error ``perform`` (or, for "edit_values", ``ensure_editable``) would raise for ``user``
    before looking at the reason or decision; None when the step is open to them now. No writes."""
    try:
        if action == Action.EDIT_VALUES:
            _check_editor(assessment, user)
            if assessment.state not in EDITABLE:
                raise _locked_error(assessment)
            return None
        definition, state = effective(assessment)
        return _why_not_step(definition, assessment, action, user, state)
    except WorkflowError as exc:
        return exc


def available_actions(assessment: Assessment, user) -> list[tuple[str, str]]:
    """What ``user`` may do to the assessment in its current state, as (action, Vietnamese label):
    "edit_values" when the values are open to them, then the steps of its workflow in table order."""
    actions = []
    if assessment.state in EDITABLE and can(user, Action.EDIT_VALUES, assessment.unit):
        actions.append((Action.EDIT_VALUES.value, Action.EDIT_VALUES.label))
    definition, state = effective(assessment)
    for step in definition.steps:
        if state in step.sources and _why_not_step(definition, assessment, step.action, user, state) is None:
            actions.append((step.action, step.label))
    return actions


def held_back(assessment: Assessment, user) -> list[tuple[Step, str]]:
    """The steps the dossier's state opens and the user's roles allow, but that are refused for another reason —
    separation of duties, or a requirement (values still to confirm) — with the refusal, so that a page can say
    why instead of hiding the step."""
    definition, state = effective(assessment)
    found = []
    for step in definition.steps:
        if state not in step.sources or _refusal(user, step, assessment.unit) is not None:
            continue
        refused = _separation(definition, step, assessment, user) or _requirements(step, assessment)
        if refused is not None:
            found.append((step, refused.message))
    return found


def _follows(definition: Definition) -> Q:
    """The dossiers following ``definition``: stored on it, or (none stored yet) selected by their unit's structure
    in a year it is in force."""
    years = Q(year__gte=definition.valid_from.year)
    if definition.valid_to is not None:
        years &= Q(year__lte=definition.valid_to.year)
    return Q(workflow_id=definition.pk) | (Q(workflow__isnull=True) & years & Q(
        unit__parent__unit_type__level__code=definition.parent_level))


def awaiting(user, action: str, queryset: QuerySet | None = None) -> QuerySet:
    """Assessments on which ``user`` could take step ``action`` now (a work list): under each workflow that has
    the step, in one of its source states — counting the dossiers of an ended workflow under its successor, in the
    state the move gives them (``effective``: the list writes nothing) — in the units where the user holds one of
    the step's actors' roles, and not refused to them by separation of duties."""
    base = Assessment.objects.all() if queryset is None else queryset
    if not _active(user):
        return base.none()
    today = timezone.localdate()
    flows = definitions.definitions()
    condition = Q(pk__in=[])
    for definition in flows.values():
        step = definition.step(action)
        if step is None:
            continue
        if user.is_superuser:
            where = Q()
        else:
            prefixes = {p for m in memberships(user) if (m.role, m.unit.unit_type.level.code) in step.actors
                        for p in m.covered}
            if not prefixes:
                continue
            where = Q(pk__in=[])
            for prefix in prefixes:
                where |= Q(unit__path__startswith=prefix)
        states = set(step.sources)
        if definition.ended_before(today) and definition.successor:
            states -= set(definition.transfer_states)  # those have moved on
        here = _follows(definition) & Q(state__in=sorted(states))
        for ended in flows.values():
            if ended.successor == definition.code and ended.ended_before(today):
                moving = sorted(s for s, target in ended.transfer_states.items() if target in step.sources)
                if moving:
                    here |= _follows(ended) & Q(state__in=moving)
        here &= where
        earlier = definition.separation.get(action)
        if earlier:
            round_start = Subquery(WorkflowEvent.objects.filter(assessment=OuterRef("assessment"), action=Action.REOPEN)
                                   .values("assessment").annotate(v=Max("version")).values("v")[:1])
            mine = WorkflowEvent.objects.filter(assessment=OuterRef("pk"), actor=user, action__in=earlier).annotate(
                start=Coalesce(round_start, Value(-1), output_field=IntegerField())).filter(version__gt=F("start"))
            here &= ~Exists(mine)
        condition |= here
    return base.filter(condition)


def history(assessment: Assessment) -> QuerySet:
    """Every workflow step of the assessment, oldest first."""
    return WorkflowEvent.objects.filter(assessment=assessment).select_related("actor").order_by("timestamp", "pk")


def perform(assessment: Assessment, action: str, user, *, reason: str = "", decision: Any = None,
            expected_version: int | None = None) -> WorkflowEvent:
    """Take workflow step ``action`` as ``user``, or raise WorkflowError (Vietnamese) saying why not.

    ``reason``: required for "return" and "reopen", kept with the step otherwise. ``decision``: for
    "record_decision", a ``recognition.decisions.DecisionInput``, a mapping with number, date, authority (and
    note), or an existing ``recognition.Decision`` (kind recognition, the set's level, for the assessment's year) to
    add the unit to. ``expected_version``: refuse if the dossier changed since the user loaded it.
    A dossier whose workflow has ended moves to the successor first (``transfer``). Updates
    ``assessment.state``, ``.version`` and ``.workflow`` in place; returns the step recorded.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        # of=("self",): lock the assessment row only, not the unit and criteria set rows joined to it
        locked = (Assessment.objects.select_for_update(of=("self",))
                  .select_related("unit__unit_type__level", "unit__parent__unit_type__level", "criteria_set")
                  .get(pk=assessment.pk))
        definition = _started(locked)
        step = _step(definition_of(locked), locked, action)  # an unknown step is refused before anything moves
        refused = _refusal(user, step, locked.unit)
        if refused is not None:
            raise refused
        if expected_version is not None and expected_version != locked.version:
            raise stale_error(locked, expected_version)
        if _transfer_locked(locked) is not None:  # the system moves it; the step below is the user's
            definition = _started(locked)
            step = _step(definition, locked, action)
        refused = _separation(definition, step, locked, user)
        if refused is not None:
            raise refused
        if locked.state not in step.sources:
            raise _state_error(definition, locked, step)
        refused = _requirements(step, locked)
        if refused is not None:
            raise refused
        if step.needs_reason and not reason:
            raise WorkflowError(step.reason_hint, "reason")
        if decision is not None and not step.needs_decision:
            raise WorkflowError(f"Bước «{step.label}» không kèm quyết định; quyết định chỉ ghi ở bước "
                                f"«{Action.RECORD_DECISION.label}».", "decision")
        details: dict[str, Any] = {"results": {"criteria_met": locked.criteria_met,
                                               "criteria_total": locked.criteria_total,
                                               "eligible": locked.eligible},
                                   "workflow": definition.code}
        if step.needs_decision:
            recorded = _record_decision(locked, decision, user)
            details["decision"] = {"id": recorded.pk, "number": recorded.number, "date": recorded.date.isoformat(),
                                   "authority": recorded.authority, "level": recorded.level,
                                   "for_year": recorded.for_year}
        from_state = locked.state
        Assessment.objects.filter(pk=locked.pk).update(state=step.target, version=F("version") + 1,
                                                       workflow_id=definition.pk)
        locked.refresh_from_db(fields=["state", "version", "workflow"])
        acting = _acting(user, step, locked.unit)
        event = WorkflowEvent.objects.create(
            assessment=locked, action=action, from_state=from_state, to_state=locked.state, actor=user,
            actor_name=user.get_username(),
            actor_role=role_at(acting[0].role, acting[0].unit) if acting else "quản trị hệ thống",
            reason=reason, details=details, version=locked.version)
        record("transition", locked, before={"state": from_state, "version": locked.version - 1},
               after={"state": locked.state, "version": locked.version, "action": action, **details},
               user=user, note=reason)
        step_taken.send(sender=Assessment, assessment=locked, event=event, user=user)
    assessment.state, assessment.version, assessment.workflow_id = locked.state, locked.version, locked.workflow_id
    return event


def _record_decision(assessment: Assessment, decision, user):
    """The dossier's recognition decision, recorded by ``recognition.decisions.record_decision``; its refusals are
    the step's (code "decision")."""
    try:
        return record_decision(assessment.unit, level=assessment.criteria_set.level, for_year=assessment.year,
                               decision=decision, subject=_dossier(assessment), user=user)
    except DecisionRejected as exc:
        raise WorkflowError(exc.message, "decision") from None
