"""The map pages: ``/ban-do/`` (signed in), ``/cong-khai/ban-do/`` (public), their data ``/ban-do/du-lieu/`` and the
boundaries upload ``/ban-do/ranh-gioi/``.

The data endpoint gives a layer's GeoJSON FeatureCollection as of a date, built (and cached) by ``data`` — which the
REST API (``api``) serves too — over the unit the request's scope gives: the dashboards' (see ``data``).
"""

from __future__ import annotations

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
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from nongthonso.accounts.services import scope_paths
from nongthonso.core.dates import parse_as_of
from nongthonso.core.imports import ImportFailed

from . import data, imports


@require_GET
def map_data(request):
    """The GeoJSON of a layer as of a date (``data.layer_geojson``: see its module); 400 with a Vietnamese message
    when the layer or the date cannot be used, 403 for a unit outside the user's scope, 404 for an unknown unit."""
    public = not request.user.is_authenticated
    as_of, error = parse_as_of(request.GET.get("as_of"))
    if error:
        return JsonResponse({"error": error}, status=400)
    try:
        body = data.layer_geojson(request, request.GET.get("layer") or data.DEFAULT_LAYER, as_of,
                                  request.GET.get("choice", ""), public)
    except data.MapRefused as exc:
        return JsonResponse({"error": str(exc)}, status={"layer": 400, "scope": 403}.get(exc.reason, 404))
    response = HttpResponse(body, content_type="application/geo+json; charset=utf-8")
    response["Cache-Control"] = "private, no-cache" if not public else "public, max-age=60"
    return response


def _context(request, public: bool) -> dict:
    as_of, error = parse_as_of(request.GET.get("as_of"))
    layers = data.layers_for(request, public)
    code = request.GET.get("layer") or data.DEFAULT_LAYER
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
