"""Import and export pages (signed-in users, scoped) and the public open-data page.

- ``data_import`` (``/nhap-du-lieu/``): upload a CSV/XLSX file of one kind; the file is checked at once
  (a dry run) and the page shows what would change (counts and the first changes) or every error (row,
  column, value, fix). A file without errors waits (``uploads``) for ``data_import_confirm``, which
  imports that very file and deletes it. While a check or import runs, the page polls
  ``data_import_progress`` (htmx) for the rows done, kept in the cache.
- ``data_export`` (``/xuat-du-lieu/``): templates per criteria set and exports in the import formats;
  values only of units the user may see.
- ``open_data`` (``/du-lieu-mo/``, public) and ``open_data_file``: published figures as CSV and JSON.

Who may import what is decided row by row by the importers (``user=request.user``): values for units
where the user may enter values, decisions as the province office, registrations as district or
province office, units only as superuser.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongthonso.accounts.services import scope_paths
from nongthonso.audit.context import request_context
from nongthonso.core.imports import ImportFailed, ImportResult, RowError
from nongthonso.criteria.models import CriteriaSet
from nongthonso.reports.services import UnitNotFound
from nongthonso.reports.views import DEFAULT_AS_OF, DEFAULT_UNIT

from . import exports, opendata, uploads, workbook

IMPORT_KINDS = {
    "values": "Giá trị chỉ tiêu",
    "decisions": "Quyết định công nhận",
    "registrations": "Đăng ký đạt chuẩn",
    "units": "Đơn vị hành chính",
}
EXPORT_KINDS = {"values": "Giá trị chỉ tiêu (theo năm)", "decisions": "Quyết định công nhận",
                "registrations": "Đăng ký đạt chuẩn", "units": "Đơn vị hành chính"}
PHASES = {"check": "Đang kiểm tra", "write": "Đang ghi", "evaluate": "Đang tính lại kết quả",
          "start": "Đang tải tệp lên"}


def _importer(kind: str):
    if kind == "values":
        from nongthonso.assessments.imports import import_values

        return import_values
    if kind == "units":
        from nongthonso.units.loaders import import_units

        return import_units
    from nongthonso.recognition import imports

    return imports.import_decisions if kind == "decisions" else imports.import_registrations


def _max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", 200 * 1024 * 1024))


def _run(request, pending: uploads.Pending, dry_run: bool) -> tuple[ImportResult | None, list[RowError]]:
    importer = _importer(pending.kind)
    report = uploads.reporter(request.user.pk, pending.token)
    try:
        with request_context(user=request.user, actor=request.user.get_username()):
            result = importer(pending.path, dry_run=dry_run, user=request.user, name=pending.name, progress=report)
    except ImportFailed as exc:
        return None, exc.errors
    finally:
        uploads.set_state(request.user.pk, pending.token, "done")
    return result, []


def _context(token: str, **extra) -> dict:
    return {"kinds": IMPORT_KINDS, "token": token, "max_mb": _max_bytes() // (1024 * 1024), **extra}


@login_required
@require_http_methods(["GET", "POST"])
def data_import(request):
    """Upload and check a file (a dry run): the preview of the changes, or every error."""
    if request.method == "GET":
        return render(request, "dataio/import.html", _context(uploads.new_token(), kind="values"))
    kind = request.POST.get("kind", "")
    token = request.POST.get("token", "")
    if not uploads.valid_token(token):
        token = uploads.new_token()
    upload = request.FILES.get("file")
    problem = None
    if kind not in IMPORT_KINDS:
        problem = "Chọn loại dữ liệu cần nhập."
    elif upload is None:
        problem = "Chọn tệp CSV hoặc XLSX để tải lên."
    elif upload.size > _max_bytes():
        problem = (f"Tệp «{upload.name}» lớn quá {_max_bytes() // (1024 * 1024)} MB. Chia tệp thành nhiều phần, "
                   "hoặc nhập bằng dòng lệnh (nongthonso import).")
    if problem:
        return render(request, "dataio/import.html", _context(uploads.new_token(), kind=kind, problem=problem),
                      status=400)
    pending = uploads.save(request, upload, kind, token)
    result, errors = _run(request, pending, dry_run=True)
    if errors:
        uploads.discard(request, token)
    return render(request, "dataio/import.html", _context(
        uploads.new_token() if errors else token, kind=kind, pending=pending, result=result, errors=errors,
        kind_label=IMPORT_KINDS[kind]))


@login_required
@require_POST
def data_import_confirm(request):
    """Import the file checked before (the same file), then delete it."""
    token = request.POST.get("token", "")
    pending = uploads.find(request, token) if uploads.valid_token(token) else None
    if pending is None:
        return render(request, "dataio/import.html", _context(uploads.new_token(), kind="values", problem=(
            "Không còn tệp chờ nhập (đã nhập, đã hủy, hoặc đã quá 24 giờ). Tải tệp lên và kiểm tra lại.")),
            status=400)
    result, errors = _run(request, pending, dry_run=False)
    uploads.discard(request, token)
    return render(request, "dataio/import.html", _context(
        uploads.new_token(), kind=pending.kind, pending=pending, result=result, errors=errors, confirmed=True,
        kind_label=IMPORT_KINDS[pending.kind]))


@login_required
@require_POST
def data_import_cancel(request):
    token = request.POST.get("token", "")
    if uploads.valid_token(token):
        uploads.discard(request, token)
    return render(request, "dataio/import.html", _context(uploads.new_token(), kind="values",
                                                          notice="Đã hủy; tệp đã được xóa."))


@login_required
@require_GET
def data_import_progress(request, token: str):
    """The progress fragment the import page polls while a check or import runs."""
    state = uploads.progress(request.user.pk, token) if uploads.valid_token(token) else None
    text, percent = "", None
    if state and state["phase"] != "done":
        phase = PHASES.get(state["phase"], state["phase"])
        if state["phase"] == "evaluate":
            text = f"{phase} {state['total']:,} bản đánh giá…".replace(",", ".")
        else:
            percent = round(100 * state["done"] / state["total"]) if state["total"] else None
            text = f"{phase}: {state['rows']:,} dòng".replace(",", ".")
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
        "sets": sets, "kinds": EXPORT_KINDS, "formats": exports.FORMATS, "problem": problem,
        "unit": request.GET.get("unit", DEFAULT_UNIT), "year": request.GET.get("year", str(DEFAULT_AS_OF.year)),
    }, status=status)


@login_required
@require_GET
def data_export(request):
    return _export_page(request)


def _stream_csv(table: exports.Table):
    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        yield "\ufeff".encode()
        writer.writerow(table.header)
        for row in table.rows:
            writer.writerow(["" if c is None else exports.number_text(c)
                             if isinstance(c, int | float) and not isinstance(c, bool) else c for c in row])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode()

    return lines()


def _download(content, fmt: str, name: str) -> HttpResponse:
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=exports.CONTENT_TYPES.get(fmt, opendata.FORMATS.get(fmt)))
    else:
        response = StreamingHttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def data_export_file(request):
    """An export in an import format: ?kind=values&unit=19&year=2023&format=csv (values: the user's scope)."""
    kind, fmt = request.GET.get("kind", ""), request.GET.get("format", "csv")
    code = request.GET.get("unit", "").strip()
    year = _year(request.GET.get("year"))
    if kind not in EXPORT_KINDS or fmt not in exports.FORMATS:
        return _export_page(request, "Chọn loại dữ liệu và định dạng (CSV hoặc XLSX).", status=400)
    try:
        if kind == "values":
            if not code or year is None:
                return _export_page(request, "Xuất giá trị chỉ tiêu cần mã đơn vị và năm, ví dụ 19 và 2023.",
                                    status=400)
            table = exports.values_table(code, year, scope=scope_paths(request.user, "view"))
        elif kind == "units":
            table = exports.units_table(code or None)
        elif kind == "decisions":
            table = exports.decisions_table(code or None, year=year)
        else:
            table = exports.registrations_table(code or None, year=year)
        name = exports.filename(kind, fmt, code or None, year if kind != "units" else None)
        if fmt == "csv":
            return _download(_stream_csv(table), fmt, name)
        return _download(exports.to_bytes(table, fmt), fmt, name)
    except exports.ExportError as exc:
        return _export_page(request, str(exc), status=400)


@login_required
@require_GET
def data_export_template(request):
    """The Excel template of a criteria set: ?set=xa-ntm-2021-2025[&unit=19&year=2023]."""
    set_code = request.GET.get("set", "")
    code = request.GET.get("unit", "").strip() or None
    year = _year(request.GET.get("year")) if code else None
    if code and year is None:
        return _export_page(request, "Muốn điền sẵn danh sách xã, cần cả mã đơn vị và năm.", status=400)
    try:
        content = workbook.build_template(set_code, unit_code=code, year=year)
    except exports.ExportError as exc:
        return _export_page(request, str(exc), status=400)
    return _download(content, "xlsx", workbook.template_filename(set_code, code, year))


# --- open data ---------------------------------------------------------------------------------------------------

def _as_of(request) -> tuple[dt.date, str | None]:
    raw = request.GET.get("as_of")
    if not raw:
        return DEFAULT_AS_OF, None
    try:
        return dt.date.fromisoformat(raw), None
    except ValueError:
        return DEFAULT_AS_OF, (f"Ngày «{raw}» không hợp lệ; dùng ngày {DEFAULT_AS_OF.day}/{DEFAULT_AS_OF.month}/"
                               f"{DEFAULT_AS_OF.year}. Viết ngày theo dạng YYYY-MM-DD.")


@require_GET
def open_data(request):
    as_of, problem = _as_of(request)
    code = request.GET.get("unit") or DEFAULT_UNIT
    return render(request, "dataio/open_data.html", {
        "datasets": opendata.DATASETS.values(), "formats": opendata.FORMATS, "as_of": as_of, "unit": code,
        "problem": problem})


@require_GET
def open_data_file(request, slug: str, fmt: str):
    """A data set as CSV or JSON: /du-lieu-mo/xa-dat-chuan.csv?as_of=2023-06-30&unit=19."""
    if slug not in opendata.DATASETS or fmt not in opendata.FORMATS:
        raise Http404("Không có bộ dữ liệu này.")
    as_of, problem = _as_of(request)
    if problem:
        return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")
    code = request.GET.get("unit") or DEFAULT_UNIT
    try:
        data = opendata.dataset(slug, code, as_of)
    except UnitNotFound as exc:
        return HttpResponse(str(exc), status=404, content_type="text/plain; charset=utf-8")
    content = opendata.to_json(data) if fmt == "json" else opendata.to_csv(data)
    response = HttpResponse(content, content_type=opendata.FORMATS[fmt])
    response["Content-Disposition"] = f'inline; filename="{opendata.filename(slug, code, as_of, fmt)}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response
