"""The provincial summary: every figure computed from stored raw data (decisions, assessments, units).

``summary(code, as_of)`` returns the figures as a :class:`Summary` (``Summary.to_dict()``: the JSON of ``nongthonso
report summary`` and of the API's ``/api/summary``); ``summary_text`` renders them as a Vietnamese paragraph in the
style of the province's reports (``summary_text_en``: the same in English, for the pages in English mode).

The structure in force decides the paragraph: with units between the province and its communes (the districts of
the three-tier years, to 30/6/2025) it is the report of those years, districts that completed the programme
included; with communes directly under the province (``structure`` "two_tier", from 1/7/2025) it speaks of the
communes formed by the 2025 reorganisation, "xã nông thôn mới hiện đại", the criteria set the assessments were made
against, the province's own completion (Decision 51/2025/QĐ-TTg, Phụ lục III) and the programme's targets
(``reports.targets``) — and never of districts. No level is named in code: what is a district is read from the tree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import asdict, dataclass, field, fields

from django.db.models import Count, FilteredRelation, Q
from django.db.models.expressions import RawSQL

from nongthonso.assessments.models import Standing
from nongthonso.core import compiled, registry
from nongthonso.core.text import format_date, format_number, format_percent
from nongthonso.core.vocabulary import running_name as district_display_name_of
from nongthonso.criteria.choices import COMMUNE_LEVELS, DISTRICT_LEVELS, PROVINCE_LEVELS, Level
from nongthonso.criteria.models import CriteriaSet
from nongthonso.recognition.models import Decision, Registration
from nongthonso.recognition.services import commune_level_counts, count_holding, held_spells
from nongthonso.units import groupings
from nongthonso.units.models import Unit, UnitFacts, UnitLevel, UnitType
from nongthonso.units.services import find_unit

from . import targets

BELOW = 10  # "không có xã dưới 10 tiêu chí" (a clause for sets of more than 10 criteria)
TWO_TIER, THREE_TIER = "two_tier", "three_tier"


# --- the summary ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SummaryUnit:
    """The unit the figures are of (the whole country: code ``NATIONAL``)."""

    code: str
    name: str
    type: str


@dataclass(frozen=True)
class LevelDecisions:
    """The recognitions of the period at one commune level: the communes recognised, the years they were for."""

    communes: int
    for_years: list[int]


@dataclass(frozen=True)
class DistrictDecision:
    """A decision of the period at a district level, with the units it names (as running text writes them)."""

    number: str
    date: dt.date
    authority: str
    level: str
    for_year: int | None
    units: list[str]


@dataclass(frozen=True)
class CriteriaSetFigures:
    """The latest assessments made against one criteria set: its number of criteria and what the communes met."""

    code: str
    name: str
    legal_basis: str
    criteria: int
    communes: int
    criteria_met_sum: int
    all_met: int
    avg_criteria: float


@dataclass(frozen=True)
class CriteriaFigures:
    """The criteria figures of a summary (:func:`criteria_figures`), from each commune's latest NTM assessment."""

    communes_assessed: int
    avg_criteria: float | None
    criteria_met_sum: int
    min_criteria: int | None
    communes_below_10: int
    criteria_distribution: dict[str, int]  # criteria met → communes
    criteria_total: int | dict[str, int] | None  # one set's number of criteria, or one per set code when mixed
    criteria_sets: list[CriteriaSetFigures]
    communes_all_met: int

    def as_fields(self) -> dict:
        """The figures by name, as the fields of a :class:`Summary` (its criteria sets kept as they are)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class SummaryGrouping:
    """What the tables of a two-tier structure group communes by (``units.groupings``): code, Vietnamese label."""

    code: str
    label: str


@dataclass(frozen=True)
class ProvinceDecision:
    """The decision that decides a province's completion."""

    number: str
    date: dt.date
    authority: str
    kind: str
    level: str
    for_year: int | None


@dataclass(frozen=True)
class ProvinceCompletion:
    """The province's own completion of the programme (:func:`province_completion`) and the programme's targets
    beside what is reached (``reports.targets``)."""

    level: str
    legal_basis: str
    applies: bool
    completed: bool
    decision: ProvinceDecision | None
    decision_in_period: bool
    targets: list[targets.TargetProgress]


