"""A choropleth of 10,000 communes: the payload's size gzipped and the time headless Chromium takes to draw it
(issue 15, "Speed"), each beside a baseline measured in the same run.

    .venv/bin/python bench/map_choropleth.py [--communes 10000] [--runs 3]

What it does, all on this machine, without a database:

1. 10,000 synthetic communes (fixed seed): centroids spread over a box the size of a few Vietnamese provinces, their
   Voronoi cells (``shapely.ops.voronoi_diagram``) clipped to it, each boundary then given the detail of a surveyed
   one ("as uploaded": edges cut every ~50 m and each vertex moved by up to ~20 m, the same move for the same vertex
   of two neighbours, so that shared borders stay shared) — ≈ 300 vertices per commune;
2. the data endpoint's FeatureCollection (``maps.views``: the same properties — code, name, value, text, colour,
   scorecard URL) with the boundaries simplified as the app stores them for the web (``maps.geometry.web_geometry``),
   and, as the baseline, with the boundaries as uploaded; their sizes raw and gzipped (goal: simplified ≤ 1 MB);
3. the app's own map (``maps/_map.html``'s markup, ``vendor/leaflet``, ``maps/map.js``, ``maps/map.css``) served from a
   temporary directory on 127.0.0.1 and opened in headless Chromium (Debian's, through Playwright) at 1366×900: the
   simplified choropleth, and as the baseline the same 10,000 communes as plain points (``circleMarker``); the time
   from the data received to the map painted (``data-draw-ms``, two animation frames after Leaflet's ``addTo``), and
   the time to fetch and parse the data (``data-load-ms``); best of ``--runs`` (goal: the choropleth ≤ 1 s).

Prints a table; exit status 1 when a goal is not met.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import random
import shutil
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPoint, box, mapping
from shapely.ops import voronoi_diagram

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from nongthonso.maps.geometry import web_geometry  # noqa: E402  (pure: shapely and numpy, no Django)

SEED = 15
GOAL_BYTES = 1024 * 1024
GOAL_MS = 1000
PALETTE = ("#e0e0e0", "#a1d99b", "#41ab5d", "#006d2c")
LEAFLET = Path(os.environ.get("NONGTHONSO_NODE_MODULES", ROOT / "node_modules")) / "leaflet" / "dist"
STATIC = ROOT / "src" / "nongthonso" / "maps" / "static" / "maps"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>bench</title>
<link rel="stylesheet" href="leaflet.css"><link rel="stylesheet" href="map.css"></head><body>
<div class="map-wrap" data-map data-url="{data}" data-loading="…" data-failed="lỗi" data-synthetic="minh họa"
 data-missing="thiếu" data-no-value="-" data-open="mở">
<div class="map-canvas"></div><div class="map-legend"></div><p class="map-note" hidden></p>
<details class="map-table"><summary>ds</summary><table><tbody></tbody></table></details></div>
<script src="leaflet.js" defer></script><script src="map.js" defer></script></body></html>"""


def communes(n: int):
    """(cells as uploaded, centroids): ``n`` synthetic communes over a 3° × 2.5° box."""
    rng = np.random.default_rng(SEED)
    area = box(104.0, 20.0, 107.0, 22.5)
    points = np.column_stack((rng.uniform(104.0, 107.0, n), rng.uniform(20.0, 22.5, n)))
    cells = list(voronoi_diagram(MultiPoint(points), envelope=area.buffer(0.5)).geoms)
    tree = shapely.STRtree(cells)
    own = tree.query(shapely.points(points), predicate="within")  # (point index, cell index)
    order = dict(zip(own[0], own[1], strict=True))
    clipped = [cells[order[i]].intersection(area) for i in range(n)]

    def detail(coords: np.ndarray) -> np.ndarray:
        # the same move for the same vertex, wherever it appears: a hash of the rounded coordinates
        keys = np.round(coords * 1e6).astype(np.int64)
        h = (keys[:, 0] * 73856093) ^ (keys[:, 1] * 19349663)
        return coords + np.column_stack((np.sin(h), np.cos(h))) * 0.0002

    uploaded = [shapely.transform(shapely.segmentize(cell, 0.0005), detail) for cell in clipped]
    return uploaded, points


