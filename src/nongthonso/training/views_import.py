"""The session's page «Nhập điểm danh» (``training_attendance_import``,
/tap-huan/<code>/buoi/<session>/nhap-diem-danh/): the organiser uploads a video platform's attendance report (or
the project's own file), sees what it gives — the format recognised, the counts, the people matched and how —,
chooses for each person the file names but no participant matches (a participant of the course, «thêm học viên
mới», or «bỏ qua — không phải học viên»), and confirms: the whole file is written at once
(``attendance.import_attendance``). Only the course's organisers (``scope``); anyone else who may see the course is
told so (403), others get 404.

The file waiting for confirmation is kept by ``dataio.uploads`` — server-side, under a random name in
``MEDIA_ROOT/imports/``, recorded in the uploader's Django session with their id, removed after 24 hours at the next
upload — and the confirmation form carries a value signed by the server (``django.core.signing``) binding that
upload to this training session and to the file's SHA-256, both checked before anything is written: the file
imported is the file previewed, into the session previewed. Chosen over a model of pending imports because that
store already exists, with its expiry and its binding to the user, and needs no migration; over posting the file
again with a hash, because an organiser on a slow line (a commune's connection) would upload it twice.

The page also gives the project's own file ready to fill (``training_attendance_template``): the course's
participants, one row each, through the formula-safe CSV writer (``core.spreadsheets.csv_cell``).
"""

from __future__ import annotations

import csv
import io
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongthonso.core.imports import ImportFailed, RowError
from nongthonso.core.spreadsheets import csv_cell
from nongthonso.core.text import fold
from nongthonso.dataio import services as dataio
from nongthonso.dataio import uploads

from . import attendance
from .attendance_formats import FORMATS, OWN, OWN_COLUMNS
from .models import AttendanceMode, Participant, Session, in_name_order
from .scope import may_organise, visible_courses

SALT = "nongthonso.training.attendance-import"
HOW = {"email": gettext_lazy("thư điện tử"), "phone": gettext_lazy("điện thoại"), "name": gettext_lazy("họ tên"),
       "chosen": gettext_lazy("ban tổ chức chọn"), "new": gettext_lazy("học viên mới")}
ACTIONS = {"create": gettext_lazy("Ghi mới"), "update": gettext_lazy("Cập nhật"),
           "unchanged": gettext_lazy("Giữ nguyên"), "in_person": gettext_lazy("Đã dự trực tiếp — giữ nguyên")}
PICKED = re.compile(r"#(\d+)")


def _target(request, code: str, pk: int):
    """(course, session, None) for the course's organiser; (course, None, response) for someone who may see the
    course but not organise it (403, saying who may); 404 for anyone else."""
    course = get_object_or_404(visible_courses(request.user), code=code)
    if not may_organise(request.user, course):
        return course, None, render(request, "training/attendance_import.html", {
            "course": course, "refused": _("Chỉ ban tổ chức khoá «%(course)s» mới nhập điểm danh từ tệp. Người chủ trì "
                                           "điểm cầu điểm danh tại điểm cầu của mình.") % {"course": course}},
            status=403)
    return course, get_object_or_404(Session.objects.select_related("course"), course=course, pk=pk), None


def _page(request, course, session, status: int = 200, **extra):
    result = extra.get("result")
    lines = [{"line": line, "how": HOW.get(line.how, line.how), "action": ACTIONS.get(line.action, line.action)}
             for line in result.lines] if result is not None else []
    context = {"course": course, "session": session, "formats": FORMATS, "own": OWN, "own_columns": OWN_COLUMNS,
               "max_mb": dataio.max_bytes() // (1024 * 1024), "token": extra.pop("token", uploads.new_token()),
               "lines": lines, **extra}
    return render(request, "training/attendance_import.html", context, status=status)


def _preview(request, course, session, result: attendance.AttendanceResult, binding: str, token: str,
             chosen: dict[int, str] | None = None, problem: str = "", status: int = 200):
    """The check's result: counts, the people matched, and a choice for each person unmatched (``chosen``: what was
    chosen when the page comes back asking again; each person still unmatched is then marked)."""
    roster = result.roster
    people = []
    for person in result.unresolved:
        value = (chosen or {}).get(person.row, "")
        suggestions = [{"value": f"p{pk}", "text": text, "selected": value == f"p{pk}"}
                       for pk, text in roster.choices(only=roster.suggestions(person))]
        people.append({"person": person, "suggestions": suggestions, "value": value,
                       "other": (chosen or {}).get(-person.row, ""), "missing": chosen is not None})
    return _page(request, course, session, status, result=result, people=people, binding=binding, token=token,
                 choices=[(pk, text, fold(text)) for pk, text in roster.choices()] if people else [], problem=problem)


def _errors(request, course, session, name: str, errors: list[RowError], *, confirmed: bool = False):
    return _page(request, course, session, 400, errors=errors, file_name=name, confirmed=confirmed)


