"""Where units are: their positions (the unit data's, else the centroid of the version's boundary) and the features
the maps draw."""

from __future__ import annotations

from collections.abc import Iterable

from nongthonso.units.models import Unit

from .models import UnitShape


def positions(units: Iterable[Unit]) -> dict[int, tuple[float, float]]:
    """{unit id: (lat, lon)} of ``units``: the position the unit data give (``units.services.position``), else the
    centroid of the version's boundary; units with neither are left out."""
    units = list(units)
    found = {u.pk: (u.lat, u.lon) for u in units if u.lat is not None and u.lon is not None}
    missing = [u.pk for u in units if u.pk not in found]
    if missing:
        found.update({pk: (lat, lon) for pk, lat, lon in UnitShape.objects.filter(unit_id__in=missing)
                      .values_list("unit_id", "centroid_lat", "centroid_lon")})
    return found


def geometries(units: Iterable[Unit]) -> tuple[dict[int, dict], set[int]]:
    """({unit id: the GeoJSON geometry drawn}, the ids whose shape is synthetic): the simplified boundary of each
    version that has one, else a point at its position; units with neither are left out."""
    units = list(units)
    ids = [u.pk for u in units]
    drawn: dict[int, dict] = {}
    synthetic: set[int] = set()
    for pk, simplified, is_synthetic in (UnitShape.objects.filter(unit_id__in=ids)
                                         .values_list("unit_id", "simplified", "synthetic")):
        drawn[pk] = simplified
        if is_synthetic:
            synthetic.add(pk)
    for pk, (lat, lon) in positions(u for u in units if u.pk not in drawn).items():
        drawn[pk] = {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}
    return drawn, synthetic
