"""The criteria evaluation engine. Pure Python + numpy: no ORM, no I/O.

Input: a criteria-set *spec* (the structure of a catalogue file, see docs/criteria-format.md) and
indicator values. Output: each indicator met / not met / unknown with its threshold and the gap to it,
each criterion met / not met / unknown, the number of criteria met, eligibility and the Decision
18/2022/QĐ-TTg revocation test.

A missing value is *unknown*, never a failure: an indicator without a value is unknown; a criterion is
not met when any of its indicators fails, unknown when none fails but one is unknown, met otherwise.

A set whose thresholds differ by commune group (``threshold_dimension: commune_group``, Decision
51/2025/QĐ-TTg) evaluated for a commune with no group: the indicators whose threshold depends on the group
are unknown too (their threshold is not known, so neither is the verdict) — never judged against the
default row — and the result carries a note saying why and what to do (``notes``).

The engine is vectorised: ``compile_spec`` turns a spec into arrays once (threshold table by year ×
threshold class × indicator, an indicator → criterion incidence matrix), and ``evaluate_batch``
evaluates any number of units with a handful of numpy passes. ``evaluate_one`` is the same code
path for one unit, returning a readable result.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nongthonso.core.vocabulary import parse_bool

MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"
NO_GROUP = "commune_group_missing"  # the code of the note on a result of a commune without a group
GROUP_BASIS = "Quyết định 51/2025/QĐ-TTg"  # the act defining the commune groups (1, 2, 3) of the 2026-2030 sets

# Decision 18/2022/QĐ-TTg: a commune's recognition is revoked when >= 50% of its criteria fail, or
# 30% to < 50% fail including at least one key criterion.
REVOKE_ANY_SHARE = 0.5
REVOKE_KEY_SHARE = 0.3
# ... and a district's when >= 30% of its communes had their recognition revoked (or by the shares above, on the
# district criteria with the district's own key criteria: ``district_revocation``)
REVOKE_COMMUNE_SHARE = 0.3

# Where a threshold row comes from (the values of ``core.choices.Provenance``, kept here as text so the engine stays
# free of Django): quoted from the decision itself, taken from a secondary source (press, a province's restatement),
# a placeholder still to be checked, or set by the province. A row without a tag: «quoted» when it is verified,
# «province» when it is a province's own row, else «placeholder».
QUOTED, SECONDARY, PLACEHOLDER, PROVINCE = "quoted", "secondary", "placeholder", "province"
PROVENANCES = (QUOTED, SECONDARY, PLACEHOLDER, PROVINCE)

_NUMERIC_COMPARATORS = (">=", "<=", ">", "<")
_ANY = None


class SpecError(ValueError):
    """A criteria spec that cannot be compiled; the message says where and how to fix it."""


def _spec_path(spec: Mapping, indicator: Mapping | None = None) -> str:
    where = f"bộ tiêu chí «{spec.get('code', '?')}»"
    if indicator is not None:
        where += f", chỉ tiêu {indicator.get('code', '?')}"
    return where


def encode_value(value: Any, value_type: str, categories: Sequence[str] = ()) -> float:
    """The engine's float encoding of one value: NaN for unknown, 1/0 for booleans, category index."""
    if value is None or value == "":
        return math.nan
    if value_type == "boolean":
        if isinstance(value, str):  # a yes word (core.vocabulary) is met; any other word is not
            return 1.0 if parse_bool(value) else 0.0
        return 1.0 if value else 0.0
    if value_type == "category":
        try:
            return float(list(categories).index(value))
        except ValueError as exc:
            raise SpecError(f"Giá trị «{value}» không thuộc các loại {list(categories)}") from exc
    number = float(value)
    return number


