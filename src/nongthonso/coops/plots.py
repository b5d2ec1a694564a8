"""Plots of a co-operative: their geometry (GeoJSON, checked with shapely) and the audited writes.

**Geometry.** A plot's ``geometry`` is a GeoJSON ``Point``, ``Polygon`` or ``MultiPolygon`` in WGS 84 longitude,
latitude (RFC 7946 order); a ``Feature`` or a ``FeatureCollection`` of one feature is taken for its geometry. It is
refused (Vietnamese message saying how to fix it) when it is not GeoJSON, of another type, invalid (a ring crossing
itself, too few points), has more than ``MAX_VERTICES`` points, or lies outside Vietnam's bounding box (mainland and
islands: longitude 102.1–117.9° E, latitude 6.0–23.4° N).

**Area.** The area of a polygon is computed on a *sinusoidal projection centred on the plot* (x = R·Δλ·cos φ,
y = R·φ, R = 6 371 007 m, the authalic radius of the WGS 84 ellipsoid) — an equal-area projection, so the area of a
plot of a few hectares is within a fraction of a percent of the ellipsoidal one. When it differs from the declared
area (``Plot.area_m2``) by more than ``AREA_TOLERANCE`` (20 %), the plot is saved with a warning. A point has no area.

**Display.** Pages show the centroid and a simplified outline (Douglas–Peucker at ``SIMPLIFY_DEGREES``, about one
metre, topology preserved), never the full vertex list.

Writes (``save_plot``) check the co-operative is managed by the user (``scope.managed``) and are audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity

from nongthonso.audit.services import record
from nongthonso.core.geo import area_m2
from nongthonso.core.geo import vertices as _count
from nongthonso.core.text import format_number

from . import scope
from .models import Cooperative, Plot

TYPES = ("Point", "Polygon", "MultiPolygon")
MAX_GEOJSON_BYTES = 512 * 1024  # a pasted text or an uploaded .geojson file, checked before parsing
MAX_VERTICES = 5000
AREA_TOLERANCE = 0.20
SIMPLIFY_DEGREES = 0.00001  # ≈ 1.1 m at the equator
# Vietnam with its islands (Hoàng Sa, Trường Sa): (west, south, east, north) in degrees
VIETNAM_BOUNDS = (102.1, 6.0, 117.9, 23.4)
FIELDS = ("code", "name", "member", "unit", "area_m2", "crop", "season", "growing_area_code", "geometry")


class GeometryError(ValueError):
    """The message (Vietnamese) says what is wrong with the geometry and how to fix it."""


class Refused(Exception):
    """The user may not change this co-operative's plots (403). Vietnamese message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Geometry:
    geojson: dict  # the geometry object as stored (Feature wrappers removed)
    kind: str
    lon: float  # centroid
    lat: float
    area_m2: float | None  # polygons only, on the local equal-area projection
    vertices: int
    simplified: dict = field(default_factory=dict)  # for display


def _geometry_object(data) -> dict:
    if not isinstance(data, dict):
        raise GeometryError("Dữ liệu không phải một đối tượng GeoJSON (cần dạng {\"type\": \"Polygon\", "
                            "\"coordinates\": …}).")
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features") or []
        if len(features) != 1:
            raise GeometryError(f"Tệp GeoJSON có {len(features)} đối tượng; mỗi thửa cần đúng một ranh giới. "
                                "Tách thành từng thửa rồi nhập lại.")
        data = features[0]
        kind = data.get("type") if isinstance(data, dict) else None
    if kind == "Feature":
        data = data.get("geometry")
        kind = data.get("type") if isinstance(data, dict) else None
    if kind not in TYPES:
        raise GeometryError(f"Loại hình «{kind or 'không rõ'}» không dùng được; chỉ nhận điểm (Point), vùng "
                            "(Polygon) hoặc nhiều vùng (MultiPolygon).")
    if not isinstance(data.get("coordinates"), list):
        raise GeometryError("Thiếu tọa độ (coordinates) hoặc tọa độ không phải danh sách.")
    return {"type": kind, "coordinates": data["coordinates"]}


