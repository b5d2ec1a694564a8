"""The work queue (``/ho-so/``): the dossiers waiting for a step the user may take now, one row per dossier, with its
unit, criteria set, state, how long it has waited and the one step that moves it on; oldest first.

What a dossier waits for comes from its workflow (``definitions``): the steps that move it on — submit, verify,
approve, record the decision (``forward``). Return and reopen need a reason: they send a dossier back, no dossier waits
for them, and the dossier page offers them beside the step that moves it on. Who may take a step, and on which
dossiers, is ``workflow.awaiting``: the step's actors' roles over the units they cover, separation of duties, and the
dossiers of an ended workflow counted under its successor in the state the move gives them (nothing is written).

A dossier approved by the province waits for a recognition decision only while none has settled it
(``undecided``): a unit that held the set's level by a decision at some time from the dossier's year on was recognised
already — years before and kept it, or since (``recognition.models.Spell``; a higher level counts: kiểu mẫu ⊃ nâng
cao ⊃ NTM) — and a unit that has ceased (merged into another) can no longer be recognised. The merger rule's
provisional status does not count: such a commune still waits for the province's decision.

How long a dossier has waited (``since``) runs from the last step a person took on it (a move between workflows is the
system's bookkeeping, not a step), or, before any, from when it was opened or imported.

Everything is one queryset (``rows``): scoped to the user in the database, filtered there, paged by the caller; the
page costs one query and its count another, whatever the number of dossiers, and the filter's choices one more
(``choices``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from nongthonso.accounts.models import Action
from nongthonso.accounts.services import _active
from nongthonso.audit.models import AuditEntry
from nongthonso.core.text import fold
from nongthonso.criteria.choices import AT_LEAST
from nongthonso.recognition.models import Spell
from nongthonso.units.collation import vi_name_order

from . import definitions, workflow
from .definitions import Definition, Step
from .models import Assessment, IndicatorValue, State, WorkflowEvent

PAGE_SIZE = 50


def forward(definition: Definition, state: str) -> list[Step]:
    """The steps of ``definition`` that move a dossier in ``state`` on (those needing no reason), in table order."""
    return [s for s in definition.steps if state in s.sources and not s.needs_reason]


def forward_actions() -> list[str]:
    """Every action that moves a dossier on in some workflow, in the order pages list steps."""
    found = {s.action for d in definitions.definitions().values() for s in d.steps if not s.needs_reason}
    return [a for a in workflow.ACTIONS if a in found]


def _in_year_or_after() -> Q:
    """A spell still running on 1 January of the outer dossier's year or later (``end`` is exclusive)."""
    year = OuterRef("year")
    return Q(end__year__gt=year) | (Q(end__year=year) & (Q(end__month__gt=1) | Q(end__day__gt=1)))


def undecided(today: dt.date | None = None) -> Q:
    """The dossiers still waiting for a recognition decision (see the module's docstring): their unit is in force on
    ``today`` and held neither the set's level nor a level that builds on it, by a decision, from their year on."""
    today = today or timezone.localdate()
    spells = Spell.objects.filter(_in_year_or_after(), unit=OuterRef("unit_id"), start__lte=today)
    held = Exists(spells.filter(level=OuterRef("criteria_set__level")))
    for level, holders in AT_LEAST.items():
        higher = [h for h in holders if h != level]
        if higher:
            held |= Q(criteria_set__level=level) & Exists(spells.filter(level__in=higher))
    in_force = Q(unit__valid_to__isnull=True) | Q(unit__valid_to__gte=today)
    return in_force & ~Q(held)


def _waiting(user, action: str, today: dt.date) -> Q:
    """The dossiers on which ``user`` may take ``action`` now and that wait for it."""
    condition = Q(pk__in=workflow.awaiting(user, action).values("pk"))
    return condition & undecided(today) if action == Action.RECORD_DECISION else condition


def shown_state(today: dt.date | None = None) -> Case:
    """The state a page shows: the dossier's own, or — its workflow ended while it was in progress — the state the move
    to the successor gives it (``workflow.effective``, in SQL)."""
    today = today or timezone.localdate()
    moves = [When(workflow._follows(ended) & Q(state=state), then=Value(target))
             for ended in definitions.definitions().values() if ended.ended_before(today) and ended.successor
             for state, target in ended.transfer_states.items() if state != target]
    return Case(*moves, default=F("state"), output_field=CharField())


def _since() -> Coalesce:
    last_step = (WorkflowEvent.objects.filter(assessment=OuterRef("pk")).exclude(action=workflow.TRANSFER)
                 .order_by("-timestamp", "-pk").values("timestamp")[:1])
    opened = (AuditEntry.objects.filter(model=Assessment._meta.label_lower,
                                        object_id=Cast(OuterRef("pk"), CharField()),
                                        action__in=(AuditEntry.Action.CREATE, AuditEntry.Action.IMPORT))
              .order_by("timestamp", "pk").values("timestamp")[:1])
    return Coalesce(Subquery(last_step), Subquery(opened), F("evaluated_at"))


