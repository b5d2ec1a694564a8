"""The pilots' progress, and the smart villages of each commune beside the commune sets' rule that asks for them.

- A pilot village's progress: its values for a year (``PilotValue``) evaluated by the engine against the province's
  smart-village criteria set (``catalogue.smart_villages().village_sets``, loaded from ``smart/catalogue``).
- A commune's smart villages on a date: its village pilots recognised by then, and its villages (xóm) holding the
  level «thôn thông minh» by a recognition decision (``recognition``: a decisions file may record them too), each
  village counted once. Beside them, the rule of the commune set in force (QĐ 319/QĐ-TTg: a model commune has at
  least one smart village — ``catalogue.smart_villages().rules``), judged by the engine with the set's own threshold,
  and what the commune's latest dossier against that set says.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from nongthonso.accounts.services import under
from nongthonso.assessments.latest import latest_assessments
from nongthonso.assessments.models import IndicatorValue
from nongthonso.core.text import format_date, short_number
from nongthonso.criteria import engine
from nongthonso.criteria.catalogue import compiled
from nongthonso.criteria.choices import Level
from nongthonso.criteria.models import CriteriaSet
from nongthonso.recognition.services import held_spells
from nongthonso.units.models import Unit

from .catalogue import VillageRule, smart_villages
from .models import Pilot, PilotKind, PilotValue
from .progress import province_paths


def province_of(unit: Unit) -> Unit:
    """The province ``unit`` lies in (its version of the time)."""
    return unit.ancestors()[0] if unit.parent_id else unit


def village_set(province: Unit, as_of: dt.date) -> CriteriaSet | None:
    """The province's smart-village criteria set in force on ``as_of`` (its latest version), if it has one."""
    code = smart_villages().village_sets.get(province.code)
    if not code:
        return None
    return (CriteriaSet.objects.filter(code=code, superseded_by__isnull=True, province_code=province.code)
            .in_force_on(as_of).first())


@dataclass
class PilotProgress:
    pilot: Pilot
    recognised: bool  # by the date read
    result: engine.UnitResult | None  # the village's values of the year against the smart-village criteria
    values: dict[str, object] = field(default_factory=dict)

    @property
    def criteria_text(self) -> str:
        if self.result is None:
            return ""
        return f"{self.result.criteria_met}/{self.result.criteria_total}"


def pilots_progress(pilots: list[Pilot], province: Unit, year: int, as_of: dt.date) -> list[PilotProgress]:
    """Each pilot as of ``as_of``; villages with their ``year`` values evaluated against the province's set."""
    cset = village_set(province, as_of)
    cs = compiled(cset, province.code) if cset is not None else None
    values: dict[int, dict[str, object]] = defaultdict(dict)
    for pilot_id, code, value in (PilotValue.objects.filter(pilot__in=pilots, year=year)
                                  .values_list("pilot_id", "indicator_code", "value")):
        values[pilot_id][code] = value
    found = []
    for pilot in pilots:
        result = None
        if cs is not None and pilot.kind == PilotKind.VILLAGE:
            known = {k: v for k, v in values[pilot.pk].items() if k in cs.index}
            result = engine.evaluate_one(cs, known, year=year)
        found.append(PilotProgress(pilot, pilot.recognised_by(as_of), result, values[pilot.pk]))
    return found


@dataclass
class RuleCheck:
    """A commune set's smart-village condition, judged for one commune."""

    cset: CriteriaSet
    indicator: str  # the indicator's code and name
    threshold: str  # «≥ 1»
    status: str  # engine.MET / NOT_MET / UNKNOWN
    dossier_value: object = None  # what the commune's latest dossier against the set says (None: no value)
    dossier_year: int | None = None


@dataclass
class CommuneVillages:
    commune: Unit
    recognised: list[str]  # the smart villages recognised by the date, by name
    designated: list[str]  # the village pilots not recognised yet
    rule: RuleCheck | None

    @property
    def count(self) -> int:
        return len(self.recognised)

    @property
    def consistent(self) -> bool | None:
        """Whether the dossier's number of smart villages agrees with the register (None: nothing to compare)."""
        if self.rule is None or self.rule.dossier_value is None:
            return None
        value = self.rule.dossier_value
        return bool(value) == bool(self.count) if isinstance(value, bool) else value == self.count


def _rule_in_force(as_of: dt.date) -> tuple[VillageRule, CriteriaSet] | None:
    for rule in smart_villages().rules:
        cset = (CriteriaSet.objects.filter(code=rule.set_code, superseded_by__isnull=True).in_force_on(as_of)
                .first())
        if cset is not None:
            return rule, cset
    return None


_COMPARATOR = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "="}


