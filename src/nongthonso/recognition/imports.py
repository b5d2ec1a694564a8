"""Import recognition decisions and registrations from CSV or XLSX files: all rows or nothing.

Decisions — columns ``number, date, authority, kind, level, for_year, unit_codes`` (+ ``note``):
``unit_codes`` lists the GSO codes of the units the decision names, separated by ";". A decision is
identified by its number and date: a row with the number and date of a recorded decision updates it.

Registrations — columns ``unit_code, target_level, target_year, registered_on`` (+ ``note``); one per
unit, level and year (a row for a registration already recorded updates its date and note).

A unit code resolves to the unit version in force on the decision's (registration's) date; for a date
before the unit's recorded history begins, to the version first recorded. ``kind`` and the levels take
the codes (``recognition``, ``xa_ntm`` …) or the Vietnamese names (``Công nhận``, ``Xã đạt chuẩn nông
thôn mới`` …). Every error names the row, the column, the value and the fix.

A ``user`` (web upload) may import decisions only for units where they may record decisions (the
province office) and registrations only for units where they may verify dossiers or record decisions
(district and province offices); rows naming other units are row errors. A user who may do neither anywhere is
refused before the file is read (``may_import_decisions``, ``may_import_registrations``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from nongthonso.accounts.services import can, scope_paths, unit_phrase
from nongthonso.audit.services import record
from nongthonso.core.derived import writing
from nongthonso.core.imports import (
    PREVIEW_CHANGES,
    Change,
    ErrorList,
    ImportFailed,
    ImportResult,
    Progress,
    Refusals,
    RowError,
    TableFile,
    no_data_message,
    note_text,
    unique_rows,
)
from nongthonso.core.text import fold, format_date
from nongthonso.core.vocabulary import DATE_HINT, parse_date
from nongthonso.criteria.choices import COMMUNE_LEVELS, DISTRICT_LEVELS, PROVINCE_LEVELS, Level
from nongthonso.units.models import Unit, UnitLevel
from nongthonso.units.versions import UnitVersions

from .models import Decision, Registration

DECISION_COLUMNS = ("number", "date", "authority", "kind", "level", "for_year", "unit_codes")
DECISION_OPTIONAL = ("note",)
REGISTRATION_COLUMNS = ("unit_code", "target_level", "target_year", "registered_on")
REGISTRATION_OPTIONAL = ("note",)
MIN_YEAR, MAX_YEAR = 2000, 2100

# the level (``UnitLevel.code``) of the units each recognition level applies to
LEVEL_UNITS = {**dict.fromkeys(COMMUNE_LEVELS, "xa"), **dict.fromkeys(DISTRICT_LEVELS, "huyen"),
               **dict.fromkeys(PROVINCE_LEVELS, "tinh"), Level.XOM_KIEU_MAU: "xom",
               Level.THON_THONG_MINH: "xom"}


def _choice(text: str, choices) -> str | None:
    """A choice's value from its value or its label, ignoring case and diacritics."""
    wanted = fold(" ".join(text.split()))
    for value, label in choices:
        if wanted in (fold(value), fold(str(label))):
            return value
    return None


def _level_hint() -> str:
    return "; ".join(f"{value} ({label})" for value, label in Level.choices)


def _year(text: str) -> int | None:
    try:
        year = int(text)
    except ValueError:
        return None
    return year if MIN_YEAR <= year <= MAX_YEAR else None


DECISIONS_NOT_YOURS = ("Chỉ Văn phòng Điều phối NTM tỉnh (hoặc quản trị hệ thống) được nhập quyết định công nhận. Gửi "
                       "tệp cho Văn phòng Điều phối NTM tỉnh, hoặc chọn loại dữ liệu khác.")
REGISTRATIONS_NOT_YOURS = ("Chỉ Văn phòng Điều phối NTM huyện, tỉnh (hoặc quản trị hệ thống) được nhập đăng ký đạt "
                           "chuẩn. Gửi tệp cho Văn phòng Điều phối NTM, hoặc chọn loại dữ liệu khác.")