@dataclass(frozen=True)
class Summary:
    """The figures of a unit as it was on ``as_of`` (:func:`summary`), in the order of the report's JSON.

    Immutable, and plain data all the way down, so it is cached (pickled) as it is; ``to_dict()`` is its JSON.
    ``published_only``: computed from published assessments only (``reports.selectors.public_summary``)."""

    as_of: dt.date
    period_start: dt.date
    unit: SummaryUnit
    communes_total: int
    ntm: int
    ntm_pct: float | None
    advanced: int
    model: int
    provisional: int  # communes formed by a merger, holding a level provisionally (the merger rule)
    model_hamlets: int
    communes_assessed: int
    avg_criteria: float | None
    criteria_met_sum: int
    min_criteria: int | None
    communes_below_10: int
    criteria_distribution: dict[str, int]
    decisions_in_period: dict[str, LevelDecisions]  # by commune level in use
    revocations_in_period: int
    registrations: dict[str, int]  # by commune level in use
    registrations_year: int
    completed_districts: list[str]
    district_decisions_in_period: list[DistrictDecision]
    # added for the two-tier structure (2026-2030); present for every date
    structure: str  # TWO_TIER or THREE_TIER
    modern: int
    criteria_total: int | dict[str, int] | None
    criteria_sets: list[CriteriaSetFigures]
    communes_all_met: int
    grouping: SummaryGrouping
    province_completion: ProvinceCompletion | None
    published_only: bool = False
    # what other apps add (``core.registry.SummarySection``): their JSON data by section code
    sections: dict[str, dict] = field(default_factory=dict)

    @property
    def two_tier(self) -> bool:
        return self.structure == TWO_TIER

    @property
    def national(self) -> bool:
        return self.unit.code == NATIONAL

    def to_dict(self) -> dict:
        """The figures as JSON data, keys in the fields' order, dates as ISO text, then each section other apps add
        under its code, and last ``published_only`` when set (``nongthonso report summary --format json``, the API's
        ``/api/summary``)."""
        data = asdict(self, dict_factory=_json_ready)
        published, sections = data.pop("published_only"), data.pop("sections")
        data.update(sections)
        if published:
            data["published_only"] = True
        return data


def _json_ready(pairs: list[tuple[str, object]]) -> dict:
    return {key: value.isoformat() if isinstance(value, dt.date) else value for key, value in pairs}


NATIONAL = "VN"  # the code that asks for the whole country (every province): summary("VN", as_of)


def national_unit() -> Unit:
    """The whole country as the root of a summary: not stored; its ``path`` "/" holds every unit."""
    level = UnitLevel(code="quoc_gia", name="Cả nước", name_en="Country", depth=0)
    kind = UnitType(code="quoc_gia", name="Cả nước", name_en="Country", level=level)
    return Unit(code=NATIONAL, name="Cả nước", unit_type=kind, path="/", valid_from=dt.date.min)


def find_root(code: str, as_of: dt.date) -> Unit:
    """``units.services.find_unit``, or the whole country for ``NATIONAL``. Raises ``UnitNotFound``."""
    return national_unit() if code == NATIONAL else find_unit(code, as_of)


def in_force_under(root: Unit, as_of: dt.date, prefix: str = "") -> Q:
    """``Unit.objects.valid_on(as_of).within(root)`` as a condition on the unit reached through ``prefix`` (e.g.
    ``"unit__"`` from a decision link): the database joins the unit instead of listing the units in a subquery,
    which is what pays when they are many (the whole country: no test of the path at all)."""
    q = Q(**{f"{prefix}valid_from__lte": as_of}) & (Q(**{f"{prefix}valid_to__isnull": True})
                                                     | Q(**{f"{prefix}valid_to__gte": as_of}))
    if root.pk is not None:
        q &= Q(**{f"{prefix}path__startswith": root.path}) & ~Q(**{f"{prefix}pk": root.pk})
    return q


def _compiled(units) -> RawSQL:
    """The ids of ``units`` as a subquery compiled once, for the several counts that use it (Django would compile
    the queryset again inside each)."""
    sql, params = units.order_by().values("pk").query.sql_with_params()
    return RawSQL(sql, params)


def commune_sets(period_start: dt.date, as_of: dt.date) -> tuple[list[str], dict[int, dict]]:
    """The commune levels in use in the period — those of a criteria set in force on a day of it (2023: NTM,
    advanced, model; 2026: NTM, and "NTM hiện đại" once a province has its set) — in ``COMMUNE_LEVELS`` order, and
    every commune criteria set by id (code, name, legal basis). One query."""
    sets, levels = {}, set()
    columns = ("pk", "code", "name", "level", "legal_basis", "effective_from", "effective_to")
    for values in compiled.rows("commune_sets", lambda: CriteriaSet.objects.filter(level__in=COMMUNE_LEVELS)
                                .order_by().values_list(*columns)):
        row = dict(zip(columns, values, strict=True))
        sets[row["pk"]] = row
        if row["effective_from"] <= as_of and (row["effective_to"] is None or row["effective_to"] >= period_start):
            levels.add(row["level"])
    return [lvl for lvl in COMMUNE_LEVELS if lvl in levels], sets


