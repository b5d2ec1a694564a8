"""Attendance from a video platform's report: ``nongthonso import attendance FILE --session ID [--dry-run]``, the
session's page «Nhập điểm danh» (``views_import``) and ``POST /api/imports/attendance?session=ID``.

The file — Zoom's participants report, Google Meet's or Microsoft Teams' attendance report, or the project's own
CSV, told apart by the header (``attendance_formats``) — is read once, as a stream. Each row is matched to a
participant of the session's course **by e-mail, then phone, then name** (folded: «Nguyen Van An» is «Nguyễn Văn
An»; for «Nguyễn Văn An (iPhone)» the part before and the part in the brackets too): the first that finds exactly
one participant decides. A key shared by two participants is ambiguous: the row is not guessed, it is *unmatched*,
with both as suggestions. Rows of one person (someone who left and joined again) are summed: one attendance row per
participant, its minutes the total (seconds summed, rounded to the nearest minute).

Unmatched people are listed, each with its first row; the import writes nothing while one is left without a choice
(``resolutions``: its first row → a participant's id, ``NEW`` — a participant created from the row's name, e-mail
and phone, registered via import — or ``SKIP``, e.g. the host's own device). The command line and the API take one
choice for all (``--add-unmatched``, ``--skip-unmatched``); without it they refuse with the list.

What is written, all or nothing, in one transaction: the new participants, then per participant one ``Attendance``
row of the session — online (``mode``), recorded by the report's platform (``method``: zoom, meet, teams, csv), at
the participant's bridge point when it is a sub-point, with the minutes. A participant's existing row for the session
is updated, not duplicated; one recorded **in person** (QR check-in, the main point's roll call) is kept as it is: a
report of who was connected online does not undo that they were in the room (the project's own file may say
``in_person`` itself). One audit entry for the import (the file's name and SHA-256, the format, the counts), not one
per row. The permission: the course's organisers (``scope.organised_courses``); the command line acts as the system.

Fast on big files (docs/performance.md, «Attendance import»): the participants are read once into dicts (the name
index only when a row needs it: folding costs more than the rest of a row), no query per row, the rows inserted in
batches (``core.bulk.insert_rows``: a JSON array a statement on SQLite, ``COPY`` on PostgreSQL), updates with one
``executemany``.
Memory grows with the number of people in the file, not with its rows.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from nongthonso.accounts.services import scope_paths
from nongthonso.audit.services import record
from nongthonso.core.bulk import insert_rows
from nongthonso.core.imports import ImportFailed, ImportResult, Progress, RowError
from nongthonso.core.registry import active_user
from nongthonso.core.text import format_number, vi_sort_key

from .apps import ORGANISE
from .attendance_formats import (
    OWN,
    Format,
    ReportFile,
    ReportRow,
    header_key,
    name_key,
    name_keys,
    phone_key,
)
from .models import Attendance, AttendanceMode, BridgePoint, Participant, RegisteredVia, Session
from .scope import organised_courses

KIND = "attendance"
NEW, SKIP = "new", "skip"  # the choices for an unmatched person besides a participant's id
PREVIEW = 100  # matched people listed on the page
PROGRESS_ROWS = 10_000
BATCH = 5000
ONLINE_WORDS = {"online", "truc tuyen"}
IN_PERSON_WORDS = {"in_person", "in person", "truc tiep"}
ATTENDANCE_FIELDS = ("session", "participant", "mode", "bridge_point", "method", "minutes", "recorded_by",
                     "recorded_at", "synthetic")


def minutes_of(seconds: int | None) -> int | None:
    """Whole minutes, rounded to the nearest (a half minute up)."""
    return None if seconds is None else (seconds + 30) // 60


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# --- the course's people, indexed -----------------------------------------------------------------------------------

def _index(pairs: Iterable[tuple[str, int]]) -> dict[str, Any]:
    """key → the one participant's id, or a tuple of ids when the key is shared (ambiguous); empty keys left out."""
    index: dict[str, Any] = {}
    setdefault = index.setdefault
    for key, pk in pairs:
        found = setdefault(key, pk)
        if found != pk:
            if isinstance(found, int):
                index[key] = (found, pk)
            elif pk not in found:
                index[key] = (*found, pk)
    index.pop("", None)
    return index