def threshold_text(result: engine.IndicatorResult) -> str:
    """An indicator's threshold as the pages write it: «Có» for a yes/no one, «≥ 1», «≥ 77» otherwise."""
    if result.threshold is True:
        return "Có"
    if result.threshold is None or result.threshold != result.threshold:  # none for the unit's class (NaN)
        return "—"
    return f"{_COMPARATOR.get(result.comparator, result.comparator)} {short_number(result.threshold)}"


def _judge(rule: VillageRule, cset: CriteriaSet, province: Unit, commune: Unit, count: int, year: int) -> RuleCheck:
    cs = compiled(cset, province.code)
    col = cs.index[rule.indicator_code]
    value = count > 0 if cs.value_types[col] == "boolean" else count
    flags = [f for f in ("dac_biet_kho_khan", "atk") if getattr(commune, f)]
    result = engine.evaluate_one(cs, {rule.indicator_code: value}, year=year,
                                 region=commune.threshold_region() or None, flags=flags)
    found = next(i for c in result.criteria for i in c.indicators if i.code == rule.indicator_code)
    return RuleCheck(cset, f"{rule.indicator_code} {cs.indicator_names[col]}", threshold_text(found), found.status)


def communes_villages(province: Unit, communes: list[Unit], year: int, as_of: dt.date) -> list[CommuneVillages]:
    """For each of ``communes`` (in force on ``as_of``): its smart villages recognised by then, its village pilots
    still in progress, and the rule of the commune set in force judged on that number, beside its dossier's value."""
    if not communes:
        return []
    by_commune: dict[int, dict[str, list[str]]] = {c.pk: {"recognised": [], "designated": []} for c in communes}
    counted_units: dict[int, set[int]] = defaultdict(set)
    pilots = Pilot.objects.filter(kind=PilotKind.VILLAGE, commune__in=communes, decision_date__lte=as_of)
    for pilot in pilots.select_related("village").order_by("village__sort_key", "village_name"):
        key = "recognised" if pilot.recognised_by(as_of) else "designated"
        by_commune[pilot.commune_id][key].append(pilot.village_label)
        if pilot.village_id and key == "recognised":
            counted_units[pilot.commune_id].add(pilot.village_id)
    villages = Unit.objects.filter(parent__in=communes)
    for spell in (held_spells(as_of, villages, levels=[Level.THON_THONG_MINH])
                  .select_related("unit").order_by("unit__sort_key")):
        if spell.unit_id not in counted_units[spell.unit.parent_id]:
            counted_units[spell.unit.parent_id].add(spell.unit_id)
            by_commune[spell.unit.parent_id]["recognised"].append(spell.unit.name)
    found = _rule_in_force(as_of)
    dossier_values: dict[int, tuple[object, int]] = {}
    if found is not None:
        rule, cset = found
        latest = latest_assessments(communes, cset.level, year)
        chosen = {a.pk: a for a in latest.values() if a.criteria_set_id == cset.pk}
        for unit_id, value, assessment_id in (IndicatorValue.objects.filter(assessment_id__in=chosen,
                                                                             indicator__code=rule.indicator_code)
                                              .values_list("assessment__unit_id", "value", "assessment_id")):
            dossier_values[unit_id] = (value, chosen[assessment_id].year)
    rows = []
    for commune in communes:
        names = by_commune[commune.pk]
        check = None
        if found is not None:
            check = _judge(*found, province, commune, len(names["recognised"]), year)
            check.dossier_value, check.dossier_year = dossier_values.get(commune.pk, (None, None))
        rows.append(CommuneVillages(commune, names["recognised"], names["designated"], check))
    return rows


def register_communes(province: Unit, year: int, as_of: dt.date) -> list[Unit]:
    """The communes the register shows: the province's rural communes in force on ``as_of`` that have a village pilot,
    a village recognised as smart, or a dossier against the commune set whose rule asks for smart villages."""
    paths = province_paths(province)
    communes = Unit.objects.valid_on(as_of).filter(under(paths, "path")).rural_communes()
    wanted = set(Pilot.objects.filter(kind=PilotKind.VILLAGE, commune__in=communes, decision_date__lte=as_of)
                 .values_list("commune_id", flat=True))
    wanted |= set(held_spells(as_of, Unit.objects.filter(parent__in=communes), levels=[Level.THON_THONG_MINH])
                  .values_list("unit__parent_id", flat=True))
    found = _rule_in_force(as_of)
    if found is not None:
        wanted |= {uid for uid, a in latest_assessments(communes, found[1].level, year).items()
                   if a.criteria_set_id == found[1].pk}
    return list(communes.filter(pk__in=wanted).select_related("parent").in_vietnamese_order())


def designation_text(pilot: Pilot) -> str:
    return f"QĐ {pilot.decision_number} ngày {format_date(pilot.decision_date)} của {pilot.authority}"