def collection(geometries: list[dict]) -> bytes:
    rng = random.Random(SEED)
    features = []
    for i, geometry in enumerate(geometries):
        level = rng.randrange(len(PALETTE))
        features.append({"type": "Feature", "id": i + 1, "geometry": geometry, "properties": {
            "code": f"{i + 1:05d}", "name": f"Xã Thử Nghiệm {i + 1}", "value": level, "text": f"mức {level}",
            "color": PALETTE[level], "url": f"/xa/{i + 1}/"}})
    data = {"type": "FeatureCollection", "as_of": "2026-06-30", "unit": {"code": "00", "name": "bench"},
            "layer": {"code": "level", "label": "bench", "kind": "category", "choice": ""},
            "legend": [{"label": str(i), "color": c} for i, c in enumerate(PALETTE)], "synthetic": True, "missing": 0,
            "features": features}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _serve(folder: Path):
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".json": "application/geo+json"}

    def log_message(self, *args):
        pass


def draw(folder: Path, names: list[str], runs: int) -> dict[str, tuple[int, int]]:
    """{data file: (best draw ms, its load ms)} in headless Chromium."""
    from playwright.sync_api import sync_playwright

    server = _serve(folder)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    found = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            for name in names:
                best = None
                for _run in range(runs):
                    page = browser.new_page(viewport={"width": 1366, "height": 900})
                    page.goto(f"{base}/{name}.html")
                    page.wait_for_selector(".map-wrap.map-ready", timeout=120_000)
                    draw_ms = int(page.get_attribute(".map-wrap", "data-draw-ms"))
                    load_ms = int(page.get_attribute(".map-wrap", "data-load-ms"))
                    page.close()
                    if best is None or draw_ms < best[0]:
                        best = (draw_ms, load_ms)
                found[name] = best
            browser.close()
    finally:
        server.shutdown()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    uploaded, points = communes(args.communes)
    simplified = [web_geometry(cell) for cell in uploaded]
    payloads = {
        "simplified": collection(simplified),
        "as-uploaded": collection([mapping(cell) for cell in uploaded]),
        "points": collection([{"type": "Point", "coordinates": [round(x, 5), round(y, 5)]} for x, y in points]),
    }
    vertices = {"simplified": sum(len(shapely.get_coordinates(shapely.from_geojson(json.dumps(g))))
                                  for g in simplified),
                "as-uploaded": int(sum(shapely.get_num_coordinates(uploaded))), "points": args.communes}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for file in ("leaflet.js", "leaflet.css"):
            shutil.copy(LEAFLET / file, folder / file)
        for file in ("map.js", "map.css"):
            shutil.copy(STATIC / file, folder / file)
        for name, body in payloads.items():
            (folder / f"{name}.json").write_bytes(body)
            (folder / f"{name}.html").write_text(PAGE.format(data=f"{name}.json"), encoding="utf-8")
        times = draw(folder, ["simplified", "points"], args.runs)
    print(f"{args.communes:,} communes; Chromium {CHROMIUM}; best of {args.runs} runs")
    print(f"{'payload':<13}{'vertices':>11}{'raw KB':>10}{'gzip KB':>10}{'draw ms':>9}{'load ms':>9}")
    for name, body in payloads.items():
        drawn = times.get(name)
        print(f"{name:<13}{vertices[name]:>11,}{len(body) / 1024:>10,.0f}{len(gzip.compress(body, 6)) / 1024:>10,.0f}"
              f"{drawn[0] if drawn else '—':>9}{drawn[1] if drawn else '—':>9}")
    size_ok = len(gzip.compress(payloads["simplified"], 6)) <= GOAL_BYTES
    time_ok = times["simplified"][0] <= GOAL_MS
    print(f"goal: simplified ≤ 1 MB gzipped: {'met' if size_ok else 'NOT met'}; "
          f"drawn ≤ {GOAL_MS} ms: {'met' if time_ok else 'NOT met'} "
          f"({times['simplified'][0] / max(times['points'][0], 1):.1f}× the plain points)")
    return 0 if size_ok and time_ok else 1


if __name__ == "__main__":
    sys.exit(main())
