"""Import indicator values from a long-format CSV or XLSX file: all rows or nothing, in bounded memory.

Columns: ``unit_code, year, indicator_code, value`` and optionally ``note``, ``source``, ``set``
(criteria-set code; default: the commune NTM set in force in that year). An empty value records
"unknown"; a column the file lacks (note, source) leaves the recorded text unchanged. Every row is
checked before anything is written; every error names the row, the column, the value and the fix.

A file of a million rows is handled in memory that does not grow with the file, apart from 16 bytes a
row for finding duplicate rows:

1. **Check pass** — streams the file (``core.imports.TableFile``). Kept in memory: lookup caches (units,
   criteria sets, indicators, the assessments of the units named — bounded by the database, not the
   file) and, per good row, a 64-bit key (assessment, indicator) and its row number in typed arrays.
   Good rows go, converted, to a temporary spool file in batches. Duplicates are found at the end by
   sorting the keys (numpy).
2. Any error: ``ImportFailed`` with every error (the first ``MAX_ERRORS`` listed); nothing written.
3. **Write pass** — inside ONE transaction (``core.derived.writing``): create the missing assessments and find
   which of the others hold no values, then stream the spool in batches of ``BATCH`` rows: read the stored values
   of the batch's assessments that hold some, insert the new ones (statements of 5,000 rows reading a JSON array on
   SQLite, one ``COPY`` on PostgreSQL: ``core.bulk.insert_rows``), update the changed ones, write one audit entry per
   assessment and batch (``bulk``). An assessment whose set requires no other is evaluated as soon as its last row
   is written, from the values in hand (``_EarlyEvaluation``), its engine pass run by a background thread beside
   the rest of the pass (``evaluation.BesideEvaluation``, ADR 0012).
4. Every other changed assessment, and those requiring one (the model commune requires the advanced one), is
   evaluated once as the transaction ends (``evaluation.RESULTS``), then the standings of every unit touched are
   refreshed once.

A dry run makes the same passes without writing and reports what would change (the first
``PREVIEW_CHANGES`` changes in detail). A ``user`` (web upload) who may enter values nowhere is refused before the
file is read (``may_import``); one who may import only values of units where they may enter values
(``accounts.services.can(user, "edit_values", unit)``); other rows are row errors.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import marshal
import tempfile
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

import numpy as np
from django.db import connection, reset_queries
from django.db.models import F
from django.utils import timezone

from nongthonso.accounts.services import refusal, scope_paths
from nongthonso.audit.context import current
from nongthonso.core.derived import writing
from nongthonso.core.imports import (
    MAX_ERRORS,
    MAX_NOTE,
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
    report_progress,
    text_error,
)
from nongthonso.criteria.applicability import applies_to
from nongthonso.criteria.choices import Level
from nongthonso.criteria.models import CriteriaSet, Indicator
from nongthonso.units.models import Unit
from nongthonso.units.versions import UnitVersions

from .bulk import audit_imports, insert_values, json_text, update_values
from .errors import ValueRejected
from .evaluation import RESULTS, BesideEvaluation
from .models import Assessment, IndicatorValue
from .services import parse_value
from .workflow import EDITABLE

REQUIRED = ("unit_code", "year", "indicator_code", "value")
OPTIONAL = ("note", "source", "set")
IGNORED = ("indicator_name",)  # the Excel template shows each indicator's name beside its code
# the columns' Vietnamese names: the template's header row for people (``dataio.workbook``); a file may use them
LABELS = {"unit_code": "Mã đơn vị", "year": "Năm", "indicator_code": "Mã chỉ tiêu", "indicator_name": "Tên chỉ tiêu",
          "value": "Giá trị", "note": "Ghi chú", "source": "Nguồn số liệu", "set": "Mã bộ tiêu chí"}
MAX_SOURCE = IndicatorValue._meta.get_field("source").max_length
NOT_YOURS = ("Chỉ cán bộ phụ trách NTM của xã (hoặc quản trị hệ thống) được nhập giá trị chỉ tiêu. Gửi tệp cho cán bộ "
             "xã, hoặc chọn loại dữ liệu khác.")
MIN_YEAR, MAX_YEAR = 2010, 2100
BATCH = 10_000  # rows per spool batch, per write statement group, per progress report
PARSED_KEPT = 20_000  # values parsed from their texts kept for the rows that repeat them (all indicators together)
_INDICATOR_BITS = 16  # key = assessment index << 16 | indicator index within its set


@dataclass
class _Target:
    """An assessment (unit × year × set) the file names; ``pk`` None until it exists."""

    unit: Unit
    year: int
    cset: CriteriaSet
    pk: int | None
    state: str | None
    empty: bool = False  # holds no values: created by this import, or found empty by ``_prepare_targets``

    def label(self) -> str:
        return f"{self.unit.name} ({self.unit.code}) · {self.year}"

    def repr(self) -> str:
        """``str()`` of the assessment, for the audit log."""
        return f"{self.unit.name} — {self.year} — {self.cset.code}"


def may_import(user) -> bool:
    """Whether ``user`` may send a values file at all: they may enter values somewhere (a commune officer, a
    superuser). Asked before the file is read (``core.registry.ImportKind.may_use``, and ``import_values``)."""
    return scope_paths(user, "edit_values") != []


def _refusal(user, unit: Unit) -> str | None:
    """Why ``user`` may not enter values for ``unit`` (None: may)."""
    refused = refusal(user, "edit_values", unit)
    return refused.message if refused else None


class _Resolver:
    """Caches lookups of units, sets, indicators and assessments across rows (and both passes)."""

    def __init__(self, user=None):
        self.user = user
        self.years: dict[str, int | None] = {}
        self.units = UnitVersions(Unit.objects.only("id", "code", "name", "path", "valid_from", "valid_to"))
        self.sets: dict[tuple[str, int], CriteriaSet | None] = {}
        # set → {indicator code: (indicator, position in the set, pk, {text: (value, JSON text) or _Rejected})}
        self.indicators: dict[int, dict[str, tuple[Indicator, int, int, dict[str, Any]]]] = {}
        self.indicator_list: dict[int, list[Indicator]] = {}
        self.existing: dict[tuple[int, int], dict[int, tuple[int, str]]] = {}  # (unit, year) → {set: (pk, state)}
        self.refusal = Refusals(user, _refusal)  # why the user may not enter values for a unit
        self.targets: list[_Target] = []
        self.last: list[int] = []  # per target: the number of the last good row naming it
        self.target_index: dict[tuple[int, int, int], int] = {}
        self.rows: dict[tuple[str, str, str], tuple] = {}  # (unit code, year, set) as written → _resolve()
        self.provinces: dict[int, str | None] = {}  # top unit id → province code (``criteria.applicability``)

    def year(self, text: str) -> int | None:
        try:
            return self.years[text]
        except KeyError:
            try:
                year = int(text)
            except ValueError:
                year = None
            else:
                year = year if MIN_YEAR <= year <= MAX_YEAR else None
            self.years[text] = year
            return year

    def prefetch(self, codes: set[str], years: set[str]) -> None:
        """Load the versions of the unit ``codes`` not seen yet, and the assessments of ``codes`` × ``years`` (as
        written in the file) not loaded yet: two queries for a batch of rows instead of two per unit, and only the
        years the file names (a unit has one assessment per year and set)."""
        self.units.load(codes)
        wanted = [year for year in map(self.year, years) if year is not None]
        missing = [(unit.pk, year) for code in codes for unit in self.units.by_code[code] for year in wanted
                   if (unit.pk, year) not in self.existing]
        for start in range(0, len(missing), 900):
            part = missing[start:start + 900]
            for key in part:
                self.existing[key] = {}
            for pk, unit_id, y, s, state in Assessment.objects.filter(
                    unit_id__in={unit_id for unit_id, _ in part}, year__in={y for _, y in part}).order_by().values_list(
                    "pk", "unit_id", "year", "criteria_set_id", "state"):
                self.existing.setdefault((unit_id, y), {})[s] = (pk, state)  # every set of (unit, year): complete

    def unit(self, code: str, year: int) -> Unit | None:
        """The version of ``code`` in force during ``year`` (the latest one when several were)."""
        if code not in self.units.by_code:
            self.prefetch({code}, {str(year)})
        return self.units.during(code, year)

    def criteria_set(self, code: str, year: int) -> CriteriaSet | None:
        key = (code, year)
        if key not in self.sets:
            qs = CriteriaSet.objects.filter(superseded_by__isnull=True)
            if code:
                qs = qs.filter(code=code)
            else:
                # the national commune set (a provincial one is named in the «set» column)
                qs = qs.filter(level=Level.XA_NTM, province_code="").in_force_on(dt.date(year, 12, 31))
            self.sets[key] = qs.order_by("-effective_from").first()
        return self.sets[key]

    def forget_parsed(self) -> None:
        """Empty every indicator's values parsed from their texts (kept for the rows that repeat them)."""
        for indicators in self.indicators.values():
            for *_, seen in indicators.values():
                seen.clear()

    def indicator(self, cset: CriteriaSet, code: str) -> tuple[Indicator, int, int, dict[str, Any]] | None:
        """(the indicator, its position in the set, its pk, the values parsed from its texts so far), or None."""
        found = self.indicators.get(cset.pk)
        if found is None:
            listed = list(cset.indicators.order_by("position", "pk"))
            if len(listed) >= 1 << _INDICATOR_BITS:  # pragma: no cover - sets have tens of indicators
                raise ValueError(f"criteria set {cset.code} has too many indicators")
            self.indicator_list[cset.pk] = listed
            found = self.indicators[cset.pk] = {ind.code: (ind, i, ind.pk, {}) for i, ind in enumerate(listed)}
        return found.get(code)

    def target(self, unit: Unit, year: int, cset: CriteriaSet) -> int:
        key = (unit.pk, year, cset.pk)
        index = self.target_index.get(key)
        if index is None:
            known = self.existing.get((unit.pk, year))
            if known is None:  # pragma: no cover - prefetch loads the assessments of the units and years named
                known = self.existing[unit.pk, year] = {
                    s: (pk, state) for pk, s, state in Assessment.objects.filter(unit_id=unit.pk, year=year)
                    .order_by().values_list("pk", "criteria_set_id", "state")}
            pk, state = known.get(cset.pk, (None, None))
            index = self.target_index[key] = len(self.targets)
            self.targets.append(_Target(unit, year, cset, pk, state))
            self.last.append(0)
        return index


