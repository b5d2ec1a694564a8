"""What the maps serve, for the data endpoint ``/ban-do/du-lieu/`` (``views.map_data``) and the REST API
(``api``: ``/api/maps/…``) alike: the layers a request may draw, a layer's GeoJSON FeatureCollection as of a date
over the unit the request's scope gives, and one unit version's boundary.

A layer's FeatureCollection holds the communes in force on ``as_of`` under the unit shown (the wards and towns drawn
too, in a plain colour, without a value or a link: no NTM criteria apply to them) — the simplified boundary of each
version (or a point at its position), the layer's value, its text and colour, and the scorecard's URL — cached per
data revision (``reports.selectors.cached``). Its scope is the dashboards': a visitor sees the public layers over
the home province from published figures; a signed-in user the unit ``reports.views.dashboard_scope`` gives (their
province, district, or the unit above their commune, published).
"""

from __future__ import annotations

import datetime as dt
import json

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nongthonso.core import registry
from nongthonso.core.text import format_date
from nongthonso.reports import selectors
from nongthonso.reports.views import dashboard_scope, home_province
from nongthonso.units.models import Unit
from nongthonso.units.services import COMMUNE_LEVEL, UnitNotFound, find_unit

from .models import UnitShape
from .services import geometries

DEFAULT_LAYER = "level"
NOT_RURAL = registry.LegendEntry(gettext_lazy("Phường, thị trấn (không xét nông thôn mới)"), "#ffffff")
NO_VALUE = registry.LegendEntry(gettext_lazy("Chưa có số liệu"), "#bdbdbd")
MAX_CHOICE = 40


