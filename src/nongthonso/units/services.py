"""Questions about units on a date: which versions were in force, where they sit, where they came from.

A ``Unit`` row is one version of a unit (code + validity interval); every function here takes a date
or a version and never mixes versions of different periods. Lineage (merges, splits …) links versions
across periods through ``LineageEvent``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db.models import F, QuerySet

from nongthonso.core import compiled
from nongthonso.core.text import format_date

from .models import LineageEvent, Unit

PROVINCE_LEVEL = "tinh"
DISTRICT_LEVEL = "huyen"
COMMUNE_LEVEL = "xa"


def units_valid_on(date: dt.date, *, within: Unit | None = None, level: str | None = None) -> QuerySet[Unit]:
    """Unit versions in force on ``date``, with type, level and ancestors loaded, in Vietnamese order.

    ``within``: only descendants of that version (not of its other versions).
    ``level``: a ``UnitLevel`` code (tinh, huyen, xa, xom).
    """
    qs = Unit.objects.valid_on(date).with_ancestors()
    if within is not None:
        qs = qs.within(within)
    if level:
        qs = qs.at_level(level)
    return qs.in_vietnamese_order()


class UnitNotFound(LookupError):
    """No unit of the code asked for is in force on the date (the message, in Vietnamese, says what to check)."""


def find_unit(code: str, as_of: dt.date) -> Unit:
    """The version of ``code`` in force on ``as_of`` (its type and level loaded): the unit a page, a report or a
    download asks for by its GSO code. Raises UnitNotFound when there is none."""
    unit = Unit.objects.valid_on(as_of).filter(code=code).select_related("unit_type__level").first()
    if unit is None:
        raise UnitNotFound(f"Không có đơn vị mã «{code}» còn hiệu lực ngày {format_date(as_of)}. "
                           "Kiểm tra mã GSO hoặc ngày báo cáo.")
    return unit


def unit_on(code: str, date: dt.date) -> Unit | None:
    """The version of ``code`` in force on ``date``, or None."""
    return Unit.objects.valid_on(date).with_ancestors().filter(code=code).order_by("-valid_from").first()


def province(code: str, date: dt.date) -> Unit:
    """The province-level version of ``code`` in force on ``date``.

    Raises ``Unit.DoesNotExist`` (with a Vietnamese message) when there is none.
    """
    found = (Unit.objects.valid_on(date).with_ancestors()
             .filter(code=code, unit_type__level__code=PROVINCE_LEVEL).order_by("-valid_from").first())
    if found is None:
        raise Unit.DoesNotExist(f"Không có tỉnh mã {code} còn hiệu lực ngày {format_date(date)}.")
    return found


def communes(province_unit: Unit, date: dt.date, rural_only: bool = True) -> QuerySet[Unit]:
    """Commune-level units (xã; with ``rural_only=False`` also phường, thị trấn …) of a province on a date.

    Works for both tiers: under districts (until 30/06/2025) or directly under the province.
    """
    qs = units_valid_on(date, within=province_unit, level=COMMUNE_LEVEL)
    if rural_only:
        qs = qs.rural_communes()
    return qs


def ancestors(unit: Unit) -> list[Unit]:
    """Parents of this version, from the top (province) down; excludes the unit itself."""
    return unit.ancestors()


def successors_of(unit: Unit) -> QuerySet[Unit]:
    """Versions that an event ending (or touching) this version started or passed territory to."""
    return (Unit.objects.filter(starting_events__predecessors=unit).exclude(pk=unit.pk)
            .distinct().with_ancestors().in_vietnamese_order())


def predecessors_of(unit: Unit) -> QuerySet[Unit]:
    """Versions that the events starting (or enlarging) this version took in."""
    return (Unit.objects.filter(ending_events__successors=unit).exclude(pk=unit.pk)
            .distinct().with_ancestors().in_vietnamese_order())


def successors_on(unit: Unit, date: dt.date) -> list[Unit]:
    """Follow lineage forward from ``unit`` to the versions in force on ``date`` (later than the unit).

    A unit still in force on ``date`` is its own answer. Example: a 2023 commune → its commune(s) of
    the two-tier province on 2026-01-01.
    """
    return _follow(unit, date, forward=True)


def predecessors_on(unit: Unit, date: dt.date) -> list[Unit]:
    """Follow lineage backward from ``unit`` to the versions in force on ``date`` (earlier than the unit)."""
    return _follow(unit, date, forward=False)


def _follow(unit: Unit, date: dt.date, *, forward: bool) -> list[Unit]:
    found: dict[int, Unit] = {}
    seen: set[int] = set()
    frontier = [unit]
    while frontier:
        nxt = []
        for node in frontier:
            if node.pk in seen:
                continue
            seen.add(node.pk)
            if node.is_valid_on(date):
                found[node.pk] = node
                continue
            if forward and node.valid_to is not None and node.valid_to < date:
                nxt.extend(successors_of(node))
            elif not forward and node.valid_from > date:
                nxt.extend(predecessors_of(node))
        frontier = nxt
    return sorted(found.values(), key=lambda u: (u.sort_key, u.code))


def earlier_versions(unit_ids) -> dict[int, set[int]]:
    """{unit id: the ids of every version it succeeded by lineage, transitively} (the new province → the old
    provinces it was formed from; a merged commune → its predecessors and theirs) — only versions that an event
    ended, never one still in force that merely gave land. Two queries per generation of events (a handful),
    whatever the number of units."""
    through_succ = LineageEvent.successors.through
    through_pred = LineageEvent.predecessors.through
    found: dict[int, set[int]] = {pk: set() for pk in unit_ids}
    # for each frontier version, the originals it stands for
    frontier: dict[int, set[int]] = {pk: {pk} for pk in found}
    while frontier:
        events: dict[int, set[int]] = {}
        # (each statement compiled once per short list of ids: core.compiled)
        ids = sorted(frontier)
        for event_id, unit_id in compiled.rows(compiled.ids_key("earlier_versions.events", ids), lambda ids=ids: (
                through_succ.objects.filter(unit_id__in=ids).order_by().values_list("lineageevent_id", "unit_id"))):
            events.setdefault(event_id, set()).update(frontier[unit_id])
        nxt: dict[int, set[int]] = {}
        # only the versions the event ended: a unit that gave land and continues stays its own (and its people's)
        event_ids = sorted(events)
        ended = compiled.rows(compiled.ids_key("earlier_versions.ended", event_ids), lambda event_ids=event_ids: (
            through_pred.objects.filter(lineageevent_id__in=event_ids,
                                        unit__valid_to__lt=F("lineageevent__effective_date"))
            .order_by().values_list("lineageevent_id", "unit_id")))
        for event_id, pred_id in ended:
            for origin in events[event_id]:
                if pred_id != origin and pred_id not in found[origin]:
                    found[origin].add(pred_id)
                    nxt.setdefault(pred_id, set()).add(origin)
        frontier = nxt
    return found


def successors_in_force(units: list[Unit], date: dt.date) -> dict[int, list[Unit]]:
    """``successors_on`` for many units at once: {unit id: the versions in force on ``date`` that its events led to,
    in Vietnamese order}. Two queries per generation of events (a handful), whatever the number of units."""
    through_pred = LineageEvent.predecessors.through
    through_succ = LineageEvent.successors.through
    found: dict[int, dict[int, Unit]] = {u.pk: {} for u in units}
    frontier: dict[int, set[int]] = {}  # unit id to follow → the original units it stands for
    for unit in units:
        if unit.is_valid_on(date):
            found[unit.pk][unit.pk] = unit
        elif unit.valid_to is not None and unit.valid_to < date:
            frontier.setdefault(unit.pk, set()).add(unit.pk)
    seen = set(frontier)
    while frontier:
        events: dict[int, set[int]] = {}
        for event_id, unit_id in through_pred.objects.filter(unit_id__in=list(frontier)).values_list(
                "lineageevent_id", "unit_id"):
            events.setdefault(event_id, set()).update(frontier[unit_id])
        links = list(through_succ.objects.filter(lineageevent_id__in=list(events))
                     .select_related("unit__unit_type__level", "unit__parent"))
        nxt: dict[int, set[int]] = {}
        for link in links:
            after = link.unit
            for origin in events[link.lineageevent_id]:
                if after.pk == origin:
                    continue
                if after.is_valid_on(date):
                    found[origin][after.pk] = after
                elif after.valid_to is not None and after.valid_to < date and after.pk not in seen:
                    nxt.setdefault(after.pk, set()).add(origin)
        seen |= set(nxt)
        frontier = nxt
    return {pk: sorted(versions.values(), key=lambda u: (u.sort_key, u.code)) for pk, versions in found.items()}


# --- positions ------------------------------------------------------------------------------------------------

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)


def position(unit: Unit) -> tuple[float, float] | None:
    """The unit version's position as the unit data gives it, ``(lat, lon)`` in WGS84 degrees, or None. Where the
    data give none, ``maps.services.positions`` falls back to the centroid of the version's boundary."""
    if unit.lat is None or unit.lon is None:
        return None
    return unit.lat, unit.lon


