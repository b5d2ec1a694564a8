"""The organiser's and the bridge-point host's pages: the courses (this module), sessions, lecturers and materials
(``views_sessions``), bridge points, connections and the roll call (``views_points``), participants
(``views_people``).

Every page loads its course through ``services.course_for`` (``scope.visible_courses``): a course the user may not
see is «not found» (404), as a dossier outside the user's units is. A page or a form that only the organiser (or the
point's host) may use answers 403 with a Vietnamese reason to others; every write is a POST (CSRF) handled by
``services``, which checks the permission again and audits the change.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongthonso.accounts.services import granted_units
from nongthonso.core.forms import apply

from . import scope, services
from .apps import ORGANISE
from .forms import CourseForm, TopicForm
from .models import BridgePoint, Connection, Course, Lecturer, Participant, Session, TopicGroup
from .reports import course_report, province_of

PAGE_SIZE = 30


# --- shared by the pages ---------------------------------------------------------------------------------------------

def course_or_404(request, code: str) -> Course:
    course = services.course_for(request.user, code)
    if course is None:
        raise Http404(_("Không có khoá tập huấn mã «%(code)s», hoặc khoá không thuộc phạm vi bạn được xem.")
                      % {"code": code})
    return course


def refused(request, message: str, course: Course | None = None, status: int = 403) -> HttpResponse:
    """The page saying why the user may not do this here, and where to go back."""
    return render(request, "training/refused.html", {"message": message, "course": course}, status=status)


def refusal_response(request, error: services.Refused, course: Course, back: str) -> HttpResponse:
    """A refusal as the pages show it: a role's refusal is the 403 page; a state's (not now) a message on ``back``."""
    if error.code == "state":
        messages.error(request, error.message)
        return redirect(back)
    return refused(request, error.message, course)


def organiser_only(request, course: Course) -> HttpResponse | None:
    """The 403 page when the user does not organise ``course``; None when they do."""
    if scope.may_organise(request.user, course):
        return None
    return refused(request, _("Chỉ ban tổ chức khoá «%(course)s» mới dùng được trang này. Nếu bạn cần, đề nghị ban tổ "
                              "chức giao vai trò.") % {"course": course.title}, course)


def of_the_course(view):
    """A page of the course ``code`` in the URL: 404 when the user may not see it; ``view`` gets the course."""

    @functools.wraps(view)
    def wrapper(request, code: str, **kwargs):
        return view(request, course_or_404(request, code), **kwargs)

    return wrapper


def for_organiser(view):
    """A page of the course ``code`` for its organiser only: 404 when the user may not see the course, the 403 page
    when they see it but do not organise it; ``view`` gets the course."""

    @functools.wraps(view)
    def wrapper(request, code: str, **kwargs):
        course = course_or_404(request, code)
        denied = organiser_only(request, course)
        return denied if denied is not None else view(request, course, **kwargs)

    return wrapper


def form_status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


def form_page(request, course: Course | None, form, save, done, template: str, **context) -> HttpResponse:
    """A page with a form: on GET the form; on POST ``save(cleaned_data)`` (the service, through ``forms.apply``),
    and once saved ``done(saved)``: the response (``saved_to``). Otherwise the form again, with its errors (400); a
    refusal of the service as ``refusal_response`` shows it."""
    if request.method == "POST":
        try:
            saved = apply(form, save)
        except services.Refused as error:
            return refusal_response(request, error, course, request.path)
        if saved is not None:
            return done(saved)
    return render(request, template, {"form": form, "course": course, **context}, status=form_status(form))


def saved_to(request, message: str, url: str) -> HttpResponse:
    """After a write: ``message`` shown on the page at ``url``, where the browser goes."""
    messages.success(request, message)
    return redirect(url)


# --- the list --------------------------------------------------------------------------------------------------------

def _count(model, field: str = "course"):
    rows = (model.objects.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("pk"))
            .values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


@login_required
@require_GET
def course_list(request):
    """The courses the user may see, newest first, with their sessions, points and people counted."""
    courses = (scope.visible_courses(request.user).select_related("organiser")
               .annotate(n_sessions=_count(Session), n_points=_count(BridgePoint), n_people=_count(Participant)))
    page = Paginator(courses.order_by("-starts_on", "code"), PAGE_SIZE).get_page(request.GET.get("page"))
    organised = set(scope.organised_courses(request.user).filter(pk__in=[c.pk for c in page])
                    .values_list("pk", flat=True))
    return render(request, "training/course_list.html", {
        "page": page, "organised": organised, "query": "",
        "may_create": services.may_create_courses(request.user),
    })


# --- a course -------------------------------------------------------------------------------------------------------

def _topic_choices(request, course: Course | None):
    """The topics a course may take: its province's and the framework's; for a new course, those of the provinces
    where the user organises."""
    if course is not None:
        return services.course_topic_choices(course)
    return services.topic_choices({province_of(unit).code for unit in granted_units(request.user, ORGANISE)})


def _course_initial(request) -> dict:
    units = granted_units(request.user, ORGANISE)
    top = min(units, key=lambda u: len(u.path), default=None)
    today = timezone.localdate()
    return {"organiser": top.code if top else "", "starts_on": today, "ends_on": today, "mode": "hybrid"}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def course_new(request):
    if not services.may_create_courses(request.user):
        return refused(request, _("Chỉ ban tổ chức tập huấn hoặc Văn phòng Điều phối NTM mới tạo được khoá tập huấn. "
                                  "Đề nghị Văn phòng Điều phối NTM tỉnh giao vai trò «Ban tổ chức tập huấn»."))
    form = CourseForm(request.POST or None, topics=_topic_choices(request, None),
                      initial=_course_initial(request))
    return form_page(request, None, form, lambda data: services.create_course(request.user, data), lambda course: (
        saved_to(request, _("Đã tạo khoá «%(title)s». Thêm buổi học, điểm cầu và giảng viên bên dưới.")
                 % {"title": course.title}, course_url(course))), "training/course_form.html")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@for_organiser
def course_edit(request, course: Course):
    initial = {"organiser": course.organiser.code, "title": course.title, "plan": course.plan,
               "organiser_name": course.organiser_name, "starts_on": course.starts_on, "ends_on": course.ends_on,
               "mode": course.mode, "description": course.description,
               "topics": list(course.topics.values_list("pk", flat=True)),
               "target_groups": list(course.target_groups.values_list("pk", flat=True))}
    form = CourseForm(request.POST or None, topics=_topic_choices(request, course), initial=initial, editing=True)
    return form_page(request, course, form, lambda data: services.update_course(request.user, course, data),
                     lambda changed: saved_to(request, _("Đã lưu khoá.") if changed else _(
                         "Thông tin khoá không thay đổi."), course_url(course)),
                     "training/course_form.html", topic_form=TopicForm())


@login_required
@require_POST
@for_organiser
def topic_new(request, course: Course):
    """The organiser adds a topic of the province to the catalogue, and to the course."""
    form = TopicForm(request.POST)
    try:
        topic = apply(form, lambda data: services.add_province_topic(request.user, course, data))
    except services.Refused as error:
        return refusal_response(request, error, course, course_url(course, "training_course_edit"))
    if topic is None:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        messages.success(request, _("Đã thêm chuyên đề «%(title)s» (mã %(code)s) của tỉnh vào danh mục và vào khoá.")
                         % {"title": topic.title, "code": topic.code})
    return redirect("training_course_edit", code=course.code)


def course_url(course: Course, name: str = "training_course") -> str:
    return reverse(name, kwargs={"code": course.code})


def grouped_topics(topics) -> list[tuple[TopicGroup, list]]:
    groups: dict[int, tuple[TopicGroup, list]] = {}
    for topic in topics:
        groups.setdefault(topic.group_id, (topic.group, []))[1].append(topic)
    return sorted(groups.values(), key=lambda g: (g[0].order, g[0].code))


@login_required
@require_GET
@of_the_course
def course_detail(request, course: Course):
    """The course: plan, organiser, dates, mode, topics, target groups, sessions, lecturers, materials, bridge points
    (with their connection per session) and the people counted from the rows — the figures of its report
    (``reports.course_report``), so the two pages never disagree."""
    user = request.user
    report = course_report(course)
    sessions = list(course.sessions.prefetch_related("topics"))
    counted = {row.id: row for row in report.sessions}
    for session in sessions:
        session.counts = counted[session.pk]
    points = list(course.bridge_points.select_related("host_unit__unit_type__level", "host_user"))
    connections = {(c.bridge_point_id, c.session_id): c for c in Connection.objects.filter(session__course=course)}
    counts = {row.id: row for row in report.by_bridge_point}
    hosted = set(scope.hosted_points(user).filter(course=course).values_list("pk", flat=True))
    for point in points:
        point.counts = counts[point.pk]
        point.statuses = [(s, connections.get((point.pk, s.pk))) for s in sessions]
        point.hosted = point.pk in hosted
    organiser = scope.may_organise(user, course)
    return render(request, "training/course.html", {
        "course": course, "sessions": sessions, "points": points,
        "topics": grouped_topics(course.topics.select_related("group", "province")),
        "target_groups": list(course.target_groups.all()),
        "lecturers": list(Lecturer.objects.filter(course=course).prefetch_related("sessions")),
        "materials": list(course.materials.select_related("session")),
        "report": report, "organiser": organiser,
        "may_register": organiser or bool(hosted),
        "finished": course.ends_on < timezone.localdate(),
    })
