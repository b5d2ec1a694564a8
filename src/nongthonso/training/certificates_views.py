"""Certificate pages: the organiser's (``training_certificates``: the rule, who is eligible, issue, revoke; the PDFs
``training_certificate_pdf`` and ``training_certificates_pdf``) and the public verification page
(``training_certificate_verify``, ``/xac-minh-chung-nhan/<code>/``). The writes and the rule are ``certificates``'."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from nongthonso.reports.documents import CONTENT_TYPES
from nongthonso.reports.documents.fonts import ReportFontMissing

from . import certificates, scope
from .certificates import CertificateRefused
from .certificates_pdf import build_certificates_pdf, filename
from .models import Certificate


def _organised(request, code: str):
    return get_object_or_404(scope.organised_courses(request.user), code=code)


def _int(raw) -> int | None:
    raw = str(raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@login_required
@require_http_methods(["GET", "POST"])
def certificates_page(request, code: str):
    course = _organised(request, code)
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "share":
                if certificates.set_share(request.user, course, _int(request.POST.get("share"))):
                    messages.success(request, _("Đã đổi điều kiện cấp chứng nhận: dự ít nhất %(share)s%% số buổi.") % {
                        "share": course.certificate_share})
                else:
                    messages.info(request, _("Điều kiện cấp chứng nhận không đổi."))
            elif action == "issue":
                issued = certificates.issue(request.user, course)
                messages.success(request, _("Đã cấp %(n)s giấy chứng nhận.") % {"n": len(issued)} if issued
                                 else _("Không có học viên nào mới đủ điều kiện; không cấp thêm giấy nào."))
            elif action == "revoke":
                found = get_object_or_404(Certificate, participant__course=course,
                                          pk=_int(request.POST.get("certificate")) or 0)
                certificates.revoke(request.user, found, request.POST.get("reason", ""))
                messages.success(request, _("Đã thu hồi giấy chứng nhận số %(number)s.") % {"number": found.number})
            else:
                messages.error(request, _("Không rõ thao tác «%(action)s». Tải lại trang rồi bấm lại nút.") % {
                    "action": action[:40]})
            return HttpResponseRedirect(request.path)
        except CertificateRefused as refused:
            errors = refused.errors
    found = certificates.rows(course)
    return render(request, "training/certificates.html", {
        "course": course, "rows": found, "errors": errors,
        "eligible": sum(r.eligible for r in found),
        "waiting": sum(r.eligible and r.certificate is None for r in found),
        "issued": sum(r.certificate is not None and r.certificate.revoked_at is None for r in found),
        "revoked": sum(r.certificate is not None and r.certificate.revoked_at is not None for r in found),
        "sessions": found[0].sessions if found else course.sessions.count(),
        "revoking": _int(request.POST.get("certificate")) if errors else None,
    }, status=400 if errors else 200)


def _pdf(request, course, chosen: list[Certificate], name: str) -> HttpResponse:
    rows = {r.participant.pk: (r.attended, r.sessions) for r in certificates.rows(course)}

    def url(c: Certificate) -> str:
        return request.build_absolute_uri(reverse("training_certificate_verify", args=[c.code]))

    try:
        with translation.override("vi"):  # a document: always Vietnamese
            content = build_certificates_pdf(chosen, url, rows)
    except ReportFontMissing as missing:
        return HttpResponse(str(missing), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type=CONTENT_TYPES["pdf"])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _printable(course):
    return (Certificate.objects.filter(participant__course=course, revoked_at__isnull=True,
                                       participant__erased_at__isnull=True)
            .select_related("participant__unit", "participant__course__organiser").order_by("number"))


@login_required
@require_GET
def certificate_pdf(request, code: str, pk: int):
    course = _organised(request, code)
    found = get_object_or_404(Certificate.objects.select_related("participant__unit", "participant__course__organiser"),
                              participant__course=course, pk=pk)
    try:
        certificates.for_pdf(found)
    except PermissionDenied as refused:
        return HttpResponse(str(refused), status=409, content_type="text/plain; charset=utf-8")
    return _pdf(request, course, [found], filename(course.code, found.number))


@login_required
@require_GET
def all_pdf(request, code: str):
    course = _organised(request, code)
    chosen = list(_printable(course))
    if not chosen:
        return HttpResponse(_("Khoá chưa có giấy chứng nhận nào còn hiệu lực để in. Cấp giấy chứng nhận trước."),
                            status=404, content_type="text/plain; charset=utf-8")
    return _pdf(request, course, chosen, filename(course.code))


@require_GET
def verify_page(request, code: str):
    found = certificates.verify(code)
    return render(request, "training/certificate_verify.html", {"v": found},
                  status=404 if found.state == "unknown" else 200)