@dataclass(frozen=True)
class CompiledSet:
    """A criteria set turned into arrays for evaluation."""

    code: str
    version: int
    level: str
    requires: str | None
    dimension: str  # region | commune_group | none
    criteria_codes: tuple[str, ...]
    criteria_names: tuple[str, ...]
    revocation_key: np.ndarray  # (c,) bool
    counted: np.ndarray  # (c,) bool: False for "condition" criteria (recognition conditions, not counted)
    indicator_codes: tuple[str, ...]
    indicator_names: tuple[str, ...]
    value_types: tuple[str, ...]
    comparators: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    indicator_criterion: np.ndarray  # (k,) int: index of each indicator's criterion
    incidence: np.ndarray  # (k, c) float32: 1 where indicator belongs to criterion
    classes: tuple[str, ...]  # threshold classes (region codes or group numbers as str)
    years: tuple[int, ...]  # years with year-specific rows
    table: np.ndarray  # (len(years)+1, len(classes)+1, k) float64; last slot = "other"
    allowed: dict[int, np.ndarray] = field(default_factory=dict)  # "in" columns: allowed category mask
    threshold_verified: np.ndarray | None = None  # same shape as table, bool
    threshold_provenance: np.ndarray | None = None  # same shape as table, int8: index into PROVENANCES
    region_override: Mapping[str, Any] = field(default_factory=dict)
    index: dict[str, int] = field(default_factory=dict)
    columns: dict[str, np.ndarray] = field(default_factory=dict)  # comparator -> column indices
    # commune_group sets: (len(years)+1, k) bool, True where the threshold differs between groups that year (those
    # indicators are unknown for a commune without a group: the table's last class slot holds NaN there)
    class_dependent: np.ndarray | None = None
    group_basis: str = ""  # the act that sets the groups, for messages: "Quyết định 51/2025/QĐ-TTg"

    @property
    def n_criteria(self) -> int:
        """Criteria counted in "number of criteria met" (conditions excluded)."""
        return int(self.counted.sum())

    @property
    def n_indicators(self) -> int:
        return len(self.indicator_codes)

    @property
    def unclassified(self) -> int:
        """The class slot of a unit whose class is not known: for a commune_group set, the slot after "other"
        (group-dependent thresholds unknown); otherwise the "other" slot (the default rows)."""
        return len(self.classes) + 1 if self.dimension == "commune_group" else len(self.classes)

    def class_index(self, cls: str | int | None) -> int:
        """Index of a threshold class; a class the set has no rows for maps to the "other" slot, none at all
        (None) to ``unclassified``."""
        if cls is None or cls == "":
            return self.unclassified
        try:
            return self.classes.index(str(cls))
        except ValueError:
            return len(self.classes)

    def year_index(self, year: int) -> int:
        try:
            return self.years.index(int(year))
        except ValueError:
            return len(self.years)

    def threshold_class(self, *, region: str | None = None, group: int | None = None,
                        flags: Iterable[str] = ()) -> str | None:
        """The class whose thresholds apply to a unit (region override for ĐBKK / ATK communes)."""
        if self.dimension == "commune_group":
            return None if group is None else str(group)
        if self.dimension == "none":
            return None
        override = self.region_override or {}
        if override and set(flags) & set(override.get("flags", ())):
            return override.get("region")
        return region

    def thresholds_for(self, year: int, cls: str | int | None) -> np.ndarray:
        return self.table[self.year_index(year), self.class_index(cls)]

    def notes(self, year: int, class_index: int) -> list[dict]:
        """What a result of ``year`` in the class slot ``class_index`` must say besides the verdicts: for a commune
        without a group, which indicators could not be judged and why."""
        if class_index != self.unclassified or self.dimension != "commune_group" or self.class_dependent is None:
            return []
        dependent = self.class_dependent[self.year_index(year)]
        if not dependent.any():
            return []
        basis = f" theo {self.group_basis}" if self.group_basis else ""
        return [{"code": NO_GROUP, "message": (
            f"Xã chưa được xếp nhóm{basis} cho năm {int(year)} nên các chỉ tiêu có ngưỡng theo nhóm xã chưa xác "
            "định được. Đề nghị Văn phòng Điều phối NTM tỉnh nhập quyết định xếp nhóm xã (Nhập dữ liệu → Nhóm xã)."),
            "indicators": [self.indicator_codes[col] for col in np.flatnonzero(dependent)]}]


def provenance_of(row: Mapping, indicator: Mapping | None = None) -> str:
    """The provenance tag of a threshold row: its own ``provenance``, else its indicator's, else «quoted» for a
    verified row, «province» for a province's own row, «placeholder» otherwise."""
    tag = row.get("provenance") or (indicator or {}).get("provenance")
    if tag:
        return str(tag)
    if row.get("verified"):
        return QUOTED
    return PROVINCE if (row.get("province") or row.get("province_code")) else PLACEHOLDER


def _rows(indicator: Mapping) -> list[dict]:
    rows = []
    if "threshold" in indicator and indicator["threshold"] is not None:
        rows.append({"value": indicator["threshold"], "verified": indicator.get("verified", False)})
    for row in indicator.get("thresholds") or ():
        rows.append(dict(row, verified=row.get("verified", indicator.get("verified", False))))
    for row in rows:
        row["provenance"] = provenance_of(row, indicator)
    return rows


def threshold_rows(indicator: Mapping) -> list[dict]:
    """An indicator's threshold rows (its default ``threshold`` first, then ``thresholds``), each with ``verified``
    and ``provenance`` filled in as the engine reads them."""
    return _rows(indicator)


