"""Pre- and post-course tests (``TestScore``): the organiser types the scores on the course's page or imports a
file, and reads the results — mean before, mean after, the improvement, the distribution.

**Scores** are kept as typed, with their maximum (``max_score``, 10 by default); the results put every score on a
10-point scale (score ÷ maximum × 10) so that tests marked out of 10 and out of 100 can be read together. The
improvement is the mean of (after − before) over the participants who took both tests; the means before and after are
over everyone who took each.

**The file** (sent from the course's test page; :func:`import_scores` takes the arguments of a registry
``ImportKind``'s ``run``, so it can join ``nongthonso import`` as it is): one row per participant (a row without a
score is skipped), columns ``full_name`` and, to find them, ``email`` or ``phone`` (as at check-in: an exact e-mail,
phone digits, or the full name — with ``unit_code`` when two people share it), ``pre_score`` and/or ``post_score``,
optionally ``max_score`` (10 if absent) and ``course_code`` (required outside a course's page). All rows or nothing;
each error names the row, the column, the value and the fix. One audit entry per changed score. The course's page
offers its participants in these columns to fill in (an export imports back).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _lazy

from nongthonso.accounts.services import scope_paths
from nongthonso.audit.services import record
from nongthonso.core.imports import (
    PREVIEW_CHANGES,
    Change,
    ErrorList,
    ImportFailed,
    ImportResult,
    Progress,
    RowError,
    TableFile,
    no_data_message,
)
from nongthonso.core.vocabulary import NumberInvalid, parse_number

from . import scope
from .apps import ORGANISE
from .checkin import folded_name, phone_digits, require_organiser
from .checkin_cache import candidates
from .models import Course, Participant, TestKind, TestScore

REQUIRED = ("full_name",)
OPTIONAL = ("course_code", "email", "phone", "unit_code", "pre_score", "post_score", "max_score")
COLUMNS_TEXT = _lazy("full_name, email hoặc phone (để tìm học viên), pre_score và/hoặc post_score, thêm được "
                     "max_score (mặc định 10), unit_code (khi hai người trùng tên), course_code (mã khoá; bắt buộc khi "
                     "nhập ngoài trang của khoá).")
DEFAULT_MAX = Decimal(10)
KIND_COLUMNS = {TestKind.PRE: "pre_score", TestKind.POST: "post_score"}
BANDS = ((0, 2), (2, 4), (4, 6), (6, 8), (8, 10))  # on the 10-point scale; the last band includes 10
NOBODY = ("Chỉ ban tổ chức khoá tập huấn (hoặc Văn phòng Điều phối NTM tỉnh) nhập được điểm kiểm tra. Gửi tệp cho ban "
          "tổ chức, hoặc chọn loại dữ liệu khác.")


def may_import(user) -> bool:
    """Whether ``user`` organises any course (asked before a file is read)."""
    return scope_paths(user, ORGANISE) != []


def decimal_text(value: Decimal) -> str:
    """A stored score as people type it: 8.50 → «8.5», 10.00 → «10» (never «1E+1»)."""
    return format(value.normalize(), "f")


# --- reading a score --------------------------------------------------------------------------------------------

class ScoreInvalid(ValueError):
    pass


def parse_score(raw: str, maximum: Decimal) -> Decimal | None:
    """A score as typed («8,5», «8.5», «9»); None for an empty cell. Raises :class:`ScoreInvalid` with what to do."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = parse_number(raw)
    except NumberInvalid:
        raise ScoreInvalid(f"«{raw}» không phải là điểm. Ghi số, dùng dấu phẩy cho phần thập phân, ví dụ "
                           "8,5.") from None
    if not math.isfinite(value) or value < 0 or value > float(maximum):
        raise ScoreInvalid(f"điểm {raw} ngoài thang điểm 0–{decimal_text(maximum)}. Sửa điểm, hoặc ghi "
                           "thang điểm của bài ở cột max_score.")
    return Decimal(str(round(value, 2)))


