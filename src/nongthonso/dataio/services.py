"""One code path for imports, exports and templates, shared by the web pages (``views``) and the REST API
(``api.routers.dataio``); the CLI (``nongthonso import`` / ``export``) calls the importers and tables itself.

- ``run_import``: the importer of a kind, run as ``user`` (who may import which row is decided row by row by
  the importer), inside the audit ``request_context`` of that user, so its writes are logged under their
  name. Returns an :class:`Outcome`: the ``ImportResult``, or every ``RowError`` (nothing written).
- ``too_large``: the message for an upload over ``IMPORT_MAX_BYTES`` (``settings``; 200 MB by default).
- ``export``: the download of a kind in the user's scope (values and registrations only of the units the
  user may view; decisions, units and commune groups are public facts), CSV streamed chunk by chunk.
- ``template``: the download of a criteria set's Excel template, its values only from units the user may view.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext_noop

from nongthonso.accounts.services import scope_paths
from nongthonso.audit.context import request_context
from nongthonso.core.imports import ImportFailed, ImportResult, Progress, RowError

from . import exports, workbook

# labels in Vietnamese (marked for the catalogue; the pages show them translated, ``views._kinds``)
IMPORT_KINDS = {
    "values": gettext_noop("Giá trị chỉ tiêu"),
    "decisions": gettext_noop("Quyết định công nhận"),
    "registrations": gettext_noop("Đăng ký đạt chuẩn"),
    "commune_groups": gettext_noop("Nhóm xã"),
    "units": gettext_noop("Đơn vị hành chính"),
}
EXPORT_KINDS = {
    "values": gettext_noop("Giá trị chỉ tiêu (theo năm)"),
    "decisions": gettext_noop("Quyết định công nhận"),
    "registrations": gettext_noop("Đăng ký đạt chuẩn"),
    "commune_groups": gettext_noop("Nhóm xã"),
    "units": gettext_noop("Đơn vị hành chính"),
}
VALUES_NEED_UNIT_AND_YEAR = "Xuất giá trị chỉ tiêu cần mã đơn vị và năm, ví dụ 19 và 2023."
TEMPLATE_NEEDS_UNIT_AND_YEAR = "Muốn điền sẵn danh sách xã, cần cả mã đơn vị và năm."


def importer(kind: str):
    if kind == "values":
        from nongthonso.assessments.imports import import_values

        return import_values
    if kind == "units":
        from nongthonso.units.imports import import_units

        return import_units
    if kind == "commune_groups":
        from nongthonso.recognition.group_imports import import_commune_groups

        return import_commune_groups
    from nongthonso.recognition import imports

    return imports.import_decisions if kind == "decisions" else imports.import_registrations


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", 200 * 1024 * 1024))


def too_large(name: str) -> str:
    """The message for an upload over ``max_bytes()``."""
    return (f"Tệp «{name}» lớn quá {max_bytes() // (1024 * 1024)} MB. Chia tệp thành nhiều phần, hoặc nhập bằng "
            "dòng lệnh (nongthonso import).")


@dataclass
class Outcome:
    result: ImportResult | None = None
    errors: list[RowError] = field(default_factory=list)
    total_errors: int = 0  # errors found; beyond core.imports.MAX_ERRORS only counted


def run_import(kind: str, path: Path, *, user, name: str, dry_run: bool,
               progress: Progress | None = None) -> Outcome:
    """Import (or check, ``dry_run``) the file at ``path`` of ``kind`` as ``user``, all or nothing."""
    try:
        with request_context(user=user, actor=user.get_username()):
            result = importer(kind)(path, dry_run=dry_run, user=user, name=name, progress=progress)
    except ImportFailed as exc:
        return Outcome(errors=exc.errors, total_errors=exc.total)
    return Outcome(result=result)


def export(kind: str, fmt: str, user, code: str | None, year: int | None) -> HttpResponseBase:
    """The export of ``kind`` (``EXPORT_KINDS``) within the unit ``code`` (``year``: values of that year,
    decisions dated, registrations targeting it), as ``user`` may see it, as a download in ``fmt``
    (``exports.FORMATS``; CSV streamed). Raises ``exports.ExportError``."""
    code = code or None
    if kind == "values":
        if not code or year is None:
            raise exports.ExportError(VALUES_NEED_UNIT_AND_YEAR)
        table = exports.values_table(code, year, scope=scope_paths(user, "view"))
    elif kind == "units":
        table = exports.units_table(code)
    elif kind == "commune_groups":
        table = exports.commune_groups_table(code)
    elif kind == "decisions":
        table = exports.decisions_table(code, year=year)
    else:
        table = exports.registrations_table(code, year=year, scope=scope_paths(user, "view"))
    name = exports.filename(kind, fmt, code, year if kind not in ("units", "commune_groups") else None)
    return download(stream_csv(table) if fmt == "csv" else exports.to_bytes(table, fmt), fmt, name)


def template(set_code: str, user, code: str | None, year: int | None) -> HttpResponse:
    """The XLSX template of ``set_code`` as a download: pre-filled for the communes within ``code`` in
    ``year``, with the values of the units ``user`` may view. Raises ``exports.ExportError``."""
    code = code or None
    if code and year is None:
        raise exports.ExportError(TEMPLATE_NEEDS_UNIT_AND_YEAR)
    year = year if code else None
    content = workbook.build_template(set_code, unit_code=code, year=year, scope=scope_paths(user, "view"))
    return download(content, "xlsx", workbook.template_filename(set_code, code, year))


def download(content: bytes | Iterator[bytes], fmt: str, name: str) -> HttpResponseBase:
    if isinstance(content, bytes):
        response: HttpResponseBase = HttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
    else:
        response = StreamingHttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def stream_csv(table: exports.Table) -> Iterator[bytes]:
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