def _class_of(row: Mapping) -> str | None:
    if row.get("region"):
        return str(row["region"])
    if row.get("group") is not None:
        return str(row["group"])
    if row.get("commune_group") is not None:
        return str(row["commune_group"])
    return _ANY


def most_specific(rows: Sequence[Mapping], year: int | None, cls: str | None, province: str | None):
    """The most specific row for (year, class, province): province > class > year > default. The threshold a unit
    is judged against, and — with rows carrying their ids — which stored row it comes from."""
    best, best_score = None, -1
    for row in rows:
        row_province = row.get("province") or row.get("province_code") or None
        row_class, row_year = _class_of(row), row.get("year")
        if row_province is not None and row_province != province:
            continue
        if row_class is not None and row_class != cls:
            continue
        if row_year is not None and row_year != year:
            continue
        score = (4 if row_province else 0) + (2 if row_class is not None else 0) + (1 if row_year else 0)
        if score > best_score:
            best, best_score = row, score
    return best


def _encode_threshold(value, indicator: Mapping, spec: Mapping) -> float:
    vt, comp = indicator["value_type"], indicator["comparator"]
    if comp == "in":
        return math.nan  # handled by the allowed mask
    if vt == "boolean":
        if not isinstance(value, bool):
            raise SpecError(f"{_spec_path(spec, indicator)}: ngưỡng kiểu Đạt/Không phải là true hoặc false")
        return 1.0 if value else 0.0
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"{_spec_path(spec, indicator)}: ngưỡng «{value}» không phải là số") from exc


def _check_indicator(indicator: Mapping, spec: Mapping) -> None:
    vt, comp = indicator.get("value_type"), indicator.get("comparator")
    if vt == "boolean" and comp != "==":
        raise SpecError(f"{_spec_path(spec, indicator)}: chỉ tiêu Đạt/Không phải dùng phép so sánh «==»")
    if vt == "category" and comp != "in":
        raise SpecError(f"{_spec_path(spec, indicator)}: chỉ tiêu phân loại phải dùng phép so sánh «in»")
    if vt in ("percent", "number", "money") and comp not in _NUMERIC_COMPARATORS:
        raise SpecError(f"{_spec_path(spec, indicator)}: chỉ tiêu số phải dùng «>=», «<=», «>» hoặc «<»")
    if vt not in ("boolean", "category", "percent", "number", "money"):
        raise SpecError(f"{_spec_path(spec, indicator)}: kiểu giá trị «{vt}» không hợp lệ")
    rows = _rows(indicator)
    if not rows and not indicator.get("threshold_ref"):
        raise SpecError(f"{_spec_path(spec, indicator)}: thiếu ngưỡng (threshold, thresholds hoặc threshold_ref)")
    for row in rows:
        where = _spec_path(spec, indicator) + (f", dòng ngưỡng {row.get('region') or row.get('group') or ''}"
                                               f"{' năm ' + str(row['year']) if row.get('year') else ''}").rstrip()
        if row["provenance"] not in PROVENANCES:
            raise SpecError(f"{where}: nguồn gốc «{row['provenance']}» không có. Dùng một trong: "
                            f"{', '.join(PROVENANCES)} (trích từ văn bản / nguồn thứ cấp / tạm đặt / do tỉnh quy "
                            "định).")
        if row.get("verified") and row["provenance"] != QUOTED:
            raise SpecError(f"{where}: «verified: true» chỉ dùng cho ngưỡng trích từ chính văn bản "
                            f"(provenance: {QUOTED}); ngưỡng «{row['provenance']}» phải để «verified: false».")


