"""The boundaries import behind ``nongthonso import boundaries FILE [--dry-run]`` and the upload page: a GeoJSON
``FeatureCollection`` whose features name a unit by its GSO code (property ``code``) and, where the code had several
versions, the day the version was in force (property ``valid_on``, ISO or dd/mm/yyyy; default today). All or
nothing: every feature is checked (``maps.geometry``) before anything is written; every write is audited.

The file is bounded (``MAX_BYTES``) before it is parsed, parsed as JSON only (no entity or include of any kind
exists in JSON, so none can be expanded), and refused when nested deeper than a geometry needs.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from nongthonso.accounts.services import can
from nongthonso.audit.services import record
from nongthonso.core.dates import default_as_of
from nongthonso.core.imports import PREVIEW_CHANGES, Change, ImportFailed, ImportResult, RowError
from nongthonso.core.text import format_date, format_number
from nongthonso.core.vocabulary import DATE_HINT, parse_date
from nongthonso.units.models import Unit

from .geometry import Boundary, GeometryError, parse
from .models import UnitShape

KIND = "boundaries"
MANAGE = "manage_maps"  # upload the boundaries of the units in scope (the province office)
MAX_BYTES = 64 * 1024 * 1024  # checked before the file is read
MAX_FEATURES = 20_000
CODE_KEYS = ("code", "ma", "unit_code")
COLUMNS_HELP = ("Tệp GeoJSON (FeatureCollection, WGS84): mỗi đối tượng (feature) là ranh giới một đơn vị, thuộc tính "
                "«code» là mã GSO, thêm được «valid_on» (ngày đơn vị còn hiệu lực, khi mã có nhiều phiên bản).")


@dataclass
class _Item:
    number: int  # 1-based index of the feature
    unit: Unit
    boundary: Boundary


def _fail(message: str) -> ImportFailed:
    return ImportFailed([RowError(0, "", "", message)])


def read_features(path: Path, name: str) -> list:
    """The features of the file at ``path``, read once its size is known to be within ``MAX_BYTES``."""
    if not path.is_file():
        raise _fail(f"Không tìm thấy tệp «{name}».")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise _fail(f"Tệp «{name}» lớn quá {MAX_BYTES // (1024 * 1024)} MB. Đơn giản hóa ranh giới (bớt điểm) hoặc "
                    "chia thành nhiều tệp theo huyện rồi tải lên lần lượt.")
    if not size:
        raise _fail(f"Tệp «{name}» rỗng. Chọn tệp GeoJSON có ranh giới các đơn vị.")
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _fail(f"Tệp «{name}» không phải văn bản UTF-8. Xuất lại tệp GeoJSON với mã hóa UTF-8.") from None
    except RecursionError:
        raise _fail(f"Tệp «{name}» lồng nhau quá sâu, không phải GeoJSON ranh giới.") from None
    except ValueError as error:
        raise _fail(f"Tệp «{name}» không phải JSON hợp lệ ({error}). Chọn tệp .geojson xuất từ QGIS hoặc "
                    "phần mềm bản đồ khác.") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
            data.get("features"), list):
        raise _fail(f"Tệp «{name}» không phải một FeatureCollection GeoJSON (cần {{\"type\": \"FeatureCollection\", "
                    "\"features\": [...]}).")
    features = data["features"]
    if not features:
        raise _fail(f"Tệp «{name}» không có đối tượng (feature) nào.")
    if len(features) > MAX_FEATURES:
        raise _fail(f"Tệp «{name}» có {len(features)} đối tượng, quá {MAX_FEATURES}; chia thành nhiều tệp.")
    return features


def _label(number: int, props: dict) -> str:
    """How an error names a feature: its number and, when it has them, its code and name."""
    code = next((str(props[k]) for k in CODE_KEYS if props.get(k) not in (None, "")), "")
    name = props.get("name") or props.get("ten") or ""
    return " ".join(p for p in (f"đối tượng thứ {number}", f"mã {code}" if code else "", f"«{name}»" if name else "")
                    if p)


def _version(code: str, on: dt.date, versions: dict[str, list[Unit]]) -> Unit | None:
    return next((u for u in versions.get(code, ()) if u.is_valid_on(on)), None)


def import_boundaries(path: str | Path, dry_run: bool = False, *, user=None, name: str | None = None,
                      progress=None) -> ImportResult:
    """Import unit boundaries from a GeoJSON file, all or nothing. ``user`` None: the command line, which may import
    every unit's; a user may import only the units where the role gives ``manage_maps`` (the province office)."""
    path = Path(path)
    name = name or path.name
    features = read_features(path, name)
    if progress is not None:
        progress("check", len(features), path.stat().st_size, path.stat().st_size)
    today = default_as_of()
    errors: list[RowError] = []
    parsed: list[tuple[int, dict, str, dt.date]] = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            errors.append(RowError(number, "type", "", f"{_label(number, {})}: không phải một Feature GeoJSON."))
            continue
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            props = {}
        code = next((str(props[k]).strip() for k in CODE_KEYS if props.get(k) not in (None, "")), "")
        if not code:
            errors.append(RowError(number, "code", "", f"{_label(number, props)}: thiếu mã đơn vị. Thêm thuộc tính "
                                                       "«code» là mã GSO của đơn vị (ví dụ \"05569\")."))
            continue
        on = today
        if props.get("valid_on") not in (None, ""):
            on = parse_date(str(props["valid_on"]))
            if on is None:
                errors.append(RowError(number, "valid_on", str(props["valid_on"]),
                                       f"{_label(number, props)}: ngày không hợp lệ. {DATE_HINT}"))
                continue
        parsed.append((number, feature, code, on))

    versions: dict[str, list[Unit]] = {}
    for unit in Unit.objects.filter(code__in={p[2] for p in parsed}).select_related("unit_type"):
        versions.setdefault(unit.code, []).append(unit)
    items: list[_Item] = []
    seen: dict[int, int] = {}
    for number, feature, code, on in parsed:
        props = feature.get("properties") or {}
        unit = _version(code, on, versions)
        if unit is None:
            known = versions.get(code)
            hint = ("Các phiên bản của mã này: " + "; ".join(
                f"{u.name} ({format_date(u.valid_from)} – {format_date(u.valid_to) if u.valid_to else 'nay'})"
                for u in known) + ". Ghi «valid_on» là một ngày trong thời gian hiệu lực của phiên bản cần nhập."
                    if known else "Kiểm tra mã GSO, hoặc nhập đơn vị trước (loại dữ liệu «Đơn vị hành chính»).")
            errors.append(RowError(number, "code", code, f"{_label(number, props)}: không có đơn vị mã {code} còn "
                                                         f"hiệu lực ngày {format_date(on)}. {hint}"))
            continue
        if unit.pk in seen:
            errors.append(RowError(number, "code", code, f"{_label(number, props)}: {unit.name} đã có ranh giới ở đối "
                                                         f"tượng thứ {seen[unit.pk]}. Mỗi phiên bản đơn vị chỉ một "
                                                         "ranh giới: gộp các vùng thành một MultiPolygon."))
            continue
        seen[unit.pk] = number
        if user is not None and not can(user, MANAGE, unit):
            errors.append(RowError(number, "code", code, f"{_label(number, props)}: bạn không được cập nhật ranh giới "
                                                         f"của {unit.name}. Chỉ Văn phòng Điều phối NTM tỉnh (hoặc "
                                                         "quản trị hệ thống) tải lên ranh giới."))
            continue
        try:
            boundary = parse(feature.get("geometry"))
        except GeometryError as error:
            errors.append(RowError(number, "geometry", "", f"{_label(number, props)}: {error}"))
            continue
        items.append(_Item(number, unit, boundary))
    if errors:
        raise ImportFailed(errors)

    existing = {s.unit_id: s for s in UnitShape.objects.filter(unit__in=[i.unit for i in items])}
    result = ImportResult(dry_run=dry_run)
    for item in items:
        shape = existing.get(item.unit.pk)
        if shape is None:
            result.created += 1
        elif shape.geometry == item.boundary.geometry and shape.source == name and not shape.synthetic:
            result.unchanged += 1
            continue
        else:
            result.updated += 1
        if len(result.changes) < PREVIEW_CHANGES:
            result.changes.append(Change(
                item.number, "create" if shape is None else "update",
                f"{item.unit.name} ({item.unit.code}), hiệu lực từ {format_date(item.unit.valid_from)}",
                "" if shape is None else _words(shape.area_km2, shape.source),
                _words(item.boundary.area_km2, name) + (" — đã tự sửa hình không hợp lệ" if item.boundary.repaired
                                                        else "")))
    if item_repairs := sum(i.boundary.repaired for i in items):
        result.messages.append(f"{item_repairs} ranh giới không hợp lệ (tự cắt, vòng ngược chiều) đã được sửa tự động "
                               "(make_valid); kiểm tra lại trên bản đồ.")
    if dry_run:
        return result
    with transaction.atomic():
        for item in items:
            shape = existing.get(item.unit.pk)
            if shape is not None and shape.geometry == item.boundary.geometry and shape.source == name \
                    and not shape.synthetic:
                continue
            save_shape(item.unit, item.boundary, source=name, user=user, note=f"Nhập tệp {name}, đối tượng thứ "
                                                                             f"{item.number}", existing=shape)
    return result