def criteria_figures(rows, sets: dict[int, dict]) -> CriteriaFigures:
    """The criteria figures of the summary from ``(criteria_met, criteria_set_id, criteria_total, communes)`` rows —
    each commune's latest NTM assessment (``criteria_met`` None: none yet) — overall and per criteria set: the
    averaged assessments may have been made against sets of different sizes (19 criteria in 2021-2025, 10 in
    2026-2030), so ``criteria_total`` is the set's number of criteria, or one per set code when several are mixed."""
    dist: dict[int, int] = {}
    by_set: dict[int, dict] = {}
    for met, set_id, total, n in rows:
        if met is None:
            continue
        dist[met] = dist.get(met, 0) + n
        entry = by_set.setdefault(set_id, {"criteria": 0, "communes": 0, "criteria_met_sum": 0, "all_met": 0})
        entry["criteria"] = max(entry["criteria"], total or 0)
        entry["communes"] += n
        entry["criteria_met_sum"] += met * n
        entry["all_met"] += n if total and met >= total else 0
    assessed = sum(dist.values())
    met_sum = sum(k * n for k, n in dist.items())
    per_set = []
    for set_id, entry in sorted(by_set.items(), key=lambda kv: (str(sets.get(kv[0], {}).get("effective_from", "")),
                                                                 kv[0])):
        info = sets.get(set_id, {})
        per_set.append(CriteriaSetFigures(
            code=info.get("code", str(set_id)), name=info.get("name", ""), legal_basis=info.get("legal_basis", ""),
            **entry, avg_criteria=round(entry["criteria_met_sum"] / entry["communes"], 1)))
    if not per_set:
        criteria_total = None
    elif len(per_set) == 1:
        criteria_total = per_set[0].criteria
    else:
        criteria_total = {s.code: s.criteria for s in per_set}
    return CriteriaFigures(
        communes_assessed=assessed,
        avg_criteria=round(met_sum / assessed, 1) if assessed else None,
        criteria_met_sum=met_sum,
        min_criteria=min(dist) if dist else None,
        communes_below_10=sum(n for k, n in dist.items() if k < BELOW),
        criteria_distribution={str(k): dist[k] for k in sorted(dist)},
        criteria_total=criteria_total,
        criteria_sets=per_set,
        communes_all_met=sum(s.all_met for s in per_set),
    )


def _latest_by_set(communes, year: int, where: Q | None, key: Hashable) -> list[tuple]:
    """``(criteria_met, criteria_set_id, criteria_total, communes)`` of each commune's latest NTM assessment as of
    ``year`` (``criteria_met`` None: none yet), read from the standings as ``standings.criteria_met_distribution``
    reads them (each standing carries a copy of its assessment's set and number of criteria: nothing more joined).
    ``where``: the communes as a condition on the standing (the whole country: no units joined; then one more query
    counts the communes). ``key``: what names ``communes`` and ``where`` (``core.compiled``)."""
    fields = ("criteria_met", "criteria_set_id", "criteria_total")
    if where is None:
        covering = Q(standings__level=Level.XA_NTM, standings__from_year__lte=year, standings__to_year__gt=year)
        return compiled.rows(("latest_by_set", key, year), lambda: (
            communes.order_by().annotate(standing=FilteredRelation("standings", condition=covering))
            .values_list(*(f"standing__{f}" for f in fields)).annotate(n=Count("pk"))))
    total = compiled.aggregate(("communes", key), communes.order_by, n=Count("pk"))["n"]
    rows = compiled.rows(("latest_by_set", key, year), lambda: (
        Standing.objects.filter(where, level=Level.XA_NTM, to_year__gt=year, from_year__lte=year).order_by()
        .values_list(*fields).annotate(n=Count("*"))))
    missing = total - sum(r[-1] for r in rows)
    return rows + ([(None, None, None, missing)] if missing > 0 else [])


def province_completion(unit: Unit, as_of: dt.date, period_start: dt.date, communes_total: int,
                        held: dict[str, int]) -> ProvinceCompletion | None:
    """The province's own completion of the programme (Decision 51/2025/QĐ-TTg, Phụ lục III; ``reports.targets``):
    the latest decision at a province level naming *this unit version*, dated by ``as_of``, decides; beside it the
    programme's targets and the shares reached, from ``communes_total`` and the communes holding each level
    (``held``). None for a unit that is not a province (the top of the tree) or the whole country.

    Only the version in force counts, not its predecessors': the province of 2026 (old Thái Nguyên and old Bắc Kạn)
    is another territory than either, assessed on the tightened 2026-2030 conditions, so a completion recorded for an
    old province says nothing of the new one — unlike a merged commune, for which Công văn 267/BNN-VPĐP gives a
    rule. One query."""
    if unit.pk is None or unit.parent_id is not None:
        return None
    rule = targets.completion_rule()
    columns = ("number", "date", "authority", "kind", "level", "for_year")
    latest = compiled.rows(("province_completion", unit.pk, as_of), lambda: (
        Decision.objects.filter(units=unit, level__in=PROVINCE_LEVELS, date__lte=as_of)
        .order_by("-date", "-pk").values_list(*columns)[:1]))
    decision = dict(zip(columns, latest[0], strict=True)) if latest else None
    return ProvinceCompletion(
        level=rule.level if rule else PROVINCE_LEVELS[0],
        legal_basis=rule.legal_basis if rule else "",
        applies=rule is not None and as_of >= rule.applies_from,
        completed=decision is not None and decision["kind"] == Decision.Kind.RECOGNITION,
        decision=None if decision is None else ProvinceDecision(**decision),
        decision_in_period=decision is not None and decision["date"] >= period_start,
        targets=targets.progress(as_of, communes_total, held),
    )


_DECISION_FIELDS = ("pk", "number", "date", "authority", "level", "for_year")


