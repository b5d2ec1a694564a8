"""Training over the REST API (``registry.ApiRouter("training", router)``): courses with their sessions and bridge
points, participants, registration and the roll call.

The same services as the pages (``services``), so the same rules: a course the caller may not see is 404 (never
403: the API does not reveal it exists); a course they see but may not act on is 403 (``role``), a write refused by
the state of things 409 (``state``); what does not fit is 422 ``validation_error`` with a detail per field. The list
of participants is the organiser's (every participant) and the hosts' (those of their bridge points); other roles
read the figures, not the people.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.db.models import Count
from django.urls import reverse
from ninja import Field, Path, Query, Router, Schema

from nongthonso.api.errors import ApiError, NotFound
from nongthonso.api.schemas import (
    CODE_PATTERN,
    DEFAULT_LIMIT,
    LIMIT_HELP,
    MAX_ID,
    MAX_LIMIT,
    MAX_OFFSET,
    OFFSET_HELP,
    TEXT_PATTERN,
    BodyIn,
    PageMeta,
    UnitRef,
    page,
    responses,
    unit_ref,
)

from . import scope, services
from .models import Connection, Course, Participant
from .reports import course_report

router = Router(tags=["Tập huấn"])

COURSE_PATTERN = r"^[a-z0-9-]{1,40}$"
ModeCode = Literal["in_person", "online", "hybrid"]
ConnectionCode = Literal["connected", "unstable", "failed"]


# --- schemas -------------------------------------------------------------------------------------------------------

class CourseListItem(Schema):
    code: str
    title: str
    plan: str = Field(description="căn cứ, kế hoạch, ví dụ Kế hoạch 154/KH-UBND ngày 15/10/2022")
    organiser: UnitRef = Field(description="đơn vị tổ chức (phiên bản đơn vị tại ngày khai giảng)")
    organiser_name: str = Field(description="cơ quan tổ chức, ví dụ Văn phòng Điều phối NTM tỉnh")
    starts_on: dt.date
    ends_on: dt.date
    mode: ModeCode = Field(description="in_person: trực tiếp; online: trực tuyến; hybrid: kết hợp")
    synthetic: bool = Field(description="dữ liệu minh họa")
    organised: bool = Field(description="người gọi là ban tổ chức của khoá")


class CourseListPage(PageMeta):
    items: list[CourseListItem]


class TopicOut(Schema):
    code: str
    title: str
    group: str = Field(description="mã nhóm chuyên đề của khung chương trình")
    provenance: str = Field(description="quoted (trích văn bản), secondary, placeholder, province (tỉnh bổ sung)")


class TargetGroupOut(Schema):
    code: str
    label: str


class CourseSessionOut(Schema):
    id: int
    kind: Literal["theory", "field_visit"]
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue: str
    visited_sites: list[str] = Field(description="nơi tham quan (buổi tham quan, học tập thực tế)")
    in_person: int = Field(description="số người có mặt trực tiếp (đếm từ bản ghi điểm danh)")
    online: int = Field(description="số người có mặt trực tuyến")


class ConnectionOut(Schema):
    session: int
    status: ConnectionCode
    note: str
    recorded_at: dt.datetime


class BridgePointOut(Schema):
    id: int
    name: str
    is_main: bool = Field(description="điểm cầu chính (người có mặt ở đây được tính là dự trực tiếp)")
    host_unit: UnitRef
    address: str
    capacity: int | None
    host_name: str
    registered: int = Field(description="số người đăng ký tại điểm cầu")
    attended: int = Field(description="số người có mặt tại điểm cầu ít nhất một buổi")
    connections: list[ConnectionOut] = Field(description="tình trạng kết nối theo buổi (buổi chưa báo: không có)")


class LecturerOut(Schema):
    name: str
    title: str
    organisation: str
    sessions: list[int]


class MaterialOut(Schema):
    id: int
    title: str
    file_name: str
    content_type: str
    size: int
    session: int | None
    url: str = Field(description="tải về (phiên đăng nhập của trình duyệt)")


class FiguresOut(Schema):
    """As the course's report counts them (GET /api/training/courses/{code}/report has the whole report)."""

    registered: int
    in_person: int = Field(description="số người có mặt trực tiếp ít nhất một buổi")
    online: int = Field(description="số người có mặt trực tuyến ít nhất một buổi (dự cả hai cách: có trong cả hai)")
    bridge_points: int = Field(description="số điểm cầu phụ có người dự trực tuyến hoặc đã báo kết nối")
    sentence: str = Field(description="câu báo cáo: «N người trực tiếp, gần M học viên tại hơn K điểm cầu trực tuyến»")


