"""Import commune groups (Decision 51/2025/QĐ-TTg) from CSV or XLSX: the provincial decisions that put communes in
group 1, 2 or 3, each with the dates it applies — all rows or nothing (``nongthonso import commune_groups FILE``).

Columns ``unit_code, group, valid_from, decision_number, decision_date`` (+ ``valid_to, authority, note``). A row
is identified by the commune and ``valid_from``: a row with those of a recorded assignment updates it (so an
export imports back unchanged); any other row adds an assignment. The commune code resolves to the version in
force on ``valid_from``; it must be a rural commune (xã).

History is kept, never overwritten: a new assignment ends the commune's assignment in force until then (one with
no end date) the day before its ``valid_from``. Two assignments of one commune may not overlap otherwise: such a
row is an error naming the other one. Every error names the row, the column, the value and the fix.

A ``user`` (web upload, API) may import only as the province office of the communes (or as a superuser), as for
recognition decisions: a commune's group is the province's decision, so its import lives here, with the decisions
above ``accounts`` (the assignments themselves are ``units.CommuneGroupAssignment``, read by ``units.groups``). The
writes are audited, and the assessments of the communes whose group changed are evaluated again
(``units.signals.groups_changed``: thresholds of the 2026-2030 set differ by group).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from nongthonso.accounts.models import Action
from nongthonso.accounts.services import can, scope_paths, unit_phrase
from nongthonso.audit.services import record
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
)
from nongthonso.core.text import fold, format_date
from nongthonso.core.vocabulary import DATE_HINT, parse_date
from nongthonso.units.choices import CommuneGroup
from nongthonso.units.models import CommuneGroupAssignment, Unit
from nongthonso.units.signals import groups_changed
from nongthonso.units.versions import UnitVersions

GROUP_COLUMNS = ("unit_code", "group", "valid_from", "decision_number", "decision_date")
GROUP_OPTIONAL = ("valid_to", "authority", "note")
# the columns in the order an export writes them (the brief of a reader: who, which group, when, by which decision)
GROUP_EXPORT_COLUMNS = ("unit_code", "group", "valid_from", "valid_to", "decision_number", "decision_date",
                        "authority", "note")
ONE_DAY = dt.timedelta(days=1)
GROUP_HINT = ("Điền 1, 2 hoặc 3 (Quyết định 51/2025/QĐ-TTg: 1 — xã ven đô thị, định hướng đô thị hóa hoặc nông "
              "nghiệp dưới 10% cơ cấu kinh tế; 3 — xã khu vực II, III vùng đồng bào dân tộc thiểu số và miền núi; "
              "2 — các xã còn lại).")
NOBODY = ("Chỉ Văn phòng Điều phối NTM tỉnh (hoặc quản trị hệ thống) được nhập quyết định xếp nhóm xã. Gửi tệp cho "
          "Văn phòng Điều phối NTM tỉnh, hoặc chọn loại dữ liệu khác.")


def _group(text: str) -> int | None:
    """«2», «Nhóm 2», «nhom 2» → 2; anything else → None."""
    words = fold(" ".join(text.split())).removeprefix("nhom ").strip()
    return int(words) if words in {str(v) for v in CommuneGroup.values} else None


def _refusal(user, unit: Unit) -> str | None:
    """Why ``user`` may not import the group of ``unit`` (None: they may): the province office records the
    province's decisions, commune groups included."""
    if can(user, Action.RECORD_DECISION, unit):
        return None
    return (f"bạn không được nhập quyết định xếp nhóm của {unit_phrase(unit)}. Việc này do Văn phòng Điều phối NTM "
            "tỉnh phụ trách xã thực hiện; bỏ dòng này.")


