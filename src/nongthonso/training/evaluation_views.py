"""Evaluation and test pages.

Public (a participant, not signed in): ``training_evaluation`` (``/danh-gia-khoa-tap-huan/<code>/``: identify
oneself as at check-in) and ``training_evaluation_form`` (``…/<code>/<token>/``: one's own form, the link an organiser
may also send). Organiser's: the questions and the form's link (``training_evaluation_questions``), the results
(``training_evaluation_results``), the per-participant links as CSV (``training_evaluation_links``), the pre/post test
scores (``training_test_scores``, with the file to fill in and import: ``training_test_scores_file``). The writes are
``evaluation``'s and ``evaluation_scores``'s.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from nongthonso.core.imports import ImportFailed
from nongthonso.dataio.exports import Table, to_bytes

from . import checkin, checkin_cache, evaluation, evaluation_scores, scope
from .checkin import MISSES, Identity, NotIdentified
from .checkin_views import SWITCH_ACTIONS, switch
from .evaluation import AlreadyAnswered, QuestionRejected
from .evaluation_scores import ScoreInvalid, Wanted
from .models import EvaluationObject, Question, TestKind, in_name_order

MAX_SCORES_FILE = 5 * 1024 * 1024  # a file of scores: one row per participant


def _organised(request, code: str):
    return get_object_or_404(scope.organised_courses(request.user), code=code)


# --- the participant's pages --------------------------------------------------------------------------------------

def _closed(request, course, unknown: bool = False):
    return render(request, "training/evaluation_closed.html", {"course": course, "unknown": unknown},
                  status=404 if unknown else 403)


@require_http_methods(["GET", "POST"])
def identify_page(request, code: str):
    course = evaluation.course_by_code(code)
    if course is None:
        return _closed(request, None, unknown=True)
    if not course.evaluation_open:
        return _closed(request, course)
    context = {"course": course, "identity": Identity(), "errors": {}}
    status = 200
    if request.method == "POST":
        identity = context["identity"] = Identity.from_data(request.POST)
        if MISSES.blocked(request, code):
            context["errors"], status = {"contact": MISSES.message()}, 429
        else:
            try:
                person = checkin.identify(course.pk, identity)
            except NotIdentified as missed:
                MISSES.count(request, code)
                context["errors"], status = {missed.field: missed.message}, 400
            else:
                return HttpResponseRedirect(reverse("training_evaluation_form",
                                                    args=[code, evaluation.token_for(person)]))
    context["units"] = checkin_cache.unit_options(course.pk, context["identity"].unit_id)
    return render(request, "training/evaluation_identify.html", context, status=status)


@require_http_methods(["GET", "POST"])
def form_page(request, code: str, token: str):
    course = evaluation.course_by_code(code)
    if course is None:
        return _closed(request, None, unknown=True)
    if not course.evaluation_open:
        return _closed(request, course)
    person = evaluation.participant_for(course, token)
    if person is None:
        return _closed(request, None, unknown=True)
    context = {"course": course, "who": checkin.masked_name(person.full_name), "errors": {}, "answers": {},
               "scale": evaluation.SCALE, "ends": evaluation.SCALE_ENDS}
    if evaluation.has_answered(course, person):
        return render(request, "training/evaluation_done.html", {**context, "already": True})
    if request.method == "POST":
        try:
            evaluation.submit(course, person, request.POST)
        except AlreadyAnswered:
            return render(request, "training/evaluation_done.html", {**context, "already": True})
        except PermissionDenied:
            return _closed(request, course)
        except QuestionRejected as rejected:
            context["errors"] = rejected.errors
            context["answers"] = {k: v for k, v in request.POST.items() if k.startswith("q")}
        else:
            return render(request, "training/evaluation_done.html", context)
    context["objects"] = _grouped(evaluation.questions_of(course), context["answers"], context["errors"])
    return render(request, "training/evaluation_form.html", context, status=400 if context["errors"] else 200)


def _grouped(questions: list[Question], answers: dict, errors: dict) -> list[dict]:
    """The questions under their object, each with the answer given and its error (a form sent back)."""
    groups: dict[str, dict] = {}
    for q in questions:
        group = groups.setdefault(q.aspect, {"label": EvaluationObject(q.aspect).label, "questions": []})
        key = f"q{q.pk}"
        group["questions"].append({"q": q, "name": key, "answer": answers.get(key, ""), "error": errors.get(key)})
    return list(groups.values())


# --- the organiser's pages ----------------------------------------------------------------------------------------

def _int(raw) -> int | None:
    raw = str(raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@login_required
@require_http_methods(["GET", "POST"])
def questions(request, code: str):
    course = _organised(request, code)
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in SWITCH_ACTIONS:
            return switch(request, course, "evaluation_open", "evaluation_code", {
                "open": _("Đã mở phiếu đánh giá: học viên gửi được phiếu qua đường dẫn hoặc mã QR."),
                "close": _("Đã đóng phiếu đánh giá."),
                "renew": _("Đã đổi mã phiếu đánh giá: đường dẫn, mã QR và các đường dẫn riêng đã gửi đều hết hiệu "
                           "lực."),
                "same": _("Phiếu đánh giá đã ở trạng thái đó; không có gì thay đổi.")})
        try:
            if action == "defaults":
                aspect = request.POST.get("aspect") or None
                added = evaluation.add_defaults(request.user, course, aspect)
                messages.success(request, _("Đã thêm %(n)s câu hỏi gợi ý.") % {"n": added} if added
                                 else _("Các câu hỏi gợi ý đã có đủ; không thêm gì."))
            elif action == "add":
                evaluation.add_question(request.user, course, request.POST.get("aspect", ""),
                                        request.POST.get("text", ""), request.POST.get("scale") == "1")
                messages.success(request, _("Đã thêm câu hỏi."))
            elif action in ("update", "delete"):
                question = get_object_or_404(Question, course=course, pk=_int(request.POST.get("question")) or 0)
                if action == "delete":
                    evaluation.delete_question(request.user, question)
                    messages.success(request, _("Đã xoá câu hỏi."))
                elif evaluation.update_question(request.user, question, request.POST.get("aspect", ""),
                                                request.POST.get("text", ""), request.POST.get("scale") == "1",
                                                _int(request.POST.get("order")) or 0):
                    messages.success(request, _("Đã sửa câu hỏi."))
                else:
                    messages.info(request, _("Câu hỏi không đổi gì."))
            else:
                messages.error(request, _("Không rõ thao tác «%(action)s». Tải lại trang rồi bấm lại nút.") % {
                    "action": action[:40]})
            return HttpResponseRedirect(request.path)
        except QuestionRejected as rejected:
            errors = rejected.errors
    url = request.build_absolute_uri(reverse("training_evaluation", args=[course.evaluation_code]))
    found = evaluation.questions_of(course)
    present = {q.aspect for q in found}
    return render(request, "training/evaluation_questions.html", {
        "course": course, "url": url, "errors": errors,
        "qr": checkin.qr_svg(url, _("Mã QR phiếu đánh giá: %(url)s") % {"url": url}),
        "objects": [{"value": value, "label": label, "questions": [q for q in found if q.aspect == value],
                     "defaults": evaluation.DEFAULT_QUESTIONS[value], "has_questions": value in present}
                    for value, label in EvaluationObject.choices],
        "choices": EvaluationObject.choices, "proposal": evaluation.PROPOSAL_NOTE,
        "form": request.POST if errors else {},
    }, status=400 if errors else 200)


@login_required
@require_GET
def results(request, code: str):
    course = _organised(request, code)
    return render(request, "training/evaluation_results.html", {
        "course": course, "results": evaluation.results(course), "scale": evaluation.SCALE})


@login_required
@require_GET
def links_csv(request, code: str):
    """Each participant's own form link (to send by e-mail or text message): personal data, for the organiser."""
    course = _organised(request, code)
    base = request.build_absolute_uri("/")[:-1]
    people = checkin_cache.candidates(course.pk).select_related("unit", "bridge_point")
    table = Table(title="Phiếu đánh giá", header=["full_name", "unit", "bridge_point", "phone", "email", "link"],
                  rows=([p.full_name, p.unit.name if p.unit else "", p.bridge_point.name if p.bridge_point else "",
                         p.phone, p.email,
                         base + reverse("training_evaluation_form", args=[course.evaluation_code,
                                                                          evaluation.token_for(p)])]
                        for p in people))
    response = HttpResponse(to_bytes(table, "csv"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="phieu-danh-gia-{course.code}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- pre/post tests -----------------------------------------------------------------------------------------------

def _typed_scores(request, course, people) -> tuple[list[Wanted], dict[str, str]]:
    """The scores typed on the page: ``pre_<id>``, ``post_<id>`` with the maxima ``max_pre``, ``max_post``."""
    wanted, errors = [], {}
    maxima = {}
    for kind in TestKind.values:
        try:
            maxima[kind] = evaluation_scores.parse_max(request.POST.get(f"max_{kind}", ""))
        except ScoreInvalid as bad:
            errors[f"max_{kind}"] = _("Thang điểm: %(problem)s") % {"problem": bad}
    if errors:
        return [], errors
    for person in people:
        for kind in TestKind.values:
            name = f"{kind}_{person.pk}"
            if name not in request.POST:
                continue
            try:
                score = evaluation_scores.parse_score(request.POST[name], maxima[kind])
            except ScoreInvalid as bad:
                errors[name] = _("%(who)s, %(test)s: %(problem)s") % {
                    "who": person.full_name, "test": TestKind(kind).label.lower(), "problem": bad}
                continue
            wanted.append(Wanted(person, kind, score, maxima[kind]))
    return wanted, errors


def _import_file(request, course) -> tuple[str | None, list[str]]:
    """The file sent with the page's import form, imported (all or nothing): (summary, errors)."""
    upload = request.FILES.get("file")
    if upload is None:
        return None, [_("Chưa chọn tệp. Chọn tệp CSV hoặc XLSX điểm kiểm tra rồi bấm «Nhập tệp».")]
    if upload.size > MAX_SCORES_FILE:
        return None, [_("Tệp «%(name)s» lớn quá %(mb)s MB; tệp điểm của một khoá chỉ cần vài chục KB. Kiểm tra lại "
                        "tệp.") % {"name": upload.name, "mb": MAX_SCORES_FILE // (1024 * 1024)}]
    with tempfile.TemporaryDirectory(prefix="nongthonso-scores-") as folder:
        path = Path(folder) / "scores"
        with open(path, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            result = evaluation_scores.import_scores(path, user=request.user, name=upload.name, course=course,
                                                     dry_run=request.POST.get("dry_run") == "1")
        except ImportFailed as failed:
            return None, [str(e) for e in failed.errors]
    return result.summary(), []


@login_required
@require_http_methods(["GET", "POST"])
def test_scores(request, code: str):
    course = _organised(request, code)
    people = in_name_order(checkin_cache.candidates(course.pk).select_related("unit"))
    errors: dict[str, str] = {}
    import_errors: list[str] = []
    if request.method == "POST":
        if request.POST.get("action") == "import":
            summary, import_errors = _import_file(request, course)
            if summary:
                messages.success(request, summary)
                return HttpResponseRedirect(request.path)
        else:
            wanted, errors = _typed_scores(request, course, people)
            if not errors:
                changed = evaluation_scores.save_scores(request.user, course, wanted)
                messages.success(request, _("Đã lưu %(n)s điểm.") % {"n": changed} if changed
                                 else _("Không có điểm nào thay đổi."))
                return HttpResponseRedirect(request.path)
    scores = evaluation_scores.scores_by_participant(course)
    maxima = {kind: evaluation_scores.decimal_text(next(
        (s[kind].max_score for s in scores.values() if kind in s), evaluation_scores.DEFAULT_MAX))
        for kind in TestKind.values}
    typed = request.POST if errors else {}

    def shown(person, kind: str) -> str:
        """What the score's field shows: what was typed (a form sent back), else the score recorded."""
        if typed:
            return typed.get(f"{kind}_{person.pk}", "")
        score = scores.get(person.pk, {}).get(kind)
        return "" if score is None else evaluation_scores.decimal_text(score.score)

    rows = [{"p": p, "pre": shown(p, TestKind.PRE), "post": shown(p, TestKind.POST),
             "error": errors.get(f"pre_{p.pk}") or errors.get(f"post_{p.pk}")} for p in people]
    return render(request, "training/evaluation_scores.html", {
        "course": course, "rows": rows, "errors": errors, "import_errors": import_errors, "typed": typed,
        "maxima": maxima, "results": evaluation_scores.score_results(course),
        "columns": evaluation_scores.COLUMNS_TEXT,
    }, status=400 if errors or import_errors else 200)


@login_required
@require_GET
def test_scores_file(request, code: str, fmt: str):
    """The course's participants in the import's columns, with the scores recorded so far: fill in and import."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    course = _organised(request, code)
    scores = evaluation_scores.scores_by_participant(course)

    def cell(score):
        return None if score is None else float(score.score)

    rows = []
    for p in in_name_order(checkin_cache.candidates(course.pk).select_related("unit")):
        mine = scores.get(p.pk, {})
        maximum = next((s.max_score for s in mine.values()), evaluation_scores.DEFAULT_MAX)
        rows.append([course.code, p.full_name, p.email, p.phone, p.unit.code if p.unit else "",
                     cell(mine.get(TestKind.PRE)), cell(mine.get(TestKind.POST)), float(maximum)])
    table = Table(title="Điểm kiểm tra", header=["course_code", "full_name", "email", "phone", "unit_code",
                                                  "pre_score", "post_score", "max_score"], rows=rows)
    response = HttpResponse(to_bytes(table, fmt), content_type=(
        "text/csv; charset=utf-8" if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = f'attachment; filename="diem-kiem-tra-{course.code}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response
