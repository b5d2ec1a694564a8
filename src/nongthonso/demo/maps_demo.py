"""The maps part of the Thái Nguyên demo: synthetic boundaries for every commune-level unit version, labelled as such
(``UnitShape.synthetic``, source «minh họa»), until real boundaries are uploaded (``nongthonso import boundaries``).

What is real: the units, their versions and their lineage. What is synthetic: the two provinces' outlines (rough
polygons around the old Thái Nguyên and the old Bắc Kạn), a centroid per commune (spread evenly over its province's
outline by Lloyd's relaxation, shared among the districts in compact blocks, the communes a later merger unites
side by side, from a fixed seed) and the cells — the Voronoi diagram of the centroids (``shapely.ops.voronoi_diagram``),
clipped to the outline. A version formed from others by lineage (a commune merged on 1/7/2025) takes the union of its
predecessors' cells, so the map as of 30/6/2023 (three tiers, the communes before the mergers) and as of 30/6/2026
(two tiers, merged communes) differ as the units did. Built last, with a seed of its own: no other row of the demo
changes.
"""

from __future__ import annotations

import random

import shapely
from django.db import transaction
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.ops import voronoi_diagram

from nongthonso.maps.geometry import measure
from nongthonso.maps.imports import save_shape
from nongthonso.maps.models import UnitShape
from nongthonso.units.models import Unit
from nongthonso.units.services import earlier_versions

SEED = 20261205
SOURCE = "Hình minh họa tổng hợp (ô Voronoi, dữ liệu demo) — không phải ranh giới thật"
COMMUNE_LEVEL = "xa"
# rough outlines (lon, lat) of the old provinces: synthetic, for the demo's map only
OUTLINES = {
    "19": ((105.55, 21.35), (105.85, 21.32), (106.10, 21.42), (106.25, 21.62), (106.18, 21.85), (106.05, 22.03),
           (105.80, 22.05), (105.58, 21.92), (105.47, 21.68), (105.50, 21.48)),
    "06": ((105.58, 21.90), (105.80, 22.00), (106.05, 21.98), (106.28, 22.15), (106.30, 22.42), (106.12, 22.70),
           (105.85, 22.75), (105.60, 22.62), (105.45, 22.38), (105.50, 22.12)),
}
LLOYD_ROUNDS = 4


def outlines() -> dict[str, Polygon]:
    """The provinces' outlines, the later ones cut by the earlier so that they do not overlap."""
    shapes: dict[str, Polygon] = {}
    taken = None
    for code, ring in OUTLINES.items():
        shape = Polygon(ring)
        if taken is not None:
            shape = shape.difference(taken)
        shapes[code] = shape
        taken = shape if taken is None else taken.union(shape)
    return shapes


def _inside(rng: random.Random, outline) -> tuple[float, float]:
    west, south, east, north = outline.bounds
    while True:
        point = (rng.uniform(west, east), rng.uniform(south, north))
        if outline.contains(Point(point)):
            return point


def spread_points(rng: random.Random, outline, n: int, rounds: int = LLOYD_ROUNDS) -> list[tuple[float, float]]:
    """``n`` points spread evenly over ``outline``: drawn at random inside it, then moved to the centroids of their
    clipped Voronoi cells a few times (Lloyd's relaxation), so that no commune's cell is far larger than the rest."""
    points = [_inside(rng, outline) for _ in range(n)]
    for _round in range(rounds):
        found = cells(dict(enumerate(points)), outline)
        points = [(found[i].centroid.x, found[i].centroid.y) if i in found else points[i] for i in range(n)]
    return [(round(x, 6), round(y, 6)) for x, y in points]


def split_groups(points: list[tuple[float, float]], sizes: dict) -> dict:
    """The points shared among the groups of ``sizes`` (group → how many points), each group a compact block: the
    groups are halved (by count), the points cut across their longer extent at the same count, and so on down."""
    keys = list(sizes)
    if len(keys) == 1:
        return {keys[0]: list(points)}
    total, running, cut = sum(sizes.values()), 0, 1
    for i, key in enumerate(keys[:-1], start=1):
        running += sizes[key]
        cut = i
        if running * 2 >= total:
            break
    left = {k: sizes[k] for k in keys[:cut]}
    right = {k: sizes[k] for k in keys[cut:]}
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    axis = 0 if max(xs) - min(xs) >= max(ys) - min(ys) else 1
    ordered = sorted(points, key=lambda p: (p[axis], p[1 - axis]))
    n = sum(left.values())
    return {**split_groups(ordered[:n], left), **split_groups(ordered[n:], right)}