class Roster:
    """The participants of a course (not erased), indexed by e-mail, phone and — once a row needs it — name; and
    the course's bridge points."""

    def __init__(self, course):
        self.course = course
        points = list(BridgePoint.objects.filter(course=course).values_list("pk", "name", "is_main"))
        self.points = {pk: (name, main) for pk, name, main in points}
        self.main_point = next((pk for pk, _name, main in points if main), None)
        self.point_by_name = {name_key(name): pk for pk, name, _main in points}
        # id → registered bridge point: every participant, and only what a row needs (names are read when needed)
        self.people: dict[int, int | None] = {}
        emails, phones = [], []
        rows = self._participants().values_list("pk", "bridge_point_id", "email", "phone")
        for pk, point, email, phone in rows.iterator(chunk_size=BATCH):
            self.people[pk] = point
            if email:
                emails.append((email.strip().lower(), pk))
            if phone:
                phones.append((phone_key(phone), pk))
        self.by_email, self.by_phone = _index(emails), _index(phones)
        self._by_name: dict[str, Any] | None = None

    @property
    def by_name(self) -> dict[str, Any]:
        """Name key → participant id(s), built when a row first needs it."""
        if self._by_name is None:
            ids, names = [], []
            for pk, full_name in self._participants().values_list("pk", "full_name").iterator(chunk_size=BATCH):
                ids.append(pk)
                names.append(full_name)
            self._by_name = _index(zip(name_keys(names), ids, strict=True))
        return self._by_name

    def _participants(self):
        return Participant.objects.filter(course=self.course, erased_at__isnull=True)

    def names(self, pks: Iterable[int]) -> dict[int, str]:
        """The full names of the participants ``pks`` (one query)."""
        return dict(self._participants().filter(pk__in=list(pks)).values_list("pk", "full_name"))

    def find(self, row: ReportRow) -> tuple[int | None, str, tuple[int, ...]]:
        """(participant id, matched by what, ()) — or (None, why not, the participants it could be)."""
        candidates: tuple[int, ...] = ()
        for how, index, key in (("email", self.by_email, row.email), ("phone", self.by_phone, row.phone)):
            if key:
                hit = index.get(key)
                if hit is not None:
                    if isinstance(hit, int):
                        return hit, how, ()
                    candidates = candidates or hit
        by_name = self.by_name
        for key in row.names:
            hit = by_name.get(key)
            if hit is not None:
                if isinstance(hit, int):
                    return hit, "name", ()
                candidates = candidates or hit
        return None, ("ambiguous" if candidates else "not_found"), candidates

    def point_name(self, pk: int | None) -> str:
        return self.points[pk][0] if pk in self.points else ""

    def sub_point(self, participant: int | None) -> int | None:
        """The participant's registered bridge point when it is a sub-point (online attendance is at it)."""
        point = self.people.get(participant)
        return point if point is not None and not self.points[point][1] else None

    def choices(self, only: Iterable[int] | None = None) -> list[tuple[int, str]]:
        """(id, «Nguyễn Văn An · Điểm cầu xã Hùng Sơn · an@… · 0912…») for every participant (or those ``only``), in
        Vietnamese order: what the organiser picks from for an unmatched person."""
        people = self._participants()
        if only is not None:
            people = people.filter(pk__in=list(only))
        found = sorted((vi_sort_key(full_name), pk, " · ".join(p for p in (full_name, self.point_name(point), email,
                                                                          phone) if p))
                       for pk, full_name, point, email, phone in people.values_list(
                           "pk", "full_name", "bridge_point_id", "email", "phone"))
        return [(pk, text) for _key, pk, text in found]

    def suggestions(self, person: Unmatched, n: int = 5) -> list[int]:
        """The participants an unmatched person most likely is: those sharing its key (ambiguous), else those whose
        names are closest (``difflib``, ratio ≥ 0,6)."""
        if person.candidates:
            return list(person.candidates)
        if not person.name:
            return []
        by_name = self.by_name
        close = difflib.get_close_matches(name_key(person.name), list(by_name), n=n, cutoff=0.6)
        found = [by_name[key] for key in close]
        return [pk for hit in found for pk in ((hit,) if isinstance(hit, int) else hit)][:n]


# --- what the file says, per person ---------------------------------------------------------------------------------

