"""Import and export of data files (CSV, XLSX) and the Excel templates, as on the web pages /nhap-du-lieu/ and
/xuat-du-lieu/, through the same code path (``dataio.services``).

- ``POST /imports/{kind}``: a multipart upload (field ``file``), checked (``dry_run=true``) or imported at once;
  the kind's options (``core.registry.ImportOption``, e.g. ``session`` for ``attendance``) as query parameters.
  The importer decides row by row what the user may import (``user=`` the caller); a file with any error or
  any refused row writes nothing (all or nothing) and answers 422 ``import_failed`` with every error in
  ``details`` (row, column, value, how to fix it). The writes are audited under the caller's name.
- ``GET /exports/{kind}``: the file in the import format (values and registrations only of the caller's units).
- ``GET /templates/{set_code}``: the Excel template of a criteria set.

The kinds are the registered ones (``core.registry.ImportKind``, ``ExportKind``), read when this module is imported
(after every app's ``ready()``): another app's kind is served, and documented, without editing this file.
"""

from __future__ import annotations

from typing import Annotated, Literal

from ninja import Field, File, Path, Query, Router, Schema, UploadedFile

from nongthonso.core import registry
from nongthonso.core.imports import PREVIEW_CHANGES, RowError
from nongthonso.dataio import exports, services, uploads

from ..errors import ERROR_STATUSES, ApiError, Error, NotFound
from ..schemas import CODE_PATTERN, MAX_YEAR, MIN_YEAR, responses

router = Router(tags=["Nhập, xuất dữ liệu"])

ImportKind = Literal[registry.codes(registry.ImportKind)]  # type: ignore[valid-type]
ExportKind = Literal[registry.codes(registry.ExportKind)]  # type: ignore[valid-type]
FileFormat = Literal[exports.FORMATS]  # type: ignore[valid-type]
TOO_LARGE = 413
BINARY = {"schema": {"type": "string", "format": "binary"}}
XLSX = exports.CONTENT_TYPES["xlsx"]


class ChangeOut(Schema):
    row: int = Field(description="số dòng trong tệp (dòng tiêu đề là 1)")
    action: Literal["create", "update"]
    what: str = Field(description="đối tượng thay đổi, ví dụ «Xã Hùng Sơn (05431) · 2023 · chỉ tiêu 2.1»")
    before: str
    after: str


class ImportOut(Schema):
    kind: ImportKind
    dry_run: bool = Field(description="true: chỉ kiểm tra, chưa ghi gì")
    file: str = Field(description="tên tệp đã gửi")
    rows: int = Field(description="số dòng dữ liệu được nhập: created + updated + unchanged")
    created: int
    updated: int
    unchanged: int
    summary: str = Field(description="tóm tắt bằng tiếng Việt")
    messages: list[str]
    changes: list[ChangeOut] = Field(description=f"xem trước: tối đa {PREVIEW_CHANGES} dòng đầu làm thay đổi dữ liệu")


def _file_response(description: str, *media_types: str) -> dict:
    """``openapi_extra`` documenting a file (not JSON) as the 200 response."""
    return {"responses": {200: {"description": description, "content": dict.fromkeys(media_types, BINARY)}}}


def _row_detail(error: RowError) -> dict:
    return {"row": error.row, "field": error.column or None, "location": "file", "value": error.value,
            "code": "row" if error.row else "file", "message": str(error)}


def _import_failed(name: str, errors: list[RowError], total: int) -> ApiError:
    if len(errors) == 1 and errors[0].row == 0:
        message = errors[0].message  # the file as a whole: the importer's own message
    else:
        message = (f"Tệp «{name}» có {total} lỗi — chưa ghi gì vào cơ sở dữ liệu. Sửa từng lỗi nêu trong «details» "
                   "(dòng, cột, giá trị, cách sửa) rồi gửi lại.")
    return ApiError(422, "import_failed", message, [_row_detail(e) for e in errors])


def _option_parameters() -> list[dict]:
    """The import kinds' options (``core.registry.ImportOption``) as documented query parameters, one per name."""
    found: dict[str, dict] = {}
    for kind in registry.entries(registry.ImportKind):
        for option in kind.options:
            parameter = found.setdefault(option.name, {
                "in": "query", "name": option.name, "required": False, "x-kinds": [],
                "schema": {"type": "boolean"} if option.flag else {"type": "string"},
                "description": option.label + (f": {option.help}" if option.help else "")})
            parameter["x-kinds"].append(kind.code)
            if option.required:
                parameter["description"] += f" (bắt buộc với {kind.code})"
    for parameter in found.values():
        parameter["description"] = f"chỉ cho {', '.join(parameter.pop('x-kinds'))} — {parameter['description']}"
    return list(found.values())


def _options(request, kind: str) -> dict:
    """The options of ``kind`` in the query string, parsed; a 422 ``validation_error`` for one missing, wrong, or
    of another kind."""
    entry = registry.get(registry.ImportKind, kind)
    names = {option.name for k in registry.entries(registry.ImportKind) for option in k.options}
    given = {name: request.GET[name] for name in request.GET if name in names}
    stray = services.unknown_options(entry, given)
    if stray:
        raise ApiError(422, "validation_error", f"«{kind}» không nhận tham số {', '.join(stray)}.",
                       [{"field": name, "location": "query", "code": "unexpected", "message": (
                           f"«{name}» chỉ dùng cho loại khác; bỏ tham số này.")} for name in stray])
    try:
        return services.option_values(entry, given)
    except services.OptionError as exc:
        raise ApiError(422, "validation_error", str(exc), [{"field": exc.option, "location": "query",
                                                            "code": "invalid", "message": str(exc)}]) from None


