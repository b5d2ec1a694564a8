"""The progress of each smart-NTM target for a province and a year, computed from the raw rows when asked.

A year's progress is read on ``models.period_end(year)`` (31/12, or today in the current year): the units in force
then, the assessments of that year or before, the figures entered for that year, the pilots designated by then, the
courses held by then. How each kind is computed:

- ``indicator``: the share of the units of the level (in force, in the province) whose latest assessment (year ≤
  the year, against a set of the set's level — ``assessments.latest.latest_assessments``, the same pick as every
  count of the platform) is against the target's set and meets its indicator, by the verdict the engine stored. A unit
  with no such assessment counts as not meeting it (the target is a share of all the units).
- ``entered``: the figures entered for the year (``Figure``), made into the province's figure by the target's
  ``aggregate``: ``pooled`` Σ numerators / Σ denominators; ``mean`` the mean of the units' shares; ``units_any`` the
  share of the units with a denominator above 0 whose numerator is above 0. Only the units that entered count; the
  coverage is said.
- ``pilots``: the number of pilots of the kind designated in the province by then.
- ``training_coverage``: the people of the target groups (by code or flag) who attended at least one session of a
  course held from the programme's start to then, counted once per unit, group and name and at most the unit's
  headcount of the group (``training.Headcount``, the latest of the year or before), over those headcounts.

Values are exact fractions until shown, so that a boundary (60 of 100 for «≥ 60%») is decided exactly.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from nongthonso.accounts.services import under
from nongthonso.assessments.latest import latest_assessments
from nongthonso.assessments.models import Assessment
from nongthonso.core.text import format_date, format_number, format_percent
from nongthonso.criteria.models import CriteriaSet
from nongthonso.training.models import TargetGroup
from nongthonso.training.reports import coverage as training_coverage
from nongthonso.units.models import Unit, UnitType
from nongthonso.units.services import earlier_versions

from .models import Aggregate, Comparator, Figure, Kind, Pilot, Programme, Target, ValueUnit, level_phrase, period_end

MET, NOT_MET, NO_DATA, NOT_COMPUTABLE = "met", "not_met", "no_data", "not_computable"
# a unit's row: MET / NOT_MET, UNKNOWN (a dossier without the value, a unit with nothing to count), MISSING (nothing)
UNKNOWN, MISSING = "unknown", "missing"
STATUS_WORDS = {MET: "Đạt", NOT_MET: "Chưa đạt", NO_DATA: "Chưa có số liệu", NOT_COMPUTABLE: "Chưa tính được"}
ROW_WORDS = {MET: "Đạt", NOT_MET: "Chưa đạt", UNKNOWN: "Chưa xác định", MISSING: "Chưa có số liệu"}


@dataclass(frozen=True)
class UnitRow:
    """One unit's part of a target's figure, for the drill-down."""

    unit: Unit
    status: str
    text: str  # what the unit has: «Đạt», «2.169/2.180 (99,5%)», «chưa có hồ sơ»
    detail: str = ""  # where it comes from: «hồ sơ năm 2023», «Báo cáo của UBND xã»
    link: str = ""  # the page holding the source row (a dossier)
    numerator: int | None = None
    denominator: int | None = None


@dataclass
class Progress:
    target: Target
    province: Unit
    year: int
    as_of: dt.date
    status: str  # MET, NOT_MET, NO_DATA, NOT_COMPUTABLE
    value: Fraction | None  # a percentage, or a count (pilots)
    numerator: int | None
    denominator: int | None
    units_total: int  # the units the target counts (0 for pilots)
    units_with_data: int
    basis: str  # where the figure comes from, in words
    note: str = ""  # what to know about it (coverage, what is missing and how to fill it)
    rows: list[UnitRow] = field(default_factory=list)

    @property
    def status_text(self) -> str:
        return STATUS_WORDS[self.status]

    @property
    def status_class(self) -> str:
        """The page's colour class: met, not_met, or unknown (no figure)."""
        return self.status if self.status in (MET, NOT_MET) else UNKNOWN

    @property
    def goal(self) -> Fraction:
        return Fraction(str(self.target.value))

    @property
    def met(self) -> bool | None:
        return {MET: True, NOT_MET: False}.get(self.status)

    @property
    def gap(self) -> Fraction | None:
        """How far the value is from the target (0 once met); None without a value."""
        if self.value is None:
            return None
        to_go = self.goal - self.value if self.target.comparator == Comparator.GE else self.value - self.goal
        return max(to_go, Fraction(0))

    def show(self, value: Fraction | None) -> str:
        if value is None:
            return "—"
        if self.target.value_unit == ValueUnit.COUNT:
            return format_number(float(value), 0)
        return format_percent(float(value), 1)

    @property
    def value_text(self) -> str:
        return self.show(self.value)

    @property
    def goal_text(self) -> str:
        sign = "≥" if self.target.comparator == Comparator.GE else "≤"
        return f"{sign} {self.show(self.goal)}"

    @property
    def gap_text(self) -> str:
        """What is left to reach the target; «—» once reached or without a value."""
        return self.show(self.gap) if self.gap else "—"

    def to_dict(self) -> dict:
        t = self.target
        return {
            "code": t.code, "programme": t.programme.code, "pillar": t.pillar, "label": t.label, "level": t.level,
            "kind": t.kind, "comparator": t.comparator, "target": float(t.value), "value_unit": t.value_unit,
            "deadline": t.deadline, "provenance": t.provenance, "source": t.source,
            "value": None if self.value is None else round(float(self.value), 2),
            "numerator": self.numerator, "denominator": self.denominator, "status": self.status, "met": self.met,
            "gap": None if self.gap is None else round(float(self.gap), 2), "units_total": self.units_total,
            "units_with_data": self.units_with_data, "basis": self.basis, "note": self.note,
        }