class _Columns:
    def __init__(self, header: list[str]):
        def at(name: str) -> int:
            return header.index(name) if name in header else -1

        self.unit, self.year, self.indicator, self.value = (at(c) for c in REQUIRED)
        self.note, self.source, self.set = (at(c) for c in OPTIONAL)


def _resolve(resolver: _Resolver, code: str, year_text: str, set_code: str
             ) -> tuple[int, dict[str, tuple[Indicator, int, int, dict[str, Any]]], str] | tuple[str, str, str]:
    """The assessment a row's unit, year and set name: (target index, its indicators, set code); or the row
    error (column, value, message) every row naming them gets."""
    year = resolver.year(year_text)
    if year is None:
        return "year", year_text, f"năm phải là số có 4 chữ số từ {MIN_YEAR} đến {MAX_YEAR}, ví dụ 2023."
    cset = resolver.criteria_set(set_code, year)
    if cset is None:
        if set_code:
            return "set", set_code, ("không có bộ tiêu chí mã này. Dùng mã trong danh mục bộ tiêu chí, ví dụ "
                                     "xa-ntm-2021-2025.")
        return "year", year_text, (f"không có bộ tiêu chí xã nông thôn mới nào có hiệu lực trong năm {year}. Kiểm "
                                   "tra năm, hoặc ghi rõ mã bộ tiêu chí ở cột «set».")
    if not (cset.effective_from.year <= year <= (cset.effective_to or dt.date(MAX_YEAR, 1, 1)).year):
        return "year", year_text, (f"bộ tiêu chí «{cset.code}» chỉ áp dụng cho các năm {cset.effective_from.year}–"
                                   f"{cset.effective_to.year if cset.effective_to else '…'}. Sửa năm hoặc cột «set».")
    if not code:
        return "unit_code", "", "thiếu mã đơn vị. Điền mã GSO của xã, ví dụ 05431."
    unit = resolver.unit(code, year)
    if unit is None:
        return "unit_code", code, (f"không có đơn vị hành chính mã {code} trong năm {year}. Kiểm tra mã GSO "
                                   "(cấp xã có 5 chữ số) hoặc năm đánh giá.")
    refused = resolver.refusal(unit)
    if refused is not None:
        return "unit_code", code, f"{refused} Bỏ các dòng của đơn vị này."
    if cset.province_code and not applies_to(cset, unit, resolver.provinces):
        return "set", set_code, (f"bộ tiêu chí này do tỉnh mã {cset.province_code} ban hành, chỉ áp dụng cho các xã "
                                 f"của tỉnh đó; {unit.name} ({unit.code}) không thuộc tỉnh này. Sửa cột «set» hoặc "
                                 "mã đơn vị.")
    index = resolver.target(unit, year, cset)
    state = resolver.targets[index].state
    if state is not None and state not in EDITABLE:
        return "unit_code", code, (
            f"hồ sơ năm {year} của {unit.name} đang ở trạng thái «{Assessment.State(state).label}» nên số liệu "
            "đã khóa. Bỏ các dòng của hồ sơ này, hoặc đề nghị trả lại / mở lại hồ sơ (kèm lý do) rồi nhập lại.")
    resolver.indicator(cset, "")  # loads the set's indicators
    return index, resolver.indicators[cset.pk], cset.code