@dataclass(eq=False)
class _Span:
    """An assignment as it will be after the import: recorded, from a row, or both."""

    unit: Unit
    group: int
    valid_from: dt.date
    valid_to: dt.date | None
    decision_number: str = ""
    decision_date: dt.date | None = None
    authority: str = ""
    note: str = ""
    existing: CommuneGroupAssignment | None = None
    row: _Row | None = None
    closed_by: _Row | None = None  # the row whose assignment ends this one (the day before it starts)

    def overlaps(self, other: _Span) -> bool:
        return ((self.valid_to is None or self.valid_to >= other.valid_from)
                and (other.valid_to is None or other.valid_to >= self.valid_from))

    def text(self) -> str:
        end = format_date(self.valid_to) if self.valid_to else "nay"
        by = f", quyết định {self.decision_number}" if self.decision_number else ""
        if self.decision_date:
            by += f" ngày {format_date(self.decision_date)}"
        return f"nhóm {self.group} từ {format_date(self.valid_from)} đến {end}{by}"

    def fields(self) -> dict:
        return {"group": self.group, "valid_to": self.valid_to, "decision_number": self.decision_number,
                "decision_date": self.decision_date, "authority": self.authority, "note": self.note}


@dataclass(eq=False)
class _Row:
    n: int
    raw: dict[str, str]
    unit: Unit
    group: int
    valid_from: dt.date
    valid_to: dt.date | None
    decision_number: str
    decision_date: dt.date
    authority: str | None  # None: the file has no such column (a recorded assignment keeps its own)
    note: str | None
    has_valid_to: bool = True
    span: _Span | None = field(default=None, repr=False)


def snapshot(a: CommuneGroupAssignment | _Span) -> dict:
    """An assignment as the audit log records it."""
    return {"unit": a.unit.code, "unit_id": a.unit.pk, "group": a.group, "valid_from": a.valid_from.isoformat(),
            "valid_to": a.valid_to.isoformat() if a.valid_to else None, "decision_number": a.decision_number,
            "decision_date": a.decision_date.isoformat() if a.decision_date else None, "authority": a.authority,
            "note": a.note}


def _parse(n: int, raw: dict[str, str], versions: UnitVersions, refusal: Refusals,
           found: ErrorList) -> _Row | None:
    """The row checked; its errors go to ``found`` in the order of the columns (None when there are any)."""
    errors: list[RowError] = []
    group = _group(raw["group"]) if raw["group"] else None
    if group is None:
        what = "thiếu nhóm xã" if not raw["group"] else "nhóm xã không hợp lệ"
        errors.append(RowError(n, "group", raw["group"], f"{what}. {GROUP_HINT}"))
    valid_from = parse_date(raw["valid_from"]) if raw["valid_from"] else None
    if valid_from is None:
        what = "thiếu ngày bắt đầu áp dụng" if not raw["valid_from"] else "ngày bắt đầu áp dụng không hợp lệ"
        errors.append(RowError(n, "valid_from", raw["valid_from"], f"{what}. {DATE_HINT}"))
    valid_to = None
    if raw.get("valid_to"):
        valid_to = parse_date(raw["valid_to"])
        if valid_to is None:
            errors.append(RowError(n, "valid_to", raw["valid_to"], (
                f"ngày hết áp dụng không hợp lệ. {DATE_HINT} Để trống nếu nhóm xã còn áp dụng.")))
        elif valid_from is not None and valid_to < valid_from:
            errors.append(RowError(n, "valid_to", raw["valid_to"], (
                f"ngày hết áp dụng trước ngày bắt đầu áp dụng ({format_date(valid_from)}). Sửa lại, hoặc để trống "
                "nếu nhóm xã còn áp dụng.")))
    number = " ".join(raw["decision_number"].split())
    if not number:
        errors.append(RowError(n, "decision_number", "", (
            "thiếu số quyết định xếp nhóm xã. Điền số, ký hiệu quyết định của UBND tỉnh như trên văn bản, ví dụ "
            "1234/QĐ-UBND.")))
    elif len(number) > 60:
        errors.append(RowError(n, "decision_number", number, "số, ký hiệu quyết định dài quá 60 ký tự."))
    decision_date = parse_date(raw["decision_date"]) if raw["decision_date"] else None
    if decision_date is None:
        what = ("thiếu ngày ban hành quyết định xếp nhóm xã" if not raw["decision_date"]
                else "ngày ban hành quyết định không hợp lệ")
        errors.append(RowError(n, "decision_date", raw["decision_date"], f"{what}. {DATE_HINT}"))
    authority = " ".join(raw["authority"].split()) if "authority" in raw else None
    if authority is not None and len(authority) > 200:
        errors.append(RowError(n, "authority", authority, "tên cơ quan ban hành dài quá 200 ký tự."))
    code = raw["unit_code"]
    unit = None
    if not code:
        errors.append(RowError(n, "unit_code", "", "thiếu mã xã. Điền mã GSO của xã (5 chữ số), ví dụ 05431."))
    elif not versions.of(code):
        errors.append(RowError(n, "unit_code", code, (
            f"không có đơn vị hành chính mã {code}. Kiểm tra mã GSO (cấp xã có 5 chữ số).")))
    elif valid_from is not None:
        unit = versions.on(code, valid_from)
        if unit is None:
            spans = "; ".join(f"«{u.name}» {format_date(u.valid_from)} – "
                              f"{format_date(u.valid_to) if u.valid_to else 'nay'}" for u in versions.of(code))
            errors.append(RowError(n, "unit_code", code, (
                f"xã mã {code} không có hiệu lực ngày {format_date(valid_from)} (các thời kỳ của mã này: {spans}). "
                "Nhóm xã chỉ xếp cho xã đang có hiệu lực: sửa ngày bắt đầu áp dụng (valid_from) hoặc mã xã.")))
        elif not unit.unit_type.is_rural:
            errors.append(RowError(n, "unit_code", code, (
                f"«{unit.name}» là {unit.unit_type.name.lower()}, không phải xã; nhóm xã theo Quyết định "
                "51/2025/QĐ-TTg chỉ áp dụng cho xã. Bỏ dòng này hoặc sửa mã xã.")))
            unit = None
        else:
            refused = refusal(unit)
            if refused is not None:
                errors.append(RowError(n, "unit_code", code, refused[:1].upper() + refused[1:]))
                unit = None
    for error in sorted(errors, key=lambda e: GROUP_EXPORT_COLUMNS.index(e.column)):
        found.add(error)
    if errors or unit is None:
        return None
    return _Row(n, raw, unit, group, valid_from, valid_to, number, decision_date, authority,
                " ".join(raw["note"].split()) if "note" in raw else None, has_valid_to="valid_to" in raw)