class Found:
    """A participant's rows in the file, summed (``name``: as the file shows it, kept for the preview's first lines and
    for a participant to create)."""

    __slots__ = ("contact", "how", "mode", "name", "participant", "point", "row", "rows", "seconds")

    def __init__(self, participant: int | None, how: str, row: int, name: str, seconds: int | None, mode: str,
                 point: int | None, rows: int = 1):
        self.participant = participant  # None: a participant to create (an unmatched person added)
        self.how = how  # email, phone, name, chosen (by the organiser), new
        self.row, self.rows, self.name, self.seconds = row, rows, name, seconds
        self.mode, self.point = mode, point
        self.contact = ("", "")  # a participant to create: their e-mail and phone

    def add(self, seconds: int | None, mode: str, point: int | None, rows: int = 1) -> None:
        self.rows += rows
        if seconds is not None:
            self.seconds = (self.seconds or 0) + seconds
        if mode == AttendanceMode.IN_PERSON:  # in the room at some time: in person
            self.mode = mode
        if self.point is None:
            self.point = point


@dataclass
class Unmatched:
    """A person of the file matched with no participant (all their rows), waiting for the organiser's choice."""

    row: int  # the first row: the person's key in ``resolutions``
    name: str
    email: str
    phone: str
    reason: str  # not_found, ambiguous
    candidates: tuple[int, ...]
    seconds: int | None = None
    rows: int = 0
    mode: str = ""
    point: int | None = None
    row_numbers: list[int] = field(default_factory=list)  # the first few

    @property
    def minutes(self) -> int | None:
        return minutes_of(self.seconds)

    def add(self, row: ReportRow, mode: str, point: int | None) -> None:
        self.rows += 1
        if len(self.row_numbers) < 5:
            self.row_numbers.append(row.row)
        if row.seconds is not None:
            self.seconds = (self.seconds or 0) + row.seconds
        if mode == AttendanceMode.IN_PERSON:
            self.mode = mode
        if self.point is None:
            self.point = point


@dataclass
class Line:
    """A matched person as the preview lists them."""

    row: int
    rows: int
    shown: str  # the name in the file
    participant: Any  # the participant's name («… (mới)» for one to create)
    how: str
    minutes: int | None
    point: str
    action: str  # create, update, unchanged, in_person (kept: recorded in person)


@dataclass
class AttendanceResult(ImportResult):
    format: Format | None = None
    sha256: str = ""
    rows: int = 0  # data rows read
    people: int = 0  # participants the file gives attendance for
    added: int = 0  # participants created from unmatched people
    skipped: int = 0  # rows of people the organiser skipped
    kept_in_person: int = 0  # participants recorded in person, left so
    lines: list[Line] = field(default_factory=list)  # the first PREVIEW matched people
    unresolved: list[Unmatched] = field(default_factory=list)
    roster: Roster | None = None
    name_column: str = ""  # the file's column of names, as written

    def summary(self) -> str:
        verb = "Sẽ" if self.dry_run else "Đã"
        text = (f"{verb} ghi điểm danh của {format_number(self.people)} học viên: tạo mới {format_number(self.created)}"
                f", cập nhật {format_number(self.updated)}, giữ nguyên {format_number(self.unchanged)}.")
        if self.dry_run:
            text += " (Chạy thử: chưa ghi gì vào cơ sở dữ liệu.)"
        return text


class Unresolved(ImportFailed):
    """Writing was asked with unmatched people left without a choice: nothing written. ``result``: the check's result
    (its ``unresolved`` lists them)."""

    def __init__(self, result: AttendanceResult, errors: list[RowError]):
        self.result = result
        super().__init__(errors)


def unresolved_errors(result: AttendanceResult, how: str) -> list[RowError]:
    """A row error per unmatched person; ``how``: what the reader can do about it (the command line's switches, the
    page …)."""
    column, roster = result.name_column, result.roster
    known = roster.names(pk for person in result.unresolved for pk in person.candidates[:5])
    errors = []
    for person in result.unresolved:
        who = person.name or person.email or person.phone
        if person.reason == "ambiguous":
            names = ", ".join(f"«{known.get(pk, '')}» (#{pk})" for pk in person.candidates[:5])
            why = f"khớp với {len(person.candidates)} học viên ({names}) nên không tự chọn được."
        else:
            why = "không khớp học viên nào của khoá (theo thư điện tử, điện thoại, họ tên)."
        more = f" (cùng {person.rows - 1} dòng khác của người này)" if person.rows > 1 else ""
        errors.append(RowError(person.row, column, who, f"{why}{more} {how}"))
    return errors


