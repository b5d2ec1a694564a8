"""One code path for imports, exports and templates, shared by the web pages (``views``), the REST API
(``api.routers.dataio``) and the command line (``nongthonso import`` / ``export``).

The kinds of file are registry entries (``core.registry.ImportKind``, ``ExportKind``) that apps register from their
``ready()``: this app the exports of values, units, commune groups, decisions and registrations, the apps that own
them the imports. ``import_kinds(user)`` and ``export_kinds(user)`` are the kinds a user may use (the pages list
them); using another is refused (``KindRefused``, a ``PermissionDenied``: 403) before the file is read, with one
message naming the user's roles and what they may import (``kind_refusal``) — never a refusal repeated on every
row. The import menu entry shows only to users who may use some kind (``may_import``).

- ``run_import``: the importer of a kind, run as ``user`` (who may import which row is decided row by row by
  the importer), inside the audit ``request_context`` of that user, so its writes are logged under their
  name, with the kind's options (``option_values``: what the file alone does not say, e.g. the training session of
  an attendance report; parsed the same way for the page, the API and the command line). Returns an
  :class:`Outcome`: the ``ImportResult``, or every ``RowError`` (nothing written).
- ``too_large``: the message for an upload over ``IMPORT_MAX_BYTES`` (``settings``; 200 MB by default).
- ``export``: the download of a kind in the user's scope (values and registrations only of the units the
  user may view; decisions, units and commune groups are public facts), CSV streamed chunk by chunk.
- ``template``: the download of a criteria set's Excel template, its values only from units the user may view.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

from nongthonso.accounts.services import memberships, role_at, scope_paths
from nongthonso.audit.context import request_context
from nongthonso.core import registry
from nongthonso.core.imports import ZIP_MAGIC, ImportFailed, ImportResult, Progress, RowError
from nongthonso.core.vocabulary import parse_bool

from . import exports, workbook

TEMPLATE_NEEDS_UNIT_AND_YEAR = "Muốn điền sẵn danh sách xã, cần cả mã đơn vị và năm."
NOTHING_TO_IMPORT = (" Vai trò này không nhập được loại dữ liệu nào; bạn vẫn xem và tải dữ liệu về ở trang «Xuất dữ "
                     "liệu».")


class KindRefused(PermissionDenied):
    """The user may not use this kind of import or export at all; the message (Vietnamese) says so."""


def import_kinds(user) -> list[registry.ImportKind]:
    """The import kinds ``user`` may use, in order."""
    return [kind for kind in registry.entries(registry.ImportKind) if kind.may_use(user)]


def export_kinds(user) -> list[registry.ExportKind]:
    """The export kinds ``user`` may use, in order."""
    return [kind for kind in registry.entries(registry.ExportKind) if kind.may_use(user)]


def may_import(user) -> bool:
    """Whether ``user`` may use some import kind (the menu offers the import page to them). Stops at the first
    kind they may use: the menu of every page asks, and later kinds may cost a query each."""
    return any(kind.may_use(user) for kind in registry.entries(registry.ImportKind))


def may_export(user) -> bool:
    return bool(export_kinds(user))


def import_kind(code: str, user) -> registry.ImportKind:
    """The import kind ``code``, which ``user`` may use. Raises LookupError for an unknown code, ``KindRefused``
    (before any file is read: the message, once for the file, is ``kind_refusal``'s)."""
    kind = registry.get(registry.ImportKind, code)
    if not kind.may_use(user):
        raise KindRefused(kind_refusal(kind, user))
    return kind


def kind_refusal(kind: registry.ImportKind, user) -> str:
    """Why ``user`` may not import files of ``kind`` at all, said once for the whole file: their roles, who imports
    such files, and what the user may import instead (or that they may import nothing)."""
    roles = _roles(user)
    who = f" Việc này do {kind.who} thực hiện." if kind.who else ""
    if not roles:
        return (f"Tài khoản của bạn chưa được giao vai trò nào nên không được nhập «{kind.label}».{who} Đề nghị Văn "
                "phòng Điều phối NTM tỉnh giao vai trò nếu bạn cần.")
    allowed = [f"«{k.label}»" for k in import_kinds(user)]
    instead = (f" Bạn được nhập: {', '.join(allowed)} — của các đơn vị trong phạm vi vai trò của mình." if allowed
               else NOTHING_TO_IMPORT)
    return f"Vai trò của bạn ({roles}) không được nhập «{kind.label}».{who}{instead}"


def nothing_to_import(user) -> str:
    """What the import page says to a user who may import no kind of file."""
    roles = _roles(user)
    if not roles:
        return ("Tài khoản của bạn chưa được giao vai trò nào nên không nhập được dữ liệu. Đề nghị Văn phòng Điều phối "
                "NTM tỉnh giao vai trò nếu bạn cần.")
    return f"Vai trò của bạn ({roles}) không nhập dữ liệu từ tệp.{NOTHING_TO_IMPORT}"


def _roles(user) -> str:
    """The user's roles in words: «Văn phòng Điều phối NTM huyện Đại Từ; người xem dữ liệu của tỉnh Thái Nguyên»."""
    return "; ".join(role_at(m.role, m.unit) for m in memberships(user))


def export_kind(code: str, user) -> registry.ExportKind:
    """The export kind ``code``, which ``user`` may use. Raises LookupError for an unknown code, ``KindRefused``."""
    kind = registry.get(registry.ExportKind, code)
    if not kind.may_use(user):
        raise KindRefused(f"Tài khoản của bạn không được xuất «{kind.label}». Chọn loại dữ liệu khác.")
    return kind


def file_format(path: Path) -> str:
    """«xlsx» for a ZIP file (a workbook), «geojson» for a JSON object (maps' boundaries), «csv» for anything else
    (the importers tell them apart the same way)."""
    with path.open("rb") as f:
        head = f.read(SNIFF_HEAD)
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    return "geojson" if head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{") else "csv"


SNIFF_HEAD = 1024


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", 200 * 1024 * 1024))


def too_large(name: str) -> str:
    """The message for an upload over ``max_bytes()``."""
    return (f"Tệp «{name}» lớn quá {max_bytes() // (1024 * 1024)} MB. Chia tệp thành nhiều phần, hoặc nhập bằng "
            "dòng lệnh (nongthonso import).")


class OptionError(ValueError):
    """An option of an import kind (``core.registry.ImportOption``) missing, wrong, or not the kind's. ``option`` is its
    name; the message (Vietnamese) says what to do, naming the option as ``spell`` gives it to the caller (the
    command line's ``--session``, the page's label, the API's query parameter)."""

    def __init__(self, option: str, message: str):
        self.option = option
        super().__init__(message)


def option_values(kind: registry.ImportKind, given: Mapping[str, Any], *,
                  spell: Callable[[registry.ImportOption], str] = lambda o: o.name) -> dict[str, Any]:
    """The options of ``kind`` found in ``given`` (name → the text typed, or a bool for a switch), parsed: the keyword
    arguments for its ``run``. A switch is on for a yes word (``core.vocabulary.parse_bool``) or «on» (a checked box).
    Raises ``OptionError`` for a required option missing or a value its ``parse`` refuses."""
    values: dict[str, Any] = {}
    for option in kind.options:
        raw = given.get(option.name)
        if option.flag:
            if raw is not None and raw != "" and (raw is True or str(raw).strip().lower() == "on"
                                                   or parse_bool(raw)):
                values[option.name] = True
            continue
        text = "" if raw is None else str(raw).strip()
        if not text:
            if option.required:
                raise OptionError(option.name, f"Thiếu {spell(option)} ({option.label.lower()}): «{kind.label}» cần "
                                               f"giá trị này. {option.help}".strip())
            continue
        try:
            values[option.name] = option.parse(text)
        except ValueError as exc:
            raise OptionError(option.name, f"{spell(option)} «{text}» không hợp lệ: {exc}") from None
    return values


def unknown_options(kind: registry.ImportKind, given: Iterable[str]) -> list[str]:
    """The names in ``given`` that are options of other kinds, not of ``kind``."""
    own = {option.name for option in kind.options}
    return [name for name in given if name not in own]


@dataclass
class Outcome:
    result: ImportResult | None = None
    errors: list[RowError] = field(default_factory=list)
    total_errors: int = 0  # errors found; beyond core.imports.MAX_ERRORS only counted


def run_import(code: str, path: Path, *, user, name: str, dry_run: bool,
               progress: Progress | None = None, options: Mapping[str, Any] | None = None) -> Outcome:
    """Import (or check, ``dry_run``) the file at ``path`` of the kind ``code`` as ``user``, all or nothing, with the
    kind's ``options`` (parsed: ``option_values``). Raises ``KindRefused`` when the user may not use the kind."""
    kind = import_kind(code, user)
    if path.is_file() and path.stat().st_size and file_format(path) not in kind.formats:
        allowed = " hoặc ".join(f.upper() for f in kind.formats)
        return Outcome(errors=[RowError(0, "", "", f"Tệp «{name}» không dùng được cho «{kind.label}»: loại dữ liệu "
                                                   f"này chỉ nhận tệp {allowed}.")], total_errors=1)
    try:
        with request_context(user=user, actor=user.get_username()):
            result = kind.run(path, dry_run=dry_run, user=user, name=name, progress=progress, **(options or {}))
    except ImportFailed as exc:
        return Outcome(errors=exc.errors, total_errors=exc.total)
    return Outcome(result=result)


def export(code: str, fmt: str, user, unit: str | None, year: int | None) -> HttpResponseBase:
    """The export of the kind ``code`` within the unit ``unit`` (``year``: values of that year, decisions dated,
    registrations targeting it), as ``user`` may see it, as a download in ``fmt`` (CSV streamed). Raises
    ``KindRefused``, ``exports.ExportError``."""
    kind = export_kind(code, user)
    if fmt not in kind.formats:
        raise exports.ExportError(f"«{kind.label}» không xuất được dạng {fmt.upper()}; chọn "
                                  f"{' hoặc '.join(f.upper() for f in kind.formats)}.")
    unit = unit or None
    table = kind.table(registry.ExportRequest(unit=unit, year=year, user=user))
    name = kind.file_name(fmt, unit, year)
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
    for line in exports.csv_lines(table):
        writer.writerow(line)
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
