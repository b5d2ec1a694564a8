"""The writes of training's pages and API: courses, their topics, sessions, lecturers, materials, bridge points and
connections, participants (registration, edits, export, erasure) and the roll call.

Each write checks who may do it through ``scope`` (the organiser of the course; the host of the bridge point),
validates what it is given (``Invalid``: a Vietnamese message per field, saying how to fix it), writes in one
transaction and records it in the audit log (``audit.services.record``). Pages and the API call the same functions,
so the rules are the same on both. A course the user may not see is the caller's 404 (``course_for``); a course they
see but may not change here is ``Refused`` (403).

Personal data (Decree 13/2023/NĐ-CP). A participant's name, position, phone and e-mail never enter the audit log:
participants are logged as «Học viên #id», with the fields that changed named but not their values, so erasing a
person (``erase_participant``) leaves nothing of them behind. Erasure blanks those fields and keeps the unit, the
target group and the attendance rows, so every figure counted from them stays as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from nongthonso.accounts.services import restrict, scope_paths
from nongthonso.audit.services import record
from nongthonso.core import filetypes
from nongthonso.core.errors import Invalid, Refused
from nongthonso.core.text import format_date
from nongthonso.units.models import Unit

from . import scope
from .apps import HOST, ORGANISE, VIEW
from .models import (
    Attendance,
    AttendanceMethod,
    AttendanceMode,
    BridgePoint,
    Connection,
    ConnectionStatus,
    Course,
    Lecturer,
    Material,
    Mode,
    Participant,
    Provenance,
    RegisteredVia,
    Session,
    SessionKind,
    TargetGroup,
    Topic,
    TopicGroup,
)
from .reports import province_of

ERASED_NAME = "Đã xoá"
RESERVED_CODES = frozenset({"tao-moi", "do-bao-phu"})  # paths beside the courses': urls.py, urls_reports.py
CODE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
PHONE = re.compile(r"^\+?[0-9]{8,15}$")
PROVINCE_LEVEL = "tinh"
MATERIAL_KINDS = (filetypes.PDF, filetypes.PPTX, filetypes.DOCX, filetypes.XLSX, filetypes.PNG, filetypes.JPEG)
PERSONAL_FIELDS = ("full_name", "position", "phone", "email")


def material_max_bytes() -> int:
    """The largest course document accepted (``TRAINING_MATERIAL_MAX_BYTES``, 50 MB by default)."""
    return int(getattr(settings, "TRAINING_MATERIAL_MAX_BYTES", 50 * filetypes.MB))


# --- refusals and invalid input -----------------------------------------------------------------------------------

def _check(errors: dict[str, str]) -> None:
    if errors:
        raise Invalid(errors)


def _text(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit]


def _same_text(text: str, others: Iterable[str]) -> bool:
    """Whether ``text`` is among ``others`` but for case (Vietnamese letters included, which SQLite's ``iexact``
    would not fold)."""
    folded = " ".join(text.split()).casefold()
    return any(" ".join(other.split()).casefold() == folded for other in others)


# --- who may -------------------------------------------------------------------------------------------------------

def may_see_training(user) -> bool:
    """Whether ``user`` holds any training action, or is named as a bridge point's host (the menu's «Tập huấn»)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if any(scope_paths(user, action) != [] for action in (ORGANISE, HOST, VIEW)):
        return True
    return BridgePoint.objects.filter(host_user=user).exists()


def may_create_courses(user) -> bool:
    """Whether ``user`` organises training anywhere (the «Tạo khoá» button, the new course page)."""
    return scope_paths(user, ORGANISE) != []


def require_organiser(user, course: Course, doing: str) -> None:
    if not scope.may_organise(user, course):
        raise Refused(f"Chỉ ban tổ chức khoá «{course.title}» ({course.organiser_name or course.organiser.name}) "
                      f"mới được {doing}. Nếu bạn cần làm việc này, đề nghị ban tổ chức giao vai trò.")


def require_host(user, point: BridgePoint, doing: str) -> None:
    if not scope.may_host(user, point):
        raise Refused(f"Chỉ người chủ trì điểm cầu «{point.name}» hoặc ban tổ chức khoá mới được {doing}.")


def course_for(user, code: str) -> Course | None:
    """The course ``code`` if ``user`` may see it (None: the caller's 404)."""
    return scope.visible_courses(user).select_related("organiser__unit_type__level").filter(code=code).first()


