"""Read-side queries for the commune list and the commune scorecard, scoped to the user.

Every query goes through ``accounts.services`` scoping (``visible_units`` / ``restrict``), so a district
office sees its district's communes and a commune officer only its own. The list runs a fixed number of
queries whatever the number of communes: one for the communes (with their district), one for the
recognition decisions (``recognition.services.statuses_on``) and one for the latest assessments
(``latest.latest_assessments``); filtering by level and criteria, and paging, happen in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nongthonso.accounts.models import Action
from nongthonso.accounts.services import restrict, scope_paths, visible_units
from nongthonso.audit.models import AuditEntry
from nongthonso.core.text import display_value
from nongthonso.criteria.choices import LEVEL_RANK, Level, ThresholdDimension
from nongthonso.criteria.models import CriteriaSet, Criterion, Indicator
from nongthonso.recognition.services import Status, status_on, statuses_on
from nongthonso.units import groupings
from nongthonso.units.groupings import Group, Grouping
from nongthonso.units.models import CommuneGroupAssignment, LineageEvent, Unit

from .latest import latest_assessments
from .models import Assessment, IndicatorValue, State
from .presenters import CriterionRow, criterion_rows

PAGE_SIZE = 50

# commune levels, short labels for tables (the full names are Level's labels)
LEVEL_SHORT = {
    None: gettext_lazy("Chưa đạt chuẩn"),
    Level.XA_NTM: gettext_lazy("Đạt chuẩn NTM"),
    Level.XA_NANG_CAO: gettext_lazy("NTM nâng cao"),
    Level.XA_KIEU_MAU: gettext_lazy("NTM kiểu mẫu"),
    Level.XA_HIEN_DAI: gettext_lazy("NTM hiện đại"),
}


def no_role_message(user) -> str | None:
    """A message for a signed-in user who has no unit to see (no role granted yet)."""
    if scope_paths(user, Action.VIEW) == []:
        return _("Tài khoản của bạn chưa được giao vai trò theo đơn vị nào nên chưa xem được xã nào. Đề nghị Văn "
                 "phòng Điều phối NTM tỉnh giao vai trò cho tài khoản.")
    return None


# ---------------------------------------------------------------------------------------------- list


@dataclass
class CommuneRow:
    unit: Unit
    status: Status
    assessment: Assessment | None
    group: Group | None = None  # its row of the list's grouping: the district, the former district, the group

    @property
    def level(self) -> str | None:
        return self.status.commune_level

    @property
    def level_label(self) -> str:
        return str(LEVEL_SHORT[self.level])

    @property
    def criteria_met(self) -> int | None:
        return None if self.assessment is None else self.assessment.criteria_met

    @property
    def criteria_total(self) -> int | None:
        return None if self.assessment is None else self.assessment.criteria_total


def communes_in_scope(user, as_of: dt.date) -> list[Unit]:
    """Rural communes in force on ``as_of`` that ``user`` may see, with their district, in Vietnamese order
    (one query)."""
    return list(visible_units(user, as_of).rural_communes().select_related("parent")
                .in_vietnamese_order())


def grouping_of(communes: list[Unit], as_of: dt.date) -> Grouping:
    """How the list groups ``communes``: by the district in force (three-tier years), or — for communes directly
    under their province — by the grouping the province chose (the former district from lineage by default, or
    the commune group): ``units.groupings``, a few queries whatever the number of communes."""
    return groupings.resolve(communes, Unit(path="/"), as_of)


def groups_used(grouping: Grouping, communes: list[Unit]) -> list[Group]:
    """The rows of ``grouping`` that hold one of ``communes``, in the grouping's order (the filter's choices)."""
    used = {grouping.of[c.pk].key for c in communes if c.pk in grouping.of}
    return [g for g in grouping.groups if g.key in used]


def commune_rows(communes: list[Unit], as_of: dt.date, grouping: Grouping | None = None) -> list[CommuneRow]:
    """Recognition status on ``as_of`` and the latest NTM assessment (year ≤ the year of ``as_of``) of each
    commune, with its row of ``grouping``, keeping the order given (two queries)."""
    statuses = statuses_on(communes, as_of)
    latest = latest_assessments(communes, Level.XA_NTM, as_of.year)
    of = grouping.of if grouping is not None else {}
    return [CommuneRow(c, statuses[c.pk], latest.get(c.pk), of.get(c.pk)) for c in communes]


# ----------------------------------------------------------------------------------------- scorecard


def scorecard_unit(user, unit_id: int) -> Unit:
    """The commune ``unit_id`` if ``user`` may see it; 404 otherwise (another commune is not shown)."""
    units = restrict(Unit.objects.rural_communes().select_related("parent__parent", "unit_type"), user,
                     Action.VIEW, path_field="path")
    return get_object_or_404(units, pk=unit_id)


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class HistoryRow:
    entry: AuditEntry
    subject: str
    changes: list[Change]


@dataclass
class Scorecard:
    unit: Unit
    as_of: dt.date
    status: Status
    assessments: list[Assessment]
    assessment: Assessment | None
    criteria: list[CriterionRow] = field(default_factory=list)
    history: list[HistoryRow] = field(default_factory=list)
    decisions: list = field(default_factory=list)
    evidence: list | None = None  # None: this installation has no evidence files (no Evidence model)
    year_missing: int | None = None
    lineage: list[LineageRow] = field(default_factory=list)  # the events the unit's version began with
    groups: list[CommuneGroupAssignment] = field(default_factory=list)  # its commune groups, oldest first
    groups_apply: bool = False  # the unit is in force when sets by commune group are (2026-2030)

    @property
    def level_label(self) -> str:
        return str(LEVEL_SHORT[self.status.commune_level])

    @property
    def counted(self) -> list[CriterionRow]:
        return [c for c in self.criteria if not c.condition]


def _criterion_groups(assessment: Assessment) -> dict[str, str]:
    """Criterion code → its group in the set («I. Quy hoạch»); no query for an assessment without results."""
    if not (assessment.results or {}).get("criteria"):
        return {}
    return dict(Criterion.objects.filter(criteria_set_id=assessment.criteria_set_id).values_list("code", "group"))


def _text(value: Any, unit: str = "") -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, str) and value in State.values:
        return str(State(value).label)
    return display_value(value, unit)


def _changes(entry: AuditEntry, codes: dict[str, str], units: dict[str, str]) -> tuple[str, list[Change]]:
    """What an audit entry changed, as (subject, [label, before, after])."""
    before = entry.before if isinstance(entry.before, dict) else ({} if entry.before is None else
                                                                  {"": entry.before})
    after = entry.after if isinstance(entry.after, dict) else ({} if entry.after is None else {"": entry.after})
    if entry.model == "assessments.indicatorvalue":
        code = codes.get(entry.object_id) or entry.object_repr.split(" = ")[0]
        subject = _("Chỉ tiêu %(code)s") % {"code": code}
        unit = units.get(code, "")
        changes = [Change("", _text(before.get("value"), unit) if before else "—", _text(after.get("value"), unit))]
        for key, label in (("source", _("Nguồn số liệu")), ("note", _("Ghi chú"))):
            if before.get(key, "") != after.get(key, "") and (before.get(key) or after.get(key)):
                changes.append(Change(label, _text(before.get(key)), _text(after.get(key))))
        return subject, changes
    subject = _("Hồ sơ")
    if entry.action == AuditEntry.Action.TRANSITION:
        return subject, [Change(_("Trạng thái"), _text(before.get("state")), _text(after.get("state")))]
    keys = list(dict.fromkeys([*before, *after]))
    return subject, [Change(str(k), _text(before.get(k), units.get(str(k), "")) if k in before else "—",
                            _text(after.get(k), units.get(str(k), "")) if k in after else "—") for k in keys]


def _history(assessment: Assessment, values: dict[str, IndicatorValue], units: dict[str, str],
             limit: int = 200) -> list[HistoryRow]:
    """Audit entries of the assessment and of its values, newest first (one query)."""
    codes = {str(v.pk): code for code, v in values.items()}
    entries = (AuditEntry.objects
               .filter(Q(model="assessments.indicatorvalue", object_id__in=list(codes))
                       | Q(model="assessments.assessment", object_id=str(assessment.pk)))
               .order_by("-timestamp", "-pk")[:limit])
    rows = []
    for entry in entries:
        subject, changes = _changes(entry, codes, units)
        rows.append(HistoryRow(entry, subject, changes))
    return rows


def _evidence(assessment: Assessment) -> list | None:
    """Evidence files of the assessment, when the installation has an Evidence model."""
    from . import models

    model = getattr(models, "Evidence", None)
    if model is None:
        return None
    return list(model.objects.filter(assessment=assessment))


def scorecard(unit: Unit, as_of: dt.date, *, year: int | None = None, set_code: str | None = None,
              user=None) -> Scorecard:
    """Everything the scorecard shows for ``unit``: status on ``as_of``; the assessment of ``year`` (default:
    the latest up to the year of ``as_of``) against ``set_code`` (default: the commune NTM set); its criteria
    and indicators from the stored results; decisions; the history of its values; for a unit formed by a
    reorganisation, its lineage and each predecessor's status on the eve (``lineage``; links only to the
    predecessors ``user`` may see); its commune groups."""
    assessments = list(unit.assessments.select_related("criteria_set").order_by("-year", "criteria_set__code",
                                                                                  "-criteria_set__version"))
    if set_code:
        candidates = [a for a in assessments if a.criteria_set.code == set_code]
    else:
        candidates = [a for a in assessments if a.criteria_set.level == Level.XA_NTM]
    chosen, missing = None, None
    if year is not None:
        chosen = next((a for a in candidates if a.year == year), None)
        missing = None if chosen else year
    else:
        chosen = next((a for a in candidates if a.year <= as_of.year), None)
    card = Scorecard(unit=unit, as_of=as_of, status=status_on(unit, as_of), assessments=assessments,
                     assessment=chosen, year_missing=missing,
                     decisions=list(unit.decisions.order_by("-date", "number")))
    if chosen is not None:
        values = {v.indicator.code: v for v in IndicatorValue.objects.filter(assessment=chosen)
                  .select_related("indicator").only("id", "source", "indicator__code")}
        indicators = {i.code: i for i in Indicator.objects.filter(criteria_set_id=chosen.criteria_set_id)
                      .only("code", "name", "unit", "source", "verified")}
        card.criteria = criterion_rows(chosen.results, indicators, values, groups=_criterion_groups(chosen))
        card.history = _history(chosen, values, {code: i.unit or "" for code, i in indicators.items()})
        card.evidence = _evidence(chosen)
    card.lineage = lineage(unit, user)
    card.groups, card.groups_apply = groups_of(unit)
    return card


# ------------------------------------------------------------------------------------- lineage and groups


@dataclass
class PredecessorRow:
    """A unit a reorganisation formed the commune from, as it stood on the eve (the day before the event)."""

    unit: Unit
    status: Status
    assessment: Assessment | None  # its latest commune NTM assessment up to the eve's year
    visible: bool  # its scorecard may be opened by the user

    @property
    def levels(self) -> list[tuple[str, Any]]:
        """(short label, deciding decision or None) of each commune level held, highest first."""
        held = sorted((lvl for lvl in self.status.levels if lvl in LEVEL_SHORT), key=LEVEL_RANK.get, reverse=True)
        return [(str(LEVEL_SHORT[lvl]), self.status.decisions.get(lvl)) for lvl in held]

    @property
    def level_label(self) -> str:
        return str(LEVEL_SHORT[self.status.commune_level])


@dataclass
class LineageRow:
    event: LineageEvent
    predecessors: list[PredecessorRow]

    @property
    def eve(self) -> dt.date:
        return self.event.effective_date - dt.timedelta(days=1)


def lineage(unit: Unit, user=None) -> list[LineageRow]:
    """The events ``unit``'s version began with (effective on its first day, the unit among the successors) — a
    merger, a rename … — each with its predecessors: their status on the eve (levels held and the deciding
    decisions, or none), their latest NTM assessment up to then, and whether ``user`` may open their scorecard.
    A bounded number of queries: the events, their predecessors, the statuses per eve, the assessments, the scope."""
    events = list(LineageEvent.objects.filter(successors=unit, effective_date=unit.valid_from)
                  .prefetch_related(Prefetch("predecessors", queryset=Unit.objects.select_related("unit_type")
                                             .in_vietnamese_order()))
                  .order_by("effective_date", "pk"))
    predecessors = {p.pk: p for e in events for p in e.predecessors.all() if p.pk != unit.pk}
    if not predecessors:
        return []
    statuses: dict[dt.date, dict[int, Status]] = {}
    latest: dict[dt.date, dict[int, Assessment]] = {}
    for eve in {e.effective_date - dt.timedelta(days=1) for e in events}:
        units = [p for e in events if e.effective_date - dt.timedelta(days=1) == eve for p in e.predecessors.all()
                 if p.pk != unit.pk]
        statuses[eve] = statuses_on(units, eve)
        latest[eve] = latest_assessments(units, Level.XA_NTM, eve.year)
    visible = set(restrict(Unit.objects.rural_communes().filter(pk__in=list(predecessors)), user, Action.VIEW,
                           path_field="path").values_list("pk", flat=True)) if user is not None else set()
    rows = []
    for event in events:
        eve = event.effective_date - dt.timedelta(days=1)
        rows.append(LineageRow(event, [
            PredecessorRow(p, statuses[eve][p.pk], latest[eve].get(p.pk), p.pk in visible)
            for p in event.predecessors.all() if p.pk != unit.pk]))
    return rows


def groups_of(unit: Unit) -> tuple[list[CommuneGroupAssignment], bool]:
    """The unit's commune groups (Decision 51/2025/QĐ-TTg), oldest first, and whether groups concern it at all: it
    is a rural commune in force when a set by commune group is (two queries)."""
    spans = list(CommuneGroupAssignment.objects.filter(unit=unit).order_by("valid_from", "pk"))
    first = (CriteriaSet.objects.filter(threshold_dimension=ThresholdDimension.COMMUNE_GROUP)
             .order_by("effective_from").values_list("effective_from", flat=True).first())
    applies = bool(spans) or (first is not None and unit.unit_type.is_rural
                              and (unit.valid_to is None or unit.valid_to >= first))
    return spans, applies
