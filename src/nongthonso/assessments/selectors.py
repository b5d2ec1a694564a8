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
from nongthonso.core.dates import parse_as_of
from nongthonso.core.text import same_value, typed_value
from nongthonso.criteria.choices import LEVEL_RANK, Level, ThresholdDimension
from nongthonso.criteria.confirmations import backing
from nongthonso.criteria.models import CriteriaSet, Criterion, Indicator, ThresholdConfirmation
from nongthonso.recognition.services import Status, status_on, statuses_on
from nongthonso.units import groupings
from nongthonso.units.groupings import Group, Grouping
from nongthonso.units.models import CommuneGroupAssignment, LineageEvent, Unit, UnitType

from .evaluation import unit_context
from .latest import latest_assessments
from .models import Assessment, IndicatorValue, State
from .presenters import CriterionRow, criterion_rows

PAGE_SIZE = 50

# The columns a list of dossiers shows (the API's ``assessment_out``) and ``workflow.definition_of`` reads, with the
# unit joined (``select_related("unit")``): not the stored results (~10 KB of JSON per dossier, decoded for nothing),
# nor the units' other columns. ``attach_list_relations`` supplies the rest.
LIST_FIELDS = (
    "unit_id", "year", "criteria_set_id", "state", "workflow_id", "version", "criteria_met", "criteria_failed",
    "criteria_unknown", "criteria_total", "eligible", "revoke", "evaluated_at", "synthetic",
    "unit__code", "unit__name", "unit__unit_type_id", "unit__parent_id",
)

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


def dossiers_in_scope(user, action: str = Action.VIEW, within: Unit | None = None):
    """The dossiers ``user`` may do ``action`` on (``accounts.services.restrict`` over the units), optionally only
    those of ``within`` and the units under it. The scope is a subquery of unit ids, not a test on the joined
    unit's path: PostgreSQL then finds the few hundred units of a province by the path index and their dossiers by
    the unit index (8 ms for a province of the national benchmark), where the join read all 50,000 dossiers
    (~115 ms); SQLite runs it the same way."""
    units = restrict(Unit.objects.all(), user, action)
    if within is not None:
        units = units.filter(path__startswith=within.path)
    return Assessment.objects.filter(unit_id__in=units.order_by().values("pk"))


def attach_list_relations(assessments: list[Assessment]) -> list[Assessment]:
    """Give a page of dossiers read with ``LIST_FIELDS`` what a list row and ``workflow.definition_of`` read — each
    unit's type and level, its parent with the parent's type and level, the criteria set — from three small queries
    over the page's distinct ids. Joining them to every row built eight model instances per dossier (400 for a page
    of 50), which cost more than the page's queries; the few types, parents and sets are now shared by the rows."""
    units = [a.unit for a in assessments]
    parent_ids = {u.parent_id for u in units if u.parent_id is not None}
    parents = Unit.objects.only("code", "name", "unit_type_id").in_bulk(parent_ids) if parent_ids else {}
    types = UnitType.objects.select_related("level").in_bulk(
        {u.unit_type_id for u in units} | {p.unit_type_id for p in parents.values()})
    sets = CriteriaSet.objects.only("code", "version", "level").in_bulk({a.criteria_set_id for a in assessments})
    for parent in parents.values():
        parent.unit_type = types[parent.unit_type_id]
    for assessment in assessments:
        unit = assessment.unit
        unit.unit_type = types[unit.unit_type_id]
        if unit.parent_id is not None:
            unit.parent = parents[unit.parent_id]
        assessment.criteria_set = sets[assessment.criteria_set_id]
    return assessments


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
    def revocation_due(self) -> bool:
        """The assessment shown puts the commune under review for revocation: it fails the test and the commune holds
        the set's level on the card's date (``Assessment.revocation_due``)."""
        return self.assessment is not None and self.assessment.revocation_due(self.status)

    @property
    def counted(self) -> list[CriterionRow]:
        return [c for c in self.criteria if not c.condition]


def threshold_confirmations(assessment: Assessment) -> dict[str, ThresholdConfirmation]:
    """Indicator code → the province office's confirmation of the threshold row ``assessment``'s unit is judged
    against (``criteria.confirmations.backing``: its province, region or commune group, the year); a few queries."""
    if not (assessment.results or {}).get("criteria"):
        return {}
    ctx = unit_context(assessment.unit)
    return backing(assessment.criteria_set, ctx.province_code, assessment.year, region=ctx.region,
                   group=ctx.group_in(assessment.year), flags=ctx.flags)


def _criterion_groups(assessment: Assessment) -> dict[str, str]:
    """Criterion code → its group in the set («I. Quy hoạch»); no query for an assessment without results."""
    if not (assessment.results or {}).get("criteria"):
        return {}
    return dict(Criterion.objects.filter(criteria_set_id=assessment.criteria_set_id).values_list("code", "group"))


