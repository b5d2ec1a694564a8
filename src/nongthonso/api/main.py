"""The NinjaAPI instance: routers per area, authentication, the one error format."""

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from nongthonso.core import registry

from . import errors
from .auth import session_auth, token_auth
from .caching import RENDERER
from .routers import assessments, criteria, dataio, recognition, reports, units

DESCRIPTION = """API của Nông thôn số: đơn vị hành chính theo ngày, bộ tiêu chí, hồ sơ đánh giá (đọc, nhập số liệu,
các bước quy trình), quyết định công nhận, đăng ký đạt chuẩn, số liệu tổng hợp; nhập, xuất tệp CSV/XLSX và
tệp mẫu Excel.

**Xác thực.** Máy khách: tiêu đề `Authorization: Bearer <mã>`; quản trị tạo mã bằng
`nongthonso api_token TÊN_ĐĂNG_NHẬP TÊN_MÃ` (mã chỉ hiện một lần và có hạn dùng: mã hết hạn nhận 401
`token_expired`, cần tạo mã mới). Trình duyệt: phiên đăng nhập của trang web;
các yêu cầu ghi cần tiêu đề `X-CSRFToken`.

**Phạm vi.** Như trên web: hồ sơ và đăng ký chỉ trong các đơn vị bạn được giao (ngoài phạm vi: 404);
thao tác vai trò không được làm: 403; hồ sơ đã khóa hoặc sai trạng thái: 409.

**Lỗi.** Mọi lỗi có dạng `{"error": {"code": "...", "message": "...", "details": [...]}}`, thông báo bằng
tiếng Việt, nói cách sửa.

**Nhập tệp.** `POST /api/imports/{kind}` (multipart, trường `file`); `dry_run=true` để chạy thử. Tất cả hoặc
không gì cả: tệp có lỗi trả 422 `import_failed`, `details` liệt kê từng lỗi (dòng, cột, giá trị, cách sửa).

**Phân trang.** `limit` (1–500, mặc định 50) và `offset`; kết quả có `count`, `limit`, `offset`, `items`."""

class Api(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        """«list_units», «put_value» … rather than the module path."""
        return operation.view_func.__name__


api = Api(
    title="Nông thôn số API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[token_auth, session_auth],
    renderer=RENDERER,
    docs=Swagger(settings={"persistAuthorization": True, "validatorUrl": None}),
)
errors.install(api)
for area in (units, criteria, assessments, recognition, reports, dataio):
    api.add_router("", area.router)
for entry in registry.entries(registry.ApiRouter):  # the endpoints of the apps above this one (training …)
    api.add_router("", entry.router)