def may_import_decisions(user) -> bool:
    """Whether ``user`` may send a decisions file at all: they may record decisions somewhere (the province office, a
    superuser). Asked before the file is read (``core.registry.ImportKind.may_use``, and the import)."""
    return scope_paths(user, "record_decision") != []


def may_import_registrations(user) -> bool:
    """Whether ``user`` may send a registrations file at all: they may verify dossiers or record decisions somewhere
    (district and province offices, a superuser)."""
    return any(scope_paths(user, action) != [] for action in ("verify", "record_decision"))


def _refuse_unless(user, may, message: str) -> None:
    """Refuse the whole file, before it is read, to a ``user`` who may import none of its rows (``may``)."""
    if user is not None and not may(user):
        raise ImportFailed([RowError(0, "", "", message)])


class _Units:
    """Unit versions by code and date, cached; and the user's scope."""

    def __init__(self, user, actions: tuple[str, ...]):
        self.versions = UnitVersions(Unit.objects.select_related("unit_type__level"))
        self.refusal = Refusals(user, partial(_refusal, actions=actions))

    def on(self, code: str, date: dt.date) -> Unit | None:
        """The version in force on ``date``; before the recorded history begins, the version first recorded."""
        return self.versions.on(code, date, or_first=True)


def _refusal(user, unit: Unit, actions: tuple[str, ...]) -> str | None:
    """Why ``user`` may not import decisions (``actions`` = record_decision) or registrations of ``unit``."""
    if any(can(user, action, unit) for action in actions):
        return None
    decisions = actions == ("record_decision",)
    who = "Văn phòng Điều phối NTM tỉnh" if decisions else "Văn phòng Điều phối NTM huyện hoặc tỉnh"
    what = "quyết định công nhận" if decisions else "đăng ký đạt chuẩn"
    return (f"bạn không được nhập {what} của {unit_phrase(unit)}. Việc này do {who} "
            "phụ trách đơn vị thực hiện; bỏ dòng này.")


def _check_level_units(n: int, column: str, raw: str, level: str, units: list[Unit], errors: ErrorList) -> bool:
    wanted = LEVEL_UNITS.get(level)
    wrong = [u for u in units if wanted is not None and u.unit_type.level.code != wanted]
    if wrong:
        names = ", ".join(f"{u.name} ({u.code})" for u in wrong)
        where = UnitLevel.objects.get(code=wanted).name.lower()
        errors.add(RowError(n, column, raw, (
            f"mức «{Level(level).label}» chỉ dành cho đơn vị {where}, nhưng {names} không phải. "
            "Sửa mã đơn vị hoặc mức công nhận.")))
        return False
    return True


# --- decisions -------------------------------------------------------------------------------------------

@dataclass
class _DecisionRow:
    n: int
    number: str
    date: dt.date
    authority: str
    kind: str
    level: str
    for_year: int | None
    units: list[Unit]
    note: str | None  # None: the file has no note column (keep the recorded note)
    existing: Decision | None = None
    action: str = ""
    changes: dict = field(default_factory=dict)


def _decision_snapshot(decision: Decision, unit_codes: list[str]) -> dict:
    return {"number": decision.number, "date": decision.date.isoformat(), "authority": decision.authority,
            "kind": decision.kind, "level": decision.level, "for_year": decision.for_year,
            "units": unit_codes, "note": decision.note}


