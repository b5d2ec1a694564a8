"""Recognition status as of any date, derived from decisions.

Status comes from decisions: for each level, the latest decision dated on or before the date decides
(recognition → recognised, revocation → not). A commune recognised at a higher level also counts at
the lower ones (kiểu mẫu ⊃ nâng cao ⊃ NTM). Nothing here reads assessments: where compliance (the assessments)
and status disagree is ``reports.alerts``.

Merged communes (Công văn 267/BNN-VPĐP, 09/01/2024): a unit formed by a merger, with no decision of its own, is
*provisionally* at the lowest level all its rural predecessors (xã) held on the eve of the merger — the province
must still issue a recognition decision — and not recognised if any of them was not. Urban predecessors (thị
trấn, phường) are outside the NTM programme and do not count; a unit formed from urban units only has no status
by this rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet

from nongthonso.core import compiled
from nongthonso.criteria import engine
from nongthonso.criteria.choices import AT_LEAST, COMMUNE_LEVELS, IMPLIES, LEVEL_RANK, Level
from nongthonso.units.choices import LineageKind
from nongthonso.units.models import LineageEvent, Unit

from .models import Decision, Spell


@dataclass
class Status:
    unit_id: int
    levels: set[str] = field(default_factory=set)  # every level the unit holds
    decisions: dict[str, Decision] = field(default_factory=dict)  # level -> deciding decision
    provisional: bool = False
    note: str = ""

    @property
    def commune_level(self) -> str | None:
        """The highest commune level held (xa_ntm < xa_ntm_nang_cao < xa_ntm_kieu_mau)."""
        held = [lvl for lvl in COMMUNE_LEVELS if lvl in self.levels]
        return max(held, key=LEVEL_RANK.get) if held else None

    def holds(self, level: str) -> bool:
        """True when the unit holds ``level`` or a commune level that builds on it (``IMPLIES``)."""
        if level in IMPLIES:
            return any(level in IMPLIES.get(lvl, ()) for lvl in self.levels)
        return level in self.levels


def statuses_on(units: Iterable[Unit], date: dt.date, *, merger_rule: bool = True) -> dict[int, Status]:
    """Status of each unit on ``date``, with two queries for the decisions — the links as plain rows, then the
    deciding decisions, each loaded once however many units it names — and, with ``merger_rule``, a bounded number
    more for units formed by a merger (hamlets and districts do not need it)."""
    units = list(units)
    ids = [u.pk for u in units]
    result = {pk: Status(pk) for pk in ids}
    through = Decision.units.through
    links = (through.objects.filter(unit_id__in=ids, decision__date__lte=date)
             .order_by("decision__date", "decision_id")
             .values_list("unit_id", "decision_id", "decision__level", "decision__kind"))
    latest: dict[tuple[int, str], tuple[int, str]] = {}
    for unit_id, decision_id, level, kind in links:
        latest[(unit_id, level)] = (decision_id, kind)
    recognising = {(key, decision_id) for key, (decision_id, kind) in latest.items()
                   if kind == Decision.Kind.RECOGNITION}
    decisions = Decision.objects.in_bulk({decision_id for _, decision_id in recognising}) if recognising else {}
    for (unit_id, level), decision_id in recognising:
        result[unit_id].levels.add(level)
        result[unit_id].decisions[level] = decisions[decision_id]
    if merger_rule:
        _apply_merger_rule(units, date, result)
    return result


def _apply_merger_rule(units: list[Unit], date: dt.date, result: dict[int, Status]) -> None:
    """Provisional status for units formed by a merger (a bounded number of queries, not one per unit): the merger
    events that formed a unit holding no level are read as plain rows, then their rural predecessors."""
    merged = {u.pk: u for u in units if not result[u.pk].levels and u.valid_from <= date}
    if not merged:
        return
    events: dict[int, tuple[int, dt.date]] = {}  # unit id -> (the event that formed it, its date)
    formed = (LineageEvent.successors.through.objects
              .filter(unit_id__in=list(merged), lineageevent__kind=LineageKind.MERGE,
                      lineageevent__effective_date__lte=date)
              .order_by("lineageevent__effective_date", "lineageevent_id")
              .values_list("unit_id", "lineageevent_id", "lineageevent__effective_date"))
    for unit_id, event_id, effective_date in formed:
        # the event formed this unit (a commune that merely absorbed land keeps its own version)
        if effective_date == merged[unit_id].valid_from:
            events[unit_id] = (event_id, effective_date)
    if not events:
        return
    predecessors: dict[int, list[Unit]] = {}
    for unit in (Unit.objects.filter(ending_events__in={event_id for event_id, _ in events.values()},
                                     unit_type__is_rural=True)
                 .annotate(event_id=F("ending_events__id")).only("id", "valid_from").order_by("sort_key", "code")):
        predecessors.setdefault(unit.event_id, []).append(unit)
    by_eve: dict[dt.date, set[Unit]] = {}
    for event_id, effective_date in events.values():
        by_eve.setdefault(effective_date - dt.timedelta(days=1), set()).update(predecessors.get(event_id, ()))
    before = {eve: statuses_on(list(preds), eve) for eve, preds in by_eve.items()}
    for unit_id, (event_id, effective_date) in events.items():
        preds = predecessors.get(event_id, [])
        if not preds:
            continue
        eve_status = before[effective_date - dt.timedelta(days=1)]
        # what every predecessor held, each level with those it builds on (IMPLIES): the levels they share
        held = [set().union(*(IMPLIES.get(lvl, {lvl}) for lvl in eve_status[p.pk].levels if lvl in IMPLIES))
                for p in preds]
        shared = set.intersection(*held)
        status = result[unit_id]
        if shared:
            status.levels.update(shared)
            status.provisional = True
            status.note = (f"Hình thành do sáp nhập ngày {effective_date.day}/{effective_date.month}/"
                           f"{effective_date.year} từ các xã đều đã đạt chuẩn; chờ UBND tỉnh ra quyết định "
                           "công nhận (Công văn 267/BNN-VPĐP).")
        elif any(held):
            status.note = ("Hình thành do sáp nhập xã đã đạt chuẩn với xã chưa đạt chuẩn: phải xây dựng và "
                           "được công nhận lại theo Quyết định 18/2022/QĐ-TTg.")


def status_on(unit: Unit, date: dt.date) -> Status:
    return statuses_on([unit], date)[unit.pk]


def commune_revocations(district: Unit, date: dt.date) -> tuple[int, int]:
    """(communes, revoked) for Decision 18/2022's district rule: the rural communes of ``district`` in force on
    ``date``, and how many of them stand revoked then — their latest NTM decision dated on or before ``date`` is a
    revocation. Two queries."""
    communes = list(Unit.objects.valid_on(date).rural_communes().within(district).values_list("pk", flat=True))
    through = Decision.units.through
    latest: dict[int, str] = {}
    for unit_id, kind in (through.objects.filter(unit_id__in=communes, decision__level=Level.XA_NTM,
                                                 decision__date__lte=date)
                          .order_by("decision__date", "decision_id").values_list("unit_id", "decision__kind")):
        latest[unit_id] = kind
    return len(communes), sum(1 for kind in latest.values() if kind == Decision.Kind.REVOCATION)


def district_revocation_on(district: Unit, date: dt.date, cs: engine.CompiledSet,
                           crit_status: Sequence[int]) -> tuple[bool, str]:
    """Whether Decision 18/2022/QĐ-TTg revokes ``district``'s recognition on ``date``: by the share of its communes
    revoked (``commune_revocations``) or by its own criteria (``crit_status``, the statuses of its result under the
    district set ``cs``). Returns (revoked, the reason in Vietnamese)."""
    communes, revoked = commune_revocations(district, date)
    return engine.district_revocation(cs, crit_status, communes=communes, communes_revoked=revoked)


# --- counting statuses in the database ----------------------------------------------------------------------
# The same rules as ``statuses_on``, as SQL over a queryset of units, for figures over many units (a national
# summary counts 10,000 communes): no unit or decision is loaded, and no list of ids travels to the database.
# They read the spells (``models.Spell``, kept in step with the decisions by ``spells``): who holds a level on a
# date by a decision is a range test, not a search for each unit's latest decision.

def held_spells(date: dt.date, units: QuerySet[Unit] | Q | None = None, *,
                levels: Iterable[str] | None = None) -> QuerySet[Spell]:
    """The spells in force on ``date``: one per (unit, level) the unit holds then by a decision — of ``units``
    (default all) and ``levels`` (default all). ``units`` is a queryset of units (``unit_id IN (…)``) or a ``Q``
    on the spell: ``UnitFacts.in_force`` on its copy of the unit (no join: cheapest when the units are a large
    part of the table, e.g. the whole country), or ``unit__…`` lookups through a join."""
    lookups = {"end__gt": date, "start__lte": date}
    conditions = []
    if isinstance(units, Q):
        conditions.append(units)
    elif units is not None:
        lookups["unit__in"] = units.order_by()
    if levels is not None:
        lookups["level__in"] = list(levels)
    return Spell.objects.filter(*conditions, **lookups)


def count_holding(units: QuerySet[Unit] | Q, date: dt.date, levels: dict[str, Iterable[str]], *,
                  key: Hashable | None = None) -> dict[str, int]:
    """For each ``name: levels``, how many of ``units`` (as for ``held_spells``) hold one of ``levels`` on
    ``date`` by a decision (no merger rule). One query. A unit's spells at one level never overlap, so a count
    of one level counts spells; of several, distinct units. ``key``: what names ``units`` (``core.compiled``: the
    statement is then compiled once per key, date and levels)."""
    levels = {name: list(held) for name, held in levels.items()}
    counts = {name: Count("unit_id", distinct=len(held) > 1, filter=Q(level__in=held)) for name, held in levels.items()}

    def build() -> QuerySet[Spell]:
        return held_spells(date, units, levels={lvl for held in levels.values() for lvl in held})

    kept = None if key is None else ("count_holding", key, date, tuple((n, tuple(h)) for n, h in levels.items()))
    return compiled.aggregate(kept, build, **counts)  # (a None key: built and run as Django would, nothing kept)


def commune_level_counts(units: QuerySet[Unit], date: dt.date, *, where: Q | None = None,
                         key: Hashable | None = None) -> dict[str, int]:
    """How many of ``units`` hold each commune level on ``date`` (``Status.holds``: a higher level counts at
    the lower ones), merger rule included, and how many of them provisionally (key ``"provisional"``) —
    exactly what counting ``statuses_on(list(units), date)`` gives, in two queries (a few more when some of
    ``units`` were formed by a merger). ``where``: the same units as a ``Q`` on the spell, for the count (see
    ``held_spells``). ``key``: what names ``units`` and ``where`` (``count_holding``)."""
    counts = count_holding(units if where is None else where, date, AT_LEAST, key=key)
    return _with_merger_rule(units, date, counts)


def merged_by(date: dt.date) -> bool:
    """Whether any merger of units took effect on or before ``date``. One query, compiled once per date."""
    return bool(compiled.rows(("merged_by", date), lambda: LineageEvent.objects.filter(
        kind=LineageKind.MERGE, effective_date__lte=date).order_by().values_list("pk")[:1]))


def _with_merger_rule(units: QuerySet[Unit], date: dt.date, counts: dict[str, int]) -> dict[str, int]:
    """``counts`` (of commune levels, by decisions) plus the units of ``units`` that hold a level on ``date``
    provisionally, and their number (key ``"provisional"``). The merger rule gives a level (always provisionally)
    only to a unit formed by a merger that holds no level by a decision; the few units formed by a merger are
    found from the lineage events, and their statuses computed by statuses_on itself."""
    counts["provisional"] = 0
    if not merged_by(date):
        return counts
    formed = LineageEvent.successors.through.objects.filter(
        lineageevent__kind=LineageKind.MERGE, lineageevent__effective_date__lte=date,
        lineageevent__effective_date=F("unit__valid_from"))
    candidates = units.filter(pk__in=formed.values("unit_id")).only("id", "valid_from")
    for status in statuses_on(list(candidates), date).values():
        if status.provisional:
            for level in counts.keys() & set(COMMUNE_LEVELS):
                counts[level] += status.holds(level)
            counts["provisional"] += 1
    return counts


def ntm_counts_on(units: QuerySet[Unit], points: list[tuple[dt.date, dt.date]]) -> list[int]:
    """For each ``(date, units_on)``: how many of ``units`` in force on ``units_on`` hold the NTM level (or a
    higher one) on ``date`` — ``commune_level_counts(units.valid_on(units_on), date)[XA_NTM]``, merger rule
    included — all the dates counted by one query (the spells' copy of the unit's dates tells which units were
    in force), plus the merger rule's few queries for dates after a merger."""
    if not points:
        return []
    spells = Spell.objects.filter(unit__in=units.order_by(), level__in=COMMUNE_LEVELS)
    got = spells.aggregate(**{f"p{i}": Count("unit_id", distinct=True, filter=Q(
        start__lte=date, end__gt=date, unit_from__lte=units_on, unit_to__gte=units_on))
        for i, (date, units_on) in enumerate(points)})
    counts = [got[f"p{i}"] for i in range(len(points))]
    # no merger on or before the last date: none before any of them (one query instead of one per date)
    if not merged_by(max(date for date, _ in points)):
        return counts
    return [_with_merger_rule(units.valid_on(units_on), date, {Level.XA_NTM: counts[i]})[Level.XA_NTM]
            for i, (date, units_on) in enumerate(points)]