@dataclass
class ProgrammeProgress:
    programme: Programme
    targets: list[Progress]


def _meets(value: Fraction, target: Target) -> bool:
    goal = Fraction(str(target.value))
    return value >= goal if target.comparator == Comparator.GE else value <= goal


def _judged(value: Fraction | None, target: Target) -> str:
    return NO_DATA if value is None else (MET if _meets(value, target) else NOT_MET)


def _share(numerator: int, denominator: int) -> Fraction | None:
    return Fraction(100 * numerator, denominator) if denominator else None


def _pct(numerator: int, denominator: int) -> str:
    share = _share(numerator, denominator)
    text = f"{format_number(numerator)}/{format_number(denominator)}"
    return text if share is None else f"{text} ({format_percent(float(share), 1)})"


def province_paths(province: Unit) -> list[str]:
    """The paths under which the province's rows lie: its own and those of the versions it succeeded (rows recorded
    against the old province's units stay the new province's)."""
    earlier = earlier_versions([province.pk])[province.pk]
    return [province.path, *Unit.objects.filter(pk__in=earlier).values_list("path", flat=True)]


def target_units(target: Target, province: Unit, as_of: dt.date) -> QuerySet[Unit]:
    """The units ``target`` counts in ``province`` on ``as_of``: the province itself, its district-level units, or
    its rural communes (xã), narrowed to ``target.unit_types`` when given."""
    if target.level == "tinh":
        qs = Unit.objects.filter(pk=province.pk)
    else:
        qs = Unit.objects.valid_on(as_of).within(province).at_level(target.level)
        if target.level == "xa":
            qs = qs.rural_communes()
    if target.unit_types:
        qs = qs.filter(unit_type__code__in=target.unit_types)
    return qs.select_related("parent", "unit_type").in_vietnamese_order()


def _noun(target: Target) -> str:
    """What the target counts, in a sentence: «xã», «huyện», «đơn vị cấp huyện», «tỉnh»."""
    if target.level == "xa":
        return "xã"  # target_units counts the rural communes only
    if len(target.unit_types) == 1:
        name = UnitType.objects.filter(code=target.unit_types[0]).values_list("name", flat=True).first()
        if name:
            return name.lower()
    return f"đơn vị {level_phrase(target.level)}"


# --- indicator ------------------------------------------------------------------------------------------------------

def _indicator_status(results: dict, code: str) -> str:
    for criterion in results.get("criteria") or ():
        for indicator in criterion.get("indicators") or ():
            if str(indicator.get("code")) == code:
                return indicator.get("status") or UNKNOWN
    return UNKNOWN


