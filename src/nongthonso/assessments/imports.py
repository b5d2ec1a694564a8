"""Import indicator values from a long-format CSV file: all rows or nothing.

Columns: ``unit_code, year, indicator_code, value`` and optionally ``note``, ``source``, ``set``
(criteria-set code; default: the commune NTM set in force in that year). Every row is checked before
anything is written; every error names the row, the column, the value and the fix.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from nongthonso.core.imports import ImportFailed, ImportResult, RowError, read_csv
from nongthonso.criteria.choices import Level
from nongthonso.criteria.models import CriteriaSet, Indicator
from nongthonso.units.models import Unit

from .models import Assessment, IndicatorValue
from .services import ValueRejected, parse_value, store_values
from .workflow import EDITABLE

REQUIRED = ("unit_code", "year", "indicator_code", "value")
OPTIONAL = ("note", "source", "set")
MIN_YEAR, MAX_YEAR = 2010, 2100


class _Resolver:
    """Caches lookups of units, sets and indicators across rows."""

    def __init__(self):
        self.units: dict[tuple[str, int], Unit | None] = {}
        self.sets: dict[tuple[str, int], CriteriaSet | None] = {}
        self.indicators: dict[int, dict[str, Indicator]] = {}
        self.states: dict[tuple[int, int, int], str | None] = {}

    def state(self, unit: Unit, year: int, cset: CriteriaSet) -> str | None:
        key = (unit.pk, year, cset.pk)
        if key not in self.states:
            self.states[key] = (Assessment.objects.filter(unit=unit, year=year, criteria_set=cset)
                                .values_list("state", flat=True).first())
        return self.states[key]

    def unit(self, code: str, year: int) -> Unit | None:
        key = (code, year)
        if key not in self.units:
            start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
            self.units[key] = (Unit.objects.filter(code=code, valid_from__lte=end)
                               .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
                               .select_related("unit_type__level").order_by("-valid_from").first())
        return self.units[key]

    def criteria_set(self, code: str, year: int) -> CriteriaSet | None:
        key = (code, year)
        if key not in self.sets:
            qs = CriteriaSet.objects.filter(superseded_by__isnull=True)
            if code:
                qs = qs.filter(code=code)
            else:
                qs = qs.filter(level=Level.XA_NTM).in_force_on(dt.date(year, 12, 31))
            self.sets[key] = qs.order_by("-effective_from").first()
        return self.sets[key]

    def indicator(self, cset: CriteriaSet, code: str) -> Indicator | None:
        if cset.pk not in self.indicators:
            self.indicators[cset.pk] = {i.code: i for i in cset.indicators.all()}
        return self.indicators[cset.pk].get(code)


def _parse_year(text: str) -> int | None:
    try:
        year = int(text)
    except ValueError:
        return None
    return year if MIN_YEAR <= year <= MAX_YEAR else None


def validate(path: str | Path) -> tuple[list[tuple], list[RowError]]:
    """Check every row. Returns (rows ready to store, errors)."""
    resolver = _Resolver()
    rows, errors = [], []
    seen: dict[tuple, int] = {}
    for n, row in read_csv(path, REQUIRED, OPTIONAL):
        if not any(row.values()):
            continue  # blank line
        year = _parse_year(row["year"])
        if year is None:
            errors.append(RowError(n, "year", row["year"],
                                   f"năm phải là số có 4 chữ số từ {MIN_YEAR} đến {MAX_YEAR}, ví dụ 2023."))
            continue
        set_code = row.get("set", "")
        cset = resolver.criteria_set(set_code, year)
        if cset is None:
            if set_code:
                errors.append(RowError(n, "set", set_code, (
                    "không có bộ tiêu chí mã này. Dùng mã trong danh mục bộ tiêu chí, ví dụ xa-ntm-2021-2025.")))
            else:
                errors.append(RowError(n, "year", row["year"], (
                    f"không có bộ tiêu chí xã nông thôn mới nào có hiệu lực trong năm {year}. Kiểm tra năm, "
                    "hoặc ghi rõ mã bộ tiêu chí ở cột «set».")))
            continue
        if not (cset.effective_from.year <= year <= (cset.effective_to or dt.date(MAX_YEAR, 1, 1)).year):
            errors.append(RowError(n, "year", row["year"], (
                f"bộ tiêu chí «{cset.code}» chỉ áp dụng cho các năm {cset.effective_from.year}–"
                f"{cset.effective_to.year if cset.effective_to else '…'}. Sửa năm hoặc cột «set».")))
            continue
        if not row["unit_code"]:
            errors.append(RowError(n, "unit_code", "", "thiếu mã đơn vị. Điền mã GSO của xã, ví dụ 05431."))
            continue
        unit = resolver.unit(row["unit_code"], year)
        if unit is None:
            errors.append(RowError(n, "unit_code", row["unit_code"], (
                f"không có đơn vị hành chính mã {row['unit_code']} trong năm {year}. Kiểm tra mã GSO "
                "(cấp xã có 5 chữ số) hoặc năm đánh giá.")))
            continue
        state = resolver.state(unit, year, cset)
        if state is not None and state not in EDITABLE:
            errors.append(RowError(n, "unit_code", row["unit_code"], (
                f"hồ sơ năm {year} của {unit.name} đang ở trạng thái «{Assessment.State(state).label}» nên số liệu "
                "đã khóa. Bỏ các dòng của hồ sơ này, hoặc đề nghị trả lại / mở lại hồ sơ (kèm lý do) rồi nhập lại.")))
            continue
        indicator = resolver.indicator(cset, row["indicator_code"])
        if indicator is None:
            errors.append(RowError(n, "indicator_code", row["indicator_code"], (
                f"bộ tiêu chí «{cset.code}» không có chỉ tiêu mã này. Dùng mã như trong tệp mẫu, "
                "ví dụ 2.1 hoặc 17.8.")))
            continue
        try:
            value = parse_value(indicator, row["value"])
        except ValueRejected as exc:
            errors.append(RowError(n, "value", row["value"], str(exc)))
            continue
        key = (unit.pk, year, cset.pk, indicator.pk)
        if key in seen:
            errors.append(RowError(n, "indicator_code", row["indicator_code"], (
                f"trùng với dòng {seen[key]} (cùng đơn vị, năm và chỉ tiêu). Giữ lại một dòng.")))
            continue
        seen[key] = n
        rows.append((unit, year, cset, indicator, value, row.get("source", ""), row.get("note", "")))
    if not rows and not errors:
        errors.append(RowError(0, "", "", "Tệp không có dòng dữ liệu nào sau dòng tiêu đề."))
    return rows, errors


def import_values(path: str | Path, dry_run: bool = False, *, user=None, actor: str = "nongthonso import"
                  ) -> ImportResult:
    rows, errors = validate(path)
    if errors:
        raise ImportFailed(errors)
    result = ImportResult(dry_run=dry_run)
    if dry_run:
        existing = {(u, y, i): (v, s, note) for u, y, i, v, s, note in IndicatorValue.objects.filter(
            assessment__unit_id__in={r[0].pk for r in rows}).values_list(
            "assessment__unit_id", "assessment__year", "indicator_id", "value", "source", "note")}
        for unit, year, _cset, indicator, value, source, note in rows:
            old = existing.get((unit.pk, year, indicator.pk))
            if old is None:
                result.created += 1
            elif old == (value, source, note):
                result.unchanged += 1
            else:
                result.updated += 1
        return result
    with transaction.atomic():
        assessments: dict[tuple, Assessment] = {}
        prepared = []
        for unit, year, cset, indicator, value, source, note in rows:
            key = (unit.pk, year, cset.pk)
            if key not in assessments:
                assessments[key], _ = Assessment.objects.get_or_create(unit=unit, year=year, criteria_set=cset)
            prepared.append((assessments[key], indicator, value, source, note))
        result.created, result.updated, result.unchanged = store_values(
            prepared, user=user, actor=actor, note=f"Nhập tệp {Path(path).name}")
    return result