def _parse_decision(n: int, row: dict[str, str], units: _Units, errors: ErrorList) -> _DecisionRow | None:
    before = errors.total
    number = " ".join(row["number"].split())
    if not number:
        errors.add(RowError(n, "number", "", "thiếu số, ký hiệu quyết định. Điền như trên văn bản, ví dụ 567/QĐ-UBND."))
    elif len(number) > 60:
        errors.add(RowError(n, "number", number, "số, ký hiệu dài quá 60 ký tự."))
    date = parse_date(row["date"]) if row["date"] else None
    if date is None:
        what = "thiếu ngày ban hành" if not row["date"] else "ngày ban hành không hợp lệ"
        errors.add(RowError(n, "date", row["date"], f"{what}. {DATE_HINT}"))
    authority = " ".join(row["authority"].split())
    if not authority:
        errors.add(RowError(n, "authority", "", "thiếu cơ quan ban hành. Ví dụ: UBND tỉnh Thái Nguyên."))
    elif len(authority) > 200:
        errors.add(RowError(n, "authority", authority, "tên cơ quan ban hành dài quá 200 ký tự."))
    kind = _choice(row["kind"], Decision.Kind.choices) if row["kind"] else Decision.Kind.RECOGNITION
    if kind is None:
        errors.add(RowError(n, "kind", row["kind"], (
            "loại quyết định không hợp lệ. Điền «Công nhận» (recognition) hoặc «Thu hồi» (revocation).")))
    level = _choice(row["level"], Level.choices) if row["level"] else None
    if level is None:
        what = "thiếu mức công nhận" if not row["level"] else "không có mức công nhận này"
        errors.add(RowError(n, "level", row["level"], f"{what}. Dùng một trong: {_level_hint()}."))
    for_year = None
    if row["for_year"]:
        for_year = _year(row["for_year"])
        if for_year is None:
            errors.add(RowError(n, "for_year", row["for_year"], (
                f"năm công nhận phải là số có 4 chữ số từ {MIN_YEAR} đến {MAX_YEAR}, ví dụ 2023; hoặc để trống.")))
    raw_codes = row["unit_codes"]
    codes = list(dict.fromkeys(c.strip() for c in raw_codes.replace(",", ";").split(";") if c.strip()))
    found: list[Unit] = []
    if not codes:
        errors.add(RowError(n, "unit_codes", "", (
            "thiếu mã đơn vị được công nhận. Điền mã GSO, nhiều mã cách nhau bằng dấu chấm phẩy, ví dụ "
            "05431;05434.")))
    elif date is not None:
        unknown = []
        for code in codes:
            unit = units.on(code, date)
            if unit is None:
                unknown.append(code)
            else:
                found.append(unit)
        if unknown:
            errors.add(RowError(n, "unit_codes", raw_codes, (
                f"không có đơn vị hành chính mã {', '.join(unknown)} còn hiệu lực ngày {format_date(date)}. "
                "Kiểm tra mã GSO hoặc ngày ban hành.")))
        elif level is not None and _check_level_units(n, "unit_codes", raw_codes, level, found, errors):
            for unit in found:
                refused = units.refusal(unit)
                if refused is not None:
                    errors.add(RowError(n, "unit_codes", raw_codes, f"{unit.name}: {refused}"))
                    break
    note = note_text(row, n, errors.add)
    if errors.total > before:
        return None
    return _DecisionRow(n, number, date, authority, kind, level, for_year, found, note)