def organiser_units(user, on: dt.date) -> QuerySet[Unit]:
    """The units in force on ``on`` where ``user`` may organise training (a course's organiser, a point's host unit)."""
    return restrict(Unit.objects.valid_on(on), user, ORGANISE, path_field="path")




def _unit(code: Any, on: dt.date, field: str, *, among: QuerySet[Unit] | None = None, what: str) -> Unit:
    """The unit of GSO code ``code`` in force on ``on`` (among ``among`` when given), or ``Invalid`` on ``field``."""
    code = _text(code, 20)
    if not code:
        raise Invalid({field: f"Nhập mã GSO của {what}, ví dụ 19 (tỉnh Thái Nguyên) hoặc 05845 (một xã)."})
    unit = Unit.objects.valid_on(on).filter(code=code).select_related("unit_type__level").first()
    if unit is None:
        raise Invalid({field: f"Không có đơn vị mã «{code}» còn hiệu lực ngày {format_date(on)}. Kiểm tra mã GSO "
                              f"của {what} (đơn vị theo địa giới tại ngày đó)."})
    if among is not None and not among.filter(pk=unit.pk).exists():
        raise Invalid({field: f"{unit.name} ({code}) nằm ngoài các đơn vị bạn được tổ chức tập huấn. Chọn {what} "
                              "trong phạm vi của bạn."})
    return unit


# --- the catalogue a course chooses from ---------------------------------------------------------------------------

def topic_choices(province_codes: Iterable[str] = ()) -> QuerySet[Topic]:
    """The topics a course may take: the framework's and those of the provinces of ``province_codes`` (by code, so a
    province's topics stay its own across its versions)."""
    own = Q(province__isnull=True)
    codes = sorted(set(province_codes))
    if codes:
        own |= Q(province__code__in=codes, province__unit_type__level__code=PROVINCE_LEVEL)
    return Topic.objects.filter(own).select_related("group", "province").order_by("group__order", "order", "code")


def course_topic_choices(course: Course) -> QuerySet[Topic]:
    """The topics ``course`` may take (its organiser's province's and the framework's)."""
    return topic_choices([province_of(course.organiser).code])