@router.post("/imports/{kind}", response=responses(ImportOut, TOO_LARGE),
             summary="Nhập tệp CSV/XLSX (chạy thử hoặc nhập thật, tất cả hoặc không gì cả)",
             openapi_extra={"parameters": _option_parameters()})
def import_file(
    request,
    kind: ImportKind,
    file: Annotated[UploadedFile, File(description="tệp CSV (UTF-8) hoặc XLSX, nhận biết theo nội dung")],
    dry_run: bool = Query(False, description="true: chỉ kiểm tra và xem trước, không ghi gì (mặc định false: nhập)"),
):
    """Như trang /nhap-du-lieu/: ``values`` (giá trị chỉ tiêu của các xã bạn được nhập), ``decisions`` (văn phòng
    tỉnh), ``registrations`` (văn phòng huyện, tỉnh), ``commune_groups`` (quyết định xếp nhóm xã theo QĐ 51/2025/QĐ-TTg:
    văn phòng tỉnh), ``units`` (quản trị hệ thống). Vai trò không được nhập loại dữ liệu này: 403 ``forbidden`` một
    lần cho cả tệp, trước khi tệp được đọc (nói rõ vai trò và những loại được nhập). Phạm vi xét từng dòng; tệp có
    bất kỳ dòng lỗi hay dòng ngoài phạm vi nào thì không ghi gì và trả 422 ``import_failed``, ``details`` liệt kê các
    lỗi (1.000 lỗi đầu, rồi số lỗi còn lại; ``row``, ``field`` = cột, ``value``, ``message``: dòng, cột, giá trị và
    cách sửa). Tệp XLSX quá giới hạn (giải nén quá lớn, nén quá nhiều lần, quá nhiều dòng) bị từ chối trước khi đọc.
    Tệp mẫu: GET /api/templates/{set_code}. Nên chạy thử (``dry_run=true``) trước, rồi gửi lại đúng tệp đó với
    ``dry_run=false``. Loại cần thêm thông tin ngoài tệp nhận nó qua tham số truy vấn riêng (``attendance``:
    ``session`` — mã số buổi học; thiếu hoặc sai: 422 ``validation_error``)."""
    user, name = request.auth, uploads.display_name(file)
    services.import_kind(kind, user)  # a kind the user may not use at all: 403 before the file is stored
    options = _options(request, kind)
    if file.size > services.max_bytes():
        raise ApiError(TOO_LARGE, "file_too_large", services.too_large(name))
    with uploads.stored(file) as path:
        outcome = services.run_import(kind, path, user=user, name=name, dry_run=dry_run, options=options)
    if outcome.result is None:
        raise _import_failed(name, outcome.errors, outcome.total_errors)
    result = outcome.result
    return {"kind": kind, "dry_run": dry_run, "file": name, "rows": result.created + result.updated + result.unchanged,
            "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
            "summary": result.summary(), "messages": result.messages,
            "changes": [{"row": c.row, "action": c.action, "what": c.what, "before": c.before, "after": c.after}
                        for c in result.changes[:PREVIEW_CHANGES]]}


def _export_error(exc: exports.ExportError) -> ApiError:
    if isinstance(exc, exports.NothingFound):
        return NotFound(str(exc))
    return ApiError(422, "export", str(exc))


@router.get("/exports/{kind}", response={ERROR_STATUSES: Error},
            summary="Xuất dữ liệu theo đúng mẫu nhập (CSV hoặc XLSX)",
            openapi_extra=_file_response("tệp CSV (UTF-8 có BOM) hoặc XLSX", "text/csv", XLSX))
def export_file(
    request,
    kind: ExportKind,
    fmt: FileFormat = Query("csv", alias="format", description="csv hoặc xlsx"),
    unit: str | None = Query(None, pattern=CODE_PATTERN, description="mã GSO của đơn vị (values: bắt buộc)",
                             example="19"),
    year: int | None = Query(None, ge=MIN_YEAR, le=MAX_YEAR,
                             description="values: năm đánh giá (bắt buộc); decisions: năm ban hành; registrations: "
                                         "năm phấn đấu", example=2023),
):
    """Như trang /xuat-du-lieu/: cột đúng như tệp nhập, nên tệp xuất ra nhập lại được nguyên vẹn. ``values`` và
    ``registrations`` chỉ gồm các đơn vị bạn được xem; quyết định, nhóm xã và đơn vị hành chính là thông tin công
    khai. ``commune_groups``: mọi lần xếp nhóm (cả đã hết áp dụng) của các xã trong đơn vị, không lọc theo năm."""
    try:
        return services.export(kind, fmt, request.auth, unit, year)
    except exports.ExportError as exc:
        raise _export_error(exc) from None


@router.get("/templates/{set_code}", response={ERROR_STATUSES: Error},
            summary="Tệp mẫu Excel của một bộ tiêu chí (danh sách chọn, kiểu giá trị)",
            openapi_extra=_file_response("tệp XLSX", XLSX))
def get_template(
    request,
    set_code: str = Path(..., pattern=CODE_PATTERN, description="mã bộ tiêu chí, ví dụ xa-ntm-2021-2025",
                         example="xa-ntm-2021-2025"),
    unit: str | None = Query(None, pattern=CODE_PATTERN, description="điền sẵn các xã trong đơn vị này (cần year)"),
    year: int | None = Query(None, ge=MIN_YEAR, le=MAX_YEAR, description="năm đánh giá (cùng unit)"),
):
    """Như trang /xuat-du-lieu/: với ``unit`` và ``year``, mỗi xã một khối dòng, điền sẵn giá trị đã có (chỉ của
    các xã bạn được xem)."""
    try:
        return services.template(set_code, request.auth, unit, year)
    except exports.ExportError as exc:
        raise _export_error(exc) from None