class CourseDetail(CourseListItem):
    description: str
    topics: list[TopicOut]
    target_groups: list[TargetGroupOut]
    sessions: list[CourseSessionOut]
    bridge_points: list[BridgePointOut]
    lecturers: list[LecturerOut]
    materials: list[MaterialOut]
    figures: FiguresOut
    hosted_points: list[int] = Field(description="id các điểm cầu người gọi chủ trì (đăng ký người học, điểm danh)")


class ParticipantOut(Schema):
    id: int
    full_name: str = Field(description="«Đã xoá» khi thông tin cá nhân đã bị xoá")
    position: str
    unit: UnitRef | None
    target_group: str | None = Field(description="mã nhóm đối tượng")
    phone: str
    email: str
    bridge_point: int | None
    registered_via: Literal["organiser", "host", "self", "import"]
    registered_at: dt.datetime
    erased: bool = Field(description="thông tin cá nhân đã bị xoá (Nghị định 13/2023/NĐ-CP)")
    sessions_attended: int


class ParticipantPage(PageMeta):
    items: list[ParticipantOut]


class ParticipantIn(BodyIn):
    full_name: str = Field(..., min_length=1, max_length=200, pattern=TEXT_PATTERN)
    position: str = Field("", max_length=200, pattern=TEXT_PATTERN)
    unit: str = Field(..., pattern=CODE_PATTERN,
                      description="mã GSO của đơn vị công tác (đơn vị còn hiệu lực ngày khai giảng)")
    target_group: str = Field(..., pattern=CODE_PATTERN, description="mã nhóm đối tượng")
    phone: str = Field("", max_length=40, pattern=TEXT_PATTERN,
                       description="không bắt buộc: chỉ để đối chiếu báo cáo điểm danh trực tuyến, mã QR")
    email: str = Field("", max_length=254, pattern=TEXT_PATTERN,
                       description="không bắt buộc: đối chiếu báo cáo điểm danh trực tuyến, gửi giấy chứng nhận")
    bridge_point: int | None = Field(None, ge=1, le=MAX_ID,
                                     description="id điểm cầu (người chủ trì: bắt buộc, điểm cầu của mình)")


class RollCallIn(BodyIn):
    present: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        ..., max_length=10_000, description="id những người học đăng ký tại điểm cầu có mặt ở buổi này (cả danh sách)")


class RollCallOut(Schema):
    added: list[int] = Field(description="người vừa được ghi có mặt")
    removed: list[int] = Field(description="người vừa bỏ (chỉ bản ghi do điểm danh tại điểm cầu tạo)")
    present: list[int] = Field(description="mọi người của điểm cầu có mặt ở buổi này sau khi điểm danh")


# --- helpers ---------------------------------------------------------------------------------------------------------

def _course(user, code: str) -> Course:
    course = services.course_for(user, code)
    if course is None:
        raise NotFound(f"Không có khoá tập huấn mã «{code}», hoặc khoá không thuộc phạm vi bạn được xem. Xem các khoá "
                       "bạn được xem tại GET /api/training/courses.")
    return course


def _refused(error: services.Refused) -> ApiError:
    return ApiError(409 if error.code == "state" else 403, error.code, error.message)


def _invalid(error: services.Invalid) -> ApiError:
    details = [{"field": field, "location": "body", "code": "invalid", "message": message}
               for field, message in error.errors.items()]
    return ApiError(422, "validation_error", f"Dữ liệu gửi lên không hợp lệ: {error}", details)