def _topics(ids: Iterable[Any], allowed: QuerySet[Topic], field: str) -> list[Topic]:
    wanted = {int(i) for i in ids or () if str(i).isdigit()}
    found = list(allowed.filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise Invalid({field: "Có chuyên đề không thuộc danh mục của khung chương trình hoặc của tỉnh; chọn lại trong "
                              "danh sách."})
    return found


def _target_groups(ids: Iterable[Any], field: str) -> list[TargetGroup]:
    wanted = {int(i) for i in ids or () if str(i).isdigit()}
    found = list(TargetGroup.objects.filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise Invalid({field: "Có nhóm đối tượng không có trong danh mục; chọn lại trong danh sách."})
    return found


# --- courses ------------------------------------------------------------------------------------------------------

COURSE_FIELDS = ("title", "plan", "organiser_name", "starts_on", "ends_on", "mode", "description")


def _course_values(user, data: dict, course: Course | None) -> tuple[dict, list[Topic], list[TargetGroup]]:
    errors: dict[str, str] = {}
    values = {"title": _text(data.get("title"), 300), "plan": _text(data.get("plan"), 300),
              "organiser_name": _text(data.get("organiser_name"), 200),
              "description": str(data.get("description") or "").strip(), "mode": data.get("mode") or "",
              "starts_on": data.get("starts_on"), "ends_on": data.get("ends_on")}
    if not values["title"]:
        errors["title"] = "Nhập tên khoá tập huấn, ví dụ «Tập huấn chuyển đổi số trong xây dựng NTM năm 2023»."
    if values["mode"] not in Mode.values:
        errors["mode"] = "Chọn hình thức: trực tiếp, trực tuyến, hoặc trực tiếp kết hợp trực tuyến."
    starts, ends = values["starts_on"], values["ends_on"]
    if not isinstance(starts, dt.date):
        errors["starts_on"] = "Nhập ngày khai giảng theo dạng ngày/tháng/năm, ví dụ 11/10/2023."
    if not isinstance(ends, dt.date):
        errors["ends_on"] = "Nhập ngày bế giảng theo dạng ngày/tháng/năm, ví dụ 15/10/2023."
    elif isinstance(starts, dt.date) and ends < starts:
        errors["ends_on"] = (f"Ngày bế giảng {format_date(ends)} trước ngày khai giảng {format_date(starts)}; sửa lại "
                             "một trong hai ngày.")
    if course is None:
        code = _text(data.get("code"), 40).lower()
        if code in RESERVED_CODES:
            errors["code"] = f"Mã «{code}» trùng với đường dẫn của một trang tập huấn; chọn mã khác, ví dụ thêm năm."
        elif not CODE.match(code):
            errors["code"] = ("Mã khoá dùng chữ thường không dấu, số và dấu gạch ngang (tối đa 40 ký tự, không bắt đầu "
                              "hay kết thúc bằng dấu gạch), ví dụ cds-ntm-2023.")
        elif Course.objects.filter(code=code).exists():
            errors["code"] = f"Mã khoá «{code}» đã có; chọn mã khác, ví dụ thêm năm hoặc số thứ tự."
        values["code"] = code
    _check(errors)
    organiser = _unit(data.get("organiser"), starts, "organiser", among=organiser_units(user, starts),
                      what="đơn vị tổ chức")
    values["organiser"] = organiser
    if course is not None:
        started = course.sessions.order_by("starts_at").first()
        if started and timezone.localdate(started.starts_at) < starts:
            raise Invalid({"starts_on": f"Khoá đã có buổi học ngày {format_date(timezone.localdate(started.starts_at))}"
                                        ", trước ngày khai giảng mới; sửa buổi học trước."})
    topics = _topics(data.get("topics"), topic_choices([province_of(organiser).code]), "topics")
    groups = _target_groups(data.get("target_groups"), "target_groups")
    return values, topics, groups


def _course_snapshot(course: Course) -> dict:
    return {"code": course.code, "title": course.title, "plan": course.plan, "organiser": course.organiser_id,
            "organiser_name": course.organiser_name, "starts_on": course.starts_on.isoformat(),
            "ends_on": course.ends_on.isoformat(), "mode": course.mode, "description": course.description,
            "topics": sorted(course.topics.values_list("pk", flat=True)),
            "target_groups": sorted(course.target_groups.values_list("pk", flat=True))}


def _changes(before: dict, after: dict) -> tuple[dict, dict]:
    names = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in names}, {k: after[k] for k in names}


def _record_change(obj, before: dict, after: dict, user, note: str = "") -> bool:
    """An «update» entry with the fields that changed (none when nothing did); whether anything changed."""
    old, new = _changes(before, after)
    if new:
        record("update", obj, before=old, after=new, user=user, note=note)
    return bool(new)


def _save(user, model, row, values: dict, snapshot, many: dict | None = None):
    """A new ``model`` row of ``values`` (``row`` None) or ``row`` with them, its many-to-many fields set from
    ``many``; audited: the whole ``snapshot`` of a new row, what changed of an existing one."""
    many = many or {}
    before = None if row is None else snapshot(row)
    if row is None:
        row = model.objects.create(**values)
    else:
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
    for name, items in many.items():
        getattr(row, name).set(items)
    if before is None:
        record("create", row, after=snapshot(row), user=user)
    else:
        _record_change(row, before, snapshot(row), user)
    return row


@transaction.atomic
def create_course(user, data: dict) -> Course:
    """A new course organised by a unit where ``user`` organises training (``data``: the fields of the form)."""
    if not may_create_courses(user):
        raise Refused("Chỉ ban tổ chức tập huấn hoặc Văn phòng Điều phối NTM mới tạo được khoá tập huấn.")
    values, topics, groups = _course_values(user, data, None)
    try:
        with transaction.atomic():
            course = Course.objects.create(created_by=user, **values)
    except IntegrityError:
        raise Invalid({"code": f"Mã khoá «{values['code']}» vừa được dùng; chọn mã khác."}) from None
    course.topics.set(topics)
    course.target_groups.set(groups)
    record("create", course, after=_course_snapshot(course), user=user)
    return course


@transaction.atomic
def update_course(user, course: Course, data: dict) -> bool:
    """Save the course's fields (its code stays); whether anything changed."""
    require_organiser(user, course, "sửa thông tin khoá")
    before = _course_snapshot(course)
    values, topics, groups = _course_values(user, data, course)
    _save(user, Course, course, values, _course_snapshot, {"topics": topics, "target_groups": groups})
    return _course_snapshot(course) != before


@transaction.atomic
def add_province_topic(user, course: Course, data: dict) -> Topic:
    """A topic of the course's province, added to the catalogue (provenance «province») and to the course."""
    require_organiser(user, course, "bổ sung chuyên đề")
    province = province_of(course.organiser)
    if province.unit_type.level.code != PROVINCE_LEVEL:
        raise Refused("Đơn vị tổ chức khoá không thuộc tỉnh nào, nên không bổ sung được chuyên đề của tỉnh.", "state")
    title = _text(data.get("title"), 300)
    group = TopicGroup.objects.filter(pk=data.get("group")).first() if str(data.get("group", "")).isdigit() else None
    errors = {}
    if group is None:
        errors["group"] = "Chọn nhóm chuyên đề của khung chương trình mà chuyên đề mới thuộc về."
    if not title:
        errors["title"] = "Nhập tên chuyên đề, ví dụ «Ứng dụng bản đồ số trong quản lý đất đai cấp xã»."
    elif _same_text(title, topic_choices([province.code]).values_list("title", flat=True)):
        errors["title"] = f"Chuyên đề «{title}» đã có trong danh mục; chọn nó trong danh sách thay vì thêm mới."
    _check(errors)
    taken = Topic.objects.filter(code__startswith=f"{province.code}-").count()
    number = taken + 1
    while Topic.objects.filter(code=f"{province.code}-{number}").exists():
        number += 1
    source = _text(data.get("source"), 500) or f"Do {course.organiser_name or province.name} bổ sung"
    topic = Topic.objects.create(group=group, code=f"{province.code}-{number}", title=title,
                                 provenance=Provenance.PROVINCE, province=province, source=source,
                                 order=1000 + number)
    course.topics.add(topic)
    record("create", topic, after={"code": topic.code, "title": title, "group": group.code,
                                   "province": province.code, "course": course.code}, user=user)
    return topic


# --- sessions and lecturers ---------------------------------------------------------------------------------------

def _session_snapshot(session: Session) -> dict:
    return {"kind": session.kind, "title": session.title, "starts_at": session.starts_at.isoformat(),
            "ends_at": session.ends_at.isoformat(), "venue": session.venue, "visited_sites": session.visited_sites,
            "topics": sorted(session.topics.values_list("pk", flat=True))}


def _session_values(course: Course, data: dict) -> tuple[dict, list[Topic]]:
    errors: dict[str, str] = {}
    values = {"kind": data.get("kind") or "", "title": _text(data.get("title"), 300),
              "venue": _text(data.get("venue"), 300), "visited_sites": str(data.get("visited_sites") or "").strip(),
              "starts_at": data.get("starts_at"), "ends_at": data.get("ends_at")}
    if values["kind"] not in SessionKind.values:
        errors["kind"] = "Chọn loại buổi: lý thuyết, hoặc tham quan, học tập thực tế."
    if not values["title"]:
        errors["title"] = "Nhập nội dung buổi, ví dụ «Chuyển đổi số trong xây dựng NTM: khái niệm, lộ trình»."
    starts, ends = values["starts_at"], values["ends_at"]
    if not isinstance(starts, dt.datetime):
        errors["starts_at"] = "Nhập giờ bắt đầu, ví dụ 11/10/2023 08:00."
    elif not course.starts_on <= timezone.localdate(starts) <= course.ends_on:
        errors["starts_at"] = (f"Buổi học phải trong thời gian của khoá, từ {format_date(course.starts_on)} đến "
                               f"{format_date(course.ends_on)}; sửa ngày, hoặc sửa thời gian của khoá trước.")
    if not isinstance(ends, dt.datetime):
        errors["ends_at"] = "Nhập giờ kết thúc, ví dụ 11/10/2023 11:30."
    elif isinstance(starts, dt.datetime) and ends <= starts:
        errors["ends_at"] = "Giờ kết thúc phải sau giờ bắt đầu."
    if values["kind"] == SessionKind.FIELD_VISIT and not values["visited_sites"]:
        errors["visited_sites"] = "Buổi tham quan thực tế cần ghi nơi tham quan: mỗi dòng một mô hình, địa điểm."
    _check(errors)
    return values, _topics(data.get("topics"), course.topics.all(), "topics")


@transaction.atomic
def save_session(user, course: Course, data: dict, session: Session | None = None) -> Session:
    """Add a session to the course, or change one of its sessions."""
    require_organiser(user, course, "thêm, sửa buổi học")
    values, topics = _session_values(course, data)
    return _save(user, Session, session, {"course": course, **values}, _session_snapshot, {"topics": topics})


def _lecturer_snapshot(lecturer: Lecturer) -> dict:
    return {"name": lecturer.name, "title": lecturer.title, "organisation": lecturer.organisation,
            "sessions": sorted(lecturer.sessions.values_list("pk", flat=True))}


@transaction.atomic
def save_lecturer(user, course: Course, data: dict, lecturer: Lecturer | None = None) -> Lecturer:
    """Add a lecturer to the course (with the sessions they teach), or change one."""
    require_organiser(user, course, "thêm, sửa giảng viên")
    name = _text(data.get("name"), 200)
    if not name:
        raise Invalid({"name": "Nhập họ tên giảng viên."})
    wanted = {int(i) for i in data.get("sessions") or () if str(i).isdigit()}
    sessions = list(course.sessions.filter(pk__in=wanted))
    if len(sessions) != len(wanted):
        raise Invalid({"sessions": "Chọn buổi giảng trong các buổi của khoá này."})
    values = {"course": course, "name": name, "title": _text(data.get("title"), 200),
              "organisation": _text(data.get("organisation"), 300)}
    return _save(user, Lecturer, lecturer, values, _lecturer_snapshot, {"sessions": sessions})


# --- materials ----------------------------------------------------------------------------------------------------

@transaction.atomic
def add_material(user, course: Course, upload, data: dict) -> Material:
    """Store a course document, checked by content (``core.filetypes``: PDF, PowerPoint, Word, Excel, images) and
    size (checked before it is read), under a random name; audited."""
    require_organiser(user, course, "tải tài liệu lên")
    try:
        kind = filetypes.check(upload, MATERIAL_KINDS, material_max_bytes(),
                               advice="Lưu tài liệu thành PDF (hoặc PowerPoint, Word, Excel, ảnh PNG/JPEG) rồi tải "
                                      "lại.")
    except filetypes.FileRejected as exc:
        raise Invalid({"file": str(exc)}) from None
    session = None
    if str(data.get("session") or "").isdigit():
        session = course.sessions.filter(pk=int(data["session"])).first()
        if session is None:
            raise Invalid({"session": "Chọn buổi học trong các buổi của khoá này, hoặc để trống."})
    original = (upload.name or "tai-lieu").replace("\\", "/").rsplit("/", 1)[-1][:255]
    title = _text(data.get("title"), 300) or original
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    material = Material(course=course, session=session, title=title, stored_name=uuid.uuid4().hex + kind.extension,
                        original_name=original, content_type=kind.content_type, size=upload.size,
                        sha256=digest.hexdigest(), uploaded_by=user)
    material.file.save(material.stored_name, upload, save=False)
    material.save()
    record("create", material, after={"course": course.code, "title": title, "file": original,
                                      "sha256": material.sha256, "size": material.size,
                                      "session": session.pk if session else None}, user=user)
    return material


@transaction.atomic
def delete_material(user, material: Material) -> None:
    """Remove a course document (the row and, once committed, its file); audited."""
    require_organiser(user, material.course, "xoá tài liệu")
    record("delete", material, before={"course": material.course.code, "title": material.title,
                                       "file": material.original_name, "sha256": material.sha256,
                                       "size": material.size}, user=user)
    file = material.file
    material.delete()
    transaction.on_commit(lambda: file.storage.delete(file.name))


# --- bridge points and their connection ------------------------------------------------------------------------

HOST_FIELDS = ("address", "capacity", "host_name")  # what a host may change of their own point


def _point_snapshot(point: BridgePoint) -> dict:
    return {"name": point.name, "is_main": point.is_main, "host_unit": point.host_unit_id, "address": point.address,
            "capacity": point.capacity, "host_name": point.host_name, "host_user": point.host_user_id}


def _capacity(value: Any) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip().replace(".", "")
    if not text.isdigit() or not 0 < int(text) <= 100_000:
        raise Invalid({"capacity": "Sức chứa là số người, số nguyên dương, ví dụ 40; để trống nếu chưa rõ."})
    return int(text)


def _host_user(username: Any):
    name = _text(username, 150)
    if not name:
        return None
    found = get_user_model().objects.filter(username__iexact=name, is_active=True).first()
    if found is None:
        raise Invalid({"host_user": f"Không có tài khoản đang hoạt động tên «{name}». Kiểm tra tên đăng nhập của "
                                    "người chủ trì, hoặc để trống và giao vai trò «Người chủ trì điểm cầu» cho "
                                    "đơn vị."})
    return found


@transaction.atomic
def save_point(user, course: Course, data: dict, point: BridgePoint | None = None) -> BridgePoint:
    """Add a bridge point to the course or change one (the organiser: every field); a host changes their own
    point's address, capacity and host person only."""
    organiser = scope.may_organise(user, course)
    if point is None and not organiser:
        require_organiser(user, course, "thêm điểm cầu")
    if point is not None and not organiser:
        require_host(user, point, "sửa thông tin điểm cầu")
    values: dict[str, Any] = {"address": _text(data.get("address"), 300), "capacity": _capacity(data.get("capacity")),
                              "host_name": _text(data.get("host_name"), 200)}
    if organiser:
        name = _text(data.get("name"), 300)
        errors = {}
        if not name:
            errors["name"] = "Nhập tên điểm cầu, ví dụ «Điểm cầu UBND xã Vạn Phú»."
        elif _same_text(name, course.bridge_points.exclude(pk=point.pk if point else None)
                        .values_list("name", flat=True)):
            errors["name"] = f"Khoá đã có điểm cầu «{name}»; đặt tên khác (thêm tên xã, huyện)."
        is_main = bool(data.get("is_main"))
        main = course.bridge_points.filter(is_main=True).exclude(pk=point.pk if point else None).first()
        if is_main and main is not None:
            errors["is_main"] = (f"Khoá đã có điểm cầu chính «{main.name}». Mỗi khoá một điểm cầu chính: bỏ chọn, hoặc "
                                 "sửa điểm cầu kia trước.")
        _check(errors)
        values.update(name=name, is_main=is_main, host_user=_host_user(data.get("host_user")),
                      host_unit=_unit(data.get("host_unit"), course.starts_on, "host_unit",
                                      among=organiser_units(user, course.starts_on), what="đơn vị đăng cai"))
    return _save(user, BridgePoint, point, {"course": course, **values}, _point_snapshot)


@transaction.atomic
def set_connection(user, session: Session, point: BridgePoint, status: str, note: str = "") -> Connection | None:
    """The point's connection during the session, as its host (or the organiser) reports it; ``status`` empty: no
    report (a report given before is removed)."""
    require_host(user, point, "báo tình trạng kết nối của điểm cầu")
    if point.course_id != session.course_id:
        raise Invalid({"session": "Buổi học và điểm cầu không cùng một khoá."})
    if status and status not in ConnectionStatus.values:
        raise Invalid({"status": "Chọn tình trạng kết nối: đã kết nối, kết nối chập chờn, hoặc mất kết nối."})
    existing = Connection.objects.filter(session=session, bridge_point=point).first()
    before = {"status": existing.status, "note": existing.note} if existing else None
    if not status:
        if existing is not None:
            record("delete", existing, before=before, user=user)
            existing.delete()
        return None
    note = _text(note, 300)
    if existing is None:
        existing = Connection.objects.create(session=session, bridge_point=point, status=status, note=note,
                                             recorded_by=user)
        record("create", existing, after={"session": session.pk, "bridge_point": point.pk, "status": status,
                                          "note": note}, user=user)
        return existing
    if before == {"status": status, "note": note}:
        return existing
    existing.status, existing.note, existing.recorded_by, existing.recorded_at = status, note, user, timezone.now()
    existing.save()
    record("update", existing, before=before, after={"status": status, "note": note}, user=user)
    return existing


# --- participants ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Logged:
    """A row as the audit log names it: by its kind and id, never by the person's name (see the module's note on
    personal data) — for participants, and the rows whose names show a participant's (attendance, test scores)."""

    _meta: Any
    pk: int

    def __str__(self) -> str:
        return f"{self._meta.verbose_name[:1].upper()}{self._meta.verbose_name[1:]} #{self.pk}"


def logged(row) -> Logged:
    return Logged(row._meta, row.pk)


def _person_snapshot(p: Participant) -> dict:
    """What the log keeps of a participant: no personal data, only whether a phone and e-mail are held."""
    return {"course": p.course_id, "unit": p.unit_id, "target_group": p.target_group_id,
            "bridge_point": p.bridge_point_id, "registered_via": p.registered_via, "has_phone": bool(p.phone),
            "has_email": bool(p.email), "erased": p.erased_at is not None}


def registration_points(user, course: Course) -> QuerySet[BridgePoint]:
    """The points ``user`` may register people at: every point of the course for its organiser, theirs for a host."""
    points = course.bridge_points.select_related("host_unit")
    return points if scope.may_organise(user, course) else scope.hosted_points(user).filter(course=course)


def may_register(user, course: Course) -> bool:
    return scope.may_organise(user, course) or registration_points(user, course).exists()


def _phone(value: Any) -> str:
    raw = _text(value, 40)
    phone = re.sub(r"[\s.()-]", "", raw)
    if phone and not PHONE.match(phone):
        raise Invalid({"phone": f"Số điện thoại «{raw}» không hợp lệ: 8–15 chữ số, có thể bắt đầu bằng +, ví dụ "
                                "0912345678. Để trống nếu người học không muốn cung cấp."})
    return phone


def _email(value: Any) -> str:
    email = _text(value, 254).lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Invalid({"email": f"Địa chỉ thư điện tử «{email}» không hợp lệ, ví dụ ten@thainguyen.gov.vn. Để "
                                    "trống nếu người học không muốn cung cấp."}) from None
    return email


def _person_values(user, course: Course, data: dict, participant: Participant | None) -> dict:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"full_name": _text(data.get("full_name"), 200),
                              "position": _text(data.get("position"), 200)}
    if not values["full_name"]:
        errors["full_name"] = "Nhập họ và tên người học, ví dụ Nguyễn Thị Hoa."
    for field, parse in (("phone", _phone), ("email", _email)):
        try:
            values[field] = parse(data.get(field))
        except Invalid as exc:
            errors.update(exc.errors)
    raw_group = str(data.get("target_group") or "").strip()
    wanted = Q(code=raw_group) | (Q(pk=int(raw_group)) if raw_group.isdigit() else Q(pk__in=[]))
    group = TargetGroup.objects.filter(wanted).first() if raw_group else None
    if group is None:
        errors["target_group"] = "Chọn nhóm đối tượng của người học (cần cho báo cáo tỷ lệ cán bộ được tập huấn)."
    values["target_group"] = group
    points = registration_points(user, course)
    raw_point = data.get("bridge_point")
    point = points.filter(pk=int(raw_point)).first() if str(raw_point or "").isdigit() else None
    if raw_point not in (None, "") and point is None:
        errors["bridge_point"] = "Chọn điểm cầu trong danh sách các điểm cầu bạn được đăng ký người học."
    elif point is None and not scope.may_organise(user, course):
        errors["bridge_point"] = "Chọn điểm cầu của bạn, nơi người học theo dõi khoá học."
    values["bridge_point"] = point
    others = Participant.objects.filter(course=course, erased_at__isnull=True).exclude(
        pk=participant.pk if participant else None)
    for field, label in (("phone", "số điện thoại"), ("email", "địa chỉ thư")):
        if values.get(field) and field not in errors and others.filter(**{field: values[field]}).exists():
            errors[field] = (f"Khoá đã có người học đăng ký với {label} «{values[field]}»: có thể người này đã được "
                             "đăng ký. Tìm trong danh sách học viên trước khi đăng ký lại.")
    _check(errors)
    try:
        values["unit"] = _unit(data.get("unit"), course.starts_on, "unit", what="đơn vị công tác của người học")
    except Invalid as exc:
        raise Invalid({**errors, **exc.errors}) from None
    return values