def parse_max(raw: str) -> Decimal:
    raw = (raw or "").strip()
    if not raw:
        return DEFAULT_MAX
    try:
        value = parse_number(raw)
    except NumberInvalid:
        raise ScoreInvalid(f"«{raw}» không phải là số. Ghi thang điểm của bài, ví dụ 10 hoặc 100.") from None
    if not math.isfinite(value) or value <= 0 or value > 999:
        raise ScoreInvalid("thang điểm phải lớn hơn 0 và không quá 999, ví dụ 10 hoặc 100.")
    return Decimal(str(round(value, 2)))


# --- writing ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Wanted:
    """A participant's score of one test as it should be: ``score`` None removes it."""

    participant: Participant
    kind: str
    score: Decimal | None
    max_score: Decimal = DEFAULT_MAX


def _after(s: TestScore) -> dict:
    return {"participant": s.participant_id, "kind": s.kind, "score": str(s.score), "max_score": str(s.max_score)}


def _plan(wanted: Iterable[Wanted]) -> list[tuple[str, Wanted, TestScore | None]]:
    """(action, wanted, existing) for each score that changes: create, update or delete."""
    wanted = list(wanted)
    existing = {(s.participant_id, s.kind): s for s in TestScore.objects.filter(
        participant__in={w.participant.pk for w in wanted})}
    plan = []
    for w in wanted:
        current = existing.get((w.participant.pk, w.kind))
        if w.score is None:
            if current is not None:
                plan.append(("delete", w, current))
        elif current is None:
            plan.append(("create", w, None))
        elif (current.score, current.max_score) != (w.score, w.max_score):
            plan.append(("update", w, current))
    return plan


def _write(plan, user, note: str = "") -> None:
    for action, w, current in plan:
        if action == "delete":
            record("delete", current, before=_after(current), user=user, note=note)
            current.delete()
            continue
        before = None if current is None else _after(current)
        score = current or TestScore(participant=w.participant, kind=w.kind)
        score.score, score.max_score, score.recorded_by = w.score, w.max_score, user
        score.save()
        record(action, score, before=before, after=_after(score), user=user, note=note)


@transaction.atomic
def save_scores(user, course: Course, wanted: Iterable[Wanted]) -> int:
    """Set the scores typed on the course's page (audited, one entry per changed score); returns how many changed."""
    require_organiser(user, course)
    wanted = [w for w in wanted if w.participant.course_id == course.pk]
    plan = _plan(wanted)
    _write(plan, user)
    return len(plan)


# --- the file ----------------------------------------------------------------------------------------------------

class _People:
    """The participants of the courses a file names, looked up as at check-in, one query per course."""

    def __init__(self):
        self.by_course: dict[int, list[Participant]] = {}

    def of(self, course: Course) -> list[Participant]:
        if course.pk not in self.by_course:
            self.by_course[course.pk] = list(candidates(course.pk).select_related("unit"))
        return self.by_course[course.pk]

    def find(self, course: Course, raw: dict[str, str]) -> tuple[Participant | None, str, str]:
        """(the participant, "", "") or (None, the column, the message)."""
        people = self.of(course)
        email = raw.get("email", "").strip().lower()
        phone = phone_digits(raw.get("phone", ""))
        if raw.get("phone", "").strip() and not phone:
            return None, "phone", "không phải số điện thoại Việt Nam. Ghi dạng 0912 345 678 hoặc để trống."
        if email:
            found, column = [p for p in people if p.email.lower() == email], "email"
        elif phone:
            found, column = [p for p in people if phone_digits(p.phone) == phone], "phone"
        else:
            name = folded_name(raw.get("full_name", ""))
            if not name:
                return None, "full_name", ("thiếu họ tên (và không có email, phone). Ghi họ tên học viên như khi "
                                           "đăng ký, hoặc e-mail hay số điện thoại của họ.")
            found = [p for p in people if folded_name(p.full_name) == name]
            unit = raw.get("unit_code", "").strip()
            if unit:
                found = [p for p in found if p.unit is not None and p.unit.code == unit]
            column = "full_name"
        if len(found) == 1:
            return found[0], "", ""
        if found:
            return None, column, ("khớp với nhiều học viên của khoá. Thêm e-mail, số điện thoại hoặc mã đơn vị "
                                  "(unit_code) để phân biệt.")
        return None, column, (f"không có học viên nào của khoá «{course.code}» khớp. Kiểm tra lại (e-mail, số điện "
                              "thoại như khi đăng ký; họ tên đầy đủ), hoặc đăng ký học viên trước khi nhập điểm.")


