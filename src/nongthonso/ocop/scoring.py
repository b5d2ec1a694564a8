"""Scoring on the Django side: the council members' points (``MemberScore``, the raw input) through the points engine
(``ocop.engine``) into each evaluation's stored result (``Evaluation.total``, ``parts``, ``stars``, ``gates_failed``,
``complete``).

- ``spec_of(sheet)``: the stored rows of a sheet as the engine's spec (so admin edits count), compiled once per sheet
  and kept until a row of the sheet changes (signals below; a sheet a council has scored with is locked in the admin
  and by the catalogue loader, so a sheet in use never changes under another process). The cache is per process and
  not transactional: code that edits a sheet and reads its spec in one transaction that then rolls back calls
  ``forget`` (no request does both).
- ``refresh(evaluations)``: recompute the stored result of any number of evaluations in one pass — one query for the
  scores, one for the seats, the engine vectorised over every evaluation of a sheet, one bulk update of the rows
  whose result changed. It is the derived table ``ocop_evaluations`` (``nongthonso rebuild_derived [--check]``) and
  the ``core.derived`` refresh ``EVALUATIONS``: a score written in the admin or by raw ORM (signals) refreshes its
  evaluation before the write commits.
- ``explain(evaluation)``: one evaluation as a page shows it — each seated member's points and the engine's readable
  result (``engine.score_one``: council points per criterion, missing criteria, failed minimum requirements).
- ``set_scores(evaluation, member, {criterion code: points}, user)``: the one write path of a member's points —
  checked (the member sits in the round, the criterion is on the sheet, 0 ≤ points ≤ maximum, hundredths at most),
  written, audited, and the evaluation refreshed in place, in one transaction. ``ScoreRejected`` (Vietnamese,
  naming the criterion) when a point does not fit; nothing is written then.

Seats: a round's members (``Round.members``), or — a round that lists none — every member of its council. The
council's points are those of the members seated (a member taken off the round no longer counts; their scores stay
stored); an evaluation is complete when every seated member scored every criterion; a member's missing point is
unknown, never zero (``engine.council_points``).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from nongthonso.accounts.services import can
from nongthonso.audit.services import record
from nongthonso.core.derived import RESULTS, Refresh, writing
from nongthonso.core.text import format_number
from nongthonso.core.vocabulary import NumberInvalid, parse_number

from .apps import RATE
from .engine import CompiledSheet, Result, compile_sheet, council_points, members_complete, score_batch, score_one
from .models import (
    CouncilMember,
    Evaluation,
    MemberScore,
    RatingState,
    Round,
    ScoringSheet,
    SheetCriterion,
    SheetPart,
    StarBand,
)

HUNDREDTH = Decimal("0.01")
CLOSED = (RatingState.CERTIFIED, RatingState.NOT_RECOGNISED)
BATCH = 2000  # evaluations refreshed per pass (bounded memory for a rebuild of a national year)


class ScoreRejected(ValueError):
    """Points that cannot be written: ``problems`` maps a criterion code ("" for the whole call) to a Vietnamese
    message naming the criterion and how to fix it."""

    def __init__(self, problems: Mapping[str, str]):
        self.problems = dict(problems)
        super().__init__(" ".join(self.problems.values()))


# --- the sheet as the engine's spec ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class SheetSpec:
    """A stored sheet as the engine sees it: its spec, compiled, and the criterion rows in the engine's order."""

    spec: dict
    compiled: CompiledSheet
    criterion_ids: tuple[int, ...]
    criteria: dict[str, SheetCriterion]  # by code

    def column(self) -> dict[int, int]:
        """criterion pk → column of the engine's arrays."""
        return {pk: i for i, pk in enumerate(self.criterion_ids)}


_specs: dict[int, SheetSpec] = {}
_lock = threading.Lock()