@transaction.atomic
def register_participant(user, course: Course, data: dict) -> Participant:
    """Register a person for the course: the organiser at any point (or none), a host at their own point."""
    if not may_register(user, course):
        raise Refused("Chỉ ban tổ chức khoá hoặc người chủ trì một điểm cầu của khoá mới được đăng ký người học.")
    values = _person_values(user, course, data, None)
    via = RegisteredVia.ORGANISER if scope.may_organise(user, course) else RegisteredVia.HOST
    participant = Participant.objects.create(course=course, registered_via=via, registered_by=user, **values)
    record("create", logged(participant), after=_person_snapshot(participant), user=user)
    return participant


@transaction.atomic
def update_participant(user, participant: Participant, data: dict) -> bool:
    """Change a participant's details (the organiser, or the host of the point they registered at); the log says
    which personal fields changed, not what they hold. Whether anything changed."""
    course = participant.course
    if not scope.visible_participants(user, course).filter(pk=participant.pk).exists():
        raise Refused("Chỉ ban tổ chức khoá hoặc người chủ trì điểm cầu nơi người này đăng ký mới sửa được thông tin.")
    if participant.erased_at is not None:
        raise Refused("Thông tin cá nhân của người học này đã được xoá; không sửa được nữa. Nếu người này tham gia "
                      "lại, đăng ký mới.", "state")
    values = _person_values(user, course, data, participant)
    before, personal = _person_snapshot(participant), [f for f in PERSONAL_FIELDS
                                                       if getattr(participant, f) != values[f]]
    for field, value in values.items():
        setattr(participant, field, value)
    participant.save()
    old, new = _changes(before, _person_snapshot(participant))
    if personal:
        new["personal_fields_changed"] = personal
    if new:
        record("update", logged(participant), before=old, after=new, user=user)
    return bool(new)