# --- the import -----------------------------------------------------------------------------------------------------

def _mode_and_point(row: ReportRow, fmt: Format, roster: Roster, report) -> tuple[str, int | None] | None:
    """The mode and bridge point a row says (the project's own file), checked; None after a row error."""
    if fmt is not OWN:
        return AttendanceMode.ONLINE, None
    point = None
    if row.point:
        point = roster.point_by_name.get(name_key(row.point))
        if point is None:
            names = ", ".join(f"«{name}»" for name, _main in list(roster.points.values())[:10])
            report.errors.add(RowError(row.row, report.column("bridge_point"), row.point, (
                "khoá không có điểm cầu tên này. Ghi đúng tên một điểm cầu của khoá "
                f"({names or 'khoá chưa có điểm cầu'}) hoặc để trống.")))
            return None
    word = header_key(row.mode)
    if word in IN_PERSON_WORDS:
        mode = AttendanceMode.IN_PERSON
    elif word in ONLINE_WORDS:
        mode = AttendanceMode.ONLINE
    elif not word:
        mode = AttendanceMode.IN_PERSON if point is not None and roster.points[point][1] else AttendanceMode.ONLINE
    else:
        report.errors.add(RowError(row.row, report.column("mode"), row.mode, (
            "hình thức dự phải là «trực tuyến» (online) hoặc «trực tiếp» (in_person), hoặc để trống (theo điểm cầu).")))
        return None
    if point is not None and roster.points[point][1] != (mode == AttendanceMode.IN_PERSON):
        there = ("chính: học viên ở đó dự trực tiếp" if roster.points[point][1]
                 else "phụ: học viên ở đó dự trực tuyến")
        report.errors.add(RowError(row.row, report.column("mode"), row.mode, (
            f"«{row.point}» là điểm cầu {there}. Sửa hình thức dự, hoặc để trống ô này.")))
        return None
    return mode, point


def _read(path, name: str | None, roster: Roster, progress: Progress | None
          ) -> tuple[ReportFile, dict[int, Found], dict[tuple, Unmatched], int]:
    """Read the file: (the file, participant → Found, key → Unmatched, data rows). Raises ImportFailed."""
    table = ReportFile(path, name)
    found: dict[int, Found] = {}
    unmatched: dict[tuple, Unmatched] = {}
    find = roster.find
    n = 0
    online, by_email = AttendanceMode.ONLINE, roster.by_email
    own = None  # whether the file is the project's own (its rows say mode and point), once the header is read
    for n, row in enumerate(table.rows(), start=1):
        if own is None:
            own = table.report.format is OWN
        mode, point = online, None
        if own:
            said = _mode_and_point(row, OWN, roster, table.report)
            if said is None:
                continue
            mode, point = said
        participant = by_email.get(row.email) if row.email else None  # most rows: found at once
        if isinstance(participant, int):
            how, candidates = "email", ()
        else:
            participant, how, candidates = find(row)
        if participant is not None:
            known = found.get(participant)
            if known is None:  # the name only for the preview's lines: memory grows with people, not with names
                found[participant] = Found(participant, how, row.row, row.name if len(found) < PREVIEW else "",
                                           row.seconds, mode, point)
            else:
                known.add(row.seconds, mode, point)
        else:
            key = ("email", row.email) if row.email else ("phone", row.phone) if row.phone else ("name", row.names[0])
            person = unmatched.get(key)
            if person is None:
                person = unmatched[key] = Unmatched(row.row, row.name, row.email, row.phone, how, candidates)
            person.add(row, mode, point)
        if progress is not None and n % PROGRESS_ROWS == 0:
            progress("check", n, table.position, table.size)
    if progress is not None:
        progress("check", n, table.size, table.size)
    report = table.report
    if report is not None and report.errors:
        raise report.errors.fail()
    if n == 0:
        raise ImportFailed([RowError(0, "", "", (
            f"Tệp «{table.name}» có dòng tiêu đề ({report.format.label}) nhưng không có dòng nào về người tham dự. "
            "Kiểm tra đã tải đúng báo cáo của buổi học."))])
    return table, found, unmatched, n