def _batch_checker(resolver: _Resolver, cols: _Columns, errors: ErrorList, keys: array, numbers: array
                   ) -> Callable[[list[tuple[int, list[str]]], list[tuple]], int]:
    """The check of a batch of rows, ``check(batch, good)``: appends to ``good`` each good row as (row number, target
    index, indicator pk, indicator code, value, the value as JSON text, source, note), adds each bad row's error, and
    returns how many rows it checked (a row whose unit, year and value are all empty is a block of the Excel template
    left unused: skipped). A good row's key (target, indicator position) and number go to ``keys`` and ``numbers``
    (the search for repeated rows), and its target's last row is noted (``resolver.last``). Rows naming the same
    unit, year and set share one resolution (``resolver.rows``; a run of such rows, the usual file sorted by unit,
    looks it up once); each text of a value is parsed once per indicator. Everything is bound once here: it runs
    for every row of a file."""
    iu, iy, ii, iv = cols.unit, cols.year, cols.indicator, cols.value
    iset, isrc, inote = cols.set, cols.source, cols.note
    resolved_rows, last, add = resolver.rows, resolver.last, errors.add
    add_key, add_number = keys.append, numbers.append
    parsed_count = 0  # texts parsed and kept, over every indicator: all forgotten past PARSED_KEPT

    def check(batch: list[tuple[int, list[str]]], good: list[tuple]) -> int:
        nonlocal parsed_count
        keep = good.append
        count = 0
        # the unit, year and set as written in the row before, and what they resolved to
        unit_before = year_before = set_before = None
        index = indicators = set_code = None
        for n, cells in batch:
            unit_text, year_text, raw = cells[iu], cells[iy], cells[iv]
            if not (unit_text or year_text or raw):
                continue
            count += 1
            set_text = cells[iset] if iset >= 0 else ""
            if unit_text != unit_before or year_text != year_before or set_text != set_before:
                key = (unit_text, year_text, set_text)
                resolved = resolved_rows.get(key)
                if resolved is None:
                    resolved = resolved_rows[key] = _resolve(resolver, *key)
                unit_before, year_before, set_before = key
                index, indicators, set_code = resolved
            if type(index) is str:  # the row error of every row naming this unit, year and set
                add(RowError(n, index, indicators, set_code))
                continue
            indicator_code = cells[ii]
            found = indicators.get(indicator_code)
            if found is None:
                add(RowError(n, "indicator_code", indicator_code, (
                    f"bộ tiêu chí «{set_code}» không có chỉ tiêu mã này. Dùng mã như trong tệp mẫu, "
                    "ví dụ 2.1 hoặc 17.8.")))
                continue
            indicator, position, indicator_pk, seen = found
            parsed = seen.get(raw)
            if parsed is None:  # values repeat (Đạt, 100 …): each text is parsed once per indicator
                try:
                    value = parse_value(indicator, raw)
                    parsed = (value, json_text(value))
                except ValueRejected as exc:
                    parsed = _Rejected(str(exc))
                parsed_count += 1
                if parsed_count > PARSED_KEPT:
                    resolver.forget_parsed()
                    parsed_count = 1
                seen[raw] = parsed
            if type(parsed) is _Rejected:
                add(RowError(n, "value", raw, parsed.message))
                continue
            source = cells[isrc] if isrc >= 0 else None
            if source and (len(source) > MAX_SOURCE or "\x00" in source):
                add(text_error(n, "source", source, MAX_SOURCE))
                continue
            note = cells[inote] if inote >= 0 else None
            if note and (len(note) > MAX_NOTE or "\x00" in note):
                add(text_error(n, "note", note, MAX_NOTE))
                continue
            last[index] = n
            add_key(index << _INDICATOR_BITS | position)
            add_number(n)
            keep((n, index, indicator_pk, indicator.code, parsed[0], parsed[1], source, note))
        return count

    return check


