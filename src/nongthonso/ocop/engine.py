"""The OCOP points engine. Pure Python + numpy: no ORM, no I/O, no Django (an import-linter contract keeps it so).

Input: a scoring sheet *spec* (the structure of a file of ``ocop/catalogue/sheets/``, or ``scoring.spec_of`` of the
stored rows, so admin edits count) and points. Output: each product's total, part subtotals, star class, the minimum
requirements it fails, whether every point is known, and the points out of range.

- **Council points.** Each council member scores every criterion; the council's points on a criterion follow the
  sheet's ``council_rule`` (data per sheet version; ``mean``: the mean of the members' points). A member's missing
  point is *unknown* (NaN), never zero: the mean is over the members who scored, and an evaluation is complete only
  when every member seated scored every criterion.
- **Totals.** The total is the sum of the criteria's points, bonus criteria included, capped at the sheet's total
  (100); a part's subtotal is the sum of its criteria (bonus included, not capped). Totals are kept to hundredths —
  the precision the database stores — and the star class is read from the rounded total, so a stored 90,00 is 5★.
- **Star class** by bands held as data: the most stars whose ``min_points`` the total reaches (none below the lowest
  band). A **minimum requirement** (``minimum_points`` on a criterion, for ``minimum_stars`` and more) that is not met
  caps the stars below that level; one whose points are unknown is not failed, but the evaluation is not complete
  and has no stars.
- Points below 0 or above a criterion's maximum are **flagged** (``out_of_range``); such an evaluation has no stars.

``compile_sheet`` turns a spec into arrays once (criterion → part, maxima, bonus mask, gate matrix, bands);
``score_batch`` scores any number of evaluations with a handful of numpy passes; ``score_one`` is the same path for
one evaluation, returning a readable result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MEAN = "mean"
RULES = (MEAN,)
_EPS = 1e-9  # float noise of sums of hundredths


class SheetError(ValueError):
    """A scoring sheet spec that cannot be compiled; the message (Vietnamese) says where and how to fix it."""


@dataclass(frozen=True)
class CompiledSheet:
    """A scoring sheet turned into arrays (n = criteria, p = parts, g = minimum requirements, b = bands)."""

    code: str
    council_rule: str
    total_points: float
    part_codes: tuple[str, ...]
    part_max: np.ndarray  # (p,) float64
    criterion_codes: tuple[str, ...]
    criterion_names: tuple[str, ...]
    criterion_part: np.ndarray  # (n,) int: index of each criterion's part
    max_points: np.ndarray  # (n,) float64
    bonus: np.ndarray  # (n,) bool
    part_matrix: np.ndarray  # (n, p) float64: 1 where the criterion belongs to the part
    gate_criteria: np.ndarray  # (g,) int: the criterion of each minimum requirement
    gate_minimum: np.ndarray  # (g,) float64: the points it needs …
    gate_stars: np.ndarray  # (g,) int: … to be rated that many stars or more
    band_stars: np.ndarray  # (b,) int, most stars first
    band_min: np.ndarray  # (b,) float64, the points each band starts at (descending)

    @property
    def n_criteria(self) -> int:
        return len(self.criterion_codes)

    def index(self, code: str) -> int:
        return self.criterion_codes.index(code)


@dataclass(frozen=True)
class BatchResult:
    """Results of ``score_batch`` for n evaluations (c criteria, p parts, g minimum requirements)."""

    totals: np.ndarray  # (n,) float64: rounded to hundredths, capped; NaN when not complete
    known_totals: np.ndarray  # (n,) float64: the points known so far (partial when not complete)
    parts: np.ndarray  # (n, p) float64: subtotal of the known points of each part
    stars: np.ndarray  # (n,) int: 0 when not complete, out of range, or below every band
    band_stars: np.ndarray  # (n,) int: the stars of the band alone, before minimum requirements
    gates_failed: np.ndarray  # (n, g) bool: minimum requirement known not met
    complete: np.ndarray  # (n,) bool: every point known
    out_of_range: np.ndarray  # (n, c) bool


def _number(value: Any, where: str, key: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SheetError(f"{where}: «{key}» phải là một số, không phải «{value}».") from None
    if not math.isfinite(number):
        raise SheetError(f"{where}: «{key}» phải là một số hữu hạn, không phải «{value}».")
    return number


def compile_sheet(spec: Mapping[str, Any]) -> CompiledSheet:
    """Check a sheet spec and turn it into arrays. Raises SheetError (Vietnamese) naming the sheet, part or criterion
    at fault and what to fix: non-bonus points of a part that do not add up to the part, parts that do not add up to
    the total, a minimum requirement outside the criterion's points, bands out of order …"""
    code = str(spec.get("code") or "?")
    where = f"Phiếu «{code}»"
    rule = spec.get("council_rule", MEAN)
    if rule not in RULES:
        raise SheetError(f"{where}: cách tính điểm hội đồng «{rule}» không được hỗ trợ; dùng một trong: "
                         f"{', '.join(RULES)}.")
    total = _number(spec.get("total_points", 100), where, "total_points")
    if total <= 0:
        raise SheetError(f"{where}: tổng điểm tối đa phải lớn hơn 0.")
    parts = list(spec.get("parts") or [])
    if not parts:
        raise SheetError(f"{where}: phiếu chưa có phần nào (A, B, C); thêm các phần và tiêu chí của chúng.")
    part_codes: list[str] = []
    part_max: list[float] = []
    codes: list[str] = []
    names: list[str] = []
    part_of: list[int] = []
    maxima: list[float] = []
    bonus: list[bool] = []
    gates: list[tuple[int, float, int]] = []
    for p, part in enumerate(parts):
        pcode = str(part.get("code") or "")
        pwhere = f"{where}, phần «{pcode or p + 1}»"
        if not pcode or pcode in part_codes:
            raise SheetError(f"{pwhere}: mỗi phần cần một mã riêng (A, B, C).")
        pmax = _number(part.get("max_points"), pwhere, "max_points")
        criteria = list(part.get("criteria") or [])
        if not criteria:
            raise SheetError(f"{pwhere}: phần chưa có tiêu chí nào.")
        regular = 0.0
        for criterion in criteria:
            ccode = str(criterion.get("code") or "")
            cwhere = f"{pwhere}, tiêu chí «{ccode}»"
            if not ccode or ccode in codes:
                raise SheetError(f"{cwhere}: mỗi tiêu chí của phiếu cần một mã riêng.")
            cmax = _number(criterion.get("max_points"), cwhere, "max_points")
            if cmax <= 0:
                raise SheetError(f"{cwhere}: điểm tối đa phải lớn hơn 0.")
            is_bonus = bool(criterion.get("bonus", False))
            regular += 0.0 if is_bonus else cmax
            minimum, stars = criterion.get("minimum_points"), criterion.get("minimum_stars")
            if (minimum is None) != (stars is None):
                raise SheetError(f"{cwhere}: yêu cầu tối thiểu cần cả «minimum_points» (điểm phải đạt) và "
                                 "«minimum_stars» (áp dụng từ hạng sao nào).")
            if minimum is not None:
                need = _number(minimum, cwhere, "minimum_points")
                if not 0 < need <= cmax:
                    raise SheetError(f"{cwhere}: điểm tối thiểu {need:g} phải lớn hơn 0 và không quá điểm tối đa "
                                     f"{cmax:g} của tiêu chí.")
                if str(stars) not in {"1", "2", "3", "4", "5"}:
                    raise SheetError(f"{cwhere}: «minimum_stars» phải là hạng sao từ 1 đến 5, không phải «{stars}».")
                gates.append((len(codes), need, int(stars)))
            codes.append(ccode)
            names.append(str(criterion.get("name") or ccode))
            part_of.append(p)
            maxima.append(cmax)
            bonus.append(is_bonus)
        if abs(regular - pmax) > 1e-6:
            raise SheetError(f"{pwhere}: các tiêu chí (không kể điểm cộng) cộng lại {regular:g} điểm, khác điểm tối "
                             f"đa {pmax:g} của phần. Sửa điểm các tiêu chí hoặc điểm của phần.")
        part_codes.append(pcode)
        part_max.append(pmax)
    if abs(sum(part_max) - total) > 1e-6:
        raise SheetError(f"{where}: các phần cộng lại {sum(part_max):g} điểm, khác tổng điểm tối đa {total:g}.")
    bands = sorted(spec.get("bands") or [], key=lambda b: -int(b.get("stars", 0)))
    if not bands:
        raise SheetError(f"{where}: chưa có ngưỡng hạng sao (bands); thêm các hạng từ 1 đến 5 sao với điểm tối thiểu.")
    band_stars = [int(b.get("stars", 0)) for b in bands]
    band_min = [_number(b.get("min_points"), f"{where}, hạng {b.get('stars')} sao", "min_points") for b in bands]
    if len(set(band_stars)) != len(band_stars) or not all(1 <= s <= 5 for s in band_stars):
        raise SheetError(f"{where}: mỗi hạng sao (1 đến 5) chỉ có một ngưỡng điểm.")
    for higher, lower, stars in zip(band_min, band_min[1:], band_stars[1:], strict=False):
        if lower >= higher:
            raise SheetError(f"{where}: ngưỡng của hạng {stars} sao ({lower:g} điểm) phải thấp hơn ngưỡng của hạng cao "
                             f"hơn ({higher:g} điểm).")
    if band_min[-1] < 0 or band_min[0] > total:
        raise SheetError(f"{where}: các ngưỡng hạng sao phải nằm trong khoảng 0 đến {total:g} điểm.")
    n, p = len(codes), len(part_codes)
    matrix = np.zeros((n, p))
    matrix[np.arange(n), part_of] = 1.0
    return CompiledSheet(
        code=code, council_rule=rule, total_points=total, part_codes=tuple(part_codes),
        part_max=np.array(part_max), criterion_codes=tuple(codes), criterion_names=tuple(names),
        criterion_part=np.array(part_of, dtype=np.int64), max_points=np.array(maxima), bonus=np.array(bonus),
        part_matrix=matrix,
        gate_criteria=np.array([g[0] for g in gates], dtype=np.int64),
        gate_minimum=np.array([g[1] for g in gates], dtype=np.float64),
        gate_stars=np.array([g[2] for g in gates], dtype=np.int64),
        band_stars=np.array(band_stars, dtype=np.int64), band_min=np.array(band_min),
    )