def points_text(value: Decimal | float) -> str:
    """8,5 / 4 / 2,25: points as Vietnamese writes them, without trailing zeros."""
    number = Decimal(str(value)).quantize(HUNDREDTH)
    decimals = 0 if number == number.to_integral() else (1 if number * 10 == (number * 10).to_integral() else 2)
    return format_number(float(number), decimals)


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def spec_of(sheet: ScoringSheet | int) -> SheetSpec:
    """The sheet's stored rows as a compiled spec, cached per sheet until one of its rows changes."""
    sheet_id = getattr(sheet, "pk", sheet)
    cached = _specs.get(sheet_id)
    if cached is not None:
        return cached
    sheet = sheet if isinstance(sheet, ScoringSheet) else ScoringSheet.objects.get(pk=sheet_id)
    criteria = list(SheetCriterion.objects.filter(sheet=sheet).select_related("part")
                    .order_by("part__order", "part__code", "order", "code"))
    parts: dict[int, dict] = {}
    for part in SheetPart.objects.filter(sheet=sheet).order_by("order", "code"):
        parts[part.pk] = {"code": part.code, "name": part.name, "max_points": float(part.max_points), "criteria": []}
    for c in criteria:
        entry = {"code": c.code, "name": c.name, "max_points": float(c.max_points), "bonus": c.bonus}
        if c.minimum_points is not None or c.minimum_stars is not None:
            entry.update(minimum_points=_number(c.minimum_points), minimum_stars=c.minimum_stars)
        parts[c.part_id]["criteria"].append(entry)
    spec = {"code": sheet.code, "council_rule": sheet.council_rule, "total_points": float(sheet.total_points),
            "parts": list(parts.values()),
            "bands": [{"stars": b.stars, "min_points": float(b.min_points)}
                      for b in StarBand.objects.filter(sheet=sheet)]}
    compiled = compile_sheet(spec)
    by_code = {c.code: c for c in criteria}
    built = SheetSpec(spec, compiled, tuple(by_code[code].pk for code in compiled.criterion_codes), by_code)
    with _lock:
        _specs[sheet_id] = built
    return built


def forget(sheet_id: int | None = None) -> None:
    """Drop the cached spec of a sheet (all sheets when None)."""
    with _lock:
        if sheet_id is None:
            _specs.clear()
        else:
            _specs.pop(sheet_id, None)


@receiver([post_save, post_delete], sender=ScoringSheet, dispatch_uid="ocop.scoring.sheet")
def _sheet_changed(sender, instance, **kwargs):
    forget(instance.pk)


@receiver([post_save, post_delete], sender=SheetPart, dispatch_uid="ocop.scoring.part")
@receiver([post_save, post_delete], sender=SheetCriterion, dispatch_uid="ocop.scoring.criterion")
@receiver([post_save, post_delete], sender=StarBand, dispatch_uid="ocop.scoring.band")
def _row_changed(sender, instance, **kwargs):
    forget(instance.sheet_id)


# --- refreshing the stored results ----------------------------------------------------------------------------------

def _seats(round_ids: set[int]) -> dict[int, list[int]]:
    """round pk → the member pks seated (the round's, or its council's when it lists none)."""
    seats: dict[int, list[int]] = defaultdict(list)
    for round_id, member_id in Round.members.through.objects.filter(round_id__in=round_ids).order_by(
            "round_id", "councilmember_id").values_list("round_id", "councilmember_id"):
        seats[round_id].append(member_id)
    bare = {r for r in round_ids if r not in seats}
    if bare:
        councils = dict(Round.objects.filter(pk__in=bare).values_list("pk", "council_id"))
        by_council: dict[int, list[int]] = defaultdict(list)
        for member_id, council_id in CouncilMember.objects.filter(council_id__in=set(councils.values())).order_by(
                "pk").values_list("pk", "council_id"):
            by_council[council_id].append(member_id)
        for round_id, council_id in councils.items():
            seats[round_id] = by_council[council_id]
    return seats


@dataclass(frozen=True)
class Computed:
    """An evaluation's result as stored."""

    total: Decimal | None
    parts: dict
    stars: int | None
    gates_failed: list
    complete: bool

    @classmethod
    def of(cls, evaluation: Evaluation) -> Computed:
        total = None if evaluation.total is None else Decimal(evaluation.total).quantize(HUNDREDTH)
        return cls(total, evaluation.parts, evaluation.stars, evaluation.gates_failed, evaluation.complete)


def compute(evaluation_ids: Iterable[int]) -> dict[int, Computed]:
    """The results of these evaluations computed from their member scores (nothing written): per sheet, one engine
    pass over all of them."""
    ids = sorted(set(evaluation_ids))
    rows = list(Evaluation.objects.filter(pk__in=ids).values_list("pk", "round_id", "rating__sheet_id"))
    seats = _seats({r for _, r, _ in rows})
    scores: dict[int, list[tuple[int, int, Decimal]]] = defaultdict(list)
    for evaluation_id, member_id, criterion_id, points in MemberScore.objects.filter(
            evaluation_id__in=ids).values_list("evaluation_id", "member_id", "criterion_id", "points"):
        scores[evaluation_id].append((member_id, criterion_id, points))
    by_sheet: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for pk, round_id, sheet_id in rows:
        by_sheet[sheet_id].append((pk, round_id))
    results: dict[int, Computed] = {}
    for sheet_id, evaluations in by_sheet.items():
        results.update(_compute_sheet(spec_of(sheet_id), evaluations, seats, scores))
    return results