def compile_spec(spec: Mapping, *, province: str | None = None,
                 overrides: Sequence[Mapping] = (),
                 referenced: Mapping[str, Mapping] | None = None) -> CompiledSet:
    """Compile a criteria-set spec into arrays.

    ``overrides``: extra threshold rows ``{"indicator": code, "value": …, "region"/"group"/"year": …,
    "province": code}`` (the province's own levels, which beat national rows).
    ``referenced``: specs of other sets, by code, for ``threshold_ref`` (the model-commune income rule).
    """
    referenced = referenced or {}
    criteria = spec.get("criteria") or []
    if not criteria:
        raise SpecError(f"{_spec_path(spec)}: không có tiêu chí nào")
    indicators: list[tuple[int, Mapping]] = []
    seen: set[str] = set()
    for ci, criterion in enumerate(criteria):
        if not criterion.get("indicators"):
            raise SpecError(f"{_spec_path(spec)}, tiêu chí {criterion.get('code')}: không có chỉ tiêu nào")
        for ind in criterion["indicators"]:
            code = str(ind["code"])
            if code in seen:
                raise SpecError(f"{_spec_path(spec)}: mã chỉ tiêu {code} bị trùng")
            seen.add(code)
            _check_indicator(ind, spec)
            indicators.append((ci, ind))

    extra_rows: dict[str, list[dict]] = {}
    for row in overrides:
        extra_rows.setdefault(str(row["indicator"]), []).append(dict(row))

    def rows_of(ind: Mapping, owner: Mapping) -> list[dict]:
        return _rows(ind) + (extra_rows.get(str(ind["code"]), []) if owner is spec else [])

    # threshold classes and years seen anywhere (including referenced sets)
    classes: set[str] = set()
    years: set[int] = set()

    def collect(rows):
        for row in rows:
            if _class_of(row) is not None:
                classes.add(_class_of(row))
            if row.get("year"):
                years.add(int(row["year"]))

    ref_targets: dict[str, tuple[Mapping, Mapping, float]] = {}
    for _, ind in indicators:
        collect(rows_of(ind, spec))
        ref = ind.get("threshold_ref")
        if ref:
            target_spec = referenced.get(ref["set"])
            if target_spec is None:
                raise SpecError(f"{_spec_path(spec, ind)}: cần bộ tiêu chí «{ref['set']}» để tính ngưỡng")
            target = next((i for c in target_spec["criteria"] for i in c["indicators"]
                           if str(i["code"]) == str(ref["indicator"])), None)
            if target is None:
                raise SpecError(f"{_spec_path(spec, ind)}: bộ «{ref['set']}» không có chỉ tiêu {ref['indicator']}")
            ref_targets[str(ind["code"])] = (target_spec, target, float(ref.get("factor", 1.0)))
            collect(_rows(target))
    class_list = tuple(sorted(classes))
    year_list = tuple(sorted(years))
    k, c = len(indicators), len(criteria)
    by_group = spec.get("threshold_dimension", "region") == "commune_group"
    # one slot per class, "other", and for commune_group sets "no group" (filled below)
    table = np.full((len(year_list) + 1, len(class_list) + 1 + by_group, k), np.nan)
    verified = np.zeros(table.shape, dtype=bool)
    provenance = np.full(table.shape, PROVENANCES.index(PLACEHOLDER), dtype=np.int8)
    allowed: dict[int, np.ndarray] = {}
    for col, (_, ind) in enumerate(indicators):
        code = str(ind["code"])
        if ind["comparator"] == "in":
            rows = rows_of(ind, spec)
            cats = list(ind.get("categories") or [])
            values = {tuple(r["value"]) if isinstance(r["value"], list) else (r["value"],) for r in rows}
            if len(values) != 1:
                raise SpecError(f"{_spec_path(spec, ind)}: ngưỡng phân loại không được khác nhau theo vùng/năm")
            (allowed_values,) = values
            unknown = [v for v in allowed_values if v not in cats]
            if unknown:
                raise SpecError(f"{_spec_path(spec, ind)}: ngưỡng {unknown} không thuộc categories {cats}")
            allowed[col] = np.array([cat in allowed_values for cat in cats], dtype=bool)
        for yi, year in enumerate((*year_list, None)):
            for ki, cls in enumerate((*class_list, None)):  # the "no group" slot is not looked up
                if code in ref_targets:
                    target_spec, target, factor = ref_targets[code]
                    row = most_specific(_rows(target), year, cls, province)
                    value = None if row is None else _encode_threshold(row["value"], target, target_spec) * factor
                else:
                    row = most_specific(rows_of(ind, spec), year, cls, province)
                    value = None if row is None else _encode_threshold(row["value"], ind, spec)
                if row is not None:
                    table[yi, ki, col] = value if value is not None else np.nan
                    verified[yi, ki, col] = bool(row.get("verified", False))
                    provenance[yi, ki, col] = PROVENANCES.index(provenance_of(row))
                if ind["comparator"] == "in" and row is not None:
                    table[yi, ki, col] = 0.0  # marks "has a threshold"; the mask decides
    class_dependent = None
    if by_group:
        # without a group, a threshold is known only when every group (and "other") has the same one
        known_slots = table[:, :len(class_list) + 1]
        first = known_slots[:, :1]
        same = ((known_slots == first) | (np.isnan(known_slots) & np.isnan(first))).all(axis=1)
        class_dependent = ~same
        table[:, -1] = np.where(class_dependent, np.nan, table[:, len(class_list)])
        # verified without a group only when the row of every group was
        verified[:, -1] = verified[:, :len(class_list) + 1].all(axis=1) & ~class_dependent
        provenance[:, -1] = provenance[:, len(class_list)]
    incidence = np.zeros((k, c), dtype=np.float32)
    ind_crit = np.array([ci for ci, _ in indicators], dtype=np.int64)
    incidence[np.arange(k), ind_crit] = 1.0
    comparators = tuple(ind["comparator"] for _, ind in indicators)
    columns = {op: np.array([i for i, o in enumerate(comparators) if o == op], dtype=np.int64)
               for op in (">=", "<=", ">", "<", "==", "in")}
    requires = (spec.get("requires") or {}).get("set") if isinstance(spec.get("requires"), Mapping) \
        else spec.get("requires")
    return CompiledSet(
        code=spec["code"], version=int(spec.get("version", 1)), level=spec.get("level", ""),
        requires=requires, dimension=spec.get("threshold_dimension", "region"),
        criteria_codes=tuple(str(cr["code"]) for cr in criteria),
        criteria_names=tuple(cr["name"] for cr in criteria),
        revocation_key=np.array([bool(cr.get("revocation_key")) for cr in criteria], dtype=bool),
        counted=np.array([not cr.get("condition") for cr in criteria], dtype=bool),
        indicator_codes=tuple(str(ind["code"]) for _, ind in indicators),
        indicator_names=tuple(ind["name"] for _, ind in indicators),
        value_types=tuple(ind["value_type"] for _, ind in indicators),
        comparators=comparators,
        categories=tuple(tuple(ind.get("categories") or ()) for _, ind in indicators),
        indicator_criterion=ind_crit, incidence=incidence, classes=class_list, years=year_list,
        table=table, allowed=allowed, threshold_verified=verified, threshold_provenance=provenance,
        region_override=dict(spec.get("region_override") or {}),
        index={str(ind["code"]): i for i, (_, ind) in enumerate(indicators)},
        columns=columns, class_dependent=class_dependent, group_basis=_group_basis(spec),
    )


