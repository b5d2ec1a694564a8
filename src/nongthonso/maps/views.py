"""The map pages: ``/ban-do/`` (signed in), ``/cong-khai/ban-do/`` (public), their data ``/ban-do/du-lieu/`` and the
boundaries upload ``/ban-do/ranh-gioi/``.

The data endpoint gives a GeoJSON FeatureCollection of the communes in force on ``as_of`` under the unit shown (the
wards and towns drawn too, in a plain colour, without a value or a link: no NTM criteria apply to them) —
the simplified boundary of each version (or a point at its position), the layer's value, its text and colour, and
the scorecard's URL — cached per data revision (``reports.selectors.cached``). Its scope is the dashboards': a
visitor sees the public layers over the home province from published figures; a signed-in user the unit
``reports.views.dashboard_scope`` gives (their province, district, or the unit above their commune, published).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from nongthonso.accounts.services import scope_paths
from nongthonso.core import registry
from nongthonso.core.dates import parse_as_of
from nongthonso.core.imports import ImportFailed
from nongthonso.reports import selectors
from nongthonso.reports.views import dashboard_scope, home_province
from nongthonso.units.models import Unit
from nongthonso.units.services import COMMUNE_LEVEL, UnitNotFound, find_unit

from . import imports
from .services import geometries

DEFAULT_LAYER = "level"
NOT_RURAL = registry.LegendEntry(gettext_lazy("Phường, thị trấn (không xét nông thôn mới)"), "#ffffff")
NO_VALUE = registry.LegendEntry(gettext_lazy("Chưa có số liệu"), "#bdbdbd")


def layers_for(request, public: bool) -> list[registry.MapLayer]:
    """The layers ``request`` may draw: the public ones on public pages, every visible one signed in."""
    return [layer for layer in registry.entries(registry.MapLayer)
            if layer.visible(request) and (layer.public or not public)]


def _color(layer: registry.MapLayer, legend, value) -> str:
    for entry in legend:
        if layer.kind == "category":
            if entry.value == value:
                return entry.color
        elif value is not None and (entry.low is None or value >= entry.low) and (entry.high is None
                                                                                  or value < entry.high):
            return entry.color
    return NO_VALUE.color


def _payload(layer: registry.MapLayer, root: Unit, as_of, published: bool, choice: str) -> str:
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
            "code": unit.code, "name": unit.name, "value": value, "text": text or str(NO_VALUE.label),
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


def _scope(request, as_of) -> tuple[str, bool, str | None]:
    """(the unit's code, published only, an error) the data of ``request`` are for."""
    if not request.user.is_authenticated:
        return request.GET.get("unit") or home_province(), True, None
    chosen = dashboard_scope(request, as_of)
    return chosen.code, chosen.published, chosen.error if chosen.refused else None


@require_GET
def map_data(request):
    """The GeoJSON of a layer as of a date (see the module's docstring); 400 with a Vietnamese message when the
    layer, the date or the unit cannot be used."""
    public = not request.user.is_authenticated
    as_of, error = parse_as_of(request.GET.get("as_of"))
    if error:
        return JsonResponse({"error": error}, status=400)
    code = request.GET.get("layer") or DEFAULT_LAYER
    layer = next((item for item in layers_for(request, public) if item.code == code), None)
    if layer is None:
        known = ", ".join(item.code for item in layers_for(request, public))
        return JsonResponse({"error": _("Không có lớp bản đồ «%(code)s»%(where)s. Chọn một trong: %(known)s.") % {
            "code": code, "where": _(" trên trang công khai") if public else "", "known": known}}, status=400)
    unit_code, published, refused = _scope(request, as_of)
    if refused:
        return JsonResponse({"error": refused}, status=403)
    try:
        root = find_unit(unit_code, as_of)
    except UnitNotFound as exc:
        return JsonResponse({"error": str(exc)}, status=404)
    choice = request.GET.get("choice", "")[:40]
    parts = (layer.code, choice, as_of.isoformat(), root.pk, published, translation.get_language())
    body = selectors.cached("map-data", parts, lambda: _payload(layer, root, as_of, published, choice))
    response = HttpResponse(body, content_type="application/geo+json; charset=utf-8")
    response["Cache-Control"] = "private, no-cache" if not public else "public, max-age=60"
    return response


def _context(request, public: bool) -> dict:
    as_of, error = parse_as_of(request.GET.get("as_of"))
    layers = layers_for(request, public)
    code = request.GET.get("layer") or DEFAULT_LAYER
    layer = next((item for item in layers if item.code == code), layers[0] if layers else None)
    choices = layer.choices(as_of) if layer is not None and layer.choices is not None else []
    choice = request.GET.get("choice", "")
    if choices and choice not in {c for c, _label in choices}:
        choice = choices[0][0]
    query = {"layer": layer.code if layer else "", "as_of": as_of.isoformat(), "choice": choice}
    if request.GET.get("unit"):
        query["unit"] = request.GET["unit"]
    return {"public": public, "as_of": as_of, "error": error, "layers": layers, "layer": layer, "choices": choices,
            "choice": choice, "data_url": reverse("maps_data") + "?" + urlencode(query),
            "tile_url": getattr(settings, "MAPS_TILE_URL", ""), "unit_code": request.GET.get("unit", ""),
            "may_upload": may_upload(request.user)}


@login_required
@require_GET
def map_page(request):
    return render(request, "maps/map.html", _context(request, public=False))


@require_GET
def public_map_page(request):
    return render(request, "maps/map.html", _context(request, public=True))


def may_upload(user) -> bool:
    """Whether ``user`` may upload boundaries somewhere (a superuser, the province office)."""
    if not user.is_authenticated:
        return False
    paths = scope_paths(user, imports.MANAGE)
    return paths is None or bool(paths)


MAX_UPLOAD = imports.MAX_BYTES


@login_required
@require_http_methods(["GET", "POST"])
def upload_page(request):
    """Upload a GeoJSON of boundaries: checked (``dry_run``) or imported, all or nothing."""
    if not may_upload(request.user):
        raise PermissionDenied(_("Chỉ Văn phòng Điều phối NTM tỉnh (hoặc quản trị hệ thống) tải lên ranh giới."))
    context: dict = {"errors": [], "result": None, "max_mb": MAX_UPLOAD // (1024 * 1024)}
    if request.method == "POST":
        upload = request.FILES.get("file")
        dry_run = bool(request.POST.get("dry_run"))
        if upload is None:
            context["problem"] = _("Chưa chọn tệp. Chọn tệp .geojson có ranh giới các đơn vị.")
        elif upload.size > MAX_UPLOAD:
            context["problem"] = _("Tệp «%(name)s» lớn quá %(mb)s MB. Đơn giản hóa ranh giới hoặc chia tệp theo "
                                   "huyện.") % {
                "name": upload.name, "mb": MAX_UPLOAD // (1024 * 1024)}
        elif not _looks_like_json(upload):
            context["problem"] = _("Tệp «%(name)s» không phải GeoJSON (nội dung phải bắt đầu bằng «{»). Chọn tệp "
                                   ".geojson xuất từ QGIS hoặc phần mềm bản đồ khác.") % {"name": upload.name}
        else:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "upload.geojson"
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                try:
                    context["result"] = imports.import_boundaries(path, dry_run=dry_run, user=request.user,
                                                                  name=upload.name)
                except ImportFailed as exc:
                    context["errors"] = exc.errors
            if context["result"] is not None and not dry_run:
                messages.success(request, context["result"].summary())
                return redirect("maps_upload")
        return render(request, "maps/upload.html", context, status=400 if context.get("problem") or context["errors"]
                      else 200)
    return render(request, "maps/upload.html", context)


def _looks_like_json(upload) -> bool:
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{")