def _words(area: float, source: str) -> str:
    return f"{format_number(area, 2)} km², nguồn {source}"


def snapshot(shape: UnitShape) -> dict:
    """What the audit log keeps of a boundary: not its coordinates, but enough to tell one upload from another."""
    return {"unit": shape.unit.code, "valid_from": shape.unit.valid_from.isoformat(),
            "area_km2": round(shape.area_km2, 4), "bbox": [round(v, 5) for v in shape.bbox],
            "source": shape.source, "synthetic": shape.synthetic}


def save_shape(unit: Unit, boundary: Boundary, *, source: str, user=None, synthetic: bool = False, note: str = "",
               existing: UnitShape | None = None) -> UnitShape:
    """Write ``unit``'s boundary (created or replaced), audited. Call inside a transaction."""
    shape = existing if existing is not None else UnitShape.objects.filter(unit=unit).first()
    before = snapshot(shape) if shape is not None else None
    if shape is None:
        shape = UnitShape(unit=unit)
    west, south, east, north = boundary.bbox
    shape.geometry, shape.simplified, shape.area_km2 = boundary.geometry, boundary.simplified, boundary.area_km2
    shape.min_lon, shape.min_lat, shape.max_lon, shape.max_lat = west, south, east, north
    shape.centroid_lat, shape.centroid_lon = boundary.centroid
    shape.source, shape.synthetic, shape.uploaded_by = source[:300], synthetic, user
    shape.save()
    record("create" if before is None else "update", shape, before=before, after=snapshot(shape), user=user, note=note)
    return shape