def _course_out(course: Course) -> dict:
    """``course.organised``: whether the caller organises it (set by the caller of this function)."""
    return {"code": course.code, "title": course.title, "plan": course.plan, "organiser": unit_ref(course.organiser),
            "organiser_name": course.organiser_name, "starts_on": course.starts_on, "ends_on": course.ends_on,
            "mode": course.mode, "synthetic": course.synthetic, "organised": course.organised}


def _participant_out(p: Participant) -> dict:
    return {"id": p.pk, "full_name": p.full_name, "position": p.position,
            "unit": unit_ref(p.unit) if p.unit_id else None,
            "target_group": p.target_group.code if p.target_group_id else None, "phone": p.phone, "email": p.email,
            "bridge_point": p.bridge_point_id, "registered_via": p.registered_via, "registered_at": p.registered_at,
            "erased": p.erased_at is not None, "sessions_attended": getattr(p, "sessions_attended", 0)}


def _detail(course: Course, user) -> dict:
    report = course_report(course)
    connections: dict[int, list[dict]] = {}
    for c in Connection.objects.filter(session__course=course).order_by("session__starts_at", "pk"):
        connections.setdefault(c.bridge_point_id, []).append(
            {"session": c.session_id, "status": c.status, "note": c.note, "recorded_at": c.recorded_at})
    points = {row.id: row for row in report.by_bridge_point}
    course.organised = scope.may_organise(user, course)
    return {
        **_course_out(course), "description": course.description,
        "topics": [{"code": t.code, "title": t.title, "group": t.group.code, "provenance": t.provenance}
                   for t in course.topics.select_related("group")],
        "target_groups": [{"code": g.code, "label": g.label} for g in course.target_groups.all()],
        "sessions": [{"id": s.id, "kind": s.kind, "title": s.title, "starts_at": s.starts_at, "ends_at": s.ends_at,
                      "venue": s.venue, "visited_sites": s.visited_sites, "in_person": s.in_person,
                      "online": s.online} for s in report.sessions],
        "bridge_points": [{"id": p.pk, "name": p.name, "is_main": p.is_main, "host_unit": unit_ref(p.host_unit),
                           "address": p.address, "capacity": p.capacity, "host_name": p.host_name,
                           "registered": points[p.pk].registered, "attended": points[p.pk].attended,
                           "connections": connections.get(p.pk, [])}
                          for p in course.bridge_points.select_related("host_unit__unit_type__level")],
        "lecturers": [{"name": lec.name, "title": lec.title, "organisation": lec.organisation,
                       "sessions": sorted(s.pk for s in lec.sessions.all())}
                      for lec in course.lecturers.prefetch_related("sessions")],
        "materials": [{"id": m.pk, "title": m.title, "file_name": m.original_name, "content_type": m.content_type,
                       "size": m.size, "session": m.session_id,
                       "url": reverse("training_material", kwargs={"code": course.code, "pk": m.pk})}
                      for m in course.materials.all()],
        "figures": {"registered": report.registered, "in_person": report.in_person, "online": report.online,
                    "bridge_points": report.bridge_points, "sentence": report.sentence},
        "hosted_points": sorted(scope.hosted_points(user).filter(course=course).values_list("pk", flat=True)),
    }


# --- operations ----------------------------------------------------------------------------------------------------

@router.get("/training/courses", response=responses(CourseListPage), summary="Danh sách khoá tập huấn bạn được xem")
def list_courses(request,
                 limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
                 offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP)):
    """Các khoá do đơn vị trong phạm vi của bạn tổ chức, hoặc có điểm cầu tại đơn vị của bạn; mới nhất trước."""
    user = request.auth
    courses = (scope.visible_courses(user).select_related("organiser__unit_type__level")
               .order_by("-starts_on", "code"))

    def prepare(rows):
        ids = set(scope.organised_courses(user).filter(pk__in=[c.pk for c in rows]).values_list("pk", flat=True))
        for course in rows:
            course.organised = course.pk in ids
        return rows

    return page(courses, limit, offset, _course_out, prepare=prepare)


@router.get("/training/courses/{code}", response=responses(CourseDetail),
            summary="Một khoá: buổi học, điểm cầu (kết nối từng buổi), giảng viên, tài liệu, số người tham dự")