def merge_clusters(base: list[Unit], communes: list[Unit], earlier: dict[int, set[int]]) -> dict[int, int]:
    """{base unit id: its cluster}: the base versions that some later version unites (a merger, transitively) share a
    cluster, so that their cells are placed side by side and the merged commune is one piece."""
    parent = {u.pk: u.pk for u in base}

    def root(pk: int) -> int:
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    for unit in communes:
        members = sorted(pk for pk in earlier[unit.pk] if pk in parent)
        for pk in members[1:]:
            parent[root(pk)] = root(members[0])
    return {pk: root(pk) for pk in parent}


def place(members: list[Unit], cluster_of: dict[int, int], points: list[tuple[float, float]]
          ) -> dict[int, tuple[float, float]]:
    """{unit id: its centroid}: the points shared first among districts (each cluster counted in the district most of
    its communes were in), then within each district among its clusters, each a compact group."""
    clusters: dict[int, list[Unit]] = {}
    for unit in members:
        clusters.setdefault(cluster_of[unit.pk], []).append(unit)
    district_of: dict[int, int] = {}
    for key, units in clusters.items():
        parents = [u.parent_id or 0 for u in units]
        district_of[key] = max(sorted(set(parents)), key=parents.count)
    sizes: dict[int, int] = {}
    for key, units in clusters.items():
        sizes[district_of[key]] = sizes.get(district_of[key], 0) + len(units)
    placed: dict[int, tuple[float, float]] = {}
    for district, share in split_groups(points, dict(sorted(sizes.items()))).items():
        inside = {key: len(units) for key, units in sorted(clusters.items()) if district_of[key] == district}
        for key, group in split_groups(share, inside).items():
            for unit, point in zip(clusters[key], group, strict=True):
                placed[unit.pk] = point
    return placed


def cells(points: dict[int, tuple[float, float]], outline) -> dict[int, object]:
    """{key: the Voronoi cell of its point, clipped to ``outline``}."""
    diagram = voronoi_diagram(MultiPoint(list(points.values())), envelope=outline.buffer(0.5))
    polygons = list(diagram.geoms)
    tree = shapely.STRtree(polygons)
    found = {}
    for key, (x, y) in points.items():
        point = Point(x, y)
        for index in tree.query(point):
            if polygons[index].contains(point):
                found[key] = polygons[index].intersection(outline)
                break
    return found


def clear() -> None:
    UnitShape.objects.filter(synthetic=True).delete()


def build(say=lambda *_: None) -> dict:
    """Synthetic boundaries for the demo's commune-level unit versions (replacing earlier synthetic ones)."""
    clear()
    rng = random.Random(SEED)
    communes = list(Unit.objects.filter(unit_type__level__code=COMMUNE_LEVEL).order_by("code", "valid_from")
                    .only("id", "code", "name", "path", "parent_id", "valid_from", "valid_to"))
    earlier = earlier_versions([u.pk for u in communes])
    ids = {u.pk for u in communes}
    base = [u for u in communes if not (earlier[u.pk] & ids)]
    province_of = dict(Unit.objects.filter(pk__in={int(u.path.split("/")[1]) for u in communes})
                       .values_list("pk", "code"))
    cluster_of = merge_clusters(base, communes, earlier)
    shapes = outlines()
    base_cells: dict[int, object] = {}
    for code, outline in shapes.items():
        members = [u for u in base if province_of.get(int(u.path.split("/")[1])) == code]
        points = place(members, cluster_of, spread_points(rng, outline, len(members)))
        if points:
            base_cells.update(cells(points, outline))
    written = 0
    with transaction.atomic():
        for unit in communes:
            parts = [base_cells[pk] for pk in ({unit.pk} | earlier[unit.pk]) if pk in base_cells]
            if not parts:
                continue
            geom = shapely.union_all(parts)
            save_shape(unit, measure(geom), source=SOURCE, synthetic=True, note="Dữ liệu demo (minh họa)")
            written += 1
    say(f"Bản đồ: {written} ranh giới xã (hình minh họa tổng hợp, không phải ranh giới thật).")
    return {"shapes": written}
