"""Import the figures units enter for smart NTM from CSV or XLSX, all rows or nothing (``nongthonso import
smart_figures FILE``, /nhap-du-lieu/, ``POST /api/imports/smart_figures``).

Columns ``measure, unit_code, year, numerator, denominator, source`` (+ ``note``): one figure per row, identified by
the measure, the unit and the year — a row with those of a recorded figure replaces it, so an export imports back
unchanged. The unit code resolves to the version in force on the day the year is read (31/12, or today in the
current year: ``models.period_end``), the day the progress page counts the units. Every error names the row, the
column, the value and the fix; a user imports only the units they may enter figures for (``scope``). The writes go
through ``services.record_figure`` (checked again, audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

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
    note_text,
    unique_rows,
)
from nongthonso.core.text import format_date
from nongthonso.units.models import Unit
from nongthonso.units.versions import UnitVersions

from . import scope, services
from .models import Figure, Measure, period_end

COLUMNS = ("measure", "unit_code", "year", "numerator", "denominator", "source")
OPTIONAL = ("note",)
EXPORT_COLUMNS = (*COLUMNS, *OPTIONAL)
LABELS = {"measure": "Mã số liệu", "unit_code": "Mã đơn vị", "year": "Năm", "numerator": "Tử số",
          "denominator": "Mẫu số", "source": "Nguồn số liệu", "note": "Ghi chú"}
NOBODY = ("Tài khoản của bạn không được nhập số liệu chuyển đổi số. Việc này do cán bộ phụ trách NTM xã, Văn phòng "
          "Điều phối NTM huyện hoặc tỉnh thực hiện cho các đơn vị mình phụ trách.")


def may_import(user) -> bool:
    return scope.may_enter_somewhere(user)


@dataclass
class _Row:
    n: int
    measure: Measure
    unit: Unit
    year: int
    numerator: int
    denominator: int
    source: str
    note: str


def _parse(n: int, raw: dict[str, str], measures: dict[str, Measure], versions: UnitVersions, refusal: Refusals,
           errors: ErrorList) -> _Row | None:
    found: list[RowError] = []
    measure = measures.get(raw["measure"])
    if measure is None:
        what = "thiếu mã số liệu" if not raw["measure"] else "không có số liệu mã này"
        found.append(RowError(n, "measure", raw["measure"], f"{what}. Dùng một trong: {', '.join(measures)}."))
    year = int(raw["year"]) if raw["year"].isdigit() else None
    today = timezone.localdate()
    if year is None or not services.MIN_YEAR <= year <= today.year:
        found.append(RowError(n, "year", raw["year"], (
            f"năm không hợp lệ: điền năm của số liệu, từ {services.MIN_YEAR} đến {today.year}, ví dụ 2023.")))
    unit = None
    code = raw["unit_code"]
    if not code:
        found.append(RowError(n, "unit_code", "", "thiếu mã đơn vị: điền mã GSO của tỉnh, huyện hoặc xã."))
    elif not versions.of(code):
        found.append(RowError(n, "unit_code", code, f"không có đơn vị hành chính mã {code}. Kiểm tra mã GSO."))
    elif year is not None and not found:
        day = period_end(year, today)
        unit = versions.on(code, day)
        if unit is None:
            spans = "; ".join(f"«{u.name}» {format_date(u.valid_from)} – "
                              f"{format_date(u.valid_to) if u.valid_to else 'nay'}" for u in versions.of(code))
            found.append(RowError(n, "unit_code", code, (
                f"đơn vị mã {code} không có hiệu lực ngày {format_date(day)}, ngày số liệu năm {year} được tính (các "
                f"thời kỳ của mã này: {spans}). Nhập số liệu cho đơn vị đang có hiệu lực vào ngày đó.")))
        else:
            refused = refusal(unit)
            if refused:
                found.append(RowError(n, "unit_code", code, refused))
                unit = None
    note = note_text(raw, n, found.append) or ""
    if not found and unit is not None:
        problems, num, den = services.figure_problems(measure, unit, year, raw["numerator"], raw["denominator"],
                                                      raw["source"], note, today)
        columns = {"unit": "unit_code", "year": "year", "numerator": "numerator", "denominator": "denominator",
                   "source": "source", "note": "note"}
        for field, message in problems.items():
            found.append(RowError(n, columns[field], raw.get(columns[field], ""), message))
        if not found:
            return _Row(n, measure, unit, year, num, den, " ".join(raw["source"].split()), note)
    for error in sorted(found, key=lambda e: EXPORT_COLUMNS.index(e.column) if e.column in EXPORT_COLUMNS else 99):
        errors.add(error)
    return None


def import_figures(path: str | Path, dry_run: bool = False, *, user=None, name: str | None = None,
                   progress: Progress | None = None, actor: str = "") -> ImportResult:
    """Import smart-NTM figures, all or nothing. Raises ImportFailed with every error."""
    if user is not None and not may_import(user):
        raise ImportFailed([RowError(0, "", "", NOBODY)])
    table = TableFile(path, COLUMNS, OPTIONAL, name=name, verbatim=("note",), labels=LABELS)
    measures = {m.code: m for m in Measure.objects.all()}
    versions = UnitVersions(Unit.objects.select_related("unit_type__level"))
    refusal = Refusals(user, scope.enter_refusal)
    errors = ErrorList()
    rows = unique_rows(table, lambda n, raw: _parse(n, raw, measures, versions, refusal, errors),
                       lambda row: (row.measure.pk, row.unit.pk, row.year), column="unit_code",
                       same="số liệu, đơn vị và năm", errors=errors, progress=progress)
    recorded = {(f.measure_id, f.unit_id, f.year): f for f in Figure.objects.filter(
        unit__in={r.unit.pk for r in rows}, year__in={r.year for r in rows})}
    result = ImportResult(dry_run=dry_run)
    for row in rows:
        old = recorded.get((row.measure.pk, row.unit.pk, row.year))
        new = (row.numerator, row.denominator, row.source, row.note)
        if old is not None and (old.numerator, old.denominator, old.source, old.note) == new:
            result.unchanged += 1
            continue
        action = "create" if old is None else "update"
        result.created += old is None
        result.updated += old is not None
        if len(result.changes) < PREVIEW_CHANGES:
            result.changes.append(Change(row.n, action, f"{row.unit.name} ({row.unit.code}) · {row.year} · "
                                                        f"{row.measure.label}",
                                         "" if old is None else f"{old.numerator}/{old.denominator}",
                                         f"{row.numerator}/{row.denominator}"))
    if dry_run:
        return result
    with transaction.atomic():
        for row in rows:
            services.record_figure(user, row.measure, row.unit, row.year, row.numerator, row.denominator, row.source,
                                   row.note, audit_note=f"Nhập tệp {table.name}, dòng {row.n}", actor=actor)
    if progress is not None:
        progress("write", len(rows), table.size, table.size)
    return result