@login_required
@require_http_methods(["GET", "POST"])
def attendance_import(request, code: str, session: int):
    """Upload and check a file (a dry run): the preview, or every error."""
    course, target, refused = _target(request, code, session)
    if refused:
        return refused
    if request.method == "GET":
        return _page(request, course, target)
    upload = request.FILES.get("file")
    token = request.POST.get("token", "")
    token = token if uploads.valid_token(token) else uploads.new_token()
    if upload is None:
        return _page(request, course, target, 400, problem=_("Chọn tệp báo cáo điểm danh để tải lên."))
    if upload.size > dataio.max_bytes():
        return _page(request, course, target, 400, problem=dataio.too_large(upload.name))
    pending = uploads.save(request, upload, attendance.KIND, token, options={"session": str(target.pk)})
    try:
        result = attendance.import_attendance(pending.path, target, user=request.user, name=pending.name,
                                              dry_run=True, progress=uploads.reporter(request.user.pk, token))
    except ImportFailed as exc:
        uploads.discard(request, token)
        return _errors(request, course, target, pending.name, exc.errors)
    finally:
        uploads.set_state(request.user.pk, token, "done")
    binding = signing.dumps({"token": token, "session": target.pk, "sha256": result.sha256}, salt=SALT)
    return _preview(request, course, target, result, binding, token)


def _pending(request, target: Session) -> tuple[uploads.Pending | None, str]:
    """The upload the confirmation form is bound to (see the module), or None with why not."""
    gone = _("Không còn tệp chờ nhập (đã nhập, đã hủy, hoặc đã quá 24 giờ). Tải tệp lên và kiểm tra lại.")
    try:
        binding = signing.loads(request.POST.get("binding", ""), salt=SALT, max_age=uploads.MAX_AGE)
    except signing.BadSignature:
        return None, gone
    if binding.get("session") != target.pk:
        return None, gone
    pending = uploads.find(request, str(binding.get("token", "")))
    if pending is None:
        return None, gone
    if attendance.sha256_of(pending.path) != binding.get("sha256"):
        uploads.discard(request, pending.token)
        return None, _("Tệp chờ nhập không còn như lúc kiểm tra. Tải tệp lên và kiểm tra lại.")
    return pending, ""


def _resolutions(post) -> tuple[dict[int, object], dict[int, str]]:
    """The organiser's choices: (first row → participant id, NEW or SKIP; what was chosen, to show again). A choice
    is ``u-<row>``: «new», «skip», «p<id>» (a suggestion), or «other» with the participant picked in ``u-<row>-other``
    (the list's text «… #id»)."""
    resolutions, chosen = {}, {}
    for key, value in post.items():
        found = re.fullmatch(r"u-(\d+)", key)
        if not found or not value:
            continue
        row = int(found.group(1))
        other = post.get(f"u-{row}-other", "").strip()
        chosen[row], chosen[-row] = value, other
        if value in (attendance.NEW, attendance.SKIP):
            resolutions[row] = value
        elif value.startswith("p") and value[1:].isdigit():
            resolutions[row] = int(value[1:])
        elif value == "other" and (picked := PICKED.search(other)):
            resolutions[row] = int(picked.group(1))
    return resolutions, chosen


@login_required
@require_POST
def attendance_import_confirm(request, code: str, session: int):
    """Import the file checked before, with the organiser's choices; or show the choices still missing."""
    course, target, refused = _target(request, code, session)
    if refused:
        return refused
    pending, problem = _pending(request, target)
    if pending is None:
        return _page(request, course, target, 400, problem=problem)
    resolutions, chosen = _resolutions(request.POST)
    try:
        result = attendance.import_attendance(pending.path, target, user=request.user, name=pending.name,
                                              resolutions=resolutions,
                                              progress=uploads.reporter(request.user.pk, pending.token))
    except attendance.Unresolved as exc:
        missing = len(exc.result.unresolved)
        return _preview(request, course, target, exc.result, request.POST["binding"], pending.token, chosen,
                        _("Còn %(n)s người chưa chọn cách xử lý (hoặc chọn học viên không có trong danh sách). Chọn "
                          "cho từng người rồi bấm «Xác nhận nhập».") % {"n": missing}, status=400)
    except ImportFailed as exc:
        uploads.discard(request, pending.token)
        return _errors(request, course, target, pending.name, exc.errors, confirmed=True)
    finally:
        uploads.set_state(request.user.pk, pending.token, "done")
    uploads.discard(request, pending.token)
    return _page(request, course, target, result=result, confirmed=True, file_name=pending.name)


@login_required
@require_POST
def attendance_import_cancel(request, code: str, session: int):
    course, target, refused = _target(request, code, session)
    if refused:
        return refused
    pending, _problem = _pending(request, target)
    if pending is not None:
        uploads.discard(request, pending.token)
    messages.info(request, _("Đã hủy; tệp đã được xóa, chưa ghi gì."))
    return redirect("training_attendance_import", code=course.code, session=target.pk)


@login_required
@require_GET
def attendance_template(request, code: str, session: int):
    """The project's own attendance file for this course, ready to fill: a row per participant (name, e-mail, phone,
    registered bridge point), «mode» and «minutes» left for the organiser."""
    course, target, refused = _target(request, code, session)
    if refused:
        return refused
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(OWN_COLUMNS))
    people = in_name_order(Participant.objects.filter(course=course, erased_at__isnull=True)
                           .select_related("bridge_point"))
    for person in people:
        point = person.bridge_point
        mode = "" if point is None else AttendanceMode.IN_PERSON if point.is_main else AttendanceMode.ONLINE
        writer.writerow([csv_cell(v) for v in (person.full_name, person.email, person.phone,
                                               point.name if point else "", mode, "")])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="diem-danh-{course.code}-buoi-{target.pk}.csv"'
    return response
