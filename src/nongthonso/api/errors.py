"""One error format for the whole API::

    {"error": {"code": "machine_code", "message": "<Vietnamese: what is wrong and how to fix it>",
               "details": [{"field": …, "location": …, "code": …, "message": …}, …]}}

``install(api)`` maps every exception an operation can raise to it (and ``error_response`` is used for the
requests that never reach an operation: unknown paths and methods under /api/). Codes:

=====================  ======  =====================================================================
code                   status  when
=====================  ======  =====================================================================
unauthenticated        401     neither a token nor a session
invalid_token          401     a Bearer token that is wrong, revoked, or whose user is inactive
token_expired          401     a Bearer token past its expiry (``ApiToken.expires_at``): the client needs a new one
login                  401     (workflow) the step needs a logged-in user
csrf_failed            403     a session write without the CSRF token
role, scope            403     refused by ``accounts.services.refusal``: the role may not, or not here
separation             403     (workflow) the caller submitted or verified this dossier, so may not approve it or
                               record its decision (separation of duties, per workflow)
forbidden              403     any other refusal
not_found              404     unknown id/code, or a dossier outside the user's units (never 403 for reads)
method_not_allowed     405     e.g. DELETE where only GET exists
state, locked, stale   409     ``assessments.workflow``: wrong state, values locked, changed meanwhile
step                   409     (workflow) the dossier's workflow has no such step (e.g. «verify» after 1/7/2025)
requirement            409     (workflow) what the step requires does not hold yet (carried values to confirm)
workflow               409     (workflow) no workflow applies to the dossier's unit
bad_request            400     a body that is not JSON
validation_error       422     parameters or body do not match the schema (``details`` lists each field)
invalid_value          422     ``assessments.errors.ValueRejected``: the value does not fit the indicator
import_failed          422     (import) nothing written: the file is wrong (empty, not CSV/XLSX …) or rows are
                               wrong or refused; ``details`` lists each error with its row, column and value
export                 422     (export, template) what was asked cannot be exported (e.g. values without a year)
file_too_large         413     (import) an upload over ``IMPORT_MAX_BYTES``
reason, decision       422     a step that needs a reason or a complete decision
internal_error         500     a bug; logged with the request id
=====================  ======  =====================================================================
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import Field, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from nongthonso.assessments.errors import ValueRejected
from nongthonso.assessments.workflow import WorkflowError

logger = logging.getLogger(__name__)

WORKFLOW_STATUS = {"login": 401, "role": 403, "scope": 403, "separation": 403, "state": 409, "locked": 409,
                   "stale": 409, "step": 409, "requirement": 409, "workflow": 409, "reason": 422, "decision": 422,
                   "unknown_action": 404}
STATUS_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 422: "validation_error", 429: "throttled"}
# every status an operation may answer with besides 200, documented on each operation
ERROR_STATUSES = frozenset({400, 401, 403, 404, 409, 422})


class ErrorDetail(Schema):
    field: str | None = None
    location: str | None = None
    code: str
    message: str
    row: int | None = Field(None, description="(nhập tệp) số dòng trong tệp, dòng tiêu đề là 1; 0: cả tệp")
    value: str | None = Field(None, description="(nhập tệp) giá trị trong ô có lỗi")


class ErrorBody(Schema):
    code: str
    message: str
    details: list[ErrorDetail] = []


class Error(Schema):
    """The body of every error response."""

    error: ErrorBody


class ApiError(HttpError):
    """An error with its machine code and Vietnamese message, raised by the API's own code."""

    def __init__(self, status_code: int, code: str, message: str, details: list[dict] | None = None):
        super().__init__(status_code, message)
        self.code = code
        self.details = details or []


class NotFound(ApiError):
    def __init__(self, message: str):
        super().__init__(404, "not_found", message)


def body(code: str, message: str, details: list[dict] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}


def error_response(status: int, code: str, message: str, details: list[dict] | None = None) -> HttpResponse:
    return JsonResponse(body(code, message, details), status=status, json_dumps_params={"ensure_ascii": False})


# -- validation errors in Vietnamese ---------------------------------------------------------------------------

_LOCATIONS = {"query": "tham số truy vấn", "path": "tham số đường dẫn", "body": "nội dung JSON",
              "header": "tiêu đề", "cookie": "cookie", "form": "biểu mẫu", "file": "tệp"}
MISSING_FILE = ("là bắt buộc nhưng chưa có: gửi tệp theo dạng multipart/form-data trong trường «file», ví dụ "
                "curl -F \"file=@tep.xlsx\"")


