"""A course's participants: the list (the organiser sees all of them, a host those of their points), registration,
edits, and — for the organiser — the export and the erasure of personal data (Decree 13/2023/NĐ-CP). See ``views``
for the permission rules; the page says why each piece of personal data is collected."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongthonso.core.forms import apply
from nongthonso.dataio.exports import CONTENT_TYPES, FORMATS, Table, to_bytes

from . import scope, services
from .forms import ParticipantForm
from .models import Participant, in_name_order
from .views import for_organiser, form_page, of_the_course, refusal_response, refused, saved_to

PAGE_SIZE = 50
EXPORT_HEADER = ("Họ và tên", "Chức vụ", "Mã đơn vị", "Đơn vị công tác", "Nhóm đối tượng", "Điện thoại",
                 "Thư điện tử", "Điểm cầu", "Đăng ký qua", "Ngày đăng ký", "Số buổi có mặt", "Đã xoá thông tin")


def _people_url(course) -> str:
    return reverse("training_participants", kwargs={"code": course.code})




def _not_registrar(request, course) -> HttpResponse | None:
    if services.may_register(request.user, course):
        return None
    return refused(request, _("Danh sách học viên chỉ dành cho ban tổ chức khoá và người chủ trì các điểm cầu của khoá "
                              "(mỗi người chủ trì xem người học của điểm cầu mình). Số người tham dự có ở trang của "
                              "khoá."), course)


def _form(request, course, data=None, initial=None) -> ParticipantForm:
    return ParticipantForm(data, points=services.registration_points(request.user, course),
                           organiser=scope.may_organise(request.user, course), initial=initial)


def _list_page(request, course, form: ParticipantForm, status: int = 200):
    people = (scope.visible_participants(request.user, course)
              .select_related("unit", "target_group", "bridge_point").annotate(sessions=Count("attendance")))
    query = request.GET.get("q", "").strip()[:100]
    point = request.GET.get("diem-cau", "")
    if query:
        people = people.filter(Q(full_name__icontains=query) | Q(email__icontains=query) | Q(phone__icontains=query))
    if point.isdigit():
        people = people.filter(bridge_point_id=int(point))
    page = Paginator(in_name_order(people), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    organiser = scope.may_organise(request.user, course)
    return render(request, "training/participants.html", {
        "course": course, "form": form, "page": page, "query": params.urlencode(), "q": query, "point": point,
        "points": services.registration_points(request.user, course), "organiser": organiser,
        "finished": course.ends_on < timezone.localdate(), "formats": FORMATS,
        "erased": Participant.objects.filter(course=course, erased_at__isnull=False).count() if organiser else 0,
    }, status=status)


@login_required
@require_GET
@of_the_course
def participants(request, course):
    if (denied := _not_registrar(request, course)) is not None:
        return denied
    return _list_page(request, course, _form(request, course))


@login_required
@require_POST
@of_the_course
def participant_new(request, course):
    if (denied := _not_registrar(request, course)) is not None:
        return denied
    form = _form(request, course, request.POST)
    person = apply(form, lambda data: services.register_participant(request.user, course, data))
    if person is None:
        return _list_page(request, course, form, status=400)
    messages.success(request, _("Đã đăng ký %(name)s.") % {"name": person.full_name})
    return redirect(_people_url(course))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@of_the_course
def participant_edit(request, course, pk: int):
    person = get_object_or_404(scope.visible_participants(request.user, course).select_related("unit"), pk=pk)
    initial = {"full_name": person.full_name, "position": person.position,
               "unit": person.unit.code if person.unit_id else "", "target_group": person.target_group_id,
               "phone": person.phone, "email": person.email, "bridge_point": person.bridge_point_id}
    form = _form(request, course, request.POST or None, initial)
    return form_page(request, course, form, lambda data: services.update_participant(request.user, person, data),
                     lambda changed: saved_to(request, _("Đã lưu thông tin người học.") if changed else _(
                         "Thông tin không thay đổi."), _people_url(course)),
                     "training/participant_form.html", person=person,
                     organiser=scope.may_organise(request.user, course))


def _erasure(request, course, erase, done) -> HttpResponse:
    """Run ``erase()`` once the form's confirmation box is ticked (an erasure cannot be undone); ``done(result)``:
    the message saying what was erased. Back to the list, where the outcome is shown."""
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Chưa xoá: đánh dấu ô xác nhận (việc xoá không hoàn tác được) rồi bấm lại."))
    else:
        try:
            messages.success(request, done(erase()))
        except services.Refused as error:
            return refusal_response(request, error, course, _people_url(course))
    return redirect(_people_url(course))


@login_required
@require_POST
@for_organiser
def participant_erase(request, course, pk: int):
    """The organiser erases one person's personal data (their request, or no longer needed)."""
    person = get_object_or_404(Participant, course=course, pk=pk)
    return _erasure(request, course, lambda: services.erase_participant(request.user, person), lambda _none: _(
        "Đã xoá thông tin cá nhân của một người học; đơn vị, nhóm đối tượng và điểm danh được giữ để số liệu của khoá "
        "không đổi."))


@login_required
@require_POST
@for_organiser
def participants_erase(request, course):
    """The organiser erases the personal data of every participant of a finished course."""
    return _erasure(request, course, lambda: services.erase_participants(request.user, course), lambda n: _(
        "Đã xoá thông tin cá nhân của %(n)s người học; số liệu của khoá giữ nguyên.") % {"n": n})


def participants_table(course) -> Table:
    """The course's participants, as the organiser exports them (every text cell formula-safe: ``dataio.exports``
    writes through ``core.spreadsheets``)."""
    people = (Participant.objects.filter(course=course).select_related("unit", "target_group", "bridge_point")
              .annotate(sessions=Count("attendance")))

    def rows():
        for p in in_name_order(people.iterator(chunk_size=2000)):
            yield [p.full_name, p.position, p.unit.code if p.unit_id else "", p.unit.name if p.unit_id else "",
                   p.target_group.label if p.target_group_id else "", p.phone, p.email,
                   p.bridge_point.name if p.bridge_point_id else "", p.get_registered_via_display(),
                   timezone.localtime(p.registered_at).strftime("%d/%m/%Y"), p.sessions,
                   "Có" if p.erased_at else ""]

    return Table(title=_("Học viên"), header=EXPORT_HEADER, rows=rows())


@login_required
@require_GET
@for_organiser
def participants_export(request, course):
    fmt = request.GET.get("dinh-dang", "csv")
    if fmt not in FORMATS:
        messages.error(request, _("Định dạng «%(fmt)s» không hỗ trợ; chọn CSV hoặc XLSX.") % {"fmt": fmt[:10]})
        return redirect(_people_url(course))
    response = HttpResponse(to_bytes(participants_table(course), fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="hoc-vien-{course.code}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response