def _plan(rows: list[_Row], errors: ErrorList) -> list[_Span]:
    """The assignments of the communes the file names as they will be after it: rows matched to recorded ones,
    previous open assignments ended, overlaps reported (on the row that causes them). Returns every span touched."""
    recorded: dict[int, list[_Span]] = {}
    for a in (CommuneGroupAssignment.objects.filter(unit_id__in={r.unit.pk for r in rows})
              .select_related("unit").order_by("unit_id", "valid_from")):
        recorded.setdefault(a.unit_id, []).append(_Span(
            a.unit, a.group, a.valid_from, a.valid_to, a.decision_number, a.decision_date, a.authority, a.note,
            existing=a))
    by_unit: dict[int, list[_Span]] = {}
    for unit_id, spans in recorded.items():
        by_unit[unit_id] = list(spans)
    for r in rows:
        spans = by_unit.setdefault(r.unit.pk, [])
        span = next((s for s in spans if s.valid_from == r.valid_from), None)
        if span is None:
            span = _Span(r.unit, r.group, r.valid_from, r.valid_to)
            spans.append(span)
        span.group, span.decision_number, span.decision_date = r.group, r.decision_number, r.decision_date
        if r.has_valid_to or span.existing is None:
            span.valid_to = r.valid_to
        if r.authority is not None:
            span.authority = r.authority
        if r.note is not None:
            span.note = r.note
        span.row, r.span = r, span
    touched: list[_Span] = []
    for spans in by_unit.values():
        spans.sort(key=lambda s: s.valid_from)
        for i, span in enumerate(spans):
            if span.row is None or i == 0:
                continue
            previous = spans[i - 1]
            if previous.valid_to is None:  # the assignment in force until now ends the day before
                previous.valid_to = span.valid_from - ONE_DAY
                previous.closed_by = span.row
        for i, later in enumerate(spans):
            for earlier in spans[:i]:
                if not earlier.overlaps(later):
                    continue
                row = later.row or earlier.row
                if row is None:
                    continue  # already so in the database; not this file's doing
                other = earlier if row is later.row else later
                where = f" (dòng {other.row.n})" if other.row is not None else ""
                column = "valid_from" if row is later.row else "valid_to"
                errors.add(RowError(row.n, column, row.raw.get(column, ""), (
                    f"trùng thời gian áp dụng với việc xếp {other.text()}{where}. Mỗi xã chỉ thuộc một nhóm tại "
                    "một thời điểm: sửa ngày bắt đầu hoặc ngày hết áp dụng (valid_to) cho khỏi chồng lên nhau.")))
        touched += [s for s in spans if s.row is not None or s.closed_by is not None]
    return touched