def council_points(member_points: np.ndarray, rule: str = MEAN) -> np.ndarray:
    """The council's points per criterion from its members' (``[n_eval, n_members, n_crit]``, NaN = not scored):
    ``[n_eval, n_crit]``, NaN where no member scored the criterion. ``rule``: the sheet's ``council_rule``."""
    points = np.asarray(member_points, dtype=np.float64)
    if points.ndim != 3:
        raise ValueError("member_points must be [evaluations, members, criteria]")
    if rule != MEAN:
        raise SheetError(f"Cách tính điểm hội đồng «{rule}» không được hỗ trợ; dùng một trong: {', '.join(RULES)}.")
    scored = ~np.isnan(points)
    count = scored.sum(axis=1)
    total = np.where(scored, points, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def members_complete(member_points: np.ndarray, seated: np.ndarray | None = None) -> np.ndarray:
    """``[n_eval]`` bool: every member seated (``seated[n_eval, n_members]``; all when None — the padding of an
    evaluation with fewer members is not seated) scored every criterion."""
    points = np.asarray(member_points, dtype=np.float64)
    known = ~np.isnan(points)
    if seated is not None:
        known |= ~np.asarray(seated, dtype=bool)[:, :, None]
    return known.all(axis=(1, 2)) & (points.shape[1] > 0)


def score_batch(compiled: CompiledSheet, points: np.ndarray, complete: np.ndarray | None = None) -> BatchResult:
    """Score ``points`` (``[n, n_crit]``, the council's points in the sheet's criterion order, NaN = unknown).
    ``complete`` (``[n]`` bool, e.g. ``members_complete``): further conditions for an evaluation to be complete —
    it always needs every criterion's points."""
    x = np.asarray(points, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != compiled.n_criteria:
        raise ValueError(f"points must be [n, {compiled.n_criteria}] for sheet {compiled.code}")
    known = ~np.isnan(x)
    filled = np.where(known, x, 0.0)
    out_of_range = known & ((x < -_EPS) | (x > compiled.max_points + _EPS))
    full = known.all(axis=1)
    if complete is not None:
        full &= np.asarray(complete, dtype=bool)
    parts = np.round(filled @ compiled.part_matrix, 2)
    known_totals = np.round(np.minimum(filled.sum(axis=1), compiled.total_points), 2)
    totals = np.where(full, known_totals, np.nan)
    # bands: the first (most stars) whose minimum the rounded total reaches
    reached = known_totals[:, None] + _EPS >= compiled.band_min[None, :]
    band_stars = np.where(reached.any(axis=1), compiled.band_stars[np.argmax(reached, axis=1)], 0)
    gate_points = x[:, compiled.gate_criteria]
    gates_failed = ~np.isnan(gate_points) & (gate_points + _EPS < compiled.gate_minimum[None, :])
    cap = np.where(gates_failed, compiled.gate_stars[None, :] - 1, 5).min(axis=1, initial=5)
    valid = full & ~out_of_range.any(axis=1)
    stars = np.where(valid, np.minimum(band_stars, cap), 0).astype(np.int64)
    return BatchResult(totals=totals, known_totals=known_totals, parts=parts, stars=stars, band_stars=band_stars,
                       gates_failed=gates_failed, complete=full, out_of_range=out_of_range)


@dataclass(frozen=True)
class Result:
    """One evaluation's readable result (``score_one``)."""

    total: float | None  # None until complete
    known_total: float
    parts: dict[str, float]
    stars: int | None  # None until complete and in range; 0 below every band
    band_stars: int
    gates_failed: list[dict]  # {"criterion", "name", "minimum_points", "minimum_stars", "points"}
    complete: bool
    missing: list[str]  # criterion codes without points
    out_of_range: list[str]
    points: dict[str, float | None]


def _points_row(compiled: CompiledSheet, points: Mapping[str, Any] | Sequence[Any] | np.ndarray) -> np.ndarray:
    if isinstance(points, Mapping):
        unknown = sorted(set(points) - set(compiled.criterion_codes))
        if unknown:
            raise SheetError(f"Phiếu «{compiled.code}» không có tiêu chí {', '.join(unknown)}.")
        return np.array([math.nan if points.get(c) is None else float(points[c]) for c in compiled.criterion_codes])
    return np.asarray(points, dtype=np.float64)


def score_one(compiled: CompiledSheet, points: Mapping[str, Any] | Sequence[Any] | np.ndarray | None = None, *,
              member_points: Sequence[Mapping[str, Any]] | None = None) -> Result:
    """One evaluation, by the same path as ``score_batch``: from the council's points (by criterion code or in the
    sheet's order), or from each member's (``member_points``: one mapping per member; a missing code is unknown)."""
    if member_points is not None:
        stack = np.array([_points_row(compiled, m) for m in member_points]).reshape(1, -1, compiled.n_criteria)
        row = council_points(stack, compiled.council_rule)
        complete = members_complete(stack)
    else:
        row = _points_row(compiled, {} if points is None else points).reshape(1, -1)
        complete = None
    result = score_batch(compiled, row, complete)
    x = row[0]
    ok = bool(result.complete[0]) and not result.out_of_range[0].any()
    failed = [{"criterion": compiled.criterion_codes[c], "name": compiled.criterion_names[c],
               "minimum_points": float(compiled.gate_minimum[g]), "minimum_stars": int(compiled.gate_stars[g]),
               "points": float(x[c])}
              for g, c in enumerate(compiled.gate_criteria) if result.gates_failed[0, g]]
    return Result(
        total=float(result.totals[0]) if result.complete[0] else None,
        known_total=float(result.known_totals[0]),
        parts={code: float(result.parts[0, i]) for i, code in enumerate(compiled.part_codes)},
        stars=int(result.stars[0]) if ok else None, band_stars=int(result.band_stars[0]), gates_failed=failed,
        complete=bool(result.complete[0]),
        missing=[c for c, v in zip(compiled.criterion_codes, x, strict=True) if math.isnan(v)],
        out_of_range=[compiled.criterion_codes[i] for i in np.flatnonzero(result.out_of_range[0])],
        points={c: (None if math.isnan(v) else round(float(v), 4)) for c, v in zip(compiled.criterion_codes, x,
                                                                                     strict=True)},
    )


__all__ = ["MEAN", "RULES", "BatchResult", "CompiledSheet", "Result", "SheetError", "compile_sheet",
           "council_points", "members_complete", "score_batch", "score_one"]