def _compute_sheet(sheet: SheetSpec, evaluations: list[tuple[int, int]], seats: dict[int, list[int]],
                   scores: dict[int, list[tuple[int, int, Decimal]]]) -> dict[int, Computed]:
    compiled, column = sheet.compiled, sheet.column()
    n = len(evaluations)
    width = max([len(seats.get(round_id, ())) for _, round_id in evaluations] + [1])
    points = np.full((n, width, compiled.n_criteria), np.nan)
    seated = np.zeros((n, width), dtype=bool)
    for row, (pk, round_id) in enumerate(evaluations):
        members = {m: i for i, m in enumerate(seats.get(round_id, ()))}
        seated[row, :len(members)] = True
        for member_id, criterion_id, value in scores.get(pk, ()):
            slot, col = members.get(member_id), column.get(criterion_id)
            if slot is not None and col is not None:  # a member no longer seated, a criterion of another sheet
                points[row, slot, col] = float(value)
    result = score_batch(compiled, council_points(points, compiled.council_rule),
                         members_complete(points, seated) & seated.any(axis=1))
    out: dict[int, Computed] = {}
    parts_codes, gates = compiled.part_codes, compiled.gate_criteria
    for row, (pk, _round) in enumerate(evaluations):
        complete = bool(result.complete[row])
        valid = complete and not result.out_of_range[row].any()
        failed = [{"criterion": compiled.criterion_codes[c], "minimum_points": float(compiled.gate_minimum[g]),
                   "minimum_stars": int(compiled.gate_stars[g])}
                  for g, c in enumerate(gates) if result.gates_failed[row, g]]
        stars = int(result.stars[row])
        out[pk] = Computed(
            total=Decimal(f"{result.totals[row]:.2f}") if complete else None,
            parts={code: float(result.parts[row, i]) for i, code in enumerate(parts_codes)},
            stars=stars if valid and stars > 0 else None, gates_failed=failed, complete=complete)
    return out


def refresh(evaluations: Iterable[Evaluation | int]) -> int:
    """Recompute and store the results of these evaluations (instances given are updated in place). Returns how many
    rows changed."""
    given = [e for e in evaluations]
    ids = sorted({getattr(e, "pk", e) for e in given})
    changed = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        results = compute(chunk)
        stale = []
        for evaluation in Evaluation.objects.filter(pk__in=chunk).only(
                "pk", "total", "parts", "stars", "gates_failed", "complete"):
            new = results[evaluation.pk]
            if Computed.of(evaluation) != new:
                evaluation.total, evaluation.parts, evaluation.stars = new.total, new.parts, new.stars
                evaluation.gates_failed, evaluation.complete = new.gates_failed, new.complete
                stale.append(evaluation)
        Evaluation.objects.bulk_update(stale, ["total", "parts", "stars", "gates_failed", "complete"])
        changed += len(stale)
    for evaluation in given:
        if isinstance(evaluation, Evaluation):
            evaluation.refresh_from_db(fields=["total", "parts", "stars", "gates_failed", "complete"])
    return changed


EVALUATIONS = Refresh("ocop_evaluations", RESULTS, refresh)


def rebuild() -> int:
    """Recompute every evaluation's result; returns how many evaluations there are."""
    ids = list(Evaluation.objects.values_list("pk", flat=True))
    with writing():
        refresh(ids)
    return len(ids)


