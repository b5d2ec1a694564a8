"""Measures of WGS84 geometries shared by the apps that hold them (co-operatives' plots, units' boundaries).

**Area.** The area of a (multi)polygon is computed on a *sinusoidal projection centred on it* (x = R·Δλ·cos φ,
y = R·φ, R = 6 371 007.2 m, the authalic radius of the WGS 84 ellipsoid) — an equal-area projection, so the area of a
plot or a commune is within a fraction of a percent of the ellipsoidal one.
"""

from __future__ import annotations

import numpy
import shapely

EARTH_RADIUS_M = 6_371_007.2  # authalic radius of WGS 84


def area_m2(geom) -> float:
    """The area of a (multi)polygon in m², on a sinusoidal projection centred on its centroid (equal-area)."""
    lon0 = geom.centroid.x

    def project(coords):
        lon, lat = numpy.radians(coords[:, 0] - lon0), numpy.radians(coords[:, 1])
        return numpy.column_stack((EARTH_RADIUS_M * lon * numpy.cos(lat), EARTH_RADIUS_M * lat))

    return float(shapely.transform(geom, project).area)


def vertices(coords) -> int:
    """How many positions a GeoJSON ``coordinates`` array holds, at any depth (0 for what is not one)."""
    if isinstance(coords, list) and coords and isinstance(coords[0], (int, float)):
        return 1
    return sum(vertices(c) for c in coords) if isinstance(coords, list) else 0
