"""The all-or-nothing CSV/XLSX import of unit versions behind ``nongthonso import units FILE [--dry-run]``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from nongthonso.audit.services import record
from nongthonso.core.imports import (
    PREVIEW_CHANGES,
    Change,
    ImportFailed,
    ImportResult,
    RowError,
    no_data_message,
    read_csv,
)
from nongthonso.core.text import format_date
from nongthonso.core.vocabulary import DATE_HINT, parse_bool, parse_date

from .choices import Region
from .models import Unit, UnitType, repath_descendants
from .reference import ensure_reference_data

UNIT_COLUMNS = ("code", "name", "type", "parent_code", "valid_from", "valid_to")
UNIT_OPTIONAL_COLUMNS = ("region", "dac_biet_kho_khan", "atk")
# the unit's position, WGS84 degrees (optional; read, not written by the units export, whose columns stay as they were)
UNIT_POSITION_COLUMNS = ("lat", "lon")
# columns the units file no longer takes, and what to do instead
RETIRED_UNIT_COLUMNS = {
    "commune_group": (
        "nhóm xã không còn được nhập cùng đơn vị hành chính. Từ giai đoạn 2026-2030, nhóm xã (Quyết định "
        "51/2025/QĐ-TTg) do quyết định của UBND tỉnh xếp, có thời hạn áp dụng, nên được nhập riêng kèm số và ngày "
        "quyết định. Xóa cột này khỏi tệp đơn vị, rồi nhập nhóm xã bằng loại dữ liệu «Nhóm xã» (commune_groups; các "
        "cột unit_code, group, valid_from, decision_number, decision_date, authority)."),
}


@dataclass(eq=False)
class _Version:
    """A unit version as it will be after the import: from the database, a file row, or both."""

    code: str
    name: str
    unit_type: UnitType | None
    valid_from: dt.date
    valid_to: dt.date | None
    unit: Unit | None = None  # the existing row
    row: _Row | None = None  # the file row that creates/updates it

    def valid_on(self, date: dt.date) -> bool:
        return self.valid_from <= date and (self.valid_to is None or self.valid_to >= date)

    def span(self) -> str:
        end = f" – {format_date(self.valid_to)}" if self.valid_to else " – nay"
        return f"{format_date(self.valid_from)}{end}"


@dataclass(eq=False)
class _Row:
    number: int
    raw: dict[str, str]
    code: str = ""
    name: str = ""
    unit_type: UnitType | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # optional columns present in the file
    parent: _Version | None = None
    version: _Version | None = None


def _snapshot(unit: Unit) -> dict[str, Any]:
    return {
        "code": unit.code, "name": unit.name, "type": unit.unit_type.code,
        "parent": unit.parent.code if unit.parent_id else None,
        "valid_from": unit.valid_from.isoformat(), "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
        "region": unit.region, "dac_biet_kho_khan": unit.dac_biet_kho_khan, "atk": unit.atk,
        "lat": unit.lat, "lon": unit.lon,
    }


def _parse_row(number: int, raw: dict[str, str], types: dict[str, UnitType], errors: list[RowError]) -> _Row:
    row = _Row(number, raw)

    def error(column: str, message: str) -> None:
        errors.append(RowError(number, column, raw.get(column, ""), message))

    row.code = raw["code"]
    if not row.code:
        error("code", "thiếu mã đơn vị. Điền mã GSO của đơn vị (ví dụ 05569).")
    elif len(row.code) > 20 or any(c.isspace() for c in row.code):
        error("code", "mã không hợp lệ: tối đa 20 ký tự, không có khoảng trắng.")
    row.name = " ".join(raw["name"].split())
    if not row.name:
        error("name", "thiếu tên đơn vị. Điền tên đầy đủ kèm loại, ví dụ «Xã Vạn Phú».")
    elif len(row.name) > 200:
        error("name", "tên dài quá 200 ký tự.")
    row.unit_type = types.get(raw["type"])
    if row.unit_type is None:
        by_level: dict[str, list[str]] = defaultdict(list)
        for t in types.values():
            by_level[t.level.name.lower()].append(t.code)
        allowed = "; ".join(f"{level}: {', '.join(codes)}" for level, codes in by_level.items())
        what = "thiếu loại đơn vị" if not raw["type"] else "không có loại đơn vị này"
        error("type", f"{what}. Dùng một trong các mã — {allowed}.")
    if not raw["valid_from"]:
        error("valid_from", f"thiếu ngày bắt đầu hiệu lực. {DATE_HINT}")
    else:
        row.valid_from = parse_date(raw["valid_from"])
        if row.valid_from is None:
            error("valid_from", f"ngày không hợp lệ. {DATE_HINT}")
    if raw["valid_to"]:
        row.valid_to = parse_date(raw["valid_to"])
        if row.valid_to is None:
            error("valid_to", f"ngày không hợp lệ. {DATE_HINT} Để trống nếu đơn vị còn hiệu lực.")
        elif row.valid_from and row.valid_to < row.valid_from:
            error("valid_to", f"ngày hết hiệu lực trước ngày bắt đầu hiệu lực ({format_date(row.valid_from)}). "
                              "Sửa lại, hoặc để trống nếu đơn vị còn hiệu lực.")
    if "region" in raw:
        region = raw["region"].upper()
        if region and region not in Region.values:
            allowed = ", ".join(f"{value} ({label})" for value, label in Region.choices)
            error("region", f"không có vùng này. Dùng một trong các mã: {allowed}, hoặc để trống.")
        row.extra["region"] = region
    for column in ("dac_biet_kho_khan", "atk"):
        if column in raw:
            flag = parse_bool(raw[column]) if raw[column].strip() else False  # empty: not flagged
            if flag is not None:
                row.extra[column] = flag
            else:
                error(column, "giá trị không hợp lệ. Điền «có» hoặc «không» (hoặc 1/0), hoặc để trống.")
    _parse_position(row, raw, error)
    return row


# the bounds of a position in degrees, and Việt Nam's box (mainland and islands) a coordinate is checked against
POSITION_COLUMNS = {"lat": (-90.0, 90.0, 8.0, 24.0, "vĩ độ"), "lon": (-180.0, 180.0, 102.0, 118.0, "kinh độ")}


def _parse_position(row: _Row, raw: dict[str, str], error) -> None:
    """The optional ``lat``/``lon`` columns: WGS84 decimal degrees within Việt Nam, both or neither."""
    given = {}
    for column, (low, high, vn_low, vn_high, word) in POSITION_COLUMNS.items():
        if column not in raw:
            continue
        text = raw[column].strip().replace(",", ".")
        if not text:
            given[column] = None
            continue
        try:
            value = float(text)
        except ValueError:
            error(column, f"{word} không phải số. Điền độ thập phân WGS84, ví dụ 21.5942, hoặc để trống.")
            continue
        if not (vn_low <= value <= vn_high) or not (low <= value <= high):
            error(column, f"{word} {text} nằm ngoài lãnh thổ Việt Nam ({vn_low:g}–{vn_high:g}). Kiểm tra xem có "
                          "đổi chỗ vĩ độ và kinh độ không, hoặc để trống.")
            continue
        given[column] = value
    if len(given) == 2 and (given["lat"] is None) != (given["lon"] is None):
        missing = "lon" if given["lon"] is None else "lat"
        error(missing, "chỉ có một trong hai tọa độ. Điền cả vĩ độ (lat) và kinh độ (lon), hoặc để trống cả hai.")
        return
    row.extra.update(given)


def _retired_columns(exc: ImportFailed) -> ImportFailed:
    """``exc`` with the header errors about a retired column (``RETIRED_UNIT_COLUMNS``) saying what to do."""
    errors = [RowError(e.row, e.column, e.value, RETIRED_UNIT_COLUMNS[e.column])
              if e.row == 1 and e.column in RETIRED_UNIT_COLUMNS else e for e in exc.errors]
    return ImportFailed(errors, total=exc.total)


def may_import(user) -> bool:
    """Whether ``user`` may send a units file at all: only a superuser changes the catalogue of units. Asked before
    the file is read (``core.registry.ImportKind.may_use``, and ``import_units``)."""
    return bool(user is not None and user.is_active and user.is_superuser)


def import_units(path: str | Path, dry_run: bool = False, *, user=None, name: str | None = None,
                 progress=None) -> ImportResult:
    """Import unit versions from a CSV file, all or nothing.

    Columns: code, name, type, parent_code, valid_from, valid_to (+ optional region,
    dac_biet_kho_khan, atk, lat, lon — the unit's position, WGS84 degrees, both or neither). Commune groups are
    dated decisions of their own (kind ``commune_groups``,
    ``recognition.group_imports``); a file with the former ``commune_group`` column is refused, saying so.
    ``parent_code`` resolves to the version in force on the row's ``valid_from`` (in the database or
    earlier in the same file). A row with the code and valid_from of an existing version updates it.
    Raises ``ImportFailed`` with every error found. The file may be CSV or XLSX; ``name`` is the file
    name to show (an upload's). ``user`` (a web upload): only a superuser may change the catalogue of
    units.
    """
    path = Path(path)
    name = name or path.name
    if user is not None and not may_import(user):
        raise ImportFailed([RowError(0, "", "", (
            "Chỉ quản trị hệ thống được nhập danh mục đơn vị hành chính (danh mục dùng chung cho mọi tỉnh). "
            "Gửi tệp cho quản trị hệ thống, hoặc chọn loại dữ liệu khác."))])
    try:
        rows_raw = list(read_csv(path, UNIT_COLUMNS, (*UNIT_OPTIONAL_COLUMNS, *UNIT_POSITION_COLUMNS), name=name))
    except ImportFailed as exc:
        raise _retired_columns(exc) from None
    if progress is not None:
        progress("check", len(rows_raw), path.stat().st_size, path.stat().st_size)
    if not rows_raw:
        raise ImportFailed([RowError(0, "", "", no_data_message(name))])
    if not UnitType.objects.exists():
        ensure_reference_data()
    types = {t.code: t for t in UnitType.objects.select_related("level")}
    errors: list[RowError] = []
    rows = [_parse_row(number, raw, types, errors) for number, raw in rows_raw]

    # the versions of every code the file names, as they will be after the import
    codes = {r.code for r in rows if r.code} | {r.raw["parent_code"] for r in rows if r.raw["parent_code"]}
    versions: dict[tuple[str, dt.date], _Version] = {}
    for unit in Unit.objects.filter(code__in=codes).select_related("unit_type__level", "parent__unit_type"):
        versions[(unit.code, unit.valid_from)] = _Version(unit.code, unit.name, unit.unit_type, unit.valid_from,
                                                          unit.valid_to, unit=unit)
    seen: dict[tuple[str, dt.date], _Row] = {}
    for row in rows:
        if not (row.code and row.valid_from):
            continue
        key = (row.code, row.valid_from)
        if key in seen:
            errors.append(RowError(row.number, "valid_from", row.raw["valid_from"], (
                f"mã {row.code} với ngày bắt đầu hiệu lực này đã có ở dòng {seen[key].number}. "
                "Mỗi phiên bản đơn vị chỉ ghi một dòng.")))
            continue
        seen[key] = row
        version = versions.get(key)
        if version is None:
            version = versions[key] = _Version(row.code, row.name, row.unit_type, row.valid_from, row.valid_to)
        else:
            version.name, version.unit_type, version.valid_to = row.name, row.unit_type, row.valid_to
        version.row = row
        row.version = version
    by_code: dict[str, list[_Version]] = defaultdict(list)
    for version in versions.values():
        by_code[version.code].append(version)

    for row in rows:
        parent_code = row.raw["parent_code"]
        if row.unit_type is None or row.valid_from is None:
            continue
        depth = row.unit_type.level.depth
        if depth == 1:
            if parent_code:
                errors.append(RowError(row.number, "parent_code", parent_code,
                                       "đơn vị cấp tỉnh không có cấp trên. Để trống cột này."))
            continue
        if not parent_code:
            errors.append(RowError(row.number, "parent_code", "", (
                f"thiếu mã đơn vị cấp trên. Điền mã tỉnh hoặc huyện chứa đơn vị này, "
                f"còn hiệu lực ngày {format_date(row.valid_from)}.")))
            continue
        candidates = [v for v in by_code.get(parent_code, []) if v.valid_on(row.valid_from)]
        if not candidates:
            errors.append(RowError(row.number, "parent_code", parent_code, (
                f"không có đơn vị cấp trên mã {parent_code} còn hiệu lực ngày {format_date(row.valid_from)}. "
                "Kiểm tra mã hoặc ngày hiệu lực.")))
            continue
        if len(candidates) > 1:
            errors.append(RowError(row.number, "parent_code", parent_code, (
                f"mã {parent_code} có nhiều phiên bản cùng còn hiệu lực ngày {format_date(row.valid_from)}. "
                "Sửa ngày hiệu lực của các phiên bản đó trước.")))
            continue
        parent = candidates[0]
        if parent.unit_type is not None and parent.unit_type.level.depth >= depth:
            errors.append(RowError(row.number, "parent_code", parent_code, (
                f"«{parent.name}» là đơn vị {parent.unit_type.level.name.lower()}, không thể là cấp trên của "
                f"đơn vị {row.unit_type.level.name.lower()}. Điền mã đơn vị cấp cao hơn.")))
            continue
        row.parent = parent

    # two versions of one code may not be in force on the same day
    for code_versions in by_code.values():
        code_versions.sort(key=lambda v: v.valid_from)
        for i, later in enumerate(code_versions):
            for earlier in code_versions[:i]:
                if earlier.valid_to is not None and earlier.valid_to < later.valid_from:
                    continue
                row = later.row or earlier.row
                if row is None:
                    continue  # already so in the database; not this file's doing
                other = earlier if row is later.row else later
                where = f" (dòng {other.row.number})" if other.row else ""
                errors.append(RowError(row.number, "valid_from", row.raw["valid_from"], (
                    f"trùng thời gian hiệu lực với phiên bản «{other.name}» cùng mã {row.code}{where}, "
                    f"hiệu lực {other.span()}. Đặt ngày hết hiệu lực cho phiên bản trước, hoặc sửa ngày.")))

    if errors:
        errors.sort(key=lambda e: (e.row, UNIT_COLUMNS.index(e.column) if e.column in UNIT_COLUMNS else 99))
        raise ImportFailed(errors)

    result = ImportResult(dry_run=dry_run)
    plan = []
    for row in rows:
        unit = row.version.unit
        if unit is None:
            result.created += 1
            plan.append((row, "create"))
            continue
        wanted = _wanted_fields(row)
        if any(getattr(unit, k) != v for k, v in wanted.items()):
            result.updated += 1
            plan.append((row, "update"))
        else:
            result.unchanged += 1
    for row, action in plan[:PREVIEW_CHANGES]:
        unit = row.version.unit
        result.changes.append(Change(
            row.number, action, f"{row.name} ({row.code}), hiệu lực từ {format_date(row.valid_from)}",
            "" if unit is None else f"{unit.name}, {unit.unit_type.name}, đến "
                                    f"{format_date(unit.valid_to) if unit.valid_to else 'nay'}",
            f"{row.name}, {row.unit_type.name}, đến {format_date(row.valid_to) if row.valid_to else 'nay'}"))
    if dry_run:
        return result

    with transaction.atomic():
        created: dict[int, Unit] = {}
        for row, action in sorted(plan, key=lambda p: (p[0].unit_type.level.depth, p[0].number)):
            wanted = _wanted_fields(row)
            wanted["parent"] = _parent_unit(row, created)
            wanted.pop("parent_id", None)
            if action == "create":
                unit = Unit(code=row.code, valid_from=row.valid_from, **wanted)
                unit.save()
                created[id(row.version)] = unit
                record("create", unit, after=_snapshot(unit), note=f"Nhập tệp {name}, dòng {row.number}")
            else:
                unit = row.version.unit
                before, old_path = _snapshot(unit), unit.path
                for k, v in wanted.items():
                    setattr(unit, k, v)
                unit.save()
                if unit.path != old_path:
                    repath_descendants(old_path, unit.path)
                record("update", unit, before=before, after=_snapshot(unit),
                       note=f"Nhập tệp {name}, dòng {row.number}")
    return result


def _wanted_fields(row: _Row) -> dict[str, Any]:
    parent = row.parent
    parent_id = None
    if parent is not None:
        parent_id = parent.unit.pk if parent.unit is not None else -1  # -1: created by this file
    wanted = {"name": row.name, "unit_type": row.unit_type, "parent_id": parent_id, "valid_to": row.valid_to}
    for column in (*UNIT_OPTIONAL_COLUMNS, *UNIT_POSITION_COLUMNS):
        if column in row.extra:
            wanted[column] = row.extra[column]
    return wanted


def _parent_unit(row: _Row, created: dict[int, Unit]) -> Unit | None:
    if row.parent is None:
        return None
    return row.parent.unit if row.parent.unit is not None else created[id(row.parent)]