def _indicator(p: Progress, units: list[Unit]) -> None:
    t = p.target
    sets = list(CriteriaSet.objects.filter(code=t.set_code).values_list("pk", "level", "name"))
    if not sets:
        p.status = NOT_COMPUTABLE
        p.basis = f"Chỉ tiêu {t.indicator_code} của bộ tiêu chí «{t.set_code}»."
        p.note = (f"Bộ tiêu chí «{t.set_code}» chưa có trong danh mục bộ tiêu chí nên chưa tính được. Nạp bộ tiêu "
                  "chí này (nongthonso criteria load) rồi nhập hồ sơ đánh giá của các đơn vị.")
        return
    set_ids, level, name = {pk for pk, *_ in sets}, sets[-1][1], sets[-1][2]
    latest = latest_assessments(units, level, p.year)
    picked = {uid: a for uid, a in latest.items() if a.criteria_set_id in set_ids}
    results = dict(Assessment.objects.filter(pk__in=[a.pk for a in picked.values()]).values_list("pk", "results"))
    words = {MET: "Đạt", "not_met": "Chưa đạt", UNKNOWN: "Chưa có giá trị"}
    met = 0
    for unit in units:
        a = picked.get(unit.pk)
        if a is None:
            other = latest.get(unit.pk)
            text = "Chưa có hồ sơ theo bộ này"
            detail = f"hồ sơ mới nhất (năm {other.year}) theo bộ tiêu chí khác" if other else ""
            p.rows.append(UnitRow(unit, MISSING, text, detail))
            continue
        status = _indicator_status(results[a.pk], t.indicator_code)
        met += status == MET
        p.rows.append(UnitRow(unit, status, words.get(status, "Chưa có giá trị"), f"hồ sơ năm {a.year}",
                              reverse("dossier", args=[a.pk])))
    p.numerator, p.denominator = met, len(units)
    p.units_with_data = len(picked)
    noun = _noun(t)
    p.basis = (f"Số {noun} có hồ sơ đánh giá mới nhất (năm {p.year} trở về trước) theo «{name}» đạt chỉ tiêu "
               f"{t.indicator_code}, trên tổng số {format_number(len(units))} {noun}.")
    if not picked:
        p.status = NO_DATA
        p.note = (f"Chưa {noun} nào có hồ sơ đánh giá theo bộ tiêu chí này đến năm {p.year}. Nhập hồ sơ (trang Hồ sơ "
                  "hoặc nhập tệp giá trị chỉ tiêu) để tính được mục tiêu.")
        return
    p.value = _share(met, len(units))
    p.status = _judged(p.value, t)
    if len(picked) < len(units):
        p.note = (f"{format_number(len(units) - len(picked))}/{format_number(len(units))} {noun} chưa có hồ sơ theo "
                  "bộ tiêu chí này: tính là chưa đạt.")


# --- entered figures ------------------------------------------------------------------------------------------------

def _entered(p: Progress, units: list[Unit]) -> None:
    t = p.target
    measure = t.measure
    figures = {f.unit_id: f for f in Figure.objects.filter(measure=measure, year=p.year, unit__in=units)}
    counted = [f for f in figures.values() if f.denominator > 0]
    for unit in units:
        f = figures.get(unit.pk)
        if f is None:
            p.rows.append(UnitRow(unit, MISSING, "Chưa nhập"))
            continue
        detail = f.source + (f" — {f.note}" if f.note else "")
        if f.denominator == 0:
            p.rows.append(UnitRow(unit, UNKNOWN, "Không có (mẫu số 0)", detail, "", f.numerator, f.denominator))
            continue
        share = Fraction(100 * f.numerator, f.denominator)
        meets = f.numerator > 0 if t.aggregate == Aggregate.UNITS_ANY else _meets(share, t)
        status = MET if meets else NOT_MET
        p.rows.append(UnitRow(unit, status, _pct(f.numerator, f.denominator), detail, "", f.numerator, f.denominator))
    p.units_with_data = len(figures)
    if t.aggregate == Aggregate.POOLED:
        p.numerator = sum(f.numerator for f in counted)
        p.denominator = sum(f.denominator for f in counted)
        p.value = _share(p.numerator, p.denominator)
        p.basis = (f"Tổng «{measure.numerator_label.lower()}» trên tổng «{measure.denominator_label.lower()}» do các "
                   f"đơn vị nhập cho năm {p.year}.")
    elif t.aggregate == Aggregate.MEAN:
        shares = [Fraction(100 * f.numerator, f.denominator) for f in counted]
        p.numerator, p.denominator = None, None
        p.value = sum(shares, Fraction(0)) / len(shares) if shares else None
        p.basis = f"Bình quân tỷ lệ «{measure.label.lower()}» của các đơn vị đã nhập cho năm {p.year}."
    else:
        p.numerator = sum(1 for f in counted if f.numerator > 0)
        p.denominator = len(counted)
        p.value = _share(p.numerator, p.denominator)
        p.basis = (f"Số đơn vị có «{measure.numerator_label.lower()}» lớn hơn 0, trên số đơn vị có "
                   f"«{measure.denominator_label.lower()}» lớn hơn 0 (số liệu nhập cho năm {p.year}).")
    p.status = _judged(p.value, t)
    if not figures:
        p.note = (f"Chưa có đơn vị nào nhập «{measure.label}» cho năm {p.year} ({format_number(len(units))} "
                  f"{_noun(t)} cần nhập). Nhập trên trang này hoặc nhập tệp «Số liệu chuyển đổi số».")
    elif p.value is None:
        p.note = f"Các đơn vị đã nhập đều có mẫu số 0: không có gì để tính ({format_number(len(figures))} đơn vị)."
    elif len(figures) < len(units):
        p.note = (f"Mới có số liệu của {format_number(len(figures))}/{format_number(len(units))} đơn vị; tỷ lệ tính "
                  "trên các đơn vị đã nhập.")


