"""Bridge points: adding and editing them (the organiser; a host edits their own point's address, capacity and host
person), their connection during each session, and the host's roll call. See ``views`` for the permission rules."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from nongthonso.core.forms import apply

from . import scope, services
from .forms import ConnectionForm, PointForm
from .models import Attendance, AttendanceMethod, BridgePoint, Session
from .views import course_url, for_organiser, form_page, of_the_course, refusal_response, refused, saved_to


def _point_initial(point: BridgePoint) -> dict:
    return {"name": point.name, "is_main": point.is_main, "host_unit": point.host_unit.code, "address": point.address,
            "capacity": point.capacity, "host_name": point.host_name,
            "host_user": point.host_user.get_username() if point.host_user_id else ""}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@for_organiser
def point_new(request, course):
    return _point_form(request, course, None, organiser=True)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@of_the_course
def point_edit(request, course, point: int):
    found = get_object_or_404(BridgePoint.objects.select_related("host_unit", "host_user"), course=course, pk=point)
    organiser = scope.may_organise(request.user, course)
    if not organiser and not scope.may_host(request.user, found):
        return refused(request, _("Chỉ ban tổ chức khoá hoặc người chủ trì điểm cầu «%(point)s» mới sửa được thông tin "
                                  "điểm cầu.") % {"point": found.name}, course)
    return _point_form(request, course, found, organiser=organiser)


def _point_form(request, course, point: BridgePoint | None, *, organiser: bool):
    form = PointForm(request.POST or None, organiser=organiser, initial=_point_initial(point) if point else None)
    return form_page(request, course, form, lambda data: services.save_point(request.user, course, data, point),
                     lambda saved: saved_to(request, _("Đã lưu điểm cầu «%(name)s».") % {"name": saved.name},
                                            course_url(course) + "#diem-cau"),
                     "training/point_form.html", point=point, organiser=organiser,
                     as_of=course.starts_on.isoformat())


def _point_and_session(course, point: int, session: int):
    found = get_object_or_404(BridgePoint.objects.select_related("host_unit"), course=course, pk=point)
    return found, get_object_or_404(Session, course=course, pk=session)


@login_required
@require_POST
@of_the_course
def connection(request, course, point: int, session: int):
    """The host (or the organiser) reports the point's connection during the session."""
    found, the_session = _point_and_session(course, point, session)
    back = reverse("training_session", kwargs={"code": course.code, "pk": the_session.pk}) + f"#diem-cau-{found.pk}"
    form = ConnectionForm(request.POST, prefix=f"p{found.pk}")
    try:
        saved = apply(form, lambda data: services.set_connection(request.user, the_session, found, data["status"],
                                                                  data["note"]))
    except services.Refused as error:
        return refusal_response(request, error, course, back)
    if form.errors:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    elif saved is None:
        messages.success(request, _("Đã bỏ báo cáo kết nối của điểm cầu «%(point)s».") % {"point": found.name})
    else:
        messages.success(request, _("Đã ghi tình trạng kết nối của điểm cầu «%(point)s»: %(status)s.")
                         % {"point": found.name, "status": saved.get_status_display()})
    return redirect(back)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@of_the_course
def roll_call(request, course, point: int, session: int):
    """The host ticks who is present at their point for the session. People recorded otherwise (QR check-in, a video
    platform's report) are shown as present, and stay so."""
    found, the_session = _point_and_session(course, point, session)
    if not scope.may_host(request.user, found):
        return refused(request, _("Chỉ người chủ trì điểm cầu «%(point)s» hoặc ban tổ chức khoá mới điểm danh được ở "
                                  "điểm cầu này.") % {"point": found.name}, course)
    here = reverse("training_roll_call", kwargs={"code": course.code, "point": found.pk, "session": the_session.pk})
    problem = ""
    if request.method == "POST":
        raw = request.POST.getlist("present")
        if not all(v.isdigit() for v in raw):
            problem = _("Danh sách có mặt không hợp lệ; tải lại trang rồi đánh dấu lại.")
        else:
            try:
                done = services.roll_call(request.user, the_session, found, [int(v) for v in raw])
            except services.Invalid as invalid:
                problem = " ".join(invalid.errors.values())
            except services.Refused as error:
                return refusal_response(request, error, course, here)
            else:
                messages.success(request, ngettext(
                    "Đã lưu điểm danh: %(n)s người có mặt tại điểm cầu (thêm %(added)s, bỏ %(removed)s).",
                    "Đã lưu điểm danh: %(n)s người có mặt tại điểm cầu (thêm %(added)s, bỏ %(removed)s).",
                    len(done.present)) % {"n": len(done.present), "added": len(done.added),
                                          "removed": len(done.removed)})
                return redirect(here)
    rows = {a.participant_id: a
            for a in Attendance.objects.filter(session=the_session, participant__bridge_point=found)}
    people = list(services.roll_call_people(found))
    for person in people:
        row = rows.get(person.pk)
        person.present = row is not None
        person.locked = row is not None and row.method != AttendanceMethod.ROLL_CALL
        person.method = row.get_method_display() if row is not None else ""
    return render(request, "training/roll_call.html", {
        "course": course, "point": found, "session": the_session, "people": people, "problem": problem,
        "present": sum(1 for p in people if p.present),
    }, status=400 if problem else 200)
