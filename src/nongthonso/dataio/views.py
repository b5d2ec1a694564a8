"""Import and export pages (signed-in users, scoped) and the public open-data page.

- ``data_import`` (``/nhap-du-lieu/``): upload a CSV/XLSX file of one kind; the file is checked at once
  (a dry run) and the page shows what would change (counts and the first changes) or every error (row,
  column, value, fix). A file without errors waits (``uploads``) for ``data_import_confirm``, which
  imports that very file and deletes it. While a check or import runs, the page polls
  ``data_import_progress`` (htmx) for the rows done, kept in the cache.
- ``data_export`` (``/xuat-du-lieu/``): templates per criteria set and exports in the import formats;
  values only of units the user may see.
- ``open_data`` (``/du-lieu-mo/``, public) and ``open_data_file``: published figures as CSV and JSON.

The kinds offered are the registered ones the user may use (``services.import_kinds``, ``export_kinds``). Who may
import what is then decided row by row by the importers (``user=request.user``): values for units where the user may
enter values, decisions as the province office, registrations as district or province office, units only as
superuser. Running an import, making an export or a template is ``services``' job, shared with the REST API
(``/api/imports``, ``/api/exports``, ``/api/templates``).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongthonso.core import registry
from nongthonso.core.dates import default_as_of, parse_as_of
from nongthonso.core.imports import ImportResult, RowError
from nongthonso.core.text import format_number
from nongthonso.criteria.models import CriteriaSet
from nongthonso.reports.views import home_province
from nongthonso.units.services import UnitNotFound

from . import exports, opendata, services, uploads

PHASES = {"check": gettext_lazy("Đang kiểm tra"), "write": gettext_lazy("Đang ghi"),
          "evaluate": gettext_lazy("Đang tính lại kết quả"), "start": gettext_lazy("Đang tải tệp lên")}


def _max_bytes() -> int:
    return services.max_bytes()


def _spell(option: registry.ImportOption) -> str:
    return f"«{option.label}»"


def _options(kind: registry.ImportKind, given: dict) -> dict:
    """The kind's options from ``given`` (a form's ``option-<name>`` fields, or a pending upload's), parsed; raises
    ``services.OptionError``."""
    return services.option_values(kind, given, spell=_spell)


def _run(request, pending: uploads.Pending, dry_run: bool) -> tuple[ImportResult | None, list[RowError]]:
    try:
        options = _options(registry.get(registry.ImportKind, pending.kind), pending.options)
        outcome = services.run_import(pending.kind, pending.path, user=request.user, name=pending.name,
                                      dry_run=dry_run, progress=uploads.reporter(request.user.pk, pending.token),
                                      options=options)
    except services.KindRefused as exc:  # the role was taken away since the file was checked
        return None, [RowError(0, "", "", str(exc))]
    except services.OptionError as exc:
        return None, [RowError(0, "", "", str(exc))]
    finally:
        uploads.set_state(request.user.pk, pending.token, "done")
    return outcome.result, outcome.errors


def _kind_label(code: str) -> str:
    return registry.get(registry.ImportKind, code).label


def _context(request, token: str, given: dict | None = None, **extra) -> dict:
    kinds = services.import_kinds(request.user)
    chosen = extra.get("kind")
    # the options of each kind that has some, with what was typed for the kind chosen (the page shown again)
    option_groups = [{"kind": k, "fields": [(o, (given or {}).get(o.name, "") if k.code == chosen else "")
                                             for o in k.options]} for k in kinds if k.options]
    return {"kinds": kinds, "token": token, "max_mb": _max_bytes() // (1024 * 1024), "option_groups": option_groups,
            **extra}


def _kind_problem(request, code: str) -> tuple[str, int] | None:
    """Why the import kind ``code`` cannot be chosen (the message and the status), or None."""
    if registry.find(registry.ImportKind, code) is None:
        return _("Chọn loại dữ liệu cần nhập."), 400
    try:
        services.import_kind(code, request.user)
    except services.KindRefused as exc:
        return str(exc), 403
    return None


@login_required
@require_http_methods(["GET", "POST"])
def data_import(request):
    """Upload and check a file (a dry run): the preview of the changes, or every error."""
    if request.method == "GET":
        if not services.may_import(request.user):  # no kind to offer (the menu does not link here either)
            return render(request, "dataio/import.html", _context(
                request, uploads.new_token(), problem=services.nothing_to_import(request.user)), status=403)
        return render(request, "dataio/import.html", _context(request, uploads.new_token(), kind="values"))
    kind = request.POST.get("kind", "")
    token = request.POST.get("token", "")
    if not uploads.valid_token(token):
        token = uploads.new_token()
    upload = request.FILES.get("file")
    problem, status = _kind_problem(request, kind) or (None, 400)
    given: dict = {}
    if problem is None:
        entry = registry.get(registry.ImportKind, kind)
        given = {o.name: request.POST.get(f"option-{o.name}", "") for o in entry.options}
        try:
            _options(entry, given)
        except services.OptionError as exc:
            problem = str(exc)
    if problem is None and upload is None:
        problem = _("Chọn tệp CSV hoặc XLSX để tải lên.")
    elif problem is None and upload.size > _max_bytes():
        problem = services.too_large(upload.name)
    if problem:
        return render(request, "dataio/import.html",
                      _context(request, uploads.new_token(), kind=kind, problem=problem, given=given), status=status)
    pending = uploads.save(request, upload, kind, token, options=given)
    result, errors = _run(request, pending, dry_run=True)
    if errors:
        uploads.discard(request, token)
    return render(request, "dataio/import.html", _context(
        request, uploads.new_token() if errors else token, kind=kind, pending=pending, result=result, errors=errors,
        kind_label=_kind_label(kind)))


@login_required
@require_POST
def data_import_confirm(request):
    """Import the file checked before (the same file), then delete it."""
    token = request.POST.get("token", "")
    pending = uploads.find(request, token) if uploads.valid_token(token) else None
    if pending is None:
        return render(request, "dataio/import.html", _context(request, uploads.new_token(), kind="values", problem=(
            _("Không còn tệp chờ nhập (đã nhập, đã hủy, hoặc đã quá 24 giờ). Tải tệp lên và kiểm tra lại."))),
            status=400)
    result, errors = _run(request, pending, dry_run=False)
    uploads.discard(request, token)
    return render(request, "dataio/import.html", _context(
        request, uploads.new_token(), kind=pending.kind, pending=pending, result=result, errors=errors,
        confirmed=True, kind_label=_kind_label(pending.kind)))


@login_required
@require_POST
def data_import_cancel(request):
    token = request.POST.get("token", "")
    if uploads.valid_token(token):
        uploads.discard(request, token)
    return render(request, "dataio/import.html", _context(request, uploads.new_token(), kind="values",
                                                          notice=_("Đã hủy; tệp đã được xóa.")))


@login_required
@require_GET
def data_import_progress(request, token: str):
    """The progress fragment the import page polls while a check or import runs."""
    state = uploads.progress(request.user.pk, token) if uploads.valid_token(token) else None
    text, percent = "", None
    if state and state["phase"] != "done":
        phase = PHASES.get(state["phase"], state["phase"])
        if state["phase"] == "evaluate":
            text = _("%(phase)s %(n)s bản đánh giá…") % {"phase": phase, "n": format_number(state["total"])}
        else:
            percent = round(100 * state["done"] / state["total"]) if state["total"] else None
            text = _("%(phase)s: %(n)s dòng") % {"phase": phase, "n": format_number(state["rows"])}
    return render(request, "dataio/_import_progress.html", {"text": text, "percent": percent})


# --- exports -----------------------------------------------------------------------------------------------------

def _year(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def _export_page(request, problem: str | None = None, status: int = 200):
    sets = CriteriaSet.objects.latest_versions().order_by("effective_from", "code")
    return render(request, "dataio/export.html", {
        "sets": sets, "kinds": services.export_kinds(request.user), "formats": exports.FORMATS, "problem": problem,
        "unit": request.GET.get("unit", home_province()), "year": request.GET.get("year", str(default_as_of().year)),
        "home": home_province(),
    }, status=status)


@login_required
@require_GET
def data_export(request):
    return _export_page(request)


@login_required
@require_GET
def data_export_file(request):
    """An export in an import format: ?kind=values&unit=19&year=2023&format=csv (values: the user's scope)."""
    kind, fmt = request.GET.get("kind", ""), request.GET.get("format", "csv")
    code = request.GET.get("unit", "").strip()
    year = _year(request.GET.get("year"))
    if registry.find(registry.ExportKind, kind) is None or fmt not in exports.FORMATS:
        return _export_page(request, _("Chọn loại dữ liệu và định dạng (CSV hoặc XLSX)."), status=400)
    try:
        return services.export(kind, fmt, request.user, code, year)
    except services.KindRefused as exc:
        return _export_page(request, str(exc), status=403)
    except exports.ExportError as exc:
        return _export_page(request, str(exc), status=400)


@login_required
@require_GET
def data_export_template(request):
    """The Excel template of a criteria set: ?set=xa-ntm-2021-2025[&unit=19&year=2023]."""
    set_code = request.GET.get("set", "")
    code = request.GET.get("unit", "").strip() or None
    try:
        return services.template(set_code, request.user, code, _year(request.GET.get("year")))
    except exports.ExportError as exc:
        return _export_page(request, str(exc), status=400)


# --- open data ---------------------------------------------------------------------------------------------------

def _as_of(request) -> tuple[dt.date, str | None]:
    return parse_as_of(request.GET.get("as_of"))


@require_GET
def open_data(request):
    as_of, problem = _as_of(request)
    code = request.GET.get("unit") or home_province()
    return render(request, "dataio/open_data.html", {
        "datasets": opendata.DATASETS.values(), "formats": opendata.FORMATS, "as_of": as_of, "unit": code,
        "problem": problem,
        # the other apps' open data: export kinds with a public download of their own (registry.ExportKind)
        "published": [k for k in registry.entries(registry.ExportKind) if k.open_data]})


@require_GET
def open_data_file(request, slug: str, fmt: str):
    """A data set as CSV or JSON: /du-lieu-mo/xa-dat-chuan.csv?as_of=2023-06-30&unit=19."""
    if slug not in opendata.DATASETS or fmt not in opendata.FORMATS:
        raise Http404(_("Không có bộ dữ liệu này."))
    as_of, problem = _as_of(request)
    if problem:
        return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")
    code = request.GET.get("unit") or home_province()
    try:
        data = opendata.dataset(slug, code, as_of)
    except UnitNotFound as exc:
        return HttpResponse(str(exc), status=404, content_type="text/plain; charset=utf-8")
    content = opendata.to_json(data) if fmt == "json" else opendata.to_csv(data)
    response = HttpResponse(content, content_type=opendata.FORMATS[fmt])
    response["Content-Disposition"] = f'inline; filename="{opendata.filename(slug, code, as_of, fmt)}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response