def parse(value) -> Geometry:
    """A GeoJSON text (or the decoded object) checked and measured; :class:`GeometryError` otherwise."""
    if isinstance(value, (str, bytes)):
        if len(value) > MAX_GEOJSON_BYTES:
            raise GeometryError(f"GeoJSON dài quá {format_number(MAX_GEOJSON_BYTES / 1024)} KB; đơn giản hóa "
                                "ranh giới (bớt điểm) rồi nhập lại.")
        try:
            value = json.loads(value)
        except (ValueError, UnicodeDecodeError) as error:
            raise GeometryError(f"Không đọc được GeoJSON ({error}). Dán nguyên văn nội dung tệp .geojson.") from None
    data = _geometry_object(value)
    vertices = _count(data["coordinates"])
    if vertices > MAX_VERTICES:
        raise GeometryError(f"Ranh giới có {format_number(vertices)} điểm, quá {format_number(MAX_VERTICES)}; "
                            "đơn giản hóa rồi nhập lại.")
    try:
        geom = shape(data)
    except (ValueError, TypeError, IndexError, AttributeError) as error:
        raise GeometryError(f"Tọa độ không đúng dạng GeoJSON ({error}): mỗi điểm là [kinh độ, vĩ độ], mỗi vùng "
                            "là một vòng khép kín ít nhất 4 điểm (điểm cuối trùng điểm đầu).") from None
    if geom.is_empty:
        raise GeometryError("Hình rỗng: chưa có tọa độ nào.")
    if not geom.is_valid:
        reason = explain_validity(geom)
        if reason.startswith("Self-intersection"):
            where = reason.partition("[")[2].rstrip("]").split()
            spot = f" gần kinh độ {where[0]}, vĩ độ {where[1]}" if len(where) >= 2 else ""
            raise GeometryError(f"Đường ranh giới tự cắt nhau{spot}. Sắp lại các điểm theo thứ tự đi quanh thửa.")
        raise GeometryError(f"Hình không hợp lệ ({reason}). Kiểm tra các vòng ranh giới khép kín, không chồng lên "
                            "nhau.")
    west, south, east, north = geom.bounds
    w, s, e, n = VIETNAM_BOUNDS
    if west < w or east > e or south < s or north > n:
        raise GeometryError(f"Tọa độ nằm ngoài lãnh thổ Việt Nam (kinh độ {w}–{e}, vĩ độ {s}–{n}). Kiểm tra thứ "
                            "tự [kinh độ, vĩ độ] — GeoJSON ghi kinh độ trước.")
    centroid = geom.centroid
    simplified = geom.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
    return Geometry(geojson=data, kind=data["type"], lon=centroid.x, lat=centroid.y,
                    area_m2=None if data["type"] == "Point" else area_m2(geom), vertices=vertices,
                    simplified=mapping(simplified))


def point(lat: float, lon: float) -> Geometry:
    return parse({"type": "Point", "coordinates": [lon, lat]})


def area_warning(geometry: Geometry | None, declared) -> str:
    """The warning when the drawn area differs from the declared one by more than 20 % ('' otherwise)."""
    if geometry is None or geometry.area_m2 is None or not declared:
        return ""
    declared = float(declared)
    gap = abs(geometry.area_m2 - declared) / declared
    if gap <= AREA_TOLERANCE:
        return ""
    return (f"Diện tích theo ranh giới là {format_number(geometry.area_m2)} m², khác diện tích khai báo "
            f"{format_number(declared)} m² tới {format_number(gap * 100)}% (quá {format_number(AREA_TOLERANCE * 100)}"
            "%). Kiểm tra lại ranh giới hoặc diện tích.")


def describe(plot: Plot) -> Geometry | None:
    """The stored geometry measured again (None when there is none or it no longer parses)."""
    if not plot.geometry:
        return None
    try:
        return parse(plot.geometry)
    except GeometryError:
        return None


def snapshot(plot: Plot) -> dict:
    return {"code": plot.code, "name": plot.name, "member": plot.member_id, "unit": plot.unit.code,
            "area_m2": str(plot.area_m2), "crop": plot.crop, "season": plot.season,
            "growing_area_code": plot.growing_area_code, "geometry": plot.geometry}


def check_managed(user, cooperative: Cooperative) -> None:
    if not scope.managed(user).filter(pk=cooperative.pk).exists():
        raise Refused(f"Bạn không quản lý hợp tác xã «{cooperative.name}»: chỉ tài khoản của hợp tác xã và cơ quan "
                      "quản lý hợp tác xã của địa bàn được sửa thửa đất.")


def save_plot(cooperative: Cooperative, values: dict, *, user=None, plot: Plot | None = None,
              check: bool = True) -> Plot:
    """Create (``plot`` None) or update a plot from cleaned ``values`` (geometry: a :class:`Geometry` or None);
    audited."""
    if check:
        check_managed(user, cooperative)
    geometry = values.get("geometry")
    with transaction.atomic():
        if plot is None:
            plot, before = Plot(cooperative=cooperative), None
        else:
            plot = Plot.objects.select_for_update().get(pk=plot.pk, cooperative=cooperative)
            before = snapshot(plot)
        for name in FIELDS:
            if name in values:
                setattr(plot, name, values[name])
        plot.geometry = geometry.geojson if isinstance(geometry, Geometry) else geometry
        if plot.area_m2 is not None:
            plot.area_m2 = Decimal(plot.area_m2).quantize(Decimal("0.1"))
        plot.save()
        record("create" if before is None else "update", plot, before=before, after=snapshot(plot), user=user,
               note=f"Thửa {plot.code} của {cooperative.name}")
    return plot