def _group_basis(spec: Mapping) -> str:
    """The act that sets the commune groups, to name in messages: the spec's ``group_basis`` when it has one (empty:
    name none), else Decision 51/2025/QĐ-TTg, which defines the three groups of the commune_group dimension."""
    return str(spec["group_basis"]) if "group_basis" in spec else GROUP_BASIS


@dataclass
class BatchResult:
    """Results for n units. Status codes: 1 met, 0 not met, -1 unknown."""

    indicator_status: np.ndarray  # (n, k) int8
    gaps: np.ndarray  # (n, k) float: distance still to go (0 when met, NaN when not numeric/unknown)
    thresholds: np.ndarray  # (n, k) float
    criterion_status: np.ndarray  # (n, c) int8
    criteria_met: np.ndarray  # (n,) int
    criteria_failed: np.ndarray  # (n,) int
    criteria_unknown: np.ndarray  # (n,) int
    eligible: np.ndarray  # (n,) bool — every criterion met
    revoke: np.ndarray  # (n,) bool — Decision 18/2022 revocation test


def evaluate_batch(cs: CompiledSet, values: np.ndarray, year: int | np.ndarray,
                   classes: np.ndarray) -> BatchResult:
    """Evaluate ``values`` (n × k floats, NaN = unknown) for units whose threshold-class indices are
    ``classes`` (n ints, from ``cs.class_index``) in ``year`` (one year, or n years)."""
    values = np.asarray(values, dtype=np.float64)
    n, k = values.shape
    if k != cs.n_indicators:
        raise ValueError(f"expected {cs.n_indicators} indicator columns, got {k}")
    classes = np.asarray(classes, dtype=np.int64)
    if np.ndim(year) == 0:
        thr = cs.table[cs.year_index(int(year))][classes]  # (n, k) gather
    else:
        year_idx = np.array([cs.year_index(int(y)) for y in year], dtype=np.int64)
        thr = cs.table[year_idx, classes]

    met = np.zeros((n, k), dtype=bool)
    gaps = np.full((n, k), np.nan)
    cols = cs.columns
    with np.errstate(invalid="ignore"):
        for op, sign, fn in ((">=", 1.0, np.greater_equal), (">", 1.0, np.greater),
                             ("<=", -1.0, np.less_equal), ("<", -1.0, np.less)):
            idx = cols[op]
            if idx.size:
                v, t = values[:, idx], thr[:, idx]
                met[:, idx] = fn(v, t)
                gaps[:, idx] = np.maximum(sign * (t - v), 0.0)
        idx = cols["=="]
        if idx.size:
            met[:, idx] = values[:, idx] == thr[:, idx]
        for col in cols["in"]:
            v = values[:, col]
            ok = ~np.isnan(v)
            mask = cs.allowed[int(col)]
            met[ok, col] = mask[v[ok].astype(np.int64)]
    known = ~(np.isnan(values) | np.isnan(thr))
    failed = known & ~met
    status = np.where(known, met.astype(np.int8), np.int8(-1)).astype(np.int8)
    gaps[~known] = np.nan

    fail_per = failed.astype(np.float32) @ cs.incidence  # (n, c)
    unknown_per = (~known).astype(np.float32) @ cs.incidence
    crit_failed = fail_per > 0
    crit_unknown = ~crit_failed & (unknown_per > 0)
    crit_status = np.where(crit_failed, np.int8(0), np.where(crit_unknown, np.int8(-1), np.int8(1)))
    c = cs.n_criteria
    counted = cs.counted
    if counted.all():
        n_failed = crit_failed.sum(axis=1)
        n_unknown = crit_unknown.sum(axis=1)
        conditions_met = True
    else:
        n_failed = crit_failed[:, counted].sum(axis=1)
        n_unknown = crit_unknown[:, counted].sum(axis=1)
        conditions_met = (crit_status[:, ~counted] == 1).all(axis=1)
    n_met = c - n_failed - n_unknown
    share = n_failed / c
    key_failed = (crit_failed & cs.revocation_key).any(axis=1)
    revoke = (share >= REVOKE_ANY_SHARE) | ((share >= REVOKE_KEY_SHARE) & key_failed)
    return BatchResult(status, gaps, thr, crit_status.astype(np.int8), n_met, n_failed, n_unknown,
                       (n_met == c) & conditions_met, revoke)


