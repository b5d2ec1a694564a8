"""The training reports' pages and downloads (signed in; every figure from ``training.reports``).

- ``training_report`` ``/tap-huan/<code>/bao-cao/``: a course's report, to whoever may see the course
  (``scope.visible_courses``; any other course is «not found», as for dossiers); ``…/bao-cao.xlsx|.docx``: the same
  as files.
- ``training_coverage`` ``/tap-huan/do-bao-phu/?unit=&year=``: coverage of the officials to train, per unit and
  target group, within the user's scope (a unit outside it: 403 with the reason); ``/tap-huan/do-bao-phu.xlsx|.docx``.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from nongthonso.units.services import UnitNotFound

from . import exports_reports as files
from .reports import (
    MORE_ABOVE,
    NEAR_BELOW,
    OutOfScope,
    course_report,
    coverage,
    default_unit,
    headcount_years,
    reading_paths,
)
from .scope import visible_courses


def _download(content: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=files.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _visible_report(request, code: str):
    return course_report(get_object_or_404(visible_courses(request.user).select_related("organiser"), code=code))


@login_required
@require_GET
def course_report_page(request, code: str):
    report = _visible_report(request, code)
    downloads = {fmt: reverse(f"training_report_{fmt}", args=[code]) for fmt in files.FORMATS}
    return render(request, "training/report_course.html", {
        "report": report, "downloads": downloads, "near_below": NEAR_BELOW, "more_above": MORE_ABOVE})


@login_required
@require_GET
def course_report_download(request, code: str, fmt: str):
    report = _visible_report(request, code)
    return _download(files.course_document(report, fmt), fmt, files.course_filename(report, fmt))


class _Refused(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def _coverage_request(request) -> tuple[str, int]:
    """The unit code and year asked for (defaults: the user's highest training unit; the latest year with
    headcounts, else this year). Raises PermissionDenied for a user with no training role, _Refused for a bad
    year."""
    if reading_paths(request.user) == []:
        raise PermissionDenied(_("Trang này dành cho người có vai trò tập huấn hoặc vai trò xem số liệu nông thôn "
                                 "mới."))
    raw = request.GET.get("year", "").strip()
    if raw:
        if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
            raise _Refused(_("Năm «%(value)s» không hợp lệ: nhập năm bốn chữ số, ví dụ 2023.") % {"value": raw}, 400)
        year = int(raw)
    else:
        years = headcount_years(request.user)
        year = years[0] if years else timezone.localdate().year
    return request.GET.get("unit", "").strip() or default_unit(request.user), year


@login_required
@require_GET
def coverage_page(request):
    context, status = {"years": headcount_years(request.user)}, 200
    try:
        code, year = _coverage_request(request)
        context.update(code=code, year=year)
        data = coverage(code, year, request.user)
    except _Refused as exc:
        context["error"], status = str(exc), exc.status
    except UnitNotFound as exc:
        context["error"], status = str(exc), 404
    except OutOfScope as exc:
        context["error"], status = str(exc), 403
    else:
        query = QueryDict(mutable=True)
        query.update({"unit": data.unit_code, "year": str(data.year)})
        context.update(data=data, downloads={fmt: f"{reverse(f'training_coverage_{fmt}')}?{query.urlencode()}"
                                             for fmt in files.FORMATS})
    return render(request, "training/report_coverage.html", context, status=status)


@login_required
@require_GET
def coverage_download(request, fmt: str):
    try:
        code, year = _coverage_request(request)
        data = coverage(code, year, request.user)
    except _Refused as exc:
        return HttpResponse(str(exc), status=exc.status, content_type="text/plain; charset=utf-8")
    except UnitNotFound as exc:
        raise Http404(str(exc)) from None
    except OutOfScope as exc:
        return HttpResponse(str(exc), status=403, content_type="text/plain; charset=utf-8")
    return _download(files.coverage_document(data, fmt), fmt, files.coverage_filename(data, fmt))
