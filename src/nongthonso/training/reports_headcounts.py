"""Headcounts — how many officials of a target group a unit has in a year, the coverage's denominator — imported
from CSV or XLSX, all rows or nothing (``nongthonso import training_headcounts FILE``, /nhap-du-lieu/, ``POST
/api/imports/training_headcounts``), and exported in the same columns (``training_headcounts``), so the file a unit
downloads, fills in and sends back imports unchanged.

Columns ``unit_code, target_group, year, count``. A row is identified by its unit, target group and year: a row of a
recorded headcount updates it, any other adds one. The unit code resolves to the version in force during the year
(the latest when several were); the target group is its code (``truong-xom``) or its name (with or without
diacritics, «Trưởng xóm»). Every error names the row, the column, the value and the fix.

Who: the training organisers and the province office (``organise_training``), for the units in their scope; the
command line, for every unit. Each created or changed headcount is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from nongthonso.accounts.services import can, scope_paths, under, unit_phrase
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
    unique_rows,
)
from nongthonso.core.registry import ExportRequest
from nongthonso.core.text import fold, format_number
from nongthonso.core.vocabulary import NumberInvalid, parse_number
from nongthonso.dataio.exports import Table, roots, scoped
from nongthonso.units.models import Unit
from nongthonso.units.versions import UnitVersions

from .apps import ORGANISE
from .models import Headcount, TargetGroup
from .reports import reading_paths

COLUMNS = ("unit_code", "target_group", "year", "count")
MAX_COUNT = 1_000_000
NOBODY = ("Chỉ ban tổ chức tập huấn hoặc Văn phòng Điều phối NTM được nhập số cán bộ theo nhóm đối tượng. Gửi tệp "
          "cho ban tổ chức tập huấn của tỉnh, hoặc chọn loại dữ liệu khác.")


def may_import(user) -> bool:
    """Whether ``user`` may send a headcounts file at all: they organise training somewhere."""
    return scope_paths(user, ORGANISE) != []


def _refusal(user, unit: Unit) -> str | None:
    if can(user, ORGANISE, unit):
        return None
    return (f"bạn không được nhập số cán bộ của {unit_phrase(unit)}: đơn vị này nằm ngoài phạm vi vai trò tập huấn "
            "của bạn. Bỏ dòng này, hoặc gửi cho ban tổ chức tập huấn phụ trách đơn vị đó.")


def snapshot(h: Headcount) -> dict:
    return {"unit": h.unit.code, "unit_id": h.unit_id, "target_group": h.target_group.code, "year": h.year,
            "count": h.count}


@dataclass(frozen=True)
class _Row:
    n: int
    unit: Unit
    group: TargetGroup
    year: int
    count: int


class _Groups:
    """Target groups by code or folded name."""

    def __init__(self):
        groups = list(TargetGroup.objects.all())
        self.by_key = {g.code: g for g in groups} | {" ".join(fold(g.label).split()): g for g in groups}
        self.hint = ", ".join(f"{g.code} ({g.label})" for g in groups)

    def find(self, text: str) -> TargetGroup | None:
        return self.by_key.get(text.strip()) or self.by_key.get(" ".join(fold(text).split()))


def _whole(text: str) -> int | None:
    """A count as people write it («12», «1.234», «12,0»): a whole number, else None."""
    try:
        value = parse_number(text)
    except NumberInvalid:
        return None
    return int(value) if value == value and value.is_integer() else None


def _parse(n: int, raw: dict[str, str], versions: UnitVersions, groups: _Groups, refusal: Refusals,
           found: ErrorList) -> _Row | None:
    errors: list[RowError] = []
    year = _whole(raw["year"]) if raw["year"] else None
    if year is None or not 2000 <= year <= 2100:
        what = "thiếu năm" if not raw["year"] else "năm không hợp lệ"
        errors.append(RowError(n, "year", raw["year"], f"{what}. Điền năm bốn chữ số, ví dụ 2023."))
        year = None
    group = groups.find(raw["target_group"]) if raw["target_group"] else None
    if group is None:
        what = "thiếu nhóm đối tượng" if not raw["target_group"] else "không có nhóm đối tượng này"
        errors.append(RowError(n, "target_group", raw["target_group"], (
            f"{what}. Điền mã hoặc tên một nhóm đối tượng: {groups.hint}.")))
    count = _whole(raw["count"]) if raw["count"] else None
    if count is None or not 0 <= count <= MAX_COUNT:
        what = "thiếu số cán bộ" if not raw["count"] else "số cán bộ không hợp lệ"
        errors.append(RowError(n, "count", raw["count"], (
            f"{what}. Điền số người (số nguyên từ 0 đến {format_number(MAX_COUNT)}), ví dụ 12.")))
    code, unit = raw["unit_code"], None
    if not code:
        errors.append(RowError(n, "unit_code", "", "thiếu mã đơn vị. Điền mã GSO của đơn vị, ví dụ 05431."))
    elif not versions.of(code):
        errors.append(RowError(n, "unit_code", code, (
            f"không có đơn vị hành chính mã {code}. Kiểm tra mã GSO (tỉnh 2 chữ số, huyện 3, xã 5).")))
    elif year is not None:
        unit = versions.during(code, year)
        if unit is None:
            errors.append(RowError(n, "unit_code", code, (
                f"đơn vị mã {code} không có hiệu lực trong năm {year}. Sửa năm, hoặc dùng mã của đơn vị có hiệu lực "
                "năm đó.")))
        else:
            refused = refusal(unit)
            if refused is not None:
                errors.append(RowError(n, "unit_code", code, refused[:1].upper() + refused[1:]))
                unit = None
    for error in sorted(errors, key=lambda e: COLUMNS.index(e.column)):
        found.add(error)
    if errors or unit is None:
        return None
    return _Row(n, unit, group, year, count)


def import_headcounts(path: str | Path, dry_run: bool = False, *, user=None, name: str | None = None,
                      progress: Progress | None = None, actor: str = "") -> ImportResult:
    """Import headcounts, all or nothing. Raises ImportFailed with every error."""
    if user is not None and not may_import(user):
        raise ImportFailed([RowError(0, "", "", NOBODY)])
    table = TableFile(path, COLUMNS, name=name)
    versions = UnitVersions(Unit.objects.select_related("unit_type"))
    groups, refusal, errors = _Groups(), Refusals(user, _refusal), ErrorList()
    rows = unique_rows(table, lambda n, raw: _parse(n, raw, versions, groups, refusal, errors),
                       lambda row: (row.unit.pk, row.group.pk, row.year), column="unit_code",
                       same="đơn vị, nhóm đối tượng và năm", errors=errors, progress=progress)

    recorded = {(h.unit_id, h.target_group_id, h.year): h for h in Headcount.objects.filter(
        unit_id__in={r.unit.pk for r in rows}, year__in={r.year for r in rows}).select_related("unit", "target_group")}
    result = ImportResult(dry_run=dry_run)
    writes: list[tuple[_Row, Headcount | None]] = []
    for row in rows:
        existing = recorded.get((row.unit.pk, row.group.pk, row.year))
        if existing is not None and existing.count == row.count:
            result.unchanged += 1
            continue
        result.created += existing is None
        result.updated += existing is not None
        writes.append((row, existing))
        if len(result.changes) < PREVIEW_CHANGES:
            result.changes.append(Change(
                row.n, "create" if existing is None else "update",
                f"{row.unit.name} ({row.unit.code}) · {row.group.label} · {row.year}",
                "" if existing is None else f"{format_number(existing.count)} người",
                f"{format_number(row.count)} người"))
    if dry_run:
        return result
    with transaction.atomic():
        for row, existing in writes:
            note = f"Nhập tệp {table.name}, dòng {row.n}"
            if existing is None:
                h = Headcount.objects.create(unit=row.unit, target_group=row.group, year=row.year, count=row.count)
                record("create", h, after=snapshot(h), user=user, actor=actor, note=note)
            else:
                before = snapshot(existing)
                existing.count = row.count
                existing.save(update_fields=["count"])
                record("update", existing, before=before, after=snapshot(existing), user=user, actor=actor,
                       note=note)
    return result


def export_headcounts(request: ExportRequest) -> Table:
    """The headcounts of ``request.year`` (every year when none) within the unit ``request.unit`` (any version of it
    in force that year; everything the user may read when no unit is given), in the import's columns."""
    condition = Q(year=request.year) if request.year else Q()
    if request.unit:
        start, end = ((dt.date(request.year, 1, 1), dt.date(request.year, 12, 31)) if request.year
                      else (dt.date.min, dt.date.max))
        condition &= under([u.path for u in roots(request.unit, start, end)], "unit__path")
    rows = (Headcount.objects.filter(scoped(condition, "unit__path", reading_paths(request.user)))
            .order_by("year", "unit__code", "unit__valid_from", "target_group__order", "target_group__code")
            .values_list("unit__code", "target_group__code", "year", "count"))
    return Table("Số cán bộ theo nhóm đối tượng", COLUMNS, rows.iterator(chunk_size=5000))