def summary(code: str, as_of: dt.date, period_start: dt.date | None = None,
            grouping: str | None = None, *, root: Unit | None = None) -> Summary:
    """Figures for the unit ``code`` (``NATIONAL``: the whole country) as it was on ``as_of``; decisions
    counted from ``period_start`` (default: 1 January of the same year) to ``as_of``. ``grouping``: what the tables
    of a two-tier structure group communes by (``reports.groupings``; default the setting's). ``root``: the unit
    ``find_root(code, as_of)`` gives, when the caller has already looked it up (a dashboard does).

    Every count is an aggregate in the database over querysets of the units in scope — no unit, decision or
    assessment is loaded one by one — so the cost grows with the database's work, not with Python's: about a
    dozen queries for a province or for the 10,000 communes of the country (docs/performance.md)."""
    unit = find_root(code, as_of) if root is None else root
    period_start = period_start or dt.date(as_of.year, 1, 1)
    within = Unit.objects.filter(in_force_under(unit, as_of))
    # Rows that refer to a unit reach the units in scope, for a province or a district, by a subquery (its few
    # units found under the path index, then each one's rows through their index); for the whole country, the
    # derived rows (standings, spells) by the copy of the unit's type and dates they carry (``UnitFacts``: no
    # join of 80,000 units), decision links and registrations by a join.
    national = unit.pk is None
    linked = in_force_under(unit, as_of, "unit__")
    if national:
        # the unit types by id, not joined: then SQLite finds the communes through the index on the type instead
        # of reading every unit (70,000 hamlets among them)
        rural, hamlet = [], []
        for pk, is_rural, level in UnitType.objects.values_list("pk", "is_rural", "level__code"):
            (rural if is_rural else hamlet if level == "xom" else []).append(pk)
        communes = within.filter(unit_type_id__in=rural)
        linked_communes = linked & Q(unit__unit_type_id__in=rural)
        derived_communes = UnitFacts.in_force(as_of, rural)
        hamlets = UnitFacts.in_force(as_of, hamlet)
    else:
        communes = within.rural_communes()
        linked_communes = derived_communes = Q(unit_id__in=_compiled(communes))
        hamlets = Q(unit_id__in=_compiled(within.at_level("xom")))
    # what each statement below is built from: each is compiled once per such key (``core.compiled``), so a
    # dashboard recomputed after a write for the same unit and day only runs them
    shape = (unit.pk, unit.path, as_of, period_start, *((tuple(rural), tuple(hamlet)) if national else ()))
    levels, sets = commune_sets(period_start, as_of)
    latest = _latest_by_set(communes, as_of.year, derived_communes if national else None, shape)
    communes_total = sum(n for *_, n in latest)
    criteria = criteria_figures(latest, sets)
    held = commune_level_counts(communes, as_of, where=derived_communes, key=("communes", shape))
    ntm, advanced, model = held[Level.XA_NTM], held[Level.XA_NANG_CAO], held[Level.XA_KIEU_MAU]
    model_hamlets = count_holding(hamlets, as_of, {"model": [Level.XOM_KIEU_MAU]}, key=("hamlets", shape))["model"]
    # two tiers: communes in scope, none of them under a unit below the top of the tree (a district); with no commune
    # at all (a commune's own summary, a date before any) nothing says the structure changed
    two_tier = communes_total > 0 and not compiled.rows(("summary.three_tier", shape), lambda: (
        communes.filter(parent__parent__isnull=False).order_by().values_list("pk")[:1]))

    # the decisions of the period touch a few thousand communes at most: their links read once, counted here
    recognised: dict[str, set[int]] = {level: set() for level in COMMUNE_LEVELS}
    years: dict[str, set[int]] = {level: set() for level in COMMUNE_LEVELS}
    revoked: set[int] = set()
    for unit_id, kind, level, year in compiled.rows(("summary.decisions", shape), lambda: (
            Decision.units.through.objects.filter(
                linked_communes, Q(decision__kind=Decision.Kind.REVOCATION) | Q(decision__level__in=COMMUNE_LEVELS),
                decision__date__gte=period_start, decision__date__lte=as_of)
            .order_by().values_list("unit_id", "decision__kind", "decision__level", "decision__for_year"))):
        if kind == Decision.Kind.REVOCATION:
            revoked.add(unit_id)
        else:
            recognised[level].add(unit_id)
            if year is not None:
                years[level].add(year)
    registered = dict(compiled.rows(("summary.registrations", shape), lambda: (
        Registration.objects.filter(linked_communes, target_year=as_of.year).order_by()
        .values_list("target_level").annotate(n=Count("pk")))))
    # the levels in use in the period, and any other a decision or registration names
    levels = [lvl for lvl in COMMUNE_LEVELS if lvl in levels or recognised[lvl] or registered.get(lvl)]
    decisions = {level: LevelDecisions(len(recognised[level]), sorted(years[level])) for level in levels}
    registrations = {level: registered.get(level, 0) for level in levels}

    # units holding a district-level recognition (none in a two-tier structure), and the decisions of the period
    completed = compiled.rows(("summary.completed", shape), lambda: (
        within.filter(pk__in=held_spells(as_of, levels=DISTRICT_LEVELS).values("unit_id"))
        .order_by("code").values_list("name")))

    def district_decisions_found():
        links = Decision.units.through.objects.filter(
            linked, decision__level__in=DISTRICT_LEVELS, decision__date__gte=period_start, decision__date__lte=as_of)
        return (Decision.objects.filter(pk__in=links.values("decision_id")).order_by("date", "pk")
                .values_list(*_DECISION_FIELDS))

    found = [dict(zip(_DECISION_FIELDS, row, strict=True))
             for row in compiled.rows(("summary.district_decisions", shape), district_decisions_found)]
    names: dict[int, list[str]] = {d["pk"]: [] for d in found}
    if found:  # each decision's units by name, in the units' order (one query, no unit instances)
        for decision_id, name in (Decision.units.through.objects.filter(decision_id__in=list(names))
                                  .order_by("unit__sort_key", "unit__code").values_list("decision_id", "unit__name")):
            names[decision_id].append(district_display_name_of(name))
    district_decisions = [DistrictDecision(d["number"], d["date"], d["authority"], d["level"], d["for_year"],
                                           names[d["pk"]]) for d in found]
    return Summary(
        as_of=as_of,
        period_start=period_start,
        unit=SummaryUnit(unit.code, unit.name, unit.unit_type.name),
        communes_total=communes_total,
        ntm=ntm,
        ntm_pct=round(100 * ntm / communes_total, 1) if communes_total else None,
        advanced=advanced,
        model=model,
        provisional=held["provisional"],
        model_hamlets=model_hamlets,
        decisions_in_period=decisions,
        revocations_in_period=len(revoked),
        registrations=registrations,
        registrations_year=as_of.year,
        completed_districts=[district_display_name_of(name) for name, in completed],
        district_decisions_in_period=district_decisions,
        structure=TWO_TIER if two_tier else THREE_TIER,
        modern=held[Level.XA_HIEN_DAI],
        grouping=SummaryGrouping(**groupings.describe(groupings.kind_for(two_tier, grouping))),
        province_completion=province_completion(unit, as_of, period_start, communes_total, held),
        sections={section.code: section.build(unit, as_of, period_start)
                  for section in registry.entries(registry.SummarySection)},
        **criteria.as_fields(),
    )