_STATUS = {1: MET, 0: NOT_MET, -1: UNKNOWN}


@dataclass
class IndicatorResult:
    code: str
    value: Any
    threshold: Any
    comparator: str
    status: str
    gap: float | None
    verified: bool
    provenance: str = PLACEHOLDER  # where the threshold comes from: one of PROVENANCES


@dataclass
class CriterionResult:
    code: str
    name: str
    status: str
    indicators: list[IndicatorResult]
    condition: bool = False


@dataclass
class UnitResult:
    set_code: str
    level: str
    year: int
    threshold_class: str | None
    criteria: list[CriterionResult]
    criteria_met: int
    criteria_failed: int
    criteria_unknown: int
    criteria_total: int
    eligible: bool
    revoke: bool
    revoke_reason: str
    notes: list[dict] = field(default_factory=list)  # {"code", "message", "indicators"}: why some are unknown

    @property
    def gaps(self) -> list[IndicatorResult]:
        return [i for c in self.criteria for i in c.indicators if i.status == NOT_MET]

    def to_dict(self) -> dict:
        return {
            "set": self.set_code, "level": self.level, "year": self.year,
            "threshold_class": self.threshold_class,
            "criteria_met": self.criteria_met, "criteria_failed": self.criteria_failed,
            "criteria_unknown": self.criteria_unknown, "criteria_total": self.criteria_total,
            "eligible": self.eligible, "revoke": self.revoke, "revoke_reason": self.revoke_reason,
            "notes": self.notes,
            "criteria": [
                {"code": c.code, "name": c.name, "status": c.status, "condition": c.condition,
                 "indicators": [i.__dict__ for i in c.indicators]}
                for c in self.criteria
            ],
        }


def _display_threshold(cs: CompiledSet, col: int, encoded: float):
    if cs.comparators[col] == "in":
        return [cat for cat, ok in zip(cs.categories[col], cs.allowed[col], strict=True) if ok]
    if math.isnan(encoded):
        return None
    if cs.value_types[col] == "boolean":
        return bool(encoded)
    return round(float(encoded), 6)


def revoke_reason(cs: CompiledSet, crit_status: Sequence[int]) -> str:
    failed = [i for i, s in enumerate(crit_status) if s == 0 and cs.counted[i]]
    share = len(failed) / cs.n_criteria
    keys = [cs.criteria_names[i] for i in failed if cs.revocation_key[i]]
    if share >= REVOKE_ANY_SHARE:
        return f"{len(failed)}/{cs.n_criteria} tiêu chí không đạt (từ 50% trở lên)"
    if share >= REVOKE_KEY_SHARE and keys:
        return (f"{len(failed)}/{cs.n_criteria} tiêu chí không đạt (từ 30% đến dưới 50%), "
                f"trong đó có: {', '.join(keys)}")
    return ""