def _rule(error: dict) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "missing":
        return "là bắt buộc nhưng chưa có"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "phải là số nguyên"
    if kind in ("float_parsing", "float_type"):
        return "phải là số"
    if kind in ("finite_number",):
        return "phải là số hữu hạn"
    if kind in ("bool_parsing", "bool_type"):
        return "phải là true hoặc false"
    if kind.startswith("date") or kind.startswith("datetime"):
        return "phải là ngày dạng NĂM-THÁNG-NGÀY, ví dụ 2023-06-30"
    if kind == "greater_than_equal":
        return f"phải lớn hơn hoặc bằng {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"phải nhỏ hơn hoặc bằng {ctx.get('le')}"
    if kind == "greater_than":
        return f"phải lớn hơn {ctx.get('gt')}"
    if kind == "less_than":
        return f"phải nhỏ hơn {ctx.get('lt')}"
    if kind == "string_too_long":
        return f"dài tối đa {ctx.get('max_length')} ký tự"
    if kind == "string_too_short":
        return f"cần ít nhất {ctx.get('min_length')} ký tự"
    if kind == "string_pattern_mismatch":
        return f"không đúng dạng (mẫu {ctx.get('pattern')})"
    if kind in ("enum", "literal_error"):
        return f"phải là một trong: {str(ctx.get('expected', '')).replace(' or ', ' hoặc ')}"
    if kind == "string_type":
        return "phải là chuỗi ký tự"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "phải là một đối tượng JSON"
    if kind == "list_type":
        return "phải là một danh sách"
    if kind == "json_invalid":
        return "không phải JSON hợp lệ"
    if kind == "extra_forbidden":
        return "không phải trường được hỗ trợ"
    return f"không hợp lệ ({error.get('msg', kind)})"


def _detail(error: dict) -> dict:
    loc = [str(part) for part in error.get("loc", ())]
    location = loc[0] if loc else None
    names = loc[1:]
    if location == "body" and names:
        names = names[1:]  # the operation's argument name («payload») says nothing to a client
    # union members add their type as a path element (value → int → …): keep field names only
    names = [n for n in names if n not in ("bool", "int", "float", "str", "none", "constrained-int",
                                           "constrained-float", "constrained-str")
             and not n.startswith("function-")]
    field = ".".join(names) or None
    message = MISSING_FILE if location == "file" and error.get("type") == "missing" else _rule(error)
    return {"field": field, "location": location, "code": error.get("type", "invalid"), "message": message}


def validation_message(details: list[dict]) -> str:
    parts = []
    seen = set()
    for d in details:
        key = (d["field"], d["location"])
        if key in seen:
            continue
        seen.add(key)
        where = _LOCATIONS.get(d["location"] or "", d["location"] or "")
        name = f"«{d['field']}» ({where})" if d["field"] else where or "dữ liệu"
        parts.append(f"{name} {d['message']}")
    listed = "; ".join(parts[:5]) + ("; …" if len(parts) > 5 else "")
    return f"Dữ liệu gửi lên không hợp lệ: {listed}. Sửa các trường nêu trên rồi gửi lại."


# -- handlers ----------------------------------------------------------------------------------------------------

def install(api) -> None:
    """Register the handlers on ``api`` (a NinjaAPI)."""

    def respond(request: HttpRequest, status: int, code: str, message: str, details=None) -> HttpResponse:
        return api.create_response(request, body(code, message, details), status=status)

    def on_validation(request, exc: ValidationError):
        details = [_detail(e) for e in exc.errors]
        return respond(request, 422, "validation_error", validation_message(details), details)

    def on_api_error(request, exc: ApiError):
        return respond(request, exc.status_code, exc.code, exc.message, exc.details)

    def on_authentication(request, exc: AuthenticationError):
        return respond(request, 401, "unauthenticated",
                       "Cần xác thực: máy khách gửi tiêu đề «Authorization: Bearer <mã truy cập API>» (quản trị tạo mã "
                       "bằng lệnh «nongthonso api_token TÊN_ĐĂNG_NHẬP TÊN_MÃ»); trên trình duyệt, đăng nhập tại "
                       "/dang-nhap/ rồi gọi lại.")

    def on_http_error(request, exc: HttpError):
        status = exc.status_code
        code = STATUS_CODES.get(status, "error")
        if status == 400:
            message = ("Nội dung gửi lên không đọc được: cần JSON hợp lệ (UTF-8) với tiêu đề "
                       "«Content-Type: application/json».")
        elif status == 429:
            message = "Quá nhiều yêu cầu trong thời gian ngắn; chờ một lát rồi gọi lại."
        else:
            message = f"Yêu cầu không thực hiện được ({exc.message})."
        return respond(request, status, code, message)

    def on_404(request, exc: Http404):
        text = str(exc)
        if not text or "matches the given query" in text or text.startswith("No "):
            text = "Không tìm thấy dữ liệu theo đường dẫn này, hoặc dữ liệu nằm ngoài phạm vi đơn vị bạn được giao."
        return respond(request, 404, "not_found", text)

    def on_workflow(request, exc: WorkflowError):
        return respond(request, WORKFLOW_STATUS.get(exc.code, 403), exc.code, exc.message)

    def on_value_rejected(request, exc: ValueRejected):
        return respond(request, 422, "invalid_value", str(exc),
                       [{"field": "value", "location": "body", "code": "invalid_value", "message": str(exc)}])

    def on_permission_denied(request, exc: PermissionDenied):
        return respond(request, 403, "forbidden", str(exc) or "Bạn không có quyền thực hiện thao tác này.")

    def on_exception(request, exc: Exception):
        request_id = getattr(request, "id", "")
        logger.exception("API error (request %s)", request_id, exc_info=exc)
        return respond(request, 500, "internal_error",
                       f"Lỗi hệ thống khi xử lý yêu cầu (mã yêu cầu {request_id or 'không rõ'}). Báo quản trị kèm "
                       "mã yêu cầu này để được xử lý.")

    api.add_exception_handler(Exception, on_exception)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
    api.add_exception_handler(WorkflowError, on_workflow)
    api.add_exception_handler(ValueRejected, on_value_rejected)