def _resolve(unmatched: Iterable[Unmatched], resolutions: Mapping[int, Any], policy: str, roster: Roster,
             found: dict[Any, Found], result: AttendanceResult, column: str) -> list[RowError]:
    """Apply the organiser's choices (or the policy for all): merge, create, skip; the rest stay in
    ``result.unresolved``. Returns row errors (a choice naming no participant of the course, a bad e-mail for a
    participant to create)."""
    errors = []
    new = 0
    for person in unmatched:
        choice = resolutions.get(person.row) or {"add": NEW, "skip": SKIP}.get(policy)
        if choice == SKIP:
            result.skipped += person.rows
        elif choice == NEW:
            if person.email:
                try:
                    validate_email(person.email)
                except ValidationError:
                    errors.append(RowError(person.row, column, person.email, (
                        "thư điện tử này không hợp lệ nên không tạo học viên mới với nó được. Sửa ô này, hoặc chọn "
                        "một học viên có sẵn.")))
                    continue
            new -= 1  # a placeholder key until the participant is created
            found[new] = added = Found(None, "new", person.row, person.name or person.email or person.phone,
                                       person.seconds, person.mode or AttendanceMode.ONLINE, person.point, person.rows)
            added.contact = (person.email, person.phone)
            result.added += 1
        elif isinstance(choice, int):
            if choice not in roster.people:
                errors.append(RowError(person.row, column, str(choice), (
                    "người được chọn không phải học viên của khoá (hoặc đã bị xóa). Chọn lại.")))
                continue
            known = found.get(choice)
            if known is None:
                found[choice] = Found(choice, "chosen", person.row, person.name, person.seconds,
                                      person.mode or AttendanceMode.ONLINE, person.point, person.rows)
            else:
                known.add(person.seconds, person.mode or AttendanceMode.ONLINE, person.point, rows=person.rows)
        else:
            result.unresolved.append(person)
    return errors


def _plan(session: Session, found: dict[Any, Found], roster: Roster, method: str, result: AttendanceResult
          ) -> tuple[list[Found], list[tuple], list[tuple]]:
    """What to write: (people to create, attendance rows to insert — (participant id, mode, point, minutes), the id
    None for a participant to create, in the order of ``people to create`` —, rows to update — (attendance id, mode,
    point, minutes)); the counts into ``result``, and the preview's first lines."""
    existing = {pid: rest for pid, *rest in Attendance.objects.filter(session=session).values_list(
        "participant_id", "pk", "mode", "method", "bridge_point_id", "minutes").iterator(chunk_size=BATCH)}
    to_create, inserts, updates = [], [], []
    online, in_person = AttendanceMode.ONLINE, AttendanceMode.IN_PERSON
    people, points, main_point = roster.people, roster.points, roster.main_point
    kept = unchanged = 0
    for person in found.values():
        pid, seconds = person.participant, person.seconds
        minutes = None if seconds is None else (seconds + 30) // 60
        mode, point = person.mode or online, person.point
        if point is None:
            if mode != online:
                point = main_point
            elif pid is not None:  # online: at the participant's own point when it is a sub-point
                registered = people[pid]
                point = registered if registered is not None and not points[registered][1] else None
        old = existing.get(pid) if pid is not None else None
        if old is None:
            if pid is None:
                to_create.append(person)
            inserts.append((pid, mode, point, minutes))
            action = "create"
        elif mode == online and old[1] == in_person:
            kept += 1
            action = "in_person"
        elif old[1] == mode and old[2] == method and old[3] == point and old[4] == minutes:
            unchanged += 1
            action = "unchanged"
        else:
            updates.append((old[0], mode, point, minutes))
            action = "update"
        if len(result.lines) < PREVIEW:  # the participant's name below
            result.lines.append(Line(person.row, person.rows, person.name, pid, person.how, minutes,
                                     roster.point_name(point), action))
    named = roster.names(line.participant for line in result.lines if line.participant is not None)
    for line in result.lines:
        line.participant = named.get(line.participant, "") if line.participant is not None else f"{line.shown} (mới)"
    result.created, result.updated = len(inserts), len(updates)
    result.unchanged, result.kept_in_person = unchanged + kept, kept
    result.people = len(found)
    return to_create, inserts, updates