def district_display_name(unit: Unit) -> str:
    """"thành phố Thái Nguyên", "huyện Phú Bình": the type word in lower case, as running text writes it."""
    return district_display_name_of(unit.name)


_LEVEL_PHRASE = {
    Level.XA_NTM: "xã đạt chuẩn nông thôn mới",
    Level.XA_NANG_CAO: "xã đạt chuẩn nông thôn mới nâng cao",
    Level.XA_KIEU_MAU: "xã đạt chuẩn nông thôn mới kiểu mẫu",
    Level.XA_HIEN_DAI: "xã nông thôn mới hiện đại",
}
_REGISTERED_PHRASE = {
    Level.XA_NTM: "xã đăng ký đạt chuẩn nông thôn mới",
    Level.XA_NANG_CAO: "xã đăng ký đạt chuẩn nông thôn mới nâng cao",
    Level.XA_KIEU_MAU: "xã đăng ký đạt chuẩn nông thôn mới kiểu mẫu",
    Level.XA_HIEN_DAI: "xã đăng ký xây dựng xã nông thôn mới hiện đại",
}


def _period_phrase(start: dt.date, end: dt.date) -> str:
    next_day = end + dt.timedelta(days=1)
    if start == dt.date(end.year, 1, 1) and next_day.day == 1:
        months = end.month
        return f"Trong {months} tháng đầu năm {end.year}" if months < 12 else f"Trong năm {end.year}"
    return f"Từ ngày {format_date(start)} đến ngày {format_date(end)}"


def _join(parts: list[str], conjunction: str = "và") -> str:
    return f"{', '.join(parts[:-1])} {conjunction} {parts[-1]}" if len(parts) > 1 else "".join(parts)


def summary_text(data: Summary) -> str:
    """The figures as a Vietnamese paragraph, numbers written the Vietnamese way (85,7%): the report of the
    three-tier years, or for a two-tier structure (``structure`` "two_tier") its own paragraph
    (:func:`_summary_text_two_tier`)."""
    if data.structure == TWO_TIER:
        return _summary_text_two_tier(data)
    as_of = data.as_of
    start = data.period_start
    sentences = _decision_sentences(data.decisions_in_period, start, as_of)
    pct = format_percent(data.ntm_pct) if data.ntm_pct is not None else "—"
    whole = "cả nước" if data.national else f"toàn {_scope_word(data)}"
    body = (f"Đến nay, {whole} có {data.ntm}/{data.communes_total} "
            f"xã đạt chuẩn nông thôn mới, bằng {pct} tổng số xã; "
            f"{data.advanced} xã đạt chuẩn nông thôn mới nâng cao; "
            f"{data.model} xã đạt chuẩn nông thôn mới kiểu mẫu; "
            f"{data.model_hamlets} xóm nông thôn mới kiểu mẫu")
    if data.avg_criteria is not None:
        body += f"; bình quân đạt {format_number(data.avg_criteria, 1)} tiêu chí/xã"
        below = data.communes_below_10
        body += (f" và không có xã dưới {BELOW} tiêu chí" if below == 0
                 else f"; còn {below} xã dưới {BELOW} tiêu chí")
    sentences.append(body + ".")
    reg = data.registrations
    if any(reg.values()):
        parts = [f"{n} {_REGISTERED_PHRASE[level]}" for level, n in reg.items() if n]
        sentences.append(f"Năm {data.registrations_year}, có {'; '.join(parts)}.")
    for d in data.district_decisions_in_period:
        date = d.date
        level = ("đạt chuẩn nông thôn mới" if d.level == Level.HUYEN_NTM
                 else "hoàn thành nhiệm vụ xây dựng nông thôn mới")
        year = f" năm {d.for_year}" if d.for_year else ""
        names = _join([n for n in d.units])
        sentences.append(f"Ngày {format_date(date)}, {d.authority} đã ban hành Quyết định số {d.number} "
                         f"công nhận {names} {level}{year}.")
    done = data.completed_districts
    if done:
        where = "cả nước" if data.national else _scope_word(data)
        sentences.append(f"Đến nay, {where} có {len(done)} đơn vị cấp huyện hoàn thành nhiệm vụ xây "
                         f"dựng nông thôn mới gồm {_join(done)}.")
    return " ".join(sentences)