def import_decisions(path: str | Path, dry_run: bool = False, *, user=None, name: str | None = None,
                     progress: Progress | None = None, actor: str = "") -> ImportResult:
    """Import recognition (and revocation) decisions, all or nothing. Raises ImportFailed."""
    _refuse_unless(user, may_import_decisions, DECISIONS_NOT_YOURS)
    table = TableFile(path, DECISION_COLUMNS, DECISION_OPTIONAL, name=name)
    units = _Units(user, ("record_decision",))
    errors = ErrorList()
    rows: list[_DecisionRow] = []
    seen: dict[tuple[str, dt.date], int] = {}
    for n, raw in table.rows():
        parsed = _parse_decision(n, raw, units, errors)
        if parsed is None:
            continue
        key = (parsed.number, parsed.date)
        if key in seen:
            errors.add(RowError(n, "number", parsed.number, (
                f"trùng với dòng {seen[key]} (cùng số và ngày ban hành). Mỗi quyết định chỉ ghi một dòng; "
                "ghi mọi đơn vị của quyết định ở cột «unit_codes».")))
            continue
        seen[key] = n
        rows.append(parsed)
    if progress is not None:
        progress("check", len(rows), table.size, table.size)
    if not errors and not rows:
        raise ImportFailed([RowError(0, "", "", no_data_message(table.name))])

    existing: dict[tuple[str, dt.date], list[Decision]] = {}
    if rows:
        condition = Q()
        for r in rows:
            condition |= Q(number=r.number, date=r.date)
        for decision in Decision.objects.filter(condition).prefetch_related("units"):
            existing.setdefault((decision.number, decision.date), []).append(decision)
    for r in rows:
        matches = existing.get((r.number, r.date), [])
        if len(matches) > 1:
            errors.add(RowError(r.n, "number", r.number, (
                f"cơ sở dữ liệu đã có {len(matches)} quyết định cùng số và ngày này nên không biết cập nhật quyết "
                "định nào. Sửa các quyết định đó trong trang quản trị trước.")))
        elif matches:
            r.existing = matches[0]
    if errors:
        raise errors.fail()

    result = ImportResult(dry_run=dry_run)
    for r in rows:
        codes = sorted(u.code for u in r.units)
        if r.existing is None:
            r.action = "create"
            result.created += 1
        else:
            d = r.existing
            note = d.note if r.note is None else r.note
            same = ((d.authority, d.kind, d.level, d.for_year, d.note) == (r.authority, r.kind, r.level, r.for_year,
                                                                           note)
                    and {u.pk for u in d.units.all()} == {u.pk for u in r.units})
            if same:
                result.unchanged += 1
                continue
            r.action = "update"
            result.updated += 1
        if len(result.changes) < PREVIEW_CHANGES:
            before = ""
            if r.existing is not None:
                d = r.existing
                before = (f"{d.get_kind_display()}, {d.get_level_display()}, {d.authority}; đơn vị: "
                          f"{'; '.join(sorted(u.code for u in d.units.all()))}")
            result.changes.append(Change(
                r.n, r.action, f"Quyết định {r.number} ngày {format_date(r.date)}", before,
                f"{Decision.Kind(r.kind).label}, {Level(r.level).label}, {r.authority}; đơn vị: {'; '.join(codes)}"))
    if dry_run:
        return result
    with writing():  # each unit's spells rewritten once, however many decisions of the file name it
        for r in rows:
            if not r.action:
                continue
            codes = sorted(u.code for u in r.units)
            note_text = f"Nhập tệp {table.name}, dòng {r.n}"
            if r.existing is None:
                decision = Decision.objects.create(number=r.number, date=r.date, authority=r.authority, kind=r.kind,
                                                   level=r.level, for_year=r.for_year, note=r.note or "")
                decision.units.set(r.units)
                record("create", decision, after=_decision_snapshot(decision, codes), user=user, actor=actor,
                       note=note_text)
            else:
                decision = r.existing
                before = _decision_snapshot(decision, sorted(u.code for u in decision.units.all()))
                decision.authority, decision.kind, decision.level = r.authority, r.kind, r.level
                decision.for_year = r.for_year
                if r.note is not None:
                    decision.note = r.note
                decision.save()
                decision.units.set(r.units)
                record("update", decision, before=before, after=_decision_snapshot(decision, codes), user=user,
                       actor=actor, note=note_text)
    return result


# --- registrations ----------------------------------------------------------------------------------------

@dataclass
class _RegistrationRow:
    n: int
    unit: Unit
    level: str
    year: int
    registered_on: dt.date
    note: str | None