def district_revocation(cs: CompiledSet, crit_status: Sequence[int], *, communes: int,
                        communes_revoked: int) -> tuple[bool, str]:
    """Decision 18/2022/QĐ-TTg on a district: its recognition is revoked when at least 30% of its ``communes`` have
    had their own recognition revoked (``communes_revoked``), or — on the district set's criteria (``crit_status``,
    its result's statuses: 1 met, 0 not met, -1 unknown; the conditions such as "100% of communes NTM" are not
    counted) — when 50% or more fail, or 30% to under 50% fail including one of the district's key criteria (Kinh
    tế; Môi trường; Chất lượng môi trường sống; Hệ thống chính trị – An ninh, trật tự – Hành chính công). Returns
    (revoked, the reason in Vietnamese; "" when not revoked)."""
    if communes < 0 or not 0 <= communes_revoked <= communes:
        raise ValueError(f"số xã bị thu hồi ({communes_revoked}) phải từ 0 đến tổng số xã của huyện ({communes})")
    if communes and communes_revoked / communes >= REVOKE_COMMUNE_SHARE:
        return True, (f"{communes_revoked}/{communes} xã của huyện đã bị thu hồi quyết định công nhận đạt chuẩn "
                      f"(từ 30% trở lên)")
    reason = revoke_reason(cs, crit_status)
    return bool(reason), reason


def evaluate_one(cs: CompiledSet, values: Mapping[str, Any], *, year: int, region: str | None = None,
                 group: int | None = None, flags: Iterable[str] = ()) -> UnitResult:
    """Evaluate one unit. ``values`` maps indicator codes to raw values (missing = unknown)."""
    row = np.full((1, cs.n_indicators), np.nan)
    for code, raw in values.items():
        col = cs.index.get(str(code))
        if col is not None:
            row[0, col] = encode_value(raw, cs.value_types[col], cs.categories[col])
    cls = cs.threshold_class(region=region, group=group, flags=flags)
    slot = cs.class_index(cls)
    res = evaluate_batch(cs, row, year, np.array([slot]))
    verified = cs.threshold_verified[cs.year_index(year), slot]
    provenance = cs.threshold_provenance[cs.year_index(year), slot]
    criteria = []
    for ci, ccode in enumerate(cs.criteria_codes):
        inds = []
        for col in np.flatnonzero(cs.indicator_criterion == ci):
            gap = res.gaps[0, col]
            inds.append(IndicatorResult(
                code=cs.indicator_codes[col], value=values.get(cs.indicator_codes[col]),
                threshold=_display_threshold(cs, col, res.thresholds[0, col]),
                comparator=cs.comparators[col], status=_STATUS[int(res.indicator_status[0, col])],
                gap=None if math.isnan(gap) else float(gap), verified=bool(verified[col]),
                provenance=PROVENANCES[int(provenance[col])],
            ))
        criteria.append(CriterionResult(ccode, cs.criteria_names[ci],
                                        _STATUS[int(res.criterion_status[0, ci])], inds,
                                        condition=not bool(cs.counted[ci])))
    return UnitResult(
        set_code=cs.code, level=cs.level, year=int(year), threshold_class=cls, criteria=criteria,
        criteria_met=int(res.criteria_met[0]), criteria_failed=int(res.criteria_failed[0]),
        criteria_unknown=int(res.criteria_unknown[0]), criteria_total=cs.n_criteria,
        eligible=bool(res.eligible[0]), revoke=bool(res.revoke[0]),
        revoke_reason=revoke_reason(cs, res.criterion_status[0]), notes=cs.notes(year, slot),
    )


STATUS_NAMES = {1: MET, 0: NOT_MET, -1: UNKNOWN}