def _set_phrase(entry: CriteriaSetFigures) -> str:
    """«Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2026-2030 (Quyết định 51/2025/QĐ-TTg)»: the set's name
    and the act of its legal basis, as stored."""
    basis = entry.legal_basis.split(",")[0].split(" ngày ")[0].strip()
    return f"{entry.name} ({basis})" if basis else entry.name


def _criteria_clause(data: Summary) -> str:
    """"bình quân đạt 7,4/10 tiêu chí/xã theo … và có 3 xã đạt đủ 10/10 tiêu chí" — per set when several are mixed.
    The "no commune below 10" clause only for sets of more than 10 criteria; for smaller sets, how many communes meet
    every criterion."""
    sets = data.criteria_sets or []
    if not sets:
        return f"chưa có xã nào có bản đánh giá năm {data.registrations_year}"
    parts = []
    for entry in sets:
        n = entry.criteria
        text = (f"bình quân đạt {format_number(entry.avg_criteria, 1)}/{n} tiêu chí/xã theo {_set_phrase(entry)}"
                + (f" ({entry.communes} xã)" if len(sets) > 1 else ""))
        parts.append(text)
    text = _join(parts, "và")
    assessed, total = data.communes_assessed, data.communes_total
    if assessed < total:
        text += f", tính trên {assessed}/{total} xã đã có bản đánh giá"
    if all(entry.criteria > BELOW for entry in sets):
        below = data.communes_below_10
        text += (f" và không có xã dưới {BELOW} tiêu chí" if below == 0
                 else f"; còn {below} xã dưới {BELOW} tiêu chí")
    elif len(sets) == 1:
        n, done = sets[0].criteria, data.communes_all_met
        text += (f"; {done} xã đạt đủ {n}/{n} tiêu chí" if done else f"; chưa có xã nào đạt đủ {n}/{n} tiêu chí")
    else:
        text += f"; {data.communes_all_met} xã đạt đủ các tiêu chí của bộ tiêu chí đã đánh giá"
    return text


def _decision_sentences(dec: dict[str, LevelDecisions], start: dt.date, as_of: dt.date) -> list[str]:
    if not any(d.communes for d in dec.values()):
        return []
    years = sorted({y for d in dec.values() for y in d.for_years})
    parts = [f"{d.communes} {_LEVEL_PHRASE[level]}" for level, d in dec.items() if d.communes]
    year_text = f" năm {', '.join(str(y) for y in years)}" if years else ""
    return [f"{_period_phrase(start, as_of)}, đã công nhận {', '.join(parts)}{year_text}."]


def _completion_sentences(data: Summary, start: dt.date) -> list[str]:
    """The province's completion (Decision 51/2025/QĐ-TTg, Phụ lục III): the decision of the period, or where the
    province stands; then the programme's targets beside what is reached."""
    completion = data.province_completion
    if not completion:
        return []
    sentences = []
    name = district_display_name_of(data.unit.name)
    decision = completion.decision
    if completion.applies or decision:
        what = "hoàn thành nhiệm vụ xây dựng nông thôn mới"
        if decision and completion.decision_in_period:
            date = format_date(decision.date)
            verb = "công nhận" if decision.kind == Decision.Kind.RECOGNITION else "thu hồi công nhận"
            year = f" năm {decision.for_year}" if decision.for_year else ""
            sentences.append(f"Ngày {date}, {decision.authority} đã ban hành Quyết định số {decision.number} "
                             f"{verb} {name} {what}{year}.")
        elif completion.completed:
            date = format_date(decision.date)
            sentences.append(f"{name[:1].upper()}{name[1:]} đã được công nhận {what} (Quyết định số "
                             f"{decision.number} ngày {date}).")
        else:
            basis = f" ({completion.legal_basis})" if completion.legal_basis else ""
            sentences.append(f"{name[:1].upper()}{name[1:]} chưa được công nhận {what}{basis}.")
    by_goal: dict[tuple, list[targets.TargetProgress]] = {}
    for t in completion.targets:
        by_goal.setdefault((t.by_year, t.legal_basis), []).append(t)
    for (year, basis), found in by_goal.items():
        parts = [f"{t.text} (hiện đạt {format_percent(t.actual_pct) if t.actual_pct is not None else '—'})"
                 for t in found]
        # a target not read in the resolution's own text is said to be so, never stated as law
        where = basis if all(t.verified for t in found) else f"{basis}, theo tin báo chí, chưa đối chiếu văn bản"
        sentences.append(f"Mục tiêu đến năm {year} ({where}): {_join(parts)}.")
    return sentences