def _write(session: Session, to_create: list[Found], inserts: list[tuple], updates: list[tuple], method: str,
           user, result: AttendanceResult, name: str) -> None:
    now = timezone.now()
    user_id = user.pk if user is not None else None
    if to_create:
        people = [Participant(course_id=session.course_id, full_name=p.name, email=p.contact[0], phone=p.contact[1],
                              bridge_point_id=p.point, registered_via=RegisteredVia.IMPORT, registered_by_id=user_id,
                              registered_at=now) for p in to_create]
        Participant.objects.bulk_create(people, batch_size=1000)
    created = iter([participant.pk for participant in people] if to_create else [])
    when = Attendance._meta.get_field("recorded_at").get_db_prep_save(now, connection)
    session_id = session.pk
    rows = ((session_id, next(created) if pid is None else pid, mode, point, method, minutes, user_id, when, False)
            for pid, mode, point, minutes in inserts)
    insert_rows(Attendance, ATTENDANCE_FIELDS, rows, batch=BATCH)
    if updates:
        table = connection.ops.quote_name(Attendance._meta.db_table)
        sql = (f"UPDATE {table} SET mode = %s, bridge_point_id = %s, method = %s, minutes = %s, recorded_by_id = %s, "
               "recorded_at = %s WHERE id = %s")
        with connection.cursor() as cursor:
            for start in range(0, len(updates), BATCH):
                cursor.executemany(sql, [(mode, point, method, minutes, user_id, when, pk)
                                         for pk, mode, point, minutes in updates[start:start + BATCH]])
    record("import", session, user=user, after={
        "file": name, "sha256": result.sha256, "format": result.format.code, "rows": result.rows,
        "participants": result.people, "created": result.created, "updated": result.updated,
        "unchanged": result.unchanged, "kept_in_person": result.kept_in_person, "participants_added": result.added,
        "skipped_rows": result.skipped})


def import_attendance(path: str | Path, session: Session, *, user=None, name: str | None = None,
                      dry_run: bool = False, progress: Progress | None = None,
                      resolutions: Mapping[int, Any] | None = None, unmatched: str = "ask") -> AttendanceResult:
    """Import the attendance report at ``path`` into ``session`` (see the module), all or nothing. ``resolutions``:
    an unmatched person's first row → a participant's id, ``NEW`` or ``SKIP``; ``unmatched``: ``ask`` (those
    without a choice are listed in the result's ``unresolved``), ``add`` (all created) or ``skip``. A dry run writes
    nothing and returns what would be written; otherwise unresolved people raise :class:`Unresolved`. ``user``: who
    imports (None: the command line); they must organise the session's course. Raises ImportFailed."""
    name = name or Path(path).name
    if user is not None and not organised_courses(user).filter(pk=session.course_id).exists():
        raise ImportFailed([RowError(0, "", "", (
            f"Chỉ ban tổ chức khoá «{session.course}» mới nhập điểm danh cho buổi học này."))])
    roster = Roster(session.course)
    table, found, waiting, rows = _read(path, name, roster, progress)
    fmt = table.report.format
    result = AttendanceResult(dry_run=dry_run, format=fmt, sha256=sha256_of(path), rows=rows, roster=roster,
                              name_column=table.report.name_column)
    errors = _resolve(waiting.values(), resolutions or {}, unmatched, roster, found, result, result.name_column)
    if errors:
        raise ImportFailed(errors)
    if dry_run or result.unresolved:
        result.dry_run = True  # people left unresolved: a check, nothing written
        _plan(session, found, roster, fmt.method, result)
        result.messages = _messages(result, table.name)
        if not dry_run:
            raise Unresolved(result, unresolved_errors(result, "Chọn cách xử lý cho người này rồi nhập lại."))
        return result
    if progress is not None:
        progress("write", rows, table.size, table.size)
    try:
        with transaction.atomic():
            Session.objects.select_for_update().filter(pk=session.pk).first()  # one import of a session at a time
            to_create, inserts, updates = _plan(session, found, roster, fmt.method, result)
            result.messages = _messages(result, table.name)
            _write(session, to_create, inserts, updates, fmt.method, user, result, name)
    except IntegrityError:
        raise ImportFailed([RowError(0, "", "", (
            "Điểm danh hoặc danh sách học viên của buổi học vừa thay đổi trong lúc nhập (người khác cùng ghi). Chưa "
            "ghi gì; hãy nhập lại tệp."))]) from None
    return result


