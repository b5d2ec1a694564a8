"""The check-in pages: the public page a participant's phone opens from the QR code (``training_checkin``,
``/diem-danh/<code>/``) and the organiser's poster of a session (``training_checkin_poster``).

The public page is the one a room of phones hits at once (bench/training/bench_checkin.py). What it shows of the
session, its course and the units of its participants is kept in the cache (``checkin_cache``): a GET is a few cache
reads and the visitor's CSRF token put into the kept form; a POST identifies the person with one query and records
them (two inserts in one transaction; the attendance table's unique constraint says when they had checked in
already). Its template (``checkin_base.html``) needs no context processor's work: no menu, no user.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import checkin, checkin_cache, scope
from .checkin import MISSES, Identity, NotIdentified
from .models import Session

# what a switch form may ask: POST «action» → (the value of the page's open flag, or None to draw a new code)
SWITCH_ACTIONS = {"open": True, "close": False, "renew": None}


# Stands for the CSRF token in a cached page (letters and hyphens: HTML escaping leaves it as it is).
CSRF_PLACEHOLDER = "nongthonso-csrf-token-placeholder"


@require_http_methods(["GET", "POST"])
def checkin_page(request, code: str):
    page = checkin_cache.page_for(code)
    if page is None:
        return render(request, "training/checkin_closed.html", {"unknown": True}, status=404)
    if not page.checkin_open:
        return render(request, "training/checkin_closed.html", {"page": page}, status=403)
    if request.method == "GET":
        html = checkin_cache.rendered(page, get_language(), lambda: render_to_string(
            "training/checkin.html", _form_context(page, Identity(), {}, csrf_token=CSRF_PLACEHOLDER)))
        return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))
    identity = Identity.from_data(request.POST)
    if MISSES.blocked(request, code):
        return _form(request, page, identity, {"contact": MISSES.message()}, status=429)
    try:
        participant = checkin.identify(page.course_id, identity)
    except NotIdentified as missed:
        MISSES.count(request, code)
        return _form(request, page, identity, {missed.field: missed.message}, status=400)
    try:
        done = checkin.check_in(page, participant)
    except PermissionDenied as refused:  # closed between the page and the tap
        return _form(request, page, identity, {"contact": str(refused)}, status=403)
    return render(request, "training/checkin.html", {
        "page": page, "done": done, "who": checkin.masked_name(participant.full_name), "unit": participant.unit})


def _form_context(page, identity: Identity, errors: dict, **extra) -> dict:
    return {"page": page, "identity": identity, "errors": errors,
            "units": checkin_cache.unit_options(page.course_id, identity.unit_id), **extra}


def _form(request, page, identity: Identity, errors: dict, status: int):
    return render(request, "training/checkin.html", _form_context(page, identity, errors), status=status)


# --- the organiser's poster ---------------------------------------------------------------------------------------

def switch(request, obj: Model, flag: str, code_field: str, names: dict[str, str]) -> HttpResponseRedirect:
    """Apply a switch form's POST («action»: open, close, renew) to ``obj``'s public page (``flag``, ``code_field``)
    through ``checkin.set_switch`` / ``renew_code`` (organiser only, audited) and say what happened; ``names``: the
    messages for "open", "close", "renew" and "same". Redirects back to the page."""
    action = request.POST.get("action", "")
    if action not in SWITCH_ACTIONS:
        messages.error(request, _("Không rõ thao tác «%(action)s». Tải lại trang rồi bấm lại nút.") % {
            "action": action[:40]})
    elif SWITCH_ACTIONS[action] is None:
        checkin.renew_code(request.user, obj, code_field)
        messages.success(request, names["renew"])
    elif checkin.set_switch(request.user, obj, flag, SWITCH_ACTIONS[action]):
        messages.success(request, names[action])
    else:
        messages.info(request, names["same"])
    return HttpResponseRedirect(request.path)


@login_required
@require_http_methods(["GET", "POST"])
def poster(request, code: str, session: int):
    course = get_object_or_404(scope.organised_courses(request.user), code=code)
    found = get_object_or_404(Session.objects.select_related("course"), course=course, pk=session)
    if request.method == "POST":
        return switch(request, found, "checkin_open", "checkin_code", {
            "open": _("Đã mở điểm danh QR cho buổi này."), "close": _("Đã đóng điểm danh QR của buổi này."),
            "renew": _("Đã đổi mã điểm danh: in lại áp phích, mã cũ không còn dùng được."),
            "same": _("Điểm danh đã ở trạng thái đó; không có gì thay đổi.")})
    url = request.build_absolute_uri(reverse("training_checkin", args=[found.checkin_code]))
    return render(request, "training/checkin_poster.html", {
        "course": course, "session": found, "url": url,
        "qr": checkin.qr_svg(url, _("Mã QR điểm danh: %(url)s") % {"url": url}),
        "checked_in": found.attendance.filter(method="qr").count(),
        "registered": checkin_cache.candidates(course.pk).count(),
    })
