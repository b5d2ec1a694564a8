"""Boundaries checked, repaired and measured with shapely (no Django here: the benchmark imports it alone).

A boundary is a GeoJSON ``Polygon`` or ``MultiPolygon`` in WGS84 longitude, latitude (RFC 7946). An invalid one (a
ring crossing itself, a bow tie) is repaired with ``shapely.make_valid`` and its polygonal parts kept; what cannot be
repaired, or lies outside Việt Nam, is refused with a Vietnamese message. For the web the boundary is simplified
(Douglas–Peucker, topology preserved, at ``SIMPLIFY_DEGREES`` ≈ 100 m) and its coordinates rounded to
``WEB_DECIMALS`` places (≈ 1 m): a commune of a few thousand vertices becomes a few dozen.

Areas are computed on a sinusoidal projection centred on the shape (``core.geo.area_m2``: equal-area, within a fraction
of a percent of the ellipsoidal area at a commune's size).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

from nongthonso.core.geo import area_m2
from nongthonso.core.geo import vertices as count_vertices
from nongthonso.core.text import format_number

TYPES = ("Polygon", "MultiPolygon")
MAX_VERTICES = 200_000  # of one feature
SIMPLIFY_DEGREES = 0.001  # ≈ 100 m
WEB_DECIMALS = 5
VIETNAM_BOUNDS = (102.1, 6.0, 117.9, 23.4)  # west, south, east, north, islands included


class GeometryError(ValueError):
    """The message (Vietnamese) says what is wrong with the boundary and how to fix it."""


@dataclass(frozen=True)
class Boundary:
    geometry: dict  # as uploaded, repaired when it had to be
    simplified: dict
    area_km2: float
    bbox: tuple[float, float, float, float]
    centroid: tuple[float, float]  # (lat, lon)
    repaired: bool


def area_km2(geom) -> float:
    return area_m2(geom) / 1e6


def _polygonal(geom):
    """The polygonal part of ``geom`` (what ``make_valid`` returns may hold lines and points too), or None."""
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    parts = [g for g in getattr(geom, "geoms", ()) if isinstance(g, (Polygon, MultiPolygon))]
    if not parts:
        return None
    merged = shapely.union_all(parts)
    return merged if isinstance(merged, (Polygon, MultiPolygon)) else None


def web_geometry(geom, tolerance: float = SIMPLIFY_DEGREES) -> dict:
    """``geom`` simplified for drawing, coordinates rounded: a GeoJSON geometry."""
    simple = geom.simplify(tolerance, preserve_topology=True)
    simple = shapely.set_precision(simple, 10 ** -WEB_DECIMALS)
    if simple.is_empty:  # a sliver smaller than the grid: keep its convex hull unrounded
        simple = geom.convex_hull
    return mapping(simple)


def measure(geom, *, repaired: bool = False) -> Boundary:
    west, south, east, north = geom.bounds
    point = geom.representative_point() if not geom.centroid.within(geom) else geom.centroid
    return Boundary(geometry=mapping(geom), simplified=web_geometry(geom), area_km2=area_km2(geom),
                    bbox=(west, south, east, north), centroid=(point.y, point.x), repaired=repaired)


def parse(data) -> Boundary:
    """A feature's ``geometry`` object checked, repaired where it can be, measured; :class:`GeometryError`."""
    if not isinstance(data, dict):
        raise GeometryError("thiếu hình (geometry) hoặc hình không phải đối tượng GeoJSON.")
    kind = data.get("type")
    if kind not in TYPES:
        raise GeometryError(f"loại hình «{kind or 'không rõ'}» không dùng được cho ranh giới; chỉ nhận vùng (Polygon) "
                            "hoặc nhiều vùng (MultiPolygon).")
    vertices = count_vertices(data.get("coordinates"))
    if vertices > MAX_VERTICES:
        raise GeometryError(f"ranh giới có {format_number(vertices)} điểm, quá {format_number(MAX_VERTICES)}; đơn giản "
                            "hóa (ví dụ bằng mapshaper hoặc QGIS) rồi tải lên lại.")
    try:
        geom = shape(data)
    except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.ShapelyError) as error:
        raise GeometryError(f"tọa độ không đúng dạng GeoJSON ({error}): mỗi điểm là [kinh độ, vĩ độ], mỗi vòng "
                            "ranh giới khép kín, ít nhất 4 điểm (điểm cuối trùng điểm đầu).") from None
    if geom.is_empty:
        raise GeometryError("hình rỗng: chưa có tọa độ nào.")
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        raise GeometryError("có tọa độ không phải số hữu hạn.")
    west, south, east, north = VIETNAM_BOUNDS
    if not ((coords[:, 0] >= west) & (coords[:, 0] <= east) & (coords[:, 1] >= south) & (coords[:, 1] <= north)).all():
        raise GeometryError(f"có điểm nằm ngoài lãnh thổ Việt Nam (kinh độ {west}–{east}, vĩ độ {south}–{north}). "
                            "Kiểm tra hệ tọa độ: tệp phải theo WGS84 (EPSG:4326), thứ tự [kinh độ, vĩ độ]; tệp VN-2000 "
                            "cần chuyển sang WGS84 trước.")
    repaired = False
    if not geom.is_valid:
        geom, repaired = _polygonal(shapely.make_valid(geom)), True
        if geom is None or geom.is_empty:
            raise GeometryError(f"ranh giới không hợp lệ ({shapely.is_valid_reason(shape(data))}) và không sửa được "
                                "tự động. Vẽ lại vòng ranh giới theo thứ tự đi quanh đơn vị, không tự cắt.")
    if geom.area <= 0:
        raise GeometryError("ranh giới không có diện tích (các điểm thẳng hàng hoặc trùng nhau).")
    return measure(geom, repaired=repaired)