# what a dossier's own audit entries name, besides indicator codes (``services.get_or_create_assessment``, workflow)
_DOSSIER_KEYS = {"unit": gettext_lazy("Đơn vị"), "year": gettext_lazy("Năm"), "set": gettext_lazy("Bộ tiêu chí"),
                 "carried": gettext_lazy("Giá trị mang sang"), "state": gettext_lazy("Trạng thái"),
                 "workflow": gettext_lazy("Quy trình"), "version": gettext_lazy("Phiên bản")}


def _plain(value: Any) -> str:
    """A field of a dossier's entry as read: a state's label, a year as 2023 (not 2.023), carried values as typed."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {typed_value(v)}" for k, v in value.items())
    if isinstance(value, str) and value in State.values:
        return str(State(value).label)
    return str(value)


def _sides(before: Any, after: Any) -> tuple[dict, dict]:
    def side(data: Any) -> dict:
        return data if isinstance(data, dict) else ({} if data is None else {"": data})
    return side(before), side(after)


def _value_changes(before: dict, after: dict, unit: str) -> list[Change]:
    """An indicator value's entry: the value as typed (none before: created), its source and note when they changed,
    the confirmation of a carried value (then the value only if it changed too)."""
    value = Change("", typed_value(before.get("value"), unit) if before else "—", typed_value(after.get("value"), unit))
    rest = [Change(label, before.get(key) or "—", after.get(key) or "—")
            for key, label in (("source", _("Nguồn số liệu")), ("note", _("Ghi chú")))
            if before.get(key, "") != after.get(key, "") and (before.get(key) or after.get(key))]
    if after.get("confirmed") and not before.get("confirmed"):
        rest.append(Change(_("Xác nhận giá trị mang sang"), _("chưa xác nhận"), _("đã xác nhận")))
        if before and same_value(before.get("value"), after.get("value")):
            return rest
    return [value, *rest]


def _changes(entry: AuditEntry, codes: dict[str, str], units: dict[str, str]) -> tuple[str, list[Change]]:
    """What an audit entry changed, as (subject, [label, before, after]); values as they were typed (Đạt, 59,5%).
    ``codes``: value id → indicator code; ``units``: indicator code → unit, for every indicator of the set."""
    before, after = _sides(entry.before, entry.after)
    if entry.model == "assessments.indicatorvalue":
        code = codes.get(entry.object_id) or entry.object_repr.split(" = ")[0]
        return _("Chỉ tiêu %(code)s") % {"code": code}, _value_changes(before, after, units.get(code, ""))
    subject = _("Hồ sơ")
    if entry.action == AuditEntry.Action.TRANSITION:
        return subject, [Change(_("Trạng thái"), _plain(before.get("state")), _plain(after.get("state")))]
    changes = []
    for key in dict.fromkeys([*before, *after]):
        if str(key) in units:  # an import: indicator code → value
            unit = units[str(key)]
            changes.append(Change(_("Chỉ tiêu %(code)s") % {"code": key},
                                  typed_value(before[key], unit) if key in before else "—",
                                  typed_value(after[key], unit) if key in after else "—"))
        else:
            changes.append(Change(str(_DOSSIER_KEYS.get(key, key)), _plain(before.get(key)), _plain(after.get(key))))
    return subject, changes


def _history(assessment: Assessment, values: dict[str, IndicatorValue], units: dict[str, str],
             limit: int = 200) -> list[HistoryRow]:
    """Audit entries of the assessment and of its values, newest first (one query); ``units``: indicator code → unit,
    for every indicator of its set."""
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


@dataclass(frozen=True)
class ScorecardQuery:
    """What a scorecard (the page, or its PDF) is asked for in its address — ``?as_of=`` (default today), ``?year=``
    (default the latest assessment up to that year), ``?set=`` — and, in Vietnamese, what of it could not be used."""

    as_of: dt.date
    year: int | None
    set_code: str | None
    date_error: str | None = None
    year_error: str | None = None


def scorecard_query(params) -> ScorecardQuery:
    """The scorecard's parameters read from a query string (``request.GET``)."""
    as_of, date_error = parse_as_of(params.get("as_of"))
    year, year_error = None, None
    raw_year = params.get("year")
    if raw_year:
        try:
            year = int(raw_year)
        except ValueError:
            year_error = _("Năm «%(raw)s» không hợp lệ; nhập năm bằng số, ví dụ 2023. Đang hiển thị bản đánh giá "
                           "gần nhất.") % {"raw": raw_year}
    return ScorecardQuery(as_of, year, params.get("set") or None, date_error, year_error)


def missing_year_message(card: Scorecard) -> str | None:
    """When the year asked for has no assessment: what to do instead."""
    if card.year_missing is None:
        return None
    return _("%(unit)s không có bản đánh giá năm %(year)s; chọn một năm trong danh sách.") % {
        "unit": card.unit.name, "year": card.year_missing}


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
        card.criteria = criterion_rows(chosen.results, indicators, values, groups=_criterion_groups(chosen),
                                       confirmations=threshold_confirmations(chosen))
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