def distance_km(origin: tuple[float, float], points) -> np.ndarray:
    """Great-circle distances in km (haversine, on the mean radius) from ``origin`` ``(lat, lon)`` to each of
    ``points`` — an (n, 2) array-like of ``(lat, lon)`` — in one numpy pass: a board that ranks offers by distance
    from a commune asks it once for all of them. ``distance_km(a, [b])[0]`` is the distance between two points."""
    pts = np.radians(np.asarray(points, dtype=float).reshape(-1, 2))
    lat0, lon0 = np.radians(origin[0]), np.radians(origin[1])
    dlat, dlon = pts[:, 0] - lat0, pts[:, 1] - lon0
    h = np.sin(dlat / 2) ** 2 + np.cos(lat0) * np.cos(pts[:, 0]) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def counts_onto(unit_ids, row_unit_ids) -> dict[int, int]:
    """{unit id: how many of ``row_unit_ids`` (one per counted row: a product, a co-operative) are that unit or one of
    its earlier versions (``earlier_versions``)}: rows recorded on a commune before a merger count for the merged
    commune on a later map. Units with none count 0."""
    unit_ids = list(unit_ids)
    onto = {pk: pk for pk in unit_ids}
    for pk, earlier in earlier_versions(list(onto)).items():
        for old in earlier:
            onto.setdefault(old, pk)
    counts: dict[int, int] = dict.fromkeys(unit_ids, 0)
    for row_unit in row_unit_ids:
        target = onto.get(row_unit)
        if target is not None:
            counts[target] += 1
    return counts