# --- pilots ---------------------------------------------------------------------------------------------------------

def _pilots(p: Progress, paths: list[str]) -> None:
    t = p.target
    pilots = list(Pilot.objects.filter(under(paths, "commune__path"), kind=t.pilot_kind,
                                       decision_date__lte=p.as_of)
                  .select_related("commune__parent", "village").order_by("decision_date", "pk"))
    for pilot in pilots:
        recognised = pilot.recognised_by(p.as_of)
        text = (f"Đã công nhận (QĐ {pilot.recognition_number}, {format_date(pilot.recognised_on)})" if recognised
                else "Đang thí điểm")
        p.rows.append(UnitRow(pilot.village or pilot.commune, MET if recognised else UNKNOWN, text,
                              f"Chọn thí điểm theo QĐ {pilot.decision_number} ngày {format_date(pilot.decision_date)} "
                              f"của {pilot.authority}"))
    p.numerator = p.units_with_data = len(pilots)
    p.value = Fraction(len(pilots))
    p.status = _judged(p.value, t)
    kind = t.get_pilot_kind_display().lower()
    p.basis = f"Số mô hình «{kind}» tỉnh đã chọn thí điểm (theo quyết định) đến ngày {format_date(p.as_of)}."


# --- training coverage ----------------------------------------------------------------------------------------------

def _training(p: Progress, province: Unit) -> None:
    """The people trained and the headcounts of the target's groups over the province, as the training app's
    coverage counts them (``training.reports.coverage``: a person once across courses, the headcounts of the year,
    the period of the group's training target), added up over the groups; a row per unit of that report."""
    t = p.target
    groups = TargetGroup.objects.all()
    if t.trainee_groups:
        groups = groups.filter(code__in=t.trainee_groups)
    if t.trainee_flag:
        groups = groups.filter(**{t.trainee_flag: True})
    codes = set(groups.values_list("code", flat=True))
    who = t.get_trainee_flag_display() if t.trainee_flag else ", ".join(t.trainee_groups)
    p.basis = (f"Người thuộc các nhóm đối tượng «{who}» đã dự ít nhất một buổi tập huấn, mỗi người tính một lần, trên "
               f"số cán bộ các nhóm đó các đơn vị đã nhập cho năm {p.year} (như báo cáo mức độ bao phủ tập huấn).")
    if not codes:
        p.status = NOT_COMPUTABLE
        flag = f" có đánh dấu «{t.get_trainee_flag_display()}»" if t.trainee_flag else ""
        p.note = (f"Danh mục nhóm đối tượng tập huấn chưa có nhóm nào{flag} (mã: "
                  f"{', '.join(t.trainee_groups) or 'bất kỳ'}). Thêm hoặc đánh dấu nhóm đối tượng trong danh mục tập "
                  "huấn để tính được mục tiêu.")
        return
    found = training_coverage(province.code, p.year)
    totals = [row for row in found.totals if row.group_code in codes]
    p.numerator = sum(row.trained for row in totals)
    p.denominator = sum(row.headcount for row in totals)
    p.value = _share(p.numerator, p.denominator)
    p.status = _judged(p.value, t)
    per_unit: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in found.rows:
        if row.group_code in codes:
            per_unit[row.unit_code][0] += row.trained
            per_unit[row.unit_code][1] += row.headcount
    units = {u.code: u for u in Unit.objects.filter(code__in=per_unit).valid_on(p.as_of).select_related("parent")}
    for code, (done, head) in per_unit.items():
        if code in units:
            status = MET if head and _meets(Fraction(100 * done, head), t) else NOT_MET
            p.rows.append(UnitRow(units[code], status, _pct(done, head), "người đã dự tập huấn / số cán bộ",
                                  numerator=done, denominator=head))
    p.units_total = p.units_with_data = len(p.rows)
    labels = set(groups.values_list("label", flat=True))
    missing = sum(n for label, n in found.unassigned.items() if label in labels)  # trained, no headcount of theirs
    if not totals:
        p.note = (f"Chưa nhập số cán bộ thuộc các nhóm «{who}» (mẫu số) của năm {p.year}: nhập số cán bộ theo nhóm "
                  "đối tượng (loại dữ liệu «Số cán bộ cần tập huấn») để tính được mục tiêu.")
    elif missing:
        p.note = (f"{format_number(missing)} người đã dự tập huấn nhưng đơn vị của họ chưa nhập số cán bộ: chưa tính "
                  "vào tỷ lệ.")


