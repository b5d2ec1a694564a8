"""Self-registration pages: the public form (``training_register``, ``/dang-ky-tap-huan/<code>/``) and the organiser's
page with its link, QR code and switch (``training_registration_poster``). The writes are ``registration``'s."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import checkin, registration, scope
from .checkin_views import switch
from .models import RegisteredVia, Session
from .registration import ATTEMPTS, RegistrationForm, RegistrationRefused

BACK = "diem-danh"  # ?diem-danh=<checkin code>: the check-in page the person came from, offered again once registered


def _back_session(course, code: str) -> Session | None:
    """The session of ``course`` whose check-in page sent the person here, while its check-in is open."""
    if not code:
        return None
    return Session.objects.filter(course=course, checkin_code=code[:20], checkin_open=True).first()


@require_http_methods(["GET", "POST"])
def register_page(request, code: str):
    course = registration.course_by_code(code)
    if course is None:
        return render(request, "training/register_closed.html", {"unknown": True}, status=404)
    if not course.registration_open:
        return render(request, "training/register_closed.html", {"course": course}, status=403)
    data = request.POST if request.method == "POST" else request.GET
    back = _back_session(course, data.get(BACK, ""))
    context = {"course": course, "back": back, "contact": settings.SUPPORT_CONTACT,
               "notice": registration.NOTICE_VERSION}
    if request.method == "GET":
        return render(request, "training/register.html", {**context, "form": RegistrationForm(course)})
    form = context["form"] = RegistrationForm(course, request.POST)
    if ATTEMPTS.blocked(request, code):
        form.add_error(None, ATTEMPTS.message())
        return render(request, "training/register.html", context, status=429)
    if not form.is_valid():
        return render(request, "training/register.html", context, status=400)
    ATTEMPTS.count(request, code)
    try:
        person = registration.register(course, form.cleaned_data)
    except RegistrationRefused as refused:
        for field, message in refused.errors.items():
            form.add_error(field, message)
        return render(request, "training/register.html", context, status=400)
    except PermissionDenied:  # closed between the page and the submission
        return render(request, "training/register_closed.html", {"course": course}, status=403)
    return render(request, "training/register_done.html", {
        **context, "who": checkin.masked_name(person.full_name), "point": person.bridge_point})


@login_required
@require_http_methods(["GET", "POST"])
def registration_poster(request, code: str):
    course = get_object_or_404(scope.organised_courses(request.user), code=code)
    if request.method == "POST":
        return switch(request, course, "registration_open", "registration_code", {
            "open": _("Đã mở tự đăng ký: ai có đường dẫn hoặc mã QR đều đăng ký được."),
            "close": _("Đã đóng tự đăng ký."),
            "renew": _("Đã đổi mã tự đăng ký: đường dẫn và mã QR cũ không còn dùng được."),
            "same": _("Tự đăng ký đã ở trạng thái đó; không có gì thay đổi.")})
    url = request.build_absolute_uri(reverse("training_register", args=[course.registration_code]))
    return render(request, "training/register_poster.html", {
        "course": course, "url": url, "qr": checkin.qr_svg(url, _("Mã QR tự đăng ký: %(url)s") % {"url": url}),
        "self_registered": course.participants.filter(registered_via=RegisteredVia.SELF).count(),
    })
