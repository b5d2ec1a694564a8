"""A course's sessions (the session page: its attendance and each bridge point's connection), lecturers and
materials. See ``views`` for how the pages check who may see and do what."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongthonso.core import filetypes
from nongthonso.core.text import format_number

from . import scope, services
from .forms import ConnectionForm, LecturerForm, MaterialForm, SessionForm
from .models import Attendance, Connection, Lecturer, Material, Session
from .views import course_url, for_organiser, form_page, of_the_course, refused, saved_to

ATTENDANCE_PAGE = 100
UPLOAD_OVERHEAD = 64 * 1024  # the multipart envelope and the form's other fields, beside the file


# --- sessions --------------------------------------------------------------------------------------------------------

def _session_initial(session: Session) -> dict:
    return {"kind": session.kind, "title": session.title, "starts_at": session.starts_at, "ends_at": session.ends_at,
            "venue": session.venue, "visited_sites": session.visited_sites,
            "topics": list(session.topics.values_list("pk", flat=True))}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@for_organiser
def session_form(request, course, pk: int | None = None):
    """A new session of the course (no ``pk``), or one of its sessions to edit."""
    session = get_object_or_404(Session, course=course, pk=pk) if pk is not None else None
    form = SessionForm(request.POST or None, course=course, initial=_session_initial(session) if session else None)
    return form_page(request, course, form, lambda data: services.save_session(request.user, course, data, session),
                     lambda saved: saved_to(request, _("Đã lưu buổi «%(title)s».") % {"title": saved.title}, reverse(
                         "training_session", kwargs={"code": course.code, "pk": saved.pk})),
                     "training/session_form.html", session=session)


@login_required
@require_GET
@of_the_course
def session_detail(request, course, pk: int):
    """A session: what, when, where, who teaches; each bridge point's connection (hosts report theirs here) and
    attendance; the people present whom the user may see."""
    session = get_object_or_404(Session.objects.prefetch_related("topics", "lecturers"), course=course, pk=pk)
    user = request.user
    hosted = set(scope.hosted_points(user).filter(course=course).values_list("pk", flat=True))
    connections = {c.bridge_point_id: c for c in Connection.objects.filter(session=session)}
    present = dict(Attendance.objects.filter(session=session, bridge_point__isnull=False).values("bridge_point")
                   .annotate(n=Count("pk")).values_list("bridge_point", "n"))
    registered = dict(course.participants.filter(bridge_point__isnull=False).values("bridge_point")
                      .annotate(n=Count("pk")).values_list("bridge_point", "n"))
    points = list(course.bridge_points.select_related("host_unit__unit_type__level"))
    for point in points:
        point.connection = connections.get(point.pk)
        point.present = present.get(point.pk, 0)
        point.registered = registered.get(point.pk, 0)
        point.hosted = point.pk in hosted
        if point.hosted:
            point.form = ConnectionForm(initial={"status": point.connection.status if point.connection else "",
                                                 "note": point.connection.note if point.connection else ""},
                                        prefix=f"p{point.pk}")
    # the people present in person and online, as the course's report counts them (reports.course_report)
    counts = {"in_person": 0, "online": 0, **dict(Attendance.objects.filter(session=session).values("mode").annotate(
        n=Count("participant", distinct=True)).values_list("mode", "n"))}
    rows = (Attendance.objects.filter(session=session, participant__in=scope.visible_participants(user, course))
            .select_related("participant__unit", "bridge_point").order_by("participant__full_name", "pk"))
    page = Paginator(rows, ATTENDANCE_PAGE).get_page(request.GET.get("page"))
    return render(request, "training/session.html", {
        "course": course, "session": session, "points": points, "page": page, "query": "",
        "counts": counts, "organiser": scope.may_organise(user, course),
        "sites": [line.strip() for line in session.visited_sites.splitlines() if line.strip()],
    })


# --- lecturers ------------------------------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@for_organiser
def lecturer_form(request, course, pk: int | None = None):
    """A new lecturer of the course (no ``pk``), or one of its lecturers to edit."""
    lecturer = get_object_or_404(Lecturer, course=course, pk=pk) if pk is not None else None
    initial = ({"name": lecturer.name, "title": lecturer.title, "organisation": lecturer.organisation,
                "sessions": list(lecturer.sessions.values_list("pk", flat=True))} if lecturer else None)
    form = LecturerForm(request.POST or None, course=course, initial=initial)
    return form_page(request, course, form, lambda data: services.save_lecturer(request.user, course, data, lecturer),
                     lambda saved: saved_to(request, _("Đã lưu giảng viên %(name)s.") % {"name": saved.name},
                                            course_url(course) + "#giang-vien"),
                     "training/lecturer_form.html", lecturer=lecturer)


# --- materials ------------------------------------------------------------------------------------------------------

def _max_mb() -> str:
    return format_number(services.material_max_bytes() / (1024 * 1024), 0)


@login_required
@csrf_exempt  # checked below, once the request's size is known to be within bounds (csrf_protect reads the body)
@require_http_methods(["GET", "HEAD", "POST"])
@for_organiser
def material_upload(request, course):
    """Upload a course document. A request larger than the limit is refused from its declared length, before its
    body is read or parsed; the file is then checked by content (``services.add_material``)."""
    if request.method == "POST":
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if not declared.isdigit() or int(declared) > services.material_max_bytes() + UPLOAD_OVERHEAD:
            messages.error(request, _("Tệp vượt giới hạn %(mb)s MB: nén hoặc chia nhỏ tài liệu (hoặc lưu thành PDF) "
                                      "rồi tải lại.") % {"mb": _max_mb()})
            return render(request, "training/material_form.html", {
                "form": MaterialForm(course=course), "course": course, "max_mb": _max_mb()}, status=413)
    return _material_upload(request, course)


@csrf_protect
def _material_upload(request, course):
    form = MaterialForm(request.POST or None, request.FILES or None, course=course)
    return form_page(request, course, form, lambda data: services.add_material(request.user, course, data["file"],
                                                                               data),
                     lambda saved: saved_to(request, _("Đã tải lên tài liệu «%(title)s».") % {"title": saved.title},
                                            course_url(course) + "#tai-lieu"),
                     "training/material_form.html", max_mb=_max_mb())


@login_required
@require_GET
@of_the_course
def material_file(request, course, pk: int):
    """A course document, to whoever may see the course (404 otherwise), as a download."""
    material = get_object_or_404(Material, course=course, pk=pk)
    try:
        handle = material.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("Tệp của tài liệu này không còn trên máy chủ; đề nghị ban tổ chức tải lên lại.")) from None
    return filetypes.served(handle, material.content_type, material.original_name, as_attachment=True)


@login_required
@require_POST
@of_the_course
def material_delete(request, course, pk: int):
    material = get_object_or_404(Material, course=course, pk=pk)
    try:
        services.delete_material(request.user, material)
    except services.Refused as error:
        return refused(request, error.message, course)
    messages.success(request, _("Đã xoá tài liệu «%(title)s».") % {"title": material.title})
    return redirect(course_url(course) + "#tai-lieu")
