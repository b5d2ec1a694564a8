"""Exports in the import formats: what ``nongthonso export`` and ``/xuat-du-lieu/`` write.

Every export has the columns its import reads, so a file exported here imports back unchanged (values:
``unit_code, year, indicator_code, value, note, source, set``; units, commune groups, decisions and
registrations: the columns of ``units.imports.import_units``, ``recognition.group_imports`` and
``recognition.imports``). CSV is UTF-8 with a byte-order mark (so Excel shows Vietnamese letters); XLSX
keeps numbers as numbers and codes as text. No cell is ever a formula: text is a string cell in XLSX, and in CSV
text starting like a formula (``= + - @``, a tab …) is neutralised with an apostrophe the imports take off again
(``core.spreadsheets``), so a note «=1+1» exports and imports back as «=1+1». Rows are streamed from the database
(``QuerySet.iterator``) and, for XLSX, written with openpyxl's write-only workbook, so a large export does not sit
in memory as objects.

Each kind is a registry entry (``core.registry.ExportKind``, registered in ``apps.py``) whose ``*_export`` function
makes its table from what was asked (``core.registry.ExportRequest``); other apps register their own kinds.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import Q

from nongthonso.accounts.services import scope_paths
from nongthonso.assessments.imports import OPTIONAL as VALUE_OPTIONAL
from nongthonso.assessments.imports import REQUIRED as VALUE_REQUIRED
from nongthonso.assessments.models import IndicatorValue
from nongthonso.core.registry import ExportRequest
from nongthonso.core.spreadsheets import csv_cell, xlsx_cells
from nongthonso.recognition.group_imports import GROUP_EXPORT_COLUMNS
from nongthonso.recognition.imports import (
    DECISION_COLUMNS,
    DECISION_OPTIONAL,
    REGISTRATION_COLUMNS,
    REGISTRATION_OPTIONAL,
)
from nongthonso.recognition.models import Decision, Registration
from nongthonso.units.imports import UNIT_COLUMNS, UNIT_OPTIONAL_COLUMNS
from nongthonso.units.models import CommuneGroupAssignment, Unit

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
TRUE_TEXT, FALSE_TEXT = "Đạt", "Không đạt"


class ExportError(Exception):
    """An export that cannot be made; the message (Vietnamese) says why and what to do."""


class NothingFound(ExportError):
    """The unit or criteria set asked for does not exist (the API answers 404)."""


class NeedsUnitAndYear(ExportError):
    """An export of ``what`` («giá trị chỉ tiêu») asked for without a unit or a year. The message names the page's
    fields; the command line names its options (``--unit``, ``--year``) instead."""

    def __init__(self, what: str):
        self.what = what
        super().__init__(f"Xuất {what} cần mã đơn vị và năm, ví dụ 19 và 2023.")


@dataclass
class Table:
    title: str  # the sheet's title (XLSX)
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]  # str, int, float or None per cell
    more: Sequence[Table] = ()  # further sheets of the XLSX file (a CSV file holds the first table only)


def value_cell(value: Any) -> Any:
    """A stored indicator value as a cell: True → «Đạt», False → «Không đạt», None → empty."""
    if value is True:
        return TRUE_TEXT
    if value is False:
        return FALSE_TEXT
    return value


def csv_lines(table: Table) -> Iterator[list[str]]:
    """The header and the rows of ``table`` as CSV cells (``core.spreadsheets.csv_cell``: numbers as the imports read
    them back, text that a spreadsheet could take for a formula neutralised)."""
    yield list(table.header)
    for row in table.rows:
        yield [csv_cell(c) for c in row]


def write_csv(table: Table, out: IO[bytes]) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    try:
        csv.writer(text, lineterminator="\r\n").writerows(csv_lines(table))
    finally:
        text.detach()


def write_xlsx(table: Table, out: IO[bytes]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for part in (table, *table.more):
        sheet = workbook.create_sheet(part.title[:31])
        sheet.freeze_panes = "A2"
        header = xlsx_cells(sheet, part.header)
        for cell in header:
            cell.font = bold
        sheet.append(header)
        for row in part.rows:
            sheet.append(xlsx_cells(sheet, row))  # text as string cells: a note «=1+1» is never a formula
    workbook.save(out)


def write(table: Table, fmt: str, out: IO[bytes]) -> None:
    if fmt == "csv":
        write_csv(table, out)
    elif fmt == "xlsx":
        write_xlsx(table, out)
    else:
        raise ExportError(f"Định dạng «{fmt}» không hỗ trợ. Dùng csv hoặc xlsx.")


def to_bytes(table: Table, fmt: str) -> bytes:
    buffer = io.BytesIO()
    write(table, fmt, buffer)
    return buffer.getvalue()


# --- which units ---------------------------------------------------------------------------------------------

def roots(code: str, start: dt.date, end: dt.date) -> list[Unit]:
    """The versions of the unit ``code`` in force at some time between ``start`` and ``end``."""
    found = list(Unit.objects.filter(code=code, valid_from__lte=end)
                 .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start)).order_by("valid_from"))
    if not found:
        raise NothingFound(f"Không có đơn vị mã «{code}» còn hiệu lực trong khoảng {start.day}/{start.month}/"
                           f"{start.year} – {end.day}/{end.month}/{end.year}. Kiểm tra mã GSO hoặc năm.")
    return found


def _within(paths: Iterable[str], field: str) -> Q:
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{field}__startswith": path})
    return condition


def scoped(condition: Q, field: str, scope: list[str] | None) -> Q:
    """``condition`` narrowed to the path prefixes ``scope`` (None: no narrowing; []: nothing)."""
    if scope is None:
        return condition
    if not scope:
        return Q(pk__in=[])
    return condition & _within(scope, field)


# --- the tables ------------------------------------------------------------------------------------------------

def values_table(code: str, year: int, *, scope: list[str] | None = None) -> Table:
    """Every value of ``year``'s assessments of the units within ``code`` (any version in force that
    year, the unit itself included), in the long format ``import values`` reads. ``scope``: path prefixes
    the user may see (None: everything)."""
    units = roots(code, dt.date(year, 1, 1), dt.date(year, 12, 31))
    condition = scoped(Q(assessment__year=year) & _within([u.path for u in units], "assessment__unit__path"),
                       "assessment__unit__path", scope)
    qs = (IndicatorValue.objects.filter(condition)
          .order_by("assessment__unit__code", "assessment__unit__valid_from", "assessment__criteria_set__code",
                    "indicator__position", "indicator__code")
          .values_list("assessment__unit__code", "assessment__year", "indicator__code", "value", "note", "source",
                       "assessment__criteria_set__code"))

    def rows() -> Iterator[tuple]:
        for unit_code, y, indicator_code, value, note, source, set_code in qs.iterator(chunk_size=5000):
            yield unit_code, y, indicator_code, value_cell(value), note, source, set_code

    return Table("Giá trị", (*VALUE_REQUIRED, *VALUE_OPTIONAL), rows())


def _yes(flag: bool) -> str:
    return "có" if flag else ""


def units_table(code: str | None = None, *, as_of: dt.date | None = None) -> Table:
    """Unit versions (within ``code`` and the unit itself; every version, or those in force on ``as_of``)
    in the columns ``import units`` reads; parents before children."""
    qs = Unit.objects.all()
    if code:
        found = list(Unit.objects.filter(code=code))
        if not found:
            raise NothingFound(f"Không có đơn vị mã «{code}». Kiểm tra mã GSO.")
        qs = qs.filter(_within([u.path for u in found], "path"))
    if as_of is not None:
        qs = qs.valid_on(as_of)
    qs = (qs.order_by("unit_type__level__depth", "code", "valid_from")
          .values_list("code", "name", "unit_type__code", "parent__code", "valid_from", "valid_to", "region",
                       "dac_biet_kho_khan", "atk"))

    def rows() -> Iterator[tuple]:
        for c, name, type_code, parent, start, end, region, dbkk, atk in qs.iterator(chunk_size=5000):
            yield (c, name, type_code, parent or "", start.isoformat(), end.isoformat() if end else "", region,
                   _yes(dbkk), _yes(atk))

    return Table("Đơn vị", (*UNIT_COLUMNS, *UNIT_OPTIONAL_COLUMNS), rows())


def commune_groups_table(code: str | None = None) -> Table:
    """Every commune-group assignment (Decision 51/2025/QĐ-TTg) of the communes within ``code`` (all without it),
    past ones included, in the columns ``import commune_groups`` reads: by commune, then oldest first."""
    qs = CommuneGroupAssignment.objects.all()
    if code:
        found = list(Unit.objects.filter(code=code))
        if not found:
            raise NothingFound(f"Không có đơn vị mã «{code}». Kiểm tra mã GSO.")
        qs = qs.filter(_within([u.path for u in found], "unit__path"))
    qs = (qs.order_by("unit__code", "unit__valid_from", "valid_from")
          .values_list("unit__code", "group", "valid_from", "valid_to", "decision_number", "decision_date",
                       "authority", "note"))

    def rows() -> Iterator[tuple]:
        for unit_code, group, start, end, number, date, authority, note in qs.iterator(chunk_size=5000):
            yield (unit_code, group, start.isoformat(), end.isoformat() if end else "", number,
                   date.isoformat() if date else "", authority, note)

    return Table("Nhóm xã", GROUP_EXPORT_COLUMNS, rows())


def decisions_table(code: str | None = None, *, year: int | None = None) -> Table:
    """Decisions naming a unit within ``code`` (every decision without it; dated in ``year`` when given)."""
    qs = Decision.objects.all()
    if code:
        found = list(Unit.objects.filter(code=code))
        if not found:
            raise NothingFound(f"Không có đơn vị mã «{code}». Kiểm tra mã GSO.")
        qs = qs.filter(pk__in=Decision.units.through.objects.filter(
            _within([u.path for u in found], "unit__path")).values("decision_id"))
    if year is not None:
        qs = qs.filter(date__year=year)
    qs = qs.order_by("date", "number", "pk").prefetch_related("units")

    def rows() -> Iterator[tuple]:
        for d in qs.iterator(chunk_size=500):
            codes = ";".join(sorted({u.code for u in d.units.all()}))
            yield d.number, d.date.isoformat(), d.authority, d.kind, d.level, d.for_year, codes, d.note

    return Table("Quyết định", (*DECISION_COLUMNS, *DECISION_OPTIONAL), rows())


def registrations_table(code: str | None = None, *, year: int | None = None,
                        scope: list[str] | None = None) -> Table:
    """Registrations of units within ``code`` (all without it), for target ``year`` when given; ``scope``:
    path prefixes the user may see (None: everything), as ``GET /api/registrations``."""
    qs = Registration.objects.all()
    if code:
        found = list(Unit.objects.filter(code=code))
        if not found:
            raise NothingFound(f"Không có đơn vị mã «{code}». Kiểm tra mã GSO.")
        qs = qs.filter(_within([u.path for u in found], "unit__path"))
    if scope is not None:
        qs = qs.filter(scoped(Q(), "unit__path", scope))
    if year is not None:
        qs = qs.filter(target_year=year)
    qs = (qs.order_by("target_year", "unit__code", "target_level")
          .values_list("unit__code", "target_level", "target_year", "registered_on", "note"))

    def rows() -> Iterator[tuple]:
        for unit_code, level, target_year, registered_on, note in qs.iterator(chunk_size=5000):
            yield unit_code, level, target_year, registered_on.isoformat(), note

    return Table("Đăng ký", (*REGISTRATION_COLUMNS, *REGISTRATION_OPTIONAL), rows())


# --- the export kinds (registered in apps.py): a table from what was asked ----------------------------------------

def _scope(request: ExportRequest) -> list[str] | None:
    """The path prefixes of the units the asking user may view; None (everything) for the command line."""
    return None if request.user is None else scope_paths(request.user, "view")


def values_export(request: ExportRequest) -> Table:
    if not request.unit or request.year is None:
        raise NeedsUnitAndYear("giá trị chỉ tiêu")
    return values_table(request.unit, request.year, scope=_scope(request))


def units_export(request: ExportRequest) -> Table:
    return units_table(request.unit, as_of=request.as_of)


def commune_groups_export(request: ExportRequest) -> Table:
    return commune_groups_table(request.unit)


def decisions_export(request: ExportRequest) -> Table:
    """Decisions are public facts: not narrowed to the user's units."""
    return decisions_table(request.unit, year=request.year)


def registrations_export(request: ExportRequest) -> Table:
    return registrations_table(request.unit, year=request.year, scope=_scope(request))