def check() -> list[str]:
    """The evaluations whose stored result differs from their scores, in words ([] when in step)."""
    problems = []
    ids = list(Evaluation.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        results = compute(chunk)
        for evaluation in Evaluation.objects.filter(pk__in=chunk).order_by("pk"):
            stored, fresh = Computed.of(evaluation), results[evaluation.pk]
            if stored != fresh:
                problems.append(f"kết quả chấm {evaluation.pk}: lưu {stored.total} điểm, {stored.stars} sao; tính lại "
                                f"được {fresh.total} điểm, {fresh.stars} sao")
    return problems


@receiver([post_save, post_delete], sender=MemberScore, dispatch_uid="ocop.scoring.score")
def _score_changed(sender, instance, **kwargs):
    EVALUATIONS.touch([instance.evaluation_id])


@receiver(m2m_changed, sender=Round.members.through, dispatch_uid="ocop.scoring.seats")
def _seats_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        rounds = [instance.pk]
    else:  # a member's rounds changed
        rounds = list(pk_set or instance.rounds.values_list("pk", flat=True))
    EVALUATIONS.touch(Evaluation.objects.filter(round_id__in=rounds).values_list("pk", flat=True))


@dataclass(frozen=True)
class Explained:
    """One evaluation as a page shows it: the engine's readable result (``engine.Result``: council points per
    criterion, parts, total, stars, missing criteria, failed minimum requirements), the seated members and each one's
    points by criterion code."""

    sheet: SheetSpec
    result: Result
    members: list[CouncilMember]
    points: dict[int, dict[str, Decimal]]  # member pk → criterion code → points


def explain(evaluation: Evaluation) -> Explained:
    """``evaluation`` scored by ``engine.score_one`` from its seated members' points (the same path as ``refresh``)."""
    sheet = spec_of(evaluation.rating.sheet_id)
    seat_ids = _seats({evaluation.round_id})[evaluation.round_id]
    members = sorted(CouncilMember.objects.filter(pk__in=seat_ids), key=lambda m: (m.order, m.pk))
    points: dict[int, dict[str, Decimal]] = {m.pk: {} for m in members}
    for member_id, code, value in MemberScore.objects.filter(evaluation=evaluation, member_id__in=seat_ids).values_list(
            "member_id", "criterion__code", "points"):
        if code in sheet.criteria:
            points[member_id][code] = value
    result = score_one(sheet.compiled, member_points=[{c: float(v) for c, v in points[m.pk].items()}
                                                      for m in members]) if members else score_one(sheet.compiled, {})
    return Explained(sheet, result, members, points)


# --- writing a member's points --------------------------------------------------------------------------------------

def seated(member: CouncilMember, round_: Round) -> bool:
    """Whether ``member`` sits in ``round_``: listed among its members, or — a round listing none — of its council."""
    listed = round_.members.all()
    if listed.exists():
        return listed.filter(pk=member.pk).exists()
    return member.council_id == round_.council_id


def refusal(user, evaluation: Evaluation, member: CouncilMember) -> str | None:
    """Why ``user`` may not write ``member``'s points on ``evaluation`` (None: they may). The command line and the
    demo (no user) may; a council member writes their own points; the offices with ``rate_ocop`` over the
    product's unit write any member's (from the council's score sheets)."""
    if user is None:
        return None
    if member.user_id is not None and member.user_id == getattr(user, "pk", None) and user.is_active:
        return None
    # the offices' right over the product's unit (not scope.ratings: that also lets a council member see the dossier,
    # and a seat lets a member write only their own points)
    if can(user, RATE, evaluation.rating.product.unit):
        return None
    return ("Bạn không được nhập điểm cho hồ sơ này: chỉ thành viên hội đồng (điểm của chính mình) hoặc cơ quan được "
            "giao đánh giá, phân hạng sản phẩm OCOP của đơn vị có sản phẩm mới được nhập.")


def parse_points(value, criterion: SheetCriterion) -> tuple[Decimal | None, str | None]:
    """A point as typed (85,5 / 8.5 / a number; "" or None: no point) checked against ``criterion``: (points, None)
    or (None, the Vietnamese message naming the criterion)."""
    name = f"tiêu chí {criterion.code} «{criterion.name}»"
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    try:
        number = Decimal(str(value)) if isinstance(value, (int, Decimal)) else Decimal(str(parse_number(str(value))))
    except (NumberInvalid, InvalidOperation):
        return None, f"Điểm «{value}» của {name} không phải là số; ghi số điểm, ví dụ 3 hoặc 2,5."
    if not number.is_finite():
        return None, f"Điểm «{value}» của {name} không phải là số; ghi số điểm, ví dụ 3 hoặc 2,5."
    if number < 0 or number > criterion.max_points:
        shown = value.strip() if isinstance(value, str) else points_text(number)
        return None, (f"Điểm {shown} của {name} nằm ngoài thang điểm: ghi từ 0 đến "
                      f"{points_text(criterion.max_points)} điểm.")
    if number != number.quantize(HUNDREDTH):
        return None, f"Điểm {value} của {name} lẻ quá hai chữ số thập phân; làm tròn đến 0,01 điểm."
    return number.quantize(HUNDREDTH), None


def check_scores(evaluation: Evaluation, member: CouncilMember, points: Mapping[str, object], user=None
                 ) -> dict[str, Decimal | None]:
    """The points checked (see ``set_scores``) as {criterion code: points or None (cleared)}; raises ScoreRejected
    with every problem."""
    rating = evaluation.rating
    problems: dict[str, str] = {}
    if rating.state in CLOSED:
        problems[""] = (f"Hồ sơ «{rating}» đã có kết quả ({rating.get_state_display().lower()}), không sửa điểm được "
                        "nữa. Nếu cần đánh giá lại, lập hồ sơ đánh giá mới.")
    elif member.council_id != evaluation.round.council_id or not seated(member, evaluation.round):
        problems[""] = (f"«{member.full_name}» không phải thành viên dự họp của đợt «{evaluation.round}»; chọn thành "
                        "viên khác, hoặc thêm người này vào danh sách thành viên dự họp của đợt.")
    else:
        refused = refusal(user, evaluation, member)
        if refused:
            problems[""] = refused
    if problems:
        raise ScoreRejected(problems)
    criteria = spec_of(rating.sheet_id).criteria
    checked: dict[str, Decimal | None] = {}
    for code, value in points.items():
        criterion = criteria.get(str(code))
        if criterion is None:
            problems[str(code)] = (f"Phiếu «{rating.sheet}» không có tiêu chí mã «{code}». Dùng một trong: "
                                   f"{', '.join(criteria)}.")
            continue
        number, problem = parse_points(value, criterion)
        if problem:
            problems[criterion.code] = problem
        else:
            checked[criterion.code] = number
    if problems:
        raise ScoreRejected(problems)
    return checked


def write_scores(evaluation: Evaluation, member: CouncilMember, checked: Mapping[str, Decimal | None], *, user=None,
                 note: str = "") -> bool:
    """Write checked points (``check_scores``) and audit them, without refreshing the result (the caller touches
    ``EVALUATIONS`` or calls ``refresh``). Returns whether anything changed."""
    criteria = spec_of(evaluation.rating.sheet_id).criteria
    existing = {s.criterion_id: s for s in MemberScore.objects.filter(evaluation=evaluation, member=member,
                                                                      criterion__code__in=list(checked))}
    before, after, new, changed, gone = {}, {}, [], [], []
    for code, points in checked.items():
        criterion = criteria[code]
        score = existing.get(criterion.pk)
        old = None if score is None else score.points
        if old == points:
            continue
        before[code], after[code] = (None if old is None else str(old)), (None if points is None else str(points))
        if points is None:
            gone.append(score.pk)
        elif score is None:
            new.append(MemberScore(evaluation=evaluation, member=member, criterion=criterion, points=points))
        else:
            score.points = points
            changed.append(score)
    if not after:
        return False
    MemberScore.objects.bulk_create(new)
    MemberScore.objects.bulk_update(changed, ["points"])
    if gone:
        MemberScore.objects.filter(pk__in=gone).delete()
    record("update", evaluation, before={"member": member.full_name, "points": before},
           after={"member": member.full_name, "points": after}, user=user,
           note=note or f"Điểm của thành viên «{member.full_name}»")
    return True


def set_scores(evaluation: Evaluation, member: CouncilMember, points: Mapping[str, object], user=None, *,
               note: str = "") -> Evaluation:
    """Write ``member``'s points on ``evaluation`` ({criterion code: points}; None or "" clears a point), audited,
    and refresh the evaluation's result in the same transaction (``evaluation`` is updated in place and returned).
    Raises ScoreRejected (nothing written) when the member does not sit in the round, the user may not score, the
    dossier is closed, or a point is not on the sheet or outside 0..maximum."""
    checked = check_scores(evaluation, member, points, user)
    with writing():
        if write_scores(evaluation, member, checked, user=user, note=note):
            refresh([evaluation])
    return evaluation


__all__ = ["EVALUATIONS", "Computed", "Explained", "ScoreRejected", "SheetSpec", "check", "check_scores", "compute",
           "explain", "forget",
           "parse_points", "rebuild", "refresh", "refusal", "seated", "set_scores", "spec_of", "write_scores"]