class MapRefused(LookupError):
    """What was asked cannot be drawn; ``reason`` says which part: ``layer`` (no such layer for this request),
    ``scope`` (a unit outside the user's scope) or ``unit`` (no such unit on the date). The message is Vietnamese."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def layers_for(request, public: bool) -> list[registry.MapLayer]:
    """The layers ``request`` may draw: the public ones on public pages, every visible one signed in."""
    return [layer for layer in registry.entries(registry.MapLayer)
            if layer.visible(request) and (layer.public or not public)]


def layer_of(request, code: str, public: bool) -> registry.MapLayer:
    """The layer ``code`` among ``layers_for(request, public)``; MapRefused(``layer``) naming those there are."""
    layers = layers_for(request, public)
    layer = next((item for item in layers if item.code == code), None)
    if layer is None:
        raise MapRefused("layer", _("Không có lớp bản đồ «%(code)s»%(where)s. Chọn một trong: %(known)s.") % {
            "code": code, "where": _(" trên trang công khai") if public else "",
            "known": ", ".join(item.code for item in layers)})
    return layer


def scope_of(request, as_of: dt.date) -> tuple[Unit, bool]:
    """(the unit version drawn, published figures only) for ``request`` on ``as_of``: a visitor the unit asked for
    (default the home province), from published figures; a signed-in user the dashboards' choice
    (``dashboard_scope``, reading ``?unit=``). MapRefused(``scope``/``unit``) when it cannot be used."""
    if not request.user.is_authenticated:
        code, published = request.GET.get("unit") or home_province(), True
    else:
        chosen = dashboard_scope(request, as_of)
        if chosen.refused:  # the dashboard falls back to the user's own unit; a map asked for one unit draws nothing
            raise MapRefused("scope", _("Đơn vị mã «%(code)s» nằm ngoài phạm vi được giao của bạn (hoặc không còn "
                                        "hiệu lực ngày %(date)s). Chọn một đơn vị trong phạm vi, hoặc bỏ tham số "
                                        "unit để xem bản đồ đơn vị của bạn.") % {
                "code": request.GET.get("unit", ""), "date": format_date(as_of)})
        code, published = chosen.code, chosen.published
    try:
        return find_unit(code, as_of), published
    except UnitNotFound as exc:
        raise MapRefused("unit", str(exc)) from None


def _color(layer: registry.MapLayer, legend, value) -> str:
    for entry in legend:
        if layer.kind == "category":
            if entry.value == value:
                return entry.color
        elif value is not None and (entry.low is None or value >= entry.low) and (entry.high is None
                                                                                  or value < entry.high):
            return entry.color
    return NO_VALUE.color


def _payload(layer: registry.MapLayer, root: Unit, as_of: dt.date, published: bool, choice: str) -> str:
    # every unit of the communes' level is drawn; for an NTM layer (``rural_only``) the wards and towns, where no NTM
    # criteria apply, in a plain colour without a value or a link
    every = list(Unit.objects.valid_on(as_of).filter(path__startswith=root.path).at_level(COMMUNE_LEVEL)
                 .only("id", "code", "name", "path", "lat", "lon", "valid_from", "valid_to", "unit_type__is_rural")
                 .select_related("unit_type").order_by("sort_key"))
    units = [unit for unit in every if unit.unit_type.is_rural or not layer.rural_only]
    valued = {unit.pk for unit in units}
    request = registry.MapRequest(as_of=as_of, units=units, published=published, choice=choice)
    values = layer.values(request)
    legend = layer.legend_of(request)
    drawn, synthetic = geometries(every)
    features = []
    for unit in every:
        geometry = drawn.get(unit.pk)
        if geometry is None:
            continue
        if unit.pk not in valued:
            features.append({"type": "Feature", "id": unit.pk, "geometry": geometry, "properties": {
                "code": unit.code, "name": unit.name, "value": None, "text": str(NOT_RURAL.label),
                "color": NOT_RURAL.color, "url": None}})
            continue
        value = values.get(unit.pk)
        value, text = value if isinstance(value, tuple) else (value, None if value is None else layer.text(value))
        features.append({"type": "Feature", "id": unit.pk, "geometry": geometry, "properties": {
            "code": unit.code, "name": unit.name, "value": value, "text": str(text or NO_VALUE.label),
            "color": _color(layer, legend, value), "url": reverse("scorecard", args=[unit.pk])}})
    shown = list(legend)
    if any(f["properties"]["url"] is not None and f["properties"]["value"] is None for f in features):
        shown.append(NO_VALUE)
    if len(units) < len(every):
        shown.append(NOT_RURAL)
    data = {"type": "FeatureCollection", "as_of": as_of.isoformat(), "unit": {"code": root.code, "name": root.name},
            "layer": {"code": layer.code, "label": str(layer.label), "kind": layer.kind, "choice": choice},
            "legend": [{"label": str(e.label), "color": e.color} for e in shown],
            "synthetic": bool(synthetic), "missing": len(units) - sum(f["properties"]["url"] is not None
                                                                      for f in features), "features": features}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def layer_geojson(request, code: str, as_of: dt.date, choice: str, public: bool) -> str:
    """The FeatureCollection (JSON text) of the layer ``code`` on ``as_of`` over the unit ``scope_of(request)``
    gives, cached per data revision and language; MapRefused when the layer, the scope or the unit cannot be used."""
    layer = layer_of(request, code, public)
    root, published = scope_of(request, as_of)
    choice = choice[:MAX_CHOICE]
    parts = (layer.code, choice, as_of.isoformat(), root.pk, published, translation.get_language())
    return selectors.cached("map-data", parts, lambda: _payload(layer, root, as_of, published, choice))


def shape_feature(request, code: str, as_of: dt.date) -> dict:
    """The boundary of the version of ``code`` in force on ``as_of`` as a GeoJSON Feature (the geometry as uploaded,
    its area, bounding box, centroid, source), for a unit the request's map may draw (within ``scope_of``'s unit);
    MapRefused(``unit``/``scope``) otherwise, or when the version has no boundary. Only the REST API asks for it:
    its messages are in Vietnamese only, as the API's are."""
    root, _published = scope_of(request, as_of)
    try:
        unit = find_unit(code, as_of)
    except UnitNotFound as exc:
        raise MapRefused("unit", str(exc)) from None
    if not unit.path.startswith(root.path):
        raise MapRefused("scope", f"Đơn vị mã «{code}» nằm ngoài bản đồ bạn được xem ({root.name}); chọn một đơn vị "
                                  f"thuộc {root.name}.")
    shape = UnitShape.objects.filter(unit=unit).first()
    if shape is None:
        raise MapRefused("unit", f"Chưa có ranh giới của {unit.name} (mã {unit.code}, phiên bản từ "
                                 f"{format_date(unit.valid_from)}); Văn phòng Điều phối NTM tỉnh tải ranh giới lên tại "
                                 "trang «Tải lên ranh giới đơn vị».")
    return {"type": "Feature", "id": unit.pk, "geometry": shape.geometry, "bbox": list(shape.bbox), "properties": {
        "code": unit.code, "name": unit.name, "level": unit.unit_type.level.code,
        "valid_from": unit.valid_from.isoformat(), "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
        "area_km2": shape.area_km2, "centroid": [shape.centroid_lon, shape.centroid_lat], "source": shape.source,
        "synthetic": shape.synthetic}}
