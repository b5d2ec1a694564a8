"""The training reports over the REST API (``core.registry.ApiRouter("training_reports", …)``): a course's report
and the coverage, the same data as ``nongthonso report training --format json`` and the pages, scoped as the pages
are (a course the caller may not see: 404)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from nongthonso.api.errors import ApiError, NotFound
from nongthonso.api.schemas import CODE_PATTERN, responses
from nongthonso.units.services import UnitNotFound

from .reports import OutOfScope, course_report, coverage, default_unit, headcount_years
from .scope import visible_courses

router = Router(tags=["Tập huấn"])


class SessionOut(Schema):
    id: int
    kind: str = Field(description="theory (lý thuyết) hoặc field_visit (tham quan, học tập thực tế)")
    kind_label: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    days: list[dt.date] = Field(description="các ngày buổi học diễn ra (giờ Việt Nam)")
    venue: str
    visited_sites: list[str]
    in_person: int = Field(description="số học viên điểm danh trực tiếp buổi này")
    online: int = Field(description="số học viên điểm danh trực tuyến buổi này")
    bridge_points: int = Field(description="số điểm cầu phụ có học viên trực tuyến hoặc đã báo kết nối buổi này")


class KindOut(Schema):
    kind: str
    label: str
    sessions: int
    days: int = Field(description="số ngày các buổi loại này diễn ra (mỗi ngày tính một lần)")


class TallyOut(Schema):
    code: str = Field(description="mã nhóm đối tượng, hoặc mã GSO của đơn vị ngay dưới đơn vị tổ chức; rỗng: học viên "
                                  "chưa xác định nhóm, chưa ghi đơn vị")
    name: str
    registered: int
    in_person: int
    online: int


class PointOut(Schema):
    id: int
    name: str
    is_main: bool
    host_unit_code: str
    host_unit_name: str
    level: str
    address: str
    capacity: int | None
    host_name: str
    registered: int = Field(description="số học viên đăng ký tại điểm cầu")
    attended: int = Field(description="số học viên có điểm danh tại điểm cầu")
    connected: int = Field(description="số buổi điểm cầu báo đã kết nối")


# training.reports.CourseReport.to_dict(), field for field
class CourseReportOut(Schema):
    code: str
    title: str
    plan: str
    organiser_code: str
    organiser_name: str
    organiser_unit_name: str
    organiser_province: str
    starts_on: dt.date
    ends_on: dt.date
    mode: str = Field(description="in_person, online hoặc hybrid")
    mode_label: str
    synthetic: bool = Field(description="true: dữ liệu minh họa")
    registered: int
    in_person: int = Field(description="số học viên có ít nhất một lượt điểm danh trực tiếp")
    online: int = Field(description="số học viên có ít nhất một lượt điểm danh trực tuyến")
    bridge_points: int = Field(description="số điểm cầu phụ có học viên trực tuyến hoặc đã báo kết nối")
    bridge_points_registered: int = Field(description="số điểm cầu phụ đã thiết lập")
    days: int
    sessions_by_kind: list[KindOut]
    sessions: list[SessionOut]
    participants_by_group: list[TallyOut]
    participants_by_unit: list[TallyOut]
    by_bridge_point: list[PointOut]
    sentence: str = Field(description="«N người trực tiếp, gần M học viên tại hơn K điểm cầu trực tuyến»: gần = thấp "
                                      "hơn số tròn không quá 5%, hơn = cao hơn số tròn không quá 10%")


@router.get("/training/courses/{code}/report", response=responses(CourseReportOut),
            summary="Báo cáo một khoá tập huấn (tính từ dữ liệu gốc)")
def get_course_report(request, code: str = Path(..., pattern=CODE_PATTERN, example="cds-ntm-thai-nguyen-2023")):
    """Khoá học ngoài phạm vi được xem: 404."""
    course = visible_courses(request.auth).select_related("organiser").filter(code=code).first()
    if course is None:
        raise NotFound(f"Không có khoá tập huấn mã «{code}» trong phạm vi bạn được xem. Kiểm tra mã khoá.")
    return course_report(course).to_dict()


class TargetOut(Schema):
    group_code: str
    group_label: str
    share: float
    period_start: dt.date
    period_end: dt.date
    source: str
    provenance: str = Field(description="quoted, secondary (theo nguồn thứ cấp), placeholder hoặc province")


class CoverageRowOut(Schema):
    unit_code: str
    unit_name: str
    drill: bool = Field(description="đơn vị có số cán bộ của đơn vị cấp dưới (xem chi tiết với unit=mã này)")
    group_code: str
    group_label: str
    headcount: int
    trained: int
    share: float | None
    target: TargetOut | None
    met: bool | None


class CategoryOut(Schema):
    target: TargetOut
    groups: list[str]
    headcount: int
    trained: int
    share: float | None
    met: bool | None


class CoverageOut(Schema):
    unit_code: str
    unit_name: str
    province_name: str
    year: int
    rows: list[CoverageRowOut]
    totals: list[CoverageRowOut]
    categories: list[CategoryOut]
    unassigned: dict[str, int] = Field(description="nhóm đối tượng → số người đã tập huấn thuộc đơn vị chưa có số "
                                                   "cán bộ năm đó")


@router.get("/training/coverage", response=responses(CoverageOut),
            summary="Độ bao phủ tập huấn theo đơn vị và nhóm đối tượng")
def get_coverage(
    request,
    unit: str | None = Query(None, pattern=CODE_PATTERN, description="mã GSO (mặc định: đơn vị cao nhất của vai trò "
                                                                     "tập huấn của bạn)", example="19"),
    year: int | None = Query(None, ge=2000, le=2100, description="năm (mặc định: năm gần nhất có số cán bộ)",
                             example=2023),
):
    """Chỉ trong phạm vi vai trò tập huấn hoặc vai trò xem; đơn vị ngoài phạm vi: 403."""
    if year is None:
        years = headcount_years(request.auth)
        year = years[0] if years else timezone.localdate().year
    try:
        return coverage(unit or default_unit(request.auth), year, request.auth).to_dict()
    except UnitNotFound as exc:
        raise NotFound(str(exc)) from None
    except OutOfScope as exc:
        raise ApiError(403, "scope", str(exc)) from None