def _parse_registration(n: int, row: dict[str, str], units: _Units, errors: ErrorList) -> _RegistrationRow | None:
    before = errors.total
    registered_on = parse_date(row["registered_on"]) if row["registered_on"] else None
    if registered_on is None:
        what = "thiếu ngày đăng ký" if not row["registered_on"] else "ngày đăng ký không hợp lệ"
        errors.add(RowError(n, "registered_on", row["registered_on"], f"{what}. {DATE_HINT}"))
    level = _choice(row["target_level"], Level.choices) if row["target_level"] else None
    if level is None:
        what = "thiếu mức đăng ký" if not row["target_level"] else "không có mức đăng ký này"
        errors.add(RowError(n, "target_level", row["target_level"], f"{what}. Dùng một trong: {_level_hint()}."))
    year = _year(row["target_year"])
    if year is None:
        errors.add(RowError(n, "target_year", row["target_year"], (
            f"năm phấn đấu đạt chuẩn phải là số có 4 chữ số từ {MIN_YEAR} đến {MAX_YEAR}, ví dụ 2025.")))
    elif registered_on is not None and registered_on.year > year:
        errors.add(RowError(n, "registered_on", row["registered_on"], (
            f"ngày đăng ký ({format_date(registered_on)}) sau năm phấn đấu đạt chuẩn {year}. Sửa ngày đăng ký "
            "hoặc năm phấn đấu.")))
    code = row["unit_code"]
    unit = None
    if not code:
        errors.add(RowError(n, "unit_code", "", "thiếu mã đơn vị. Điền mã GSO của xã, ví dụ 05431."))
    elif registered_on is not None:
        unit = units.on(code, registered_on)
        if unit is None:
            errors.add(RowError(n, "unit_code", code, (
                f"không có đơn vị hành chính mã {code} còn hiệu lực ngày {format_date(registered_on)}. Kiểm tra "
                "mã GSO hoặc ngày đăng ký.")))
        elif level is not None and _check_level_units(n, "unit_code", code, level, [unit], errors):
            refused = units.refusal(unit)
            if refused is not None:
                errors.add(RowError(n, "unit_code", code, refused[:1].upper() + refused[1:]))
    note = note_text(row, n, errors.add)
    if errors.total > before:
        return None
    return _RegistrationRow(n, unit, level, year, registered_on, note)


def import_registrations(path: str | Path, dry_run: bool = False, *, user=None, name: str | None = None,
                         progress: Progress | None = None, actor: str = "") -> ImportResult:
    """Import registrations (a unit's target level and year), all or nothing. Raises ImportFailed."""
    _refuse_unless(user, may_import_registrations, REGISTRATIONS_NOT_YOURS)
    table = TableFile(path, REGISTRATION_COLUMNS, REGISTRATION_OPTIONAL, name=name)
    units = _Units(user, ("verify", "record_decision"))
    errors = ErrorList()
    rows = unique_rows(table, lambda n, raw: _parse_registration(n, raw, units, errors),
                       lambda row: (row.unit.pk, row.level, row.year), column="unit_code",
                       same="đơn vị, mức và năm phấn đấu", errors=errors, progress=progress)
    existing = {(r.unit_id, r.target_level, r.target_year): r for r in Registration.objects.filter(
        unit_id__in={r.unit.pk for r in rows})}
    result = ImportResult(dry_run=dry_run)
    plan = []
    for r in rows:
        current = existing.get((r.unit.pk, r.level, r.year))
        note = r.note if r.note is not None else (current.note if current else "")
        if current is not None and (current.registered_on, current.note) == (r.registered_on, note):
            result.unchanged += 1
            continue
        action = "create" if current is None else "update"
        if action == "create":
            result.created += 1
        else:
            result.updated += 1
        plan.append((r, current, note))
        if len(result.changes) < PREVIEW_CHANGES:
            result.changes.append(Change(
                r.n, action, f"{r.unit.name} ({r.unit.code}) · {Level(r.level).label} · {r.year}",
                "" if current is None else f"đăng ký ngày {format_date(current.registered_on)}",
                f"đăng ký ngày {format_date(r.registered_on)}"))
    if dry_run:
        return result
    with transaction.atomic():
        for r, current, note in plan:
            after = {"unit": r.unit.code, "target_level": r.level, "target_year": r.year,
                     "registered_on": r.registered_on.isoformat(), "note": note}
            note_text = f"Nhập tệp {table.name}, dòng {r.n}"
            if current is None:
                registration = Registration.objects.create(unit=r.unit, target_level=r.level, target_year=r.year,
                                                           registered_on=r.registered_on, note=note)
                record("create", registration, after=after, user=user, actor=actor, note=note_text)
            else:
                before = {**after, "registered_on": current.registered_on.isoformat(), "note": current.note}
                current.registered_on, current.note = r.registered_on, note
                current.save(update_fields=["registered_on", "note"])
                record("update", current, before=before, after=after, user=user, actor=actor, note=note_text)
    return result