def _summary_text_two_tier(data: Summary) -> str:
    """The paragraph of a province whose communes sit directly under it (from 1/7/2025): the 2023 report's shape for
    the new structure — no district anywhere; the communes formed by the reorganisation that hold a level
    provisionally; "xã nông thôn mới hiện đại"; the criteria set the averages were computed on; the province's own
    completion and the programme's targets."""
    as_of = data.as_of
    start = data.period_start
    sentences = _decision_sentences(data.decisions_in_period, start, as_of)
    pct = format_percent(data.ntm_pct) if data.ntm_pct is not None else "—"
    whole = "cả nước" if data.national else f"toàn {_scope_word(data)}"
    body = (f"Đến nay, {whole} có {data.ntm}/{data.communes_total} xã đạt chuẩn nông thôn mới, "
            f"bằng {pct} tổng số xã")
    if data.provisional:
        body += (f", trong đó {data.provisional} xã hình thành sau sắp xếp đơn vị hành chính được tạm giữ mức "
                 "đạt chuẩn, chờ quyết định công nhận")
    body += f"; {data.modern} xã nông thôn mới hiện đại"
    if data.advanced:
        body += f"; {data.advanced} xã đạt chuẩn nông thôn mới nâng cao"
    if data.model:
        body += f"; {data.model} xã đạt chuẩn nông thôn mới kiểu mẫu"
    if data.model_hamlets:
        body += f"; {data.model_hamlets} xóm nông thôn mới kiểu mẫu"
    sentences.append(f"{body}; {_criteria_clause(data)}.")
    reg = data.registrations
    if any(reg.values()):
        parts = [f"{n} {_REGISTERED_PHRASE[level]}" for level, n in reg.items() if n]
        sentences.append(f"Năm {data.registrations_year}, có {'; '.join(parts)}.")
    sentences += _completion_sentences(data, start)
    sentences += _section_sentences(data)
    return " ".join(sentences)


def _section_sentences(data: Summary) -> list[str]:
    """The sentences the other apps' sections add (``core.registry.SummarySection.sentence``), in their order."""
    found = []
    for section in registry.entries(registry.SummarySection):
        if section.sentence is not None and section.code in data.sections:
            found.append(section.sentence(data.sections[section.code]))
    return [sentence for sentence in found if sentence]


def _scope_word(data: Summary) -> str:
    kind = data.unit.type.lower()
    return "tỉnh" if kind in ("tỉnh",) else ("thành phố" if "thành phố" in kind else kind)


_LEVEL_PHRASE_EN = {
    Level.XA_NTM: ("commune", "communes", "meeting the new rural standard"),
    Level.XA_NANG_CAO: ("commune", "communes", "meeting the advanced new rural standard"),
    Level.XA_KIEU_MAU: ("commune", "communes", "meeting the model new rural standard"),
    Level.XA_HIEN_DAI: ("commune", "communes", "recognised as a modern new rural commune"),
}


def _count_en(n: int, level: str) -> str:
    one, many, what = _LEVEL_PHRASE_EN[level]
    return f"{n} {one if n == 1 else many} {what}"


def _period_phrase_en(start: dt.date, end: dt.date) -> str:
    next_day = end + dt.timedelta(days=1)
    if start == dt.date(end.year, 1, 1) and next_day.day == 1:
        months = end.month
        return (f"In the first {months} month{'s' if months > 1 else ''} of {end.year}" if months < 12
                else f"In {end.year}")
    return f"From {format_date(start)} to {format_date(end)}"


def _join_and(parts: list[str]) -> str:
    return _join(parts, "and")


def _decision_sentences_en(dec: dict[str, LevelDecisions], start: dt.date, as_of: dt.date) -> list[str]:
    """``_decision_sentences`` in English."""
    if not any(d.communes for d in dec.values()):
        return []
    years = sorted({y for d in dec.values() for y in d.for_years})
    parts = [_count_en(d.communes, level) for level, d in dec.items() if d.communes]
    year_text = f" for {', '.join(str(y) for y in years)}" if years else ""
    return [f"{_period_phrase_en(start, as_of)}, {_join_and(parts)} were recognised{year_text}."]