def import_scores(path: str | Path, dry_run: bool = False, *, user=None, name: str | None = None,
                  progress: Progress | None = None, course: Course | None = None) -> ImportResult:
    """Import pre/post test scores, all rows or nothing (see the module's note). ``course``: the course whose page
    the file was sent from (its rows need no ``course_code``); ``user`` None: the command line. Raises
    ImportFailed with every error."""
    if user is not None and not may_import(user):
        raise ImportFailed([RowError(0, "", "", NOBODY)])
    table = TableFile(path, REQUIRED, OPTIONAL, name=name)
    allowed = Course.objects.all() if user is None else scope.organised_courses(user)
    courses: dict[str, Course | None] = {}
    people = _People()
    errors = ErrorList()
    wanted: list[Wanted] = []
    rows_of: dict[tuple[int, str], int] = {}
    rows = 0
    for n, raw in table.rows():
        rows += 1
        row_errors: list[RowError] = []
        target = course
        code = raw.get("course_code", "").strip()
        if code and (course is None or code != course.code):
            if course is not None:
                row_errors.append(RowError(n, "course_code", code, (
                    f"dòng này ghi khoá «{code}», nhưng tệp đang nhập cho khoá «{course.code}». Sửa mã khoá hoặc bỏ "
                    "cột course_code.")))
            else:
                if code not in courses:
                    courses[code] = allowed.filter(code=code).first()
                target = courses[code]
                if target is None:
                    row_errors.append(RowError(n, "course_code", code, (
                        "không có khoá tập huấn mã này trong các khoá bạn tổ chức. Kiểm tra mã khoá (trên trang của "
                        "khoá).")))
        elif target is None:
            row_errors.append(RowError(n, "course_code", "", "thiếu mã khoá. Ghi mã khoá tập huấn ở cột course_code."))
        try:
            maximum = parse_max(raw.get("max_score", ""))
        except ScoreInvalid as bad:
            row_errors.append(RowError(n, "max_score", raw.get("max_score", ""), str(bad)))
            maximum = None
        scores = {}
        if maximum is not None:
            for kind, column in KIND_COLUMNS.items():
                try:
                    scores[kind] = parse_score(raw.get(column, ""), maximum)
                except ScoreInvalid as bad:
                    row_errors.append(RowError(n, column, raw.get(column, ""), str(bad)))
            if not row_errors and all(v is None for v in scores.values()):
                continue  # nobody's score on this row (a participant who took no test): nothing to do
        person = None
        if target is not None:
            person, column, message = people.find(target, raw)
            if person is None:
                row_errors.append(RowError(n, column, raw.get(column, ""), message))
        for error in row_errors:
            errors.add(error)
        if row_errors or person is None:
            continue
        for kind, score in scores.items():
            if score is None:
                continue
            key = (person.pk, kind)
            if key in rows_of:
                errors.add(RowError(n, KIND_COLUMNS[kind], raw.get(KIND_COLUMNS[kind], ""), (
                    f"học viên này đã có điểm {TestKind(kind).label.lower()} ở dòng {rows_of[key]}. Giữ lại một "
                    "dòng cho mỗi người.")))
                continue
            rows_of[key] = n
            wanted.append(Wanted(person, kind, score, maximum))
    if progress is not None:
        progress("check", rows, table.size, table.size)
    if not errors and not rows:
        raise ImportFailed([RowError(0, "", "", no_data_message(table.name))])
    if not errors and not wanted:
        raise ImportFailed([RowError(0, "", "", (
            f"Tệp «{table.name}» không có điểm nào. Ghi điểm đầu khoá (pre_score), cuối khoá (post_score) hoặc cả hai "
            "vào dòng của từng học viên; để trống dòng của người không làm bài."))])
    if errors:
        raise errors.fail()
    plan = _plan(wanted)
    result = ImportResult(dry_run=dry_run)
    result.created = sum(action == "create" for action, _w, _c in plan)
    result.updated = sum(action == "update" for action, _w, _c in plan)
    result.unchanged = len(wanted) - len(plan)
    for action, w, current in plan[:PREVIEW_CHANGES]:
        result.changes.append(Change(
            rows_of[(w.participant.pk, w.kind)], action,
            f"{w.participant.full_name} · {TestKind(w.kind).label}",
            "" if current is None else f"{decimal_text(current.score)}/{decimal_text(current.max_score)}",
            f"{decimal_text(w.score)}/{decimal_text(w.max_score)}"))
    if not dry_run:
        with transaction.atomic():
            _write(plan, user, note=f"Nhập tệp {table.name}")
    return result