@dataclass(frozen=True)
class _Rejected:
    message: str


def _duplicates(keys: array, rows: array, resolver: _Resolver, limit: int = MAX_ERRORS) -> tuple[list[RowError], int]:
    """Rows repeating an earlier row's (unit, year, set, indicator), found by a stable sort of the keys: the errors
    of the first ``limit`` of them (in row order), and how many more there are (a file of a million repeated rows
    gives ``limit`` errors and a count, not a million errors)."""
    if len(keys) < 2:
        return [], 0
    k = np.frombuffer(keys, dtype=np.int64)
    ordered = np.sort(k)  # 8 bytes a row more, for a moment; the usual answer is "no duplicates"
    if not (ordered[1:] == ordered[:-1]).any():
        return [], 0
    del ordered
    order = np.argsort(k, kind="stable")
    ordered = k[order]
    repeat = np.flatnonzero(ordered[1:] == ordered[:-1]) + 1
    if not repeat.size:
        return [], 0
    starts = np.ones(len(ordered), dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    first = np.maximum.accumulate(np.where(starts, np.arange(len(ordered)), 0))
    row_numbers = np.frombuffer(rows, dtype=np.int64)
    repeated_rows = row_numbers[order[repeat]]
    shown = np.argsort(repeated_rows, kind="stable")[:limit]  # the earliest repeated rows
    errors = []
    for pos in repeat[shown]:
        key = int(ordered[pos])
        target = resolver.targets[key >> _INDICATOR_BITS]
        code = resolver.indicator_list[target.cset.pk][key & ((1 << _INDICATOR_BITS) - 1)].code
        errors.append(RowError(int(row_numbers[order[pos]]), "indicator_code", code, (
            f"trùng với dòng {int(row_numbers[order[first[pos]]])} (cùng đơn vị, năm và chỉ tiêu). "
            "Giữ lại một dòng.")))
    return errors, int(repeat.size) - len(errors)


class _Spool:
    """Checked rows, converted, in a temporary file: written in batches, read back in batches."""

    def __init__(self):
        self.file: IO[bytes] = tempfile.TemporaryFile(prefix="nongthonso-import-")  # noqa: SIM115 - closed by close()
        self.batch: list[tuple] = []
        self.rows = 0

    def extend(self, rows: list[tuple]) -> None:
        self.batch.extend(rows)
        self.rows += len(rows)
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            data = marshal.dumps(self.batch)
            self.file.write(len(data).to_bytes(8, "little"))
            self.file.write(data)
            self.batch = []

    def batches(self) -> Iterator[list[tuple]]:
        self.flush()
        self.file.seek(0)
        while size := self.file.read(8):
            yield marshal.loads(self.file.read(int.from_bytes(size, "little")))

    def close(self) -> None:
        self.file.close()


def _batches(table: TableFile) -> Iterator[list[tuple[int, list[str]]]]:
    records = table.records()
    while batch := list(islice(records, BATCH)):
        yield batch


def _check(table: TableFile, resolver: _Resolver, progress: Progress | None) -> _Spool:
    errors = ErrorList()
    keys, rows = array("q"), array("q")
    spool = _Spool()
    cols = None
    count = 0
    try:
        for batch in _batches(table):
            if cols is None:
                cols = _Columns(table.header)
                check = _batch_checker(resolver, cols, errors, keys, rows)
                iu, iy = cols.unit, cols.year
            resolver.prefetch({cells[iu] for _, cells in batch}, {cells[iy] for _, cells in batch})
            good: list[tuple] = []
            count += check(batch, good)
            if not errors.total:
                spool.extend(good)
            report_progress(progress, table, "check", count)
            reset_queries()  # with DEBUG on, Django would keep every query of a long import
        report_progress(progress, table, "check", count, done=True)
        duplicates, more = _duplicates(keys, rows, resolver)
        if errors or duplicates:
            raise errors.fail(duplicates, more)
        if not count:
            raise ImportFailed([RowError(0, "", "", no_data_message(table.name))])
    except BaseException:
        spool.close()
        raise
    return spool


def _shown(value: Any) -> str:
    if value is None:
        return "(trống)"
    if value is True:
        return "Đạt"
    if value is False:
        return "Không đạt"
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def _prepare_targets(resolver: _Resolver, dry_run: bool) -> None:
    """Inside the transaction (a dry run: without one, locking nothing): refuse dossiers locked since the check,
    note which of the others hold no values (``_Target.empty``: their rows are not compared with stored ones), create
    the missing assessments."""
    existing = [t for t in resolver.targets if t.pk is not None]
    for start in range(0, len(existing), 1000):
        chunk = {t.pk: t for t in existing[start:start + 1000]}
        rows = Assessment.objects.filter(pk__in=list(chunk)).order_by("pk")  # locked in one order: no deadlock
        if not dry_run and connection.features.has_select_for_update:
            rows = rows.select_for_update()
        locked = []
        for pk, state in rows.values_list("pk", "state"):
            if state not in EDITABLE:
                target = chunk[pk]
                locked.append(RowError(0, "", "", (
                    f"Hồ sơ năm {target.year} của {target.unit.name} vừa chuyển sang trạng thái "
                    f"«{Assessment.State(state).label}» nên số liệu đã khóa. Chưa ghi gì; bỏ các dòng của hồ sơ "
                    "này rồi nhập lại.")))
        if locked:
            raise ImportFailed(locked)
        # which of them hold values (the others are filled, not compared: their values are not read back per batch)
        holding = set(IndicatorValue.objects.filter(assessment_id__in=list(chunk)).order_by()
                      .values_list("assessment_id", flat=True).distinct())
        for pk, target in chunk.items():
            target.empty = pk not in holding
    if dry_run:
        return
    missing = [t for t in resolver.targets if t.pk is None]
    for start in range(0, len(missing), 1000):
        chunk = missing[start:start + 1000]
        created = Assessment.objects.bulk_create(
            [Assessment(unit_id=t.unit.pk, year=t.year, criteria_set_id=t.cset.pk) for t in chunk])
        if any(a.pk is None for a in created):  # pragma: no cover - a backend that returns no ids
            by_key = {(a.unit_id, a.year, a.criteria_set_id): a.pk for a in Assessment.objects.filter(
                unit_id__in={t.unit.pk for t in chunk}).only("id", "unit_id", "year", "criteria_set_id")}
            for t in chunk:
                t.pk = by_key[(t.unit.pk, t.year, t.cset.pk)]
        else:
            for t, a in zip(chunk, created, strict=True):
                t.pk = a.pk
        for t in chunk:
            t.empty = True


class _EarlyEvaluation:
    """Evaluates the assessments the import changes as soon as their last row is written, from the values they held
    before the import (read with the batch that first changes them) and the values just written — so they need not
    be read back. Holds at most ``limit`` values: in a file sorted by unit (the usual case) only those of one or two
    assessments; beyond the limit (rows of many assessments interleaved), it stops and leaves the rest to the
    evaluation at the end, which reads them back. Sets that require another set are left to the end too (they are
    evaluated after the assessment they require). The engine passes run in a background thread beside the rest of
    the write pass (``evaluation.BesideEvaluation``, ADR 0012); ``finish()`` stores the last results, ``close()``
    stops the thread."""

    FLUSH = 500  # assessments whose last row is written, evaluated together

    def __init__(self, targets: list[_Target], last: list[int], limit: int = 200_000):
        self.targets, self.last, self.limit = targets, last, limit
        self.eligible = [t.cset.requires_id is None for t in targets]
        self.pending: dict[int, dict[str, Any]] = {}
        self.held = 0
        self.ready: dict[int, dict[str, Any]] = {}
        self.done: set[int] = set()
        self.active = True
        self.evaluation = BesideEvaluation()

    def add(self, index: int, written: dict[str, Any], stored: dict[str, Any]) -> None:
        """Values written for target ``index`` (by one batch); ``stored``: the target's values before the import."""
        if not (self.active and self.eligible[index]):
            return
        values = self.pending.get(index)
        if values is None:
            values = self.pending[index] = dict(stored)
        held = len(values)
        values.update(written)
        self.held += len(values) - held

    def written_up_to(self, row: int) -> None:
        if not self.active:
            return
        for index in [i for i in self.pending if self.last[i] <= row]:
            values = self.pending.pop(index)
            self.held -= len(values)
            self.ready[self.targets[index].pk] = values
        if len(self.ready) >= self.FLUSH:
            self.flush()
        if self.held > self.limit:
            self.active, self.pending, self.held = False, {}, 0

    def flush(self) -> None:
        if self.ready:
            self.evaluation.submit(self.ready)
            self.done.update(self.ready)
            self.ready = {}

    def finish(self) -> None:
        self.flush()
        self.evaluation.finish()

    def close(self) -> None:
        self.evaluation.close()


def _write(spool: _Spool, resolver: _Resolver, result: ImportResult, *, user, actor: str, note: str,
           table: TableFile, progress: Progress | None) -> tuple[set[int], set[int]]:
    """The write pass (or, for a dry run, the comparison). Returns the pks of the assessments changed, and
    of those of them already evaluated (``_EarlyEvaluation``)."""
    dry_run = result.dry_run
    targets = resolver.targets
    target_pk = [t.pk for t in targets]
    fresh = [t.empty or t.pk is None for t in targets]  # no values stored: nothing to compare with, nothing to read
    early = _EarlyEvaluation(targets, resolver.last)
    indicator_code = {ind.pk: ind.code for listed in resolver.indicator_list.values() for ind in listed}
    ctx = current()
    actor = actor or (user.get_username() if user else ctx.get("actor", "nongthonso import"))
    user_id = user.pk if user is not None else None
    now = IndicatorValue._meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
    changed: set[int] = set()
    done = 0
    no_values: dict[str, Any] = {}
    with contextlib.closing(early):  # (its engine passes run in a background thread: stopped on the way out)
        for batch in spool.batches():
            # every value stored for the batch's assessments: the old values the rows are compared with, and the
            # values the early evaluation starts from
            pks = {target_pk[index] for _, index, *_ in batch if not fresh[index]}
            existing: dict[tuple[int, int], tuple] = {}
            stored: dict[int, dict[str, Any]] = {}
            for pk, a, i, v, s, nt in IndicatorValue.objects.filter(assessment_id__in=pks).order_by().values_list(
                    "pk", "assessment_id", "indicator_id", "value", "source", "note") if pks else ():
                existing[a, i] = (pk, v, s, nt)
                if i in indicator_code:  # (always: an assessment holds values of its own set's indicators)
                    stored.setdefault(a, {})[indicator_code[i]] = v
            inserts, updates = [], []
            before: dict[int, dict] = {}
            after: dict[int, dict] = {}
            created = updated = unchanged = 0
            previews = PREVIEW_CHANGES - len(result.changes)
            for n, index, indicator_pk, code, value, text, source, row_note in batch:
                pk = target_pk[index]
                old = existing.get((pk, indicator_pk)) if existing else None
                if old is None:  # a column the file lacks (None) leaves the recorded text as it is
                    source, row_note = source or "", row_note or ""
                    created += 1
                    inserts.append((pk, indicator_pk, text, source, row_note, now, user_id))
                else:
                    source = old[2] if source is None else source
                    row_note = old[3] if row_note is None else row_note
                    if old[1] == value and old[2] == source and old[3] == row_note:
                        unchanged += 1
                        continue
                    updated += 1
                    before.setdefault(index, {})[code] = old[1]
                    updates.append((text, source, row_note, now, user_id, old[0]))
                after.setdefault(index, {})[code] = value
                if previews > 0:
                    previews -= 1
                    result.changes.append(Change(n, "create" if old is None else "update",
                                                 f"{targets[index].label()} · chỉ tiêu {code}",
                                                 "" if old is None else _shown(old[1]), _shown(value)))
            result.created += created
            result.updated += updated
            result.unchanged += unchanged
            if not dry_run:
                if inserts:
                    insert_values(inserts)
                if updates:
                    update_values(updates)
                if after:
                    audit_imports([(target_pk[index], targets[index].repr(), before.get(index), values)
                                   for index, values in after.items()], user_id=user_id, actor=actor,
                                  request_id=ctx.get("request_id", ""), note=note)
                    changed.update(target_pk[index] for index in after)
                for index, values in after.items():
                    early.add(index, values, stored.get(target_pk[index], no_values))
                early.written_up_to(batch[-1][0])
            done += len(batch)
            if progress is not None:
                progress("write", done, int(table.size * done / max(spool.rows, 1)), table.size)
            reset_queries()
        if not dry_run:
            early.finish()
    return changed, early.done


def import_values(path: str | Path, dry_run: bool = False, *, user=None, actor: str = "",
                  name: str | None = None, progress: Progress | None = None) -> ImportResult:
    """Import the values in a CSV or XLSX file, all or nothing. Raises ImportFailed with every error.

    ``user``: the signed-in user of a web upload (rows outside their scope are errors); ``name``: the file
    name to show in messages; ``progress``: called every ``BATCH`` rows (see ``core.imports.Progress``)."""
    with _fewer_collections():
        return _import_values(path, dry_run, user=user, actor=actor, name=name, progress=progress)


@contextlib.contextmanager
def _fewer_collections():
    """Run the cyclic garbage collector less often: a big import allocates millions of short-lived tuples,
    and each full collection would scan every long-lived object (the lookup caches) again — up to a third
    of the time of a million-row import. Memory is unaffected: the rows do not form reference cycles."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, before[1], max(before[2], 100))
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _import_values(path, dry_run, *, user, actor, name, progress) -> ImportResult:
    if user is not None and not may_import(user):
        raise ImportFailed([RowError(0, "", "", NOT_YOURS)])
    table = TableFile(path, REQUIRED, OPTIONAL, name=name, verbatim=("note", "source"), labels=LABELS,
                      ignored=IGNORED)
    resolver = _Resolver(user)
    spool = _check(table, resolver, progress)
    result = ImportResult(dry_run=dry_run)
    try:
        if dry_run:
            _prepare_targets(resolver, dry_run=True)
            _write(spool, resolver, result, user=user, actor=actor, note="", table=table, progress=progress)
            return result
        with writing():
            _prepare_targets(resolver, dry_run=False)
            changed, evaluated = _write(spool, resolver, result, user=user, actor=actor,
                                        note=f"Nhập tệp {table.name}", table=table, progress=progress)
            changed_list = sorted(changed)
            for start in range(0, len(changed_list), 1000):
                (Assessment.objects.filter(pk__in=changed_list[start:start + 1000])
                 .update(version=F("version") + 1))
            rest = changed - evaluated
            if progress is not None:
                progress("evaluate", 0, 0, len(rest))
            RESULTS.touch(rest)  # evaluated (with the assessments requiring them) as the write ends
    finally:
        spool.close()
    if result.created or result.updated:
        result.messages.append(f"Đã tính lại kết quả của {len(changed)} bản đánh giá.")
    return result