def summary_text_en(data: Summary) -> str:
    """``summary_text`` in English, for the pages in English mode: the same figures, numbers and dates written
    as the rest of those pages writes them (85,7%, 24/5/2023); decision numbers and names as recorded. The
    official outputs (report exports, the API's ``text``, the command line) keep the Vietnamese paragraph."""
    if data.structure == TWO_TIER:
        return _summary_text_en_two_tier(data)
    as_of = data.as_of
    start = data.period_start
    sentences = _decision_sentences_en(data.decisions_in_period, start, as_of)
    pct = format_percent(data.ntm_pct) if data.ntm_pct is not None else "—"
    whole = "the country" if data.national else f"{data.unit.name}"
    body = (f"To date, {whole} has {data.ntm}/{data.communes_total} communes meeting the new rural "
            f"standard ({pct} of all communes), {data.advanced} advanced and {data.model} model new rural "
            f"communes, and {data.model_hamlets} model new rural hamlets")
    if data.avg_criteria is not None:
        body += f"; communes meet {format_number(data.avg_criteria, 1)} criteria on average"
        below = data.communes_below_10
        body += (f", and none meets fewer than {BELOW}" if below == 0
                 else f", and {below} meet{'s' if below == 1 else ''} fewer than {BELOW}")
    sentences.append(body + ".")
    reg = data.registrations
    if any(reg.values()):
        parts = [_count_en(n, level).replace(" meeting", " registered to meet", 1) for level, n in reg.items() if n]
        sentences.append(f"For {data.registrations_year}, {'; '.join(parts)}.")
    for d in data.district_decisions_in_period:
        level = ("as meeting the new rural standard" if d.level == Level.HUYEN_NTM
                 else "as having completed the new rural development programme")
        year = f" for {d.for_year}" if d.for_year else ""
        sentences.append(f"On {format_date(d.date)}, {d.authority} issued Decision "
                         f"No. {d.number} recognising {_join_and(d.units)} {level}{year}.")
    done = data.completed_districts
    if done:
        where = "the country" if data.national else data.unit.name
        sentences.append(f"To date, {len(done)} district-level unit{'s' if len(done) != 1 else ''} of {where} "
                         f"{'have' if len(done) != 1 else 'has'} completed the new rural development programme: "
                         f"{_join_and(done)}.")
    return " ".join(sentences)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _criteria_clause_en(data: Summary) -> str:
    sets = data.criteria_sets or []
    if not sets:
        return f"no commune has an assessment for {data.registrations_year} yet"
    parts = [f"communes meet {format_number(e.avg_criteria, 1)}/{e.criteria} criteria on average under the "
             f"{_set_phrase(e)}" + (f" ({_plural(e.communes, 'commune', 'communes')})" if len(sets) > 1 else "")
             for e in sets]
    text = _join_and(parts)
    assessed, total = data.communes_assessed, data.communes_total
    if assessed < total:
        text += f", counting the {assessed}/{total} communes assessed"
    if all(e.criteria > BELOW for e in sets):
        below = data.communes_below_10
        text += (f", and none meets fewer than {BELOW}" if below == 0
                 else f", and {below} meet{'s' if below == 1 else ''} fewer than {BELOW}")
    elif len(sets) == 1:
        n, done = sets[0].criteria, data.communes_all_met
        text += (f"; {_plural(done, 'commune meets', 'communes meet')} all {n}" if done
                 else f"; no commune meets all {n} yet")
    else:
        text += f"; {_plural(data.communes_all_met, 'commune meets', 'communes meet')} every criterion of its set"
    return text


def _summary_text_en_two_tier(data: Summary) -> str:
    """``_summary_text_two_tier`` in English."""
    as_of = data.as_of
    start = data.period_start
    sentences = _decision_sentences_en(data.decisions_in_period, start, as_of)
    pct = format_percent(data.ntm_pct) if data.ntm_pct is not None else "—"
    whole = "the country" if data.national else data.unit.name
    body = (f"To date, {whole} has {data.ntm}/{data.communes_total} communes meeting the new rural standard "
            f"({pct} of all communes)")
    if data.provisional:
        body += (f", of which {data.provisional} formed by the reorganisation of administrative units hold the "
                 "standard provisionally, awaiting a recognition decision")
    body += f"; {_plural(data.modern, 'modern new rural commune', 'modern new rural communes')}"
    older = [f"{n} {what}" for n, what in ((data.advanced, "advanced"), (data.model, "model")) if n]
    if older:
        body += f"; {_join_and(older)} new rural commune{'s' if data.advanced + data.model > 1 else ''}"
    if data.model_hamlets:
        body += f"; {_plural(data.model_hamlets, 'model new rural hamlet', 'model new rural hamlets')}"
    sentences.append(f"{body}; {_criteria_clause_en(data)}.")
    reg = data.registrations
    if any(reg.values()):
        parts = [_count_en(n, level).replace(" meeting", " registered to meet", 1)
                 .replace(" recognised as", " registered to become", 1) for level, n in reg.items() if n]
        sentences.append(f"For {data.registrations_year}, {'; '.join(parts)}.")
    completion = data.province_completion
    if completion:
        decision = completion.decision
        what = "as having completed the new rural development programme"
        if decision and completion.decision_in_period:
            verb = "recognising" if decision.kind == Decision.Kind.RECOGNITION else "revoking the recognition of"
            year = f" for {decision.for_year}" if decision.for_year else ""
            sentences.append(f"On {format_date(decision.date)}, {decision.authority} "
                             f"issued Decision No. {decision.number} {verb} {data.unit.name} {what}{year}.")
        elif completion.completed:
            sentences.append(f"{data.unit.name} has been recognised {what} (Decision No. {decision.number} "
                             f"of {format_date(decision.date)}).")
        elif completion.applies:
            basis = f" ({completion.legal_basis})" if completion.legal_basis else ""
            sentences.append(f"{data.unit.name} has not yet been recognised {what}{basis}.")
        by_goal: dict[tuple, list[targets.TargetProgress]] = {}
        for t in completion.targets:
            by_goal.setdefault((t.by_year, t.legal_basis), []).append(t)
        for (year, basis), found in by_goal.items():
            parts = [f"{t.text_en or t.text} (now "
                     f"{format_percent(t.actual_pct) if t.actual_pct is not None else '—'})" for t in found]
            where = basis if all(t.verified for t in found) else f"{basis}, as reported in the press, not checked"
            sentences.append(f"Targets for {year} ({where}): {_join_and(parts)}.")
    return " ".join(sentences)