def import_commune_groups(path: str | Path, dry_run: bool = False, *, user=None, name: str | None = None,
                          progress: Progress | None = None, actor: str = "") -> ImportResult:
    """Import commune-group assignments, all or nothing. Raises ImportFailed with every error."""
    if user is not None and not user.is_superuser and scope_paths(user, Action.RECORD_DECISION) == []:
        raise ImportFailed([RowError(0, "", "", NOBODY)])
    table = TableFile(path, GROUP_COLUMNS, GROUP_OPTIONAL, name=name)
    versions = UnitVersions(Unit.objects.select_related("unit_type"))
    refusal = Refusals(user, _refusal)
    errors = ErrorList()
    rows: list[_Row] = []
    seen: dict[tuple[int, dt.date], int] = {}
    for n, raw in table.rows():
        parsed = _parse(n, raw, versions, refusal, errors)
        if parsed is None:
            continue
        key = (parsed.unit.pk, parsed.valid_from)
        if key in seen:
            errors.add(RowError(n, "valid_from", raw["valid_from"], (
                f"trùng với dòng {seen[key]} (cùng xã và ngày bắt đầu áp dụng). Giữ lại một dòng.")))
            continue
        seen[key] = n
        rows.append(parsed)
    if progress is not None:
        progress("check", len(rows), table.size, table.size)
    if not errors and not rows:
        raise ImportFailed([RowError(0, "", "", no_data_message(table.name))])
    touched = _plan(rows, errors) if rows else []
    if errors:
        raise errors.fail()

    result = ImportResult(dry_run=dry_run)
    writes: list[tuple[_Span, str]] = []
    for span in sorted(touched, key=lambda s: (s.row.n if s.row else s.closed_by.n, s.valid_from)):
        a = span.existing
        if a is None:
            action = "create"
        elif (a.group, a.valid_to, a.decision_number, a.decision_date, a.authority, a.note) == tuple(
                span.fields().values()):
            if span.row is not None:
                result.unchanged += 1
            continue
        else:
            action = "update"
        if span.row is not None:
            result.created += action == "create"
            result.updated += action == "update"
        writes.append((span, action))
        if len(result.changes) < PREVIEW_CHANGES:
            row = span.row or span.closed_by
            result.changes.append(Change(
                row.n, action, f"{span.unit.name} ({span.unit.code}) · nhóm xã từ {format_date(span.valid_from)}",
                "" if a is None else _Span(a.unit, a.group, a.valid_from, a.valid_to, a.decision_number,
                                           a.decision_date).text(),
                span.text()))
    closed = sum(1 for span, _action in writes if span.row is None)
    if closed:
        result.messages.append(f"Kết thúc {closed} lần xếp nhóm trước (đến ngày liền trước ngày áp dụng nhóm mới).")
    if dry_run:
        return result
    with transaction.atomic():
        for span, action in writes:
            row = span.row or span.closed_by
            note = f"Nhập tệp {table.name}, dòng {row.n}"
            if span.row is None:
                note += f" (quyết định {row.decision_number} xếp nhóm mới từ {format_date(row.valid_from)})"
            if action == "create":
                a = CommuneGroupAssignment.objects.create(unit=span.unit, valid_from=span.valid_from, **span.fields())
                record("create", a, after=snapshot(a), user=user, actor=actor, note=note)
            else:
                a = span.existing
                before = snapshot(a)
                for key, value in span.fields().items():
                    setattr(a, key, value)
                a.save()
                record("update", a, before=before, after=snapshot(a), user=user, actor=actor, note=note)
        if writes:
            groups_changed.send(sender=CommuneGroupAssignment, unit_ids={span.unit.pk for span, _action in writes})
    return result
