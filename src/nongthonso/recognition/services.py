"""Recognition status as of any date, derived from decisions; and the recognised-but-failing alerts.

Status comes from decisions: for each level, the latest decision dated on or before the date decides
(recognition → recognised, revocation → not). A commune recognised at a higher level also counts at
the lower ones (kiểu mẫu ⊃ nâng cao ⊃ NTM). Compliance comes from assessments; where the two
disagree the unit is on the alert list.

Merged communes (Công văn 267/BNN-VPĐP, 09/01/2024; docs: ntm-criteria.md §7): a unit formed by a
merger, with no decision of its own, is *provisionally* at the lowest level all its predecessors held
on the eve of the merger — the province must still issue a recognition decision — and not recognised
if any predecessor was not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from nongthonso.assessments.models import Assessment
from nongthonso.assessments.services import latest_assessments
from nongthonso.criteria.choices import COMMUNE_LEVELS, LEVEL_RANK, Level
from nongthonso.units.choices import LineageKind
from nongthonso.units.models import Unit

from .models import Decision


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
        """True when the unit is at ``level`` or above (for commune levels)."""
        if level in LEVEL_RANK:
            return any(LEVEL_RANK.get(lvl, 0) >= LEVEL_RANK[level] for lvl in self.levels)
        return level in self.levels


def statuses_on(units: Iterable[Unit], date: dt.date, *, merger_rule: bool = True) -> dict[int, Status]:
    """Status of each unit on ``date``, with one query for the decisions (and, with ``merger_rule``, a
    bounded number more for units formed by a merger; hamlets and districts do not need it)."""
    units = list(units)
    ids = [u.pk for u in units]
    result = {pk: Status(pk) for pk in ids}
    through = Decision.units.through
    links = (through.objects.filter(unit_id__in=ids, decision__date__lte=date)
             .select_related("decision").order_by("decision__date", "decision_id"))
    latest: dict[tuple[int, str], Decision] = {}
    for link in links:
        latest[(link.unit_id, link.decision.level)] = link.decision
    for (unit_id, level), decision in latest.items():
        if decision.kind == Decision.Kind.RECOGNITION:
            result[unit_id].levels.add(level)
            result[unit_id].decisions[level] = decision
    if merger_rule:
        _apply_merger_rule(units, date, result)
    return result


def _apply_merger_rule(units: list[Unit], date: dt.date, result: dict[int, Status]) -> None:
    """Provisional status for units formed by a merger (a bounded number of queries, not one per unit)."""
    merged = [u for u in units if not result[u.pk].levels and u.valid_from <= date]
    if not merged:
        return
    events = {}
    for unit in Unit.objects.filter(pk__in=[u.pk for u in merged]).prefetch_related("starting_events__predecessors"):
        for event in unit.starting_events.all():
            # the event formed this unit (a commune that merely absorbed land keeps its own version)
            if event.kind == LineageKind.MERGE and event.effective_date == unit.valid_from <= date:
                events[unit.pk] = event
    if not events:
        return
    by_eve: dict[dt.date, set[Unit]] = {}
    for event in events.values():
        by_eve.setdefault(event.effective_date - dt.timedelta(days=1), set()).update(event.predecessors.all())
    before = {eve: statuses_on(list(preds), eve) for eve, preds in by_eve.items()}
    for unit_id, event in events.items():
        predecessors = list(event.predecessors.all())
        if not predecessors:
            continue
        eve_status = before[event.effective_date - dt.timedelta(days=1)]
        levels = [eve_status[p.pk].commune_level for p in predecessors]
        status = result[unit_id]
        if all(levels):
            lowest = min(levels, key=LEVEL_RANK.get)
            status.levels.update(lvl for lvl in COMMUNE_LEVELS if LEVEL_RANK[lvl] <= LEVEL_RANK[lowest])
            status.provisional = True
            status.note = (f"Hình thành do sáp nhập ngày {event.effective_date.day}/{event.effective_date.month}/"
                           f"{event.effective_date.year} từ các xã đều đã đạt chuẩn; chờ UBND tỉnh ra quyết định "
                           "công nhận (Công văn 267/BNN-VPĐP).")
        elif any(levels):
            status.note = ("Hình thành do sáp nhập xã đã đạt chuẩn với xã chưa đạt chuẩn: phải xây dựng và "
                           "được công nhận lại theo Quyết định 18/2022/QĐ-TTg.")


def status_on(unit: Unit, date: dt.date) -> Status:
    return statuses_on([unit], date)[unit.pk]


@dataclass
class Alert:
    unit: Unit
    level: str
    assessment: Assessment
    revoke: bool

    @property
    def action(self) -> str:
        return "Xem xét thu hồi quyết định công nhận" if self.revoke else "Duy trì, nâng chất các tiêu chí"


def alerts(units: Iterable[Unit], date: dt.date) -> list[Alert]:
    """Units recognised at a level whose latest assessment for that level does not meet it."""
    units = list(units)
    statuses = statuses_on(units, date)
    by_pk = {u.pk: u for u in units}
    found = []
    for level in (Level.XA_NTM, Level.XA_NANG_CAO, Level.XA_KIEU_MAU):
        holders = [by_pk[pk] for pk, st in statuses.items() if level in st.levels]
        if not holders:
            continue
        for unit_id, assessment in latest_assessments(holders, level, date.year).items():
            if not assessment.eligible:
                found.append(Alert(by_pk[unit_id], level, assessment, assessment.revoke))
    found.sort(key=lambda a: (not a.revoke, a.unit.sort_key, LEVEL_RANK.get(a.level, 0)))
    return found