def _messages(result: AttendanceResult, name: str) -> list[str]:
    fmt = result.format
    lines = [f"Tệp «{name}»: {fmt.label} — {format_number(result.rows)} dòng."]
    if result.added:
        lines.append(f"{'Sẽ thêm' if result.dry_run else 'Đã thêm'} {format_number(result.added)} học viên mới từ "
                     "tệp (đăng ký qua «Nhập từ tệp»).")
    if result.skipped:
        lines.append(f"Bỏ qua {format_number(result.skipped)} dòng không phải học viên.")
    if result.kept_in_person:
        lines.append(f"Giữ nguyên {format_number(result.kept_in_person)} học viên đã điểm danh trực tiếp (báo cáo "
                     "trực tuyến không ghi đè điểm danh tại lớp).")
    if result.unresolved:
        lines.append(f"Còn {format_number(len(result.unresolved))} người trong tệp chưa khớp học viên nào: cần chọn "
                     "cách xử lý trước khi nhập.")
    return lines


# --- the registry's import kind -------------------------------------------------------------------------------------

def may_import(user) -> bool:
    """Whether ``user`` organises training anywhere (may send attendance files at all; which course is checked
    against the session)."""
    if not active_user(user):
        return False
    paths = scope_paths(user, ORGANISE)
    return paths is None or bool(paths)


SESSION_HINT = "một số nguyên dương, là số cuối đường dẫn trang buổi học (…/buoi/12/ → 12)."


def session_id(text: str) -> int:
    """The ``--session`` option: a session's id (the number at the end of its page's address)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise ValueError(f"cần {SESSION_HINT}")
    return value


def organised_session(user, pk: int) -> Session | None:
    """The session ``pk`` if ``user`` organises its course (None: the command line, every session)."""
    sessions = Session.objects.select_related("course")
    if user is not None:
        sessions = sessions.filter(course__in=organised_courses(user))
    return sessions.filter(pk=pk).first()


UNMATCHED_HOW = ("Thêm làm học viên mới (--add-unmatched) hoặc bỏ qua (--skip-unmatched) mọi người không khớp, hoặc "
                 "nhập tệp ở trang «Nhập điểm danh» của buổi học để chọn cho từng người.")


def run(path: str | Path, *, dry_run: bool = False, user=None, name: str | None = None,
        progress: Progress | None = None, session: int | None = None, add_unmatched: bool = False,
        skip_unmatched: bool = False) -> AttendanceResult:
    """The import kind ``attendance`` (``core.registry.ImportKind.run``): the session by id; unmatched people all
    added or all skipped, else refused with their list (so a dry run tells what the real run would do)."""
    if session is None:
        raise ImportFailed([RowError(0, "", "", f"Thiếu mã số buổi học (--session): {SESSION_HINT}")])
    if add_unmatched and skip_unmatched:
        raise ImportFailed([RowError(0, "", "", (
            "Chọn một trong hai: thêm người không khớp làm học viên mới (--add-unmatched) hoặc bỏ qua họ "
            "(--skip-unmatched)."))])
    target = organised_session(user, session)
    if target is None:
        raise ImportFailed([RowError(0, "", "", (
            f"Không có buổi học mã số {session}{' trong các khoá bạn tổ chức' if user is not None else ''}. Kiểm tra "
            "mã số: số cuối đường dẫn trang buổi học (…/buoi/12/ → 12)."))])
    policy = "add" if add_unmatched else "skip" if skip_unmatched else "ask"
    try:
        result = import_attendance(path, target, user=user, name=name, dry_run=dry_run, progress=progress,
                                   unmatched=policy)
    except Unresolved as exc:
        raise ImportFailed(unresolved_errors(exc.result, UNMATCHED_HOW)) from None
    if result.unresolved:
        raise ImportFailed(unresolved_errors(result, UNMATCHED_HOW))
    return result