# --- putting it together --------------------------------------------------------------------------------------------

def target_progress(target: Target, province: Unit, year: int, *, today: dt.date | None = None) -> Progress:
    """The progress of ``target`` in ``province`` for ``year`` (read on ``period_end(year)``), with each unit's row."""
    as_of = period_end(year, today)
    p = Progress(target, province, year, as_of, NO_DATA, None, None, None, 0, 0, "")
    if target.kind in (Kind.INDICATOR, Kind.ENTERED):
        units = list(target_units(target, province, as_of))
        p.units_total = len(units)
        if not units:
            p.basis = f"Các đơn vị {level_phrase(target.level)} của tỉnh."
            p.note = (f"Ngày {format_date(as_of)} tỉnh không có đơn vị {level_phrase(target.level)} nào thuộc "
                      "diện tính mục tiêu này.")
            return p
        (_indicator if target.kind == Kind.INDICATOR else _entered)(p, units)
    elif target.kind == Kind.PILOTS:
        _pilots(p, province_paths(province))
    else:
        _training(p, province)
    return p


def programmes_for(province: Unit, year: int) -> list[Programme]:
    """The programmes that apply to ``province`` during ``year`` (national ones and its own)."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return [p for p in Programme.objects.filter(Q(province_code="") | Q(province_code=province.code))
            .filter(applies_from__lte=end).filter(Q(applies_to__isnull=True) | Q(applies_to__gte=start))
            .prefetch_related("targets__measure")]


def progress(province: Unit, year: int, *, today: dt.date | None = None) -> list[ProgrammeProgress]:
    """Every target of the programmes applying to ``province`` in ``year``, with its progress."""
    return [ProgrammeProgress(programme, [target_progress(t, province, year, today=today)
                                          for t in programme.targets.all()])
            for programme in programmes_for(province, year)]


def default_year(today: dt.date | None = None) -> int:
    """The year pages, exports and the API show unless asked: the latest year up to this one that a programme
    applies to (this year when none does)."""
    today = today or timezone.localdate()
    return max((y for y in years_with_programmes(today) if y <= today.year), default=today.year)


def years_with_programmes(today: dt.date | None = None) -> list[int]:
    """The years some programme applies to (the page's year links), oldest first; an open-ended one to this year."""
    this_year = period_end(dt.date.max.year, today).year
    years: set[int] = set()
    for start, end in Programme.objects.values_list("applies_from", "applies_to"):
        years.update(range(start.year, (end.year if end else max(this_year, start.year)) + 1))
    return sorted(years)


def unit_progress(unit: Unit, province: Unit, year: int, *, today: dt.date | None = None
                  ) -> list[tuple[Progress, UnitRow]]:
    """For one unit (a pilot commune): each target of its level counted unit by unit (indicator, entered) in the
    programmes applying to its province in ``year``, and the unit's own row of it."""
    found = []
    for programme in programmes_for(province, year):
        for target in programme.targets.all():
            if target.level != unit.unit_type.level.code or target.kind not in (Kind.INDICATOR, Kind.ENTERED):
                continue
            p = target_progress(target, province, year, today=today)
            row = next((r for r in p.rows if r.unit.pk == unit.pk), None)
            if row is not None:
                found.append((p, row))
    return found