def get_course(request, code: str = Path(..., pattern=COURSE_PATTERN)):
    """Số người tham dự đếm từ danh sách đăng ký và bản ghi điểm danh, không nhập tay."""
    return _detail(_course(request.auth, code), request.auth)


@router.get("/training/courses/{code}/participants", response=responses(ParticipantPage),
            summary="Người học của khoá (ban tổ chức: mọi người; người chủ trì: người của điểm cầu mình)")
def list_participants(request, code: str = Path(..., pattern=COURSE_PATTERN),
                      bridge_point: int | None = Query(None, ge=1, le=MAX_ID, description="chỉ người của điểm cầu này"),
                      limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
                      offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP)):
    """Dữ liệu cá nhân (Nghị định 13/2023/NĐ-CP): chỉ ban tổ chức và người chủ trì điểm cầu đọc được; vai trò khác
    nhận 403 và đọc số liệu ở GET /api/training/courses/{code}."""
    user = request.auth
    course = _course(user, code)
    if not services.may_register(user, course):
        raise ApiError(403, "role", "Danh sách người học chỉ dành cho ban tổ chức khoá và người chủ trì các điểm cầu "
                                    "của khoá. Số người tham dự có ở GET /api/training/courses/{code}.")
    people = (scope.visible_participants(user, course).select_related("unit__unit_type__level", "target_group")
              .annotate(sessions_attended=Count("attendance")).order_by("full_name", "pk"))
    if bridge_point is not None:
        people = people.filter(bridge_point_id=bridge_point)
    return page(people, limit, offset, _participant_out)


@router.post("/training/courses/{code}/participants", response=responses(ParticipantOut),
             summary="Đăng ký một người học")
def register_participant(request, payload: ParticipantIn, code: str = Path(..., pattern=COURSE_PATTERN)):
    """Như trang «Học viên»: ban tổ chức đăng ký tại điểm cầu bất kỳ (hoặc không qua điểm cầu), người chủ trì tại
    điểm cầu của mình (``registered_via``: organiser hoặc host). Điện thoại, thư trùng với người đã đăng ký: 422."""
    user = request.auth
    course = _course(user, code)
    try:
        person = services.register_participant(user, course, payload.model_dump())
    except services.Refused as error:
        raise _refused(error) from None
    except services.Invalid as error:
        raise _invalid(error) from None
    return _participant_out(Participant.objects.select_related("unit__unit_type__level", "target_group")
                            .get(pk=person.pk))


@router.put("/training/courses/{code}/sessions/{session_id}/bridge-points/{point_id}/attendance",
            response=responses(RollCallOut), summary="Điểm danh tại một điểm cầu cho một buổi")
def put_roll_call(request, payload: RollCallIn, code: str = Path(..., pattern=COURSE_PATTERN),
                  session_id: int = Path(..., ge=1, le=MAX_ID), point_id: int = Path(..., ge=1, le=MAX_ID)):
    """Gửi cả danh sách người có mặt (``present``) trong số người đăng ký tại điểm cầu: người mới được ghi có mặt
    (điểm danh tại điểm cầu; trực tiếp ở điểm cầu chính, trực tuyến ở điểm cầu phụ), người không còn trong danh sách
    bị bỏ bản ghi do điểm danh tạo; bản ghi từ mã QR hay báo cáo trực tuyến được giữ. Chỉ người chủ trì điểm cầu
    hoặc ban tổ chức (403)."""
    user = request.auth
    course = _course(user, code)
    session = course.sessions.filter(pk=session_id).first()
    point = course.bridge_points.filter(pk=point_id).first()
    if session is None or point is None:
        raise NotFound(f"Khoá «{course.code}» không có buổi id {session_id} hoặc điểm cầu id {point_id}. Xem các buổi "
                       f"và điểm cầu tại GET /api/training/courses/{course.code}.")
    try:
        done = services.roll_call(user, session, point, payload.present)
    except services.Refused as error:
        raise _refused(error) from None
    except services.Invalid as error:
        raise _invalid(error) from None
    return {"added": done.added, "removed": done.removed, "present": done.present}