def _json_value(value: Any) -> str:
    """``json.dumps(value)`` for the values a result holds, quicker for booleans and numbers."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    kind = type(value)
    if kind is float and value == value and value not in (math.inf, -math.inf):
        return repr(value)
    if kind is int:
        return repr(value)
    return json.dumps(value)


def evaluate_many_json(cs: CompiledSet, units: Sequence[tuple[Mapping[str, Any], int, str | None, int | None,
                                                             Iterable[str]]]) -> list[tuple[dict, str]]:
    """Many units of one set with one ``evaluate_batch``, each result as what a bulk evaluation stores: a list
    of (the result's summary — ``to_dict()`` without ``criteria`` —, ``json.dumps(evaluate_one(…).to_dict())``).
    Each unit is ``(values, year, region, group, flags)``. The text is assembled from pieces encoded once per
    threshold class and year, which costs far less than building and encoding the nested dicts; it is the
    very text ``json.dumps`` gives (tests check this on every demo assessment)."""
    n, k = len(units), cs.n_indicators
    if not n:
        return []
    matrix = np.full((n, k), np.nan)
    classes, years, class_names = [], [], []
    for r, (values, year, region, group, flags) in enumerate(units):
        for code, raw in values.items():
            col = cs.index.get(str(code))
            if col is not None:
                matrix[r, col] = encode_value(raw, cs.value_types[col], cs.categories[col])
        cls = cs.threshold_class(region=region, group=group, flags=flags)
        class_names.append(cls)
        classes.append(cs.class_index(cls))
        years.append(int(year))
    res = evaluate_batch(cs, matrix, np.array(years), np.array(classes))
    status, gaps = res.indicator_status.tolist(), res.gaps.tolist()
    crit_status = res.criterion_status.tolist()
    met, failed, unknown = res.criteria_met.tolist(), res.criteria_failed.tolist(), res.criteria_unknown.tolist()
    eligible, revoke = res.eligible.tolist(), res.revoke.tolist()
    columns = [np.flatnonzero(cs.indicator_criterion == ci).tolist() for ci in range(len(cs.criteria_codes))]
    status_json = {s: json.dumps(STATUS_NAMES[s]) for s in (-1, 0, 1)}
    heads = [(f'{{"code": {json.dumps(ccode)}, "name": {json.dumps(cs.criteria_names[ci])}, "status": ',
              f', "condition": {_json_value(not bool(cs.counted[ci]))}, "indicators": [')
             for ci, ccode in enumerate(cs.criteria_codes)]
    set_json = f'{{"set": {json.dumps(cs.code)}, "level": {json.dumps(cs.level)}, "year": '
    layouts: dict[tuple[int, int], list[list[tuple]]] = {}
    notes_of: dict[tuple[int, int], tuple[list[dict], str]] = {}  # (year, class slot) → notes, as JSON too
    results = []
    for r, (values, year, *_rest) in enumerate(units):
        slot = (cs.year_index(year), classes[r])
        layout = layouts.get(slot)
        if layout is None:
            row, verified_row = cs.table[slot], cs.threshold_verified[slot]
            provenance_row = cs.threshold_provenance[slot]
            layout = layouts[slot] = [[(
                col, cs.indicator_codes[col], f'{{"code": {json.dumps(cs.indicator_codes[col])}, "value": ',
                f', "threshold": {_json_value(_display_threshold(cs, col, row[col]))}, '
                f'"comparator": {json.dumps(cs.comparators[col])}, "status": ',
                f', "verified": {_json_value(bool(verified_row[col]))}, '
                f'"provenance": {json.dumps(PROVENANCES[int(provenance_row[col])])}}}') for col in cols]
                for cols in columns]
        status_r, gaps_r, crit_r = status[r], gaps[r], crit_status[r]
        get = values.get
        parts = []
        for ci, (head, middle) in enumerate(heads):
            indicators = ", ".join([
                f'{start}{_json_value(get(code))}{mid}{status_json[status_r[col]]}, "gap": '
                f'{"null" if gaps_r[col] != gaps_r[col] else repr(gaps_r[col])}{end}'
                for col, code, start, mid, end in layout[ci]])
            parts.append(f"{head}{status_json[crit_r[ci]]}{middle}{indicators}]}}")
        notes = notes_of.get((years[r], classes[r]))
        if notes is None:
            found = cs.notes(years[r], classes[r])
            notes = notes_of[(years[r], classes[r])] = (found, json.dumps(found))
        summary = {
            "set": cs.code, "level": cs.level, "year": int(year), "threshold_class": class_names[r],
            "criteria_met": met[r], "criteria_failed": failed[r], "criteria_unknown": unknown[r],
            "criteria_total": cs.n_criteria, "eligible": eligible[r], "revoke": revoke[r],
            "revoke_reason": revoke_reason(cs, crit_r), "notes": notes[0],
        }
        text = (f'{set_json}{summary["year"]}, "threshold_class": {_json_value(summary["threshold_class"])}, '
                f'"criteria_met": {summary["criteria_met"]}, "criteria_failed": {summary["criteria_failed"]}, '
                f'"criteria_unknown": {summary["criteria_unknown"]}, "criteria_total": {summary["criteria_total"]}, '
                f'"eligible": {_json_value(summary["eligible"])}, "revoke": {_json_value(summary["revoke"])}, '
                f'"revoke_reason": {json.dumps(summary["revoke_reason"])}, "notes": {notes[1]}, '
                f'"criteria": [{", ".join(parts)}]}}')
        results.append((summary, text))
    return results