# --- results -----------------------------------------------------------------------------------------------------

@dataclass
class ScoreResults:
    pre: list[float]  # each score on the 10-point scale
    post: list[float]
    pairs: list[tuple[float, float]]  # (before, after) of those who took both

    @staticmethod
    def _mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    @property
    def mean_pre(self) -> float | None:
        return self._mean(self.pre)

    @property
    def mean_post(self) -> float | None:
        return self._mean(self.post)

    @property
    def improvement(self) -> float | None:
        return self._mean([after - before for before, after in self.pairs])

    @property
    def improved(self) -> int:
        return sum(after > before for before, after in self.pairs)

    @property
    def unchanged(self) -> int:
        return sum(after == before for before, after in self.pairs)

    @property
    def worse(self) -> int:
        return sum(after < before for before, after in self.pairs)

    def distribution(self) -> list[dict]:
        """Per band of the 10-point scale: its label and how many scores before and after fall in it."""
        def band(value: float) -> int:
            return min(int(value // 2), len(BANDS) - 1)

        counts = {kind: [0] * len(BANDS) for kind in ("pre", "post")}
        for kind, values in (("pre", self.pre), ("post", self.post)):
            for value in values:
                counts[kind][band(value)] += 1
        last = len(BANDS) - 1
        return [{"label": f"{lo}–{hi}" if i == last else f"{lo} – dưới {hi}", "pre": counts["pre"][i],
                 "post": counts["post"][i]} for i, (lo, hi) in enumerate(BANDS)]


def score_results(course: Course) -> ScoreResults:
    """The course's test results (see the module's note), from its ``TestScore`` rows. One query."""
    by_person: dict[int, dict[str, float]] = {}
    for participant_id, kind, score, maximum in TestScore.objects.filter(participant__course=course).values_list(
            "participant_id", "kind", "score", "max_score"):
        by_person.setdefault(participant_id, {})[kind] = float(score) / float(maximum) * 10
    pre = [s[TestKind.PRE] for s in by_person.values() if TestKind.PRE in s]
    post = [s[TestKind.POST] for s in by_person.values() if TestKind.POST in s]
    pairs = [(s[TestKind.PRE], s[TestKind.POST]) for s in by_person.values() if len(s) == 2]
    return ScoreResults(pre, post, pairs)


def scores_by_participant(course: Course) -> dict[int, dict[str, TestScore]]:
    found: dict[int, dict[str, TestScore]] = {}
    for s in TestScore.objects.filter(participant__course=course):
        found.setdefault(s.participant_id, {})[s.kind] = s
    return found