def queue(user, today: dt.date | None = None) -> QuerySet[Assessment]:
    """The dossiers waiting for ``user``, each annotated with ``next_step`` (the first forward step they may take),
    ``shown_state``, ``since`` (see the module's docstring) and ``unconfirmed`` (carried values still to confirm);
    unordered. Empty for a user signed out or without a role."""
    if not _active(user):
        return Assessment.objects.none()
    today = today or timezone.localdate()
    steps = [(action, _waiting(user, action, today)) for action in forward_actions()]
    if not steps:
        return Assessment.objects.none()
    waiting = Q(pk__in=[])
    for _action, condition in steps:
        waiting |= condition
    return (Assessment.objects.restrict(user, Action.VIEW).filter(waiting)
            .annotate(next_step=Case(*(When(c, then=Value(a)) for a, c in steps), output_field=CharField()),
                      shown_state=shown_state(today), since=_since(),
                      unconfirmed=Exists(IndicatorValue.objects.awaiting_confirmation()
                                         .filter(assessment=OuterRef("pk")))))


def filtered(rows: QuerySet[Assessment], *, year: int | None = None, set_code: str | None = None,
             state: str | None = None, query: str = "") -> QuerySet[Assessment]:
    """``rows`` of one year, criteria set (its code: every version), shown state, and whose commune or the unit above
    it matches ``query`` without diacritics («dai tu» finds «Đại Từ»; the GSO code too)."""
    if year is not None:
        rows = rows.filter(year=year)
    if set_code:
        rows = rows.filter(criteria_set__code=set_code)
    if state:
        rows = rows.filter(shown_state=state)
    folded = " ".join(fold(query or "").split())
    if folded:
        rows = rows.filter(Q(unit__search_text__contains=folded) | Q(unit__parent__search_text__contains=folded))
    return rows


def ordered(rows: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """Oldest wait first (an unknown one last), then year, commune in Vietnamese order; with what a row shows."""
    return (rows.select_related("unit__parent__unit_type__level", "criteria_set")
            .order_by(F("since").asc(nulls_last=True), "year", vi_name_order("unit__"), "pk"))


@dataclass(frozen=True)
class Choices:
    """What the queue's filter offers: the years, sets (code, name) and shown states (state, label) it holds."""

    years: list[int]
    sets: list[tuple[str, str]]
    states: list[tuple[str, str]]


def state_label(state: str, today: dt.date | None = None) -> str:
    """A state in the words of the workflows in force on ``today`` first («Đã gửi, chờ tỉnh thẩm định»), else of the
    latest that names it."""
    today = today or timezone.localdate()
    flows = sorted(definitions.definitions().values(),
                   key=lambda d: (d.ended_before(today), -d.valid_from.toordinal()))
    named = next((d for d in flows if state in d.state_labels), None)
    return named.state_label(state) if named else State(state).label


def choices(rows: QuerySet[Assessment]) -> Choices:
    """The filter's choices, read from the user's whole queue (one query)."""
    found = set(rows.order_by().values_list("year", "criteria_set__code", "criteria_set__name", "shown_state")
                .distinct())
    order = {state: i for i, state in enumerate(definitions.STATES)}
    return Choices(
        years=sorted({year for year, *_rest in found}, reverse=True),
        sets=sorted({(code, name) for _year, code, name, _state in found}, key=lambda item: (item[1], item[0])),
        states=[(s, state_label(s)) for s in sorted({r[3] for r in found}, key=order.get)])


@dataclass
class Row:
    """One dossier of the queue as the page shows it."""

    assessment: Assessment
    state_label: str
    next_label: str  # the step's name, the link's text
    anchor: str  # where on the dossier page the step is
    waited_days: int | None

    @property
    def unit(self):
        return self.assessment.unit


def present(assessments, today: dt.date | None = None) -> list[Row]:
    """The page's rows (no query: the definitions are cached). A submission held back by carried values still to
    confirm leads to them first."""
    today = today or timezone.localdate()
    rows = []
    for a in assessments:
        definition, state = workflow.effective(a, today)
        step = definition.step(a.next_step)
        label, anchor = (step.label if step else workflow.label(a.next_step)), f"buoc-{a.next_step}"
        if step is not None and "confirmed_values" in step.requires and a.unconfirmed:
            label, anchor = _("Xác nhận giá trị mang sang, rồi gửi hồ sơ"), "carried"
        waited = None if a.since is None else max(0, (today - timezone.localtime(a.since).date()).days)
        rows.append(Row(a, definition.state_label(state), label, anchor, waited))
    return rows