def _erase(participant: Participant, user, now: dt.datetime, note: str) -> None:
    participant.full_name, participant.position, participant.phone, participant.email = ERASED_NAME, "", "", ""
    participant.erased_at = now
    participant.save(update_fields=["full_name", "position", "phone", "email", "erased_at"])
    record("update", logged(participant), before={"erased": False}, after={"erased": True,
                                                                            "erased_at": now.isoformat()},
           user=user, note=note)


ERASE_NOTE = "Xoá thông tin cá nhân (Nghị định 13/2023/NĐ-CP); giữ đơn vị, nhóm đối tượng và điểm danh."


@transaction.atomic
def erase_participant(user, participant: Participant) -> None:
    """Blank one person's name, position, phone and e-mail (the name becomes «Đã xoá»); the unit, target group and
    attendance stay, so the course's figures do not change. Only the organiser."""
    require_organiser(user, participant.course, "xoá thông tin cá nhân của người học")
    if participant.erased_at is not None:
        raise Refused("Thông tin cá nhân của người này đã được xoá trước đó.", "state")
    _erase(participant, user, timezone.now(), ERASE_NOTE)


@transaction.atomic
def erase_participants(user, course: Course) -> int:
    """Erase every participant of a finished course (as ``erase_participant``); how many were erased."""
    require_organiser(user, course, "xoá thông tin cá nhân của người học")
    today = timezone.localdate()
    if course.ends_on >= today:
        raise Refused(f"Khoá «{course.title}» kết thúc ngày {format_date(course.ends_on)}: chỉ xoá thông tin của cả "
                      "khoá sau khi khoá kết thúc (còn cần để điểm danh, cấp giấy chứng nhận). Xoá từng người nếu "
                      "người đó yêu cầu.", "state")
    now = timezone.now()
    people = list(Participant.objects.select_for_update().filter(course=course, erased_at__isnull=True))
    for participant in people:
        _erase(participant, user, now, ERASE_NOTE)
    return len(people)


# --- the roll call -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RollCall:
    added: list[int]
    removed: list[int]
    present: list[int]  # every participant of the point with an attendance row for the session, after the call


def roll_call_people(point: BridgePoint) -> QuerySet[Participant]:
    """Who the point's roll call lists: the people registered there (erased ones too: their rows stay)."""
    return Participant.objects.filter(bridge_point=point).select_related("target_group", "unit")


@transaction.atomic
def roll_call(user, session: Session, point: BridgePoint, present: Iterable[int]) -> RollCall:
    """Record who is present at ``point`` for ``session``: each ticked person registered at the point gets an
    attendance row (by roll call; in person at the main point, online at a sub-point); an unticked person loses the
    row a roll call gave them. Rows recorded otherwise (QR check-in, a video platform's report) are kept."""
    require_host(user, point, "điểm danh")
    if point.course_id != session.course_id:
        raise Invalid({"session": "Buổi học và điểm cầu không cùng một khoá."})
    people = dict(roll_call_people(point).values_list("pk", "erased_at"))
    wanted = {int(i) for i in present}
    strangers = wanted - set(people)
    if strangers:
        raise Invalid({"present": f"{len(strangers)} người được đánh dấu có mặt không đăng ký tại điểm cầu "
                                  f"«{point.name}»; tải lại trang điểm danh rồi đánh dấu lại."})
    rows = {a.participant_id: a for a in Attendance.objects.select_for_update().filter(
        session=session, participant_id__in=list(people))}
    mode = AttendanceMode.IN_PERSON if point.is_main else AttendanceMode.ONLINE
    added = sorted(pk for pk in wanted if pk not in rows)
    removed = sorted(pk for pk, row in rows.items() if pk not in wanted and row.method == AttendanceMethod.ROLL_CALL)
    Attendance.objects.bulk_create([Attendance(session=session, participant_id=pk, mode=mode, bridge_point=point,
                                               method=AttendanceMethod.ROLL_CALL, recorded_by=user) for pk in added])
    Attendance.objects.filter(session=session, participant_id__in=removed).delete()
    present_now = sorted((set(rows) - set(removed)) | set(added))
    if added or removed:
        record("update", session, before={"bridge_point": point.pk, "removed": removed},
               after={"bridge_point": point.pk, "added": added, "present": len(present_now)}, user=user,
               note=f"Điểm danh tại điểm cầu «{point.name}»")
    return RollCall(added, removed, present_now)
