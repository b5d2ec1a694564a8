"""The evaluation form after a course, on the six objects of Circular 10/2017/TT-BNV (``EvaluationObject``).

**Questions.** The organiser writes the course's questions (each under one object; answered on a 1–5 scale or in
words), or adds with one click the platform's proposed set (:data:`DEFAULT_QUESTIONS`, per object): *a proposal of
Nông thôn số, arranged by the circular's six objects — not the circular's wording*; they edit it freely. A question
that has answers keeps its kind and cannot be deleted (the results would lose their base).

**Answering.** The public form is reached two ways, both while ``Course.evaluation_open``: a per-participant link
(:func:`token_for`: the participant's id signed with the course's ``evaluation_code``, so drawing a new code
retires the links too), or the course's link where the person identifies themselves as at check-in
(``checkin.identify``). One response per participant (a unique row); the answers are stored without the
participant, whose link to the response only prevents a second form.

**Results** are aggregates only (:func:`results`): per object and per question, the mean of the 1–5 answers, their
number and distribution, the count of responses and their rate, and the free-text answers in alphabetical order (not
in the order they came, which could tell who wrote them). Every figure is counted from the ``Answer`` rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from nongthonso.audit.services import record
from nongthonso.core.text import vi_sort_key

from .checkin import PUBLIC_ACTOR, require_organiser
from .checkin_cache import candidates
from .models import Answer, Attendance, Course, EvaluationObject, EvaluationResponse, Participant, Question

MAX_TEXT_ANSWER = 2000
SCALE = (1, 2, 3, 4, 5)
OBJECT_ORDER = {value: i for i, value in enumerate(EvaluationObject.values)}

PROPOSAL_NOTE = ("Bộ câu hỏi gợi ý của Nông thôn số, sắp theo sáu đối tượng đánh giá của Thông tư 10/2017/TT-BNV; "
                 "không phải lời văn của Thông tư. Ban tổ chức sửa, bỏ hoặc thêm câu hỏi cho phù hợp với khoá.")
# The platform's proposal (see PROPOSAL_NOTE): object → [(question, answered on the 1–5 scale)].
DEFAULT_QUESTIONS: dict[str, list[tuple[str, bool]]] = {
    EvaluationObject.PROGRAMME: [
        ("Nội dung khoá học phù hợp với công việc của tôi.", True),
        ("Thời lượng dành cho các chuyên đề hợp lý.", True),
        ("Nội dung nào nên bổ sung, hoặc bớt đi, ở các khoá sau?", False),
    ],
    EvaluationObject.LEARNERS: [
        ("Tôi tham gia đầy đủ, tích cực các buổi học.", True),
        ("Tôi nắm được kiến thức, kỹ năng chính của khoá học.", True),
    ],
    EvaluationObject.LECTURERS: [
        ("Giảng viên truyền đạt dễ hiểu, có ví dụ gắn với thực tế địa phương.", True),
        ("Giảng viên trả lời thoả đáng câu hỏi của học viên.", True),
        ("Góp ý của bạn cho giảng viên.", False),
    ],
    EvaluationObject.FACILITIES: [
        ("Phòng học, âm thanh, màn chiếu (hoặc đường truyền tại điểm cầu trực tuyến) đáp ứng yêu cầu.", True),
        ("Tài liệu học tập đầy đủ, phát kịp thời.", True),
    ],
    EvaluationObject.ORGANISATION: [
        ("Thông tin, hướng dẫn trước và trong khoá học rõ ràng, kịp thời.", True),
        ("Các buổi tham quan, học tập thực tế bổ ích.", True),
    ],
    EvaluationObject.EFFECT: [
        ("Tôi sẽ áp dụng được điều đã học vào công việc.", True),
        ("Việc cụ thể bạn dự định làm sau khoá học là gì?", False),
    ],
}
SCALE_ENDS = ("Rất không đồng ý", "Hoàn toàn đồng ý")


class QuestionRejected(ValueError):
    """Field → message (Vietnamese)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# --- questions ------------------------------------------------------------------------------------------------------

def questions_of(course: Course) -> list[Question]:
    """The course's questions, by object (the circular's order), then their order. One query."""
    found = list(Question.objects.filter(course=course).annotate(answered=Count("answers")))
    return sorted(found, key=lambda q: (OBJECT_ORDER.get(q.aspect, 99), q.order, q.pk))


def _question_after(q: Question) -> dict:
    return {"course": q.course_id, "aspect": q.aspect, "text": q.text, "scale": q.scale, "order": q.order}


def _checked(aspect: str, text: str) -> tuple[str, str]:
    errors = {}
    text = " ".join((text or "").split())
    if aspect not in EvaluationObject.values:
        errors["aspect"] = _("Chọn một trong sáu đối tượng đánh giá (Thông tư 10/2017/TT-BNV).")
    if not text:
        errors["text"] = _("Nhập nội dung câu hỏi, ví dụ «Nội dung khoá học phù hợp với công việc của tôi».")
    elif len(text) > Question._meta.get_field("text").max_length:
        errors["text"] = _("Câu hỏi dài quá 500 ký tự; rút gọn lại.")
    if errors:
        raise QuestionRejected(errors)
    return aspect, text


def _next_order(course: Course, aspect: str) -> int:
    return (Question.objects.filter(course=course, aspect=aspect).aggregate(m=Max("order"))["m"] or 0) + 1


@transaction.atomic
def add_question(user, course: Course, aspect: str, text: str, scale: bool) -> Question:
    require_organiser(user, course)
    aspect, text = _checked(aspect, text)
    question = Question.objects.create(course=course, aspect=aspect, text=text, scale=scale,
                                       order=_next_order(course, aspect))
    record("create", question, after=_question_after(question), user=user)
    return question


@transaction.atomic
def add_defaults(user, course: Course, aspect: str | None = None) -> int:
    """Add the platform's proposed questions (:data:`DEFAULT_QUESTIONS`) of ``aspect`` — or of every object that has
    no question yet — to ``course``, audited; a question the course already has (same object and text) is not added
    twice. Returns how many were added."""
    require_organiser(user, course)
    if aspect is not None and aspect not in EvaluationObject.values:
        raise QuestionRejected({"aspect": _("Chọn một trong sáu đối tượng đánh giá (Thông tư 10/2017/TT-BNV).")})
    existing = set(Question.objects.filter(course=course).values_list("aspect", "text"))
    present = {a for a, _t in existing}
    aspects = [aspect] if aspect else [a for a in EvaluationObject.values if a not in present]
    added = 0
    for a in aspects:
        order = _next_order(course, a)
        for text, scale in DEFAULT_QUESTIONS[a]:
            if (a, text) in existing:
                continue
            question = Question.objects.create(course=course, aspect=a, text=text, scale=scale, order=order)
            record("create", question, after=_question_after(question), user=user, note="Bộ câu hỏi gợi ý")
            order += 1
            added += 1
    return added


@transaction.atomic
def update_question(user, question: Question, aspect: str, text: str, scale: bool, order: int) -> bool:
    """Change a question (audited); False when nothing changed. A question with answers keeps its kind (1–5 or
    words): the answers were given to it."""
    require_organiser(user, question.course)
    aspect, text = _checked(aspect, text)
    if scale != question.scale and question.answers.exists():
        raise QuestionRejected({"scale": _("Câu hỏi đã có người trả lời nên không đổi được cách trả lời (chấm điểm "
                                           "1–5 hay trả lời bằng lời). Thêm một câu hỏi mới thay vì sửa.")})
    before = _question_after(question)
    question.aspect, question.text, question.scale, question.order = aspect, text, scale, max(0, min(order, 32767))
    after = _question_after(question)
    if after == before:
        return False
    question.save()
    record("update", question, before=before, after=after, user=user)
    return True


@transaction.atomic
def delete_question(user, question: Question) -> None:
    require_organiser(user, question.course)
    if question.answers.exists():
        raise QuestionRejected({"delete": _("Câu hỏi «%(text)s» đã có người trả lời nên không xoá được (kết quả sẽ "
                                            "mất căn cứ). Sửa lời câu hỏi nếu cần.") % {"text": question.text}})
    record("delete", question, before=_question_after(question), user=user)
    question.delete()


# --- the participant's form -----------------------------------------------------------------------------------------

def course_by_code(code: str) -> Course | None:
    return Course.objects.filter(evaluation_code=code).first()


def _signer(course: Course) -> signing.Signer:
    return signing.Signer(salt=f"nongthonso.training.evaluation:{course.evaluation_code}", sep=".")


def token_for(participant: Participant) -> str:
    """The participant's own form link's token: their id, signed for the course's current evaluation code."""
    return _signer(participant.course).sign(str(participant.pk))


def participant_for(course: Course, token: str) -> Participant | None:
    """The participant ``token`` was made for, if it is genuine, for this course's current code, and they were
    not erased."""
    try:
        pk = _signer(course).unsign(token[:100])
    except signing.BadSignature:
        return None
    return candidates(course.pk).filter(pk=int(pk)).first() if pk.isdigit() else None


def has_answered(course: Course, participant: Participant) -> bool:
    return EvaluationResponse.objects.filter(course=course, participant=participant).exists()


class AlreadyAnswered(Exception):
    """This participant's form is in already."""


@transaction.atomic
def submit(course: Course, participant: Participant, data) -> EvaluationResponse:
    """Store ``participant``'s answers to ``course``'s questions from the form's ``data`` (``q<id>``: 1–5 or text),
    audited (the number of answers, not who). Raises ``PermissionDenied`` (the form is closed),
    :class:`AlreadyAnswered`, :class:`QuestionRejected` (field ``q<id>`` → message; nothing stored)."""
    if not course.evaluation_open:
        raise PermissionDenied(_("Phiếu đánh giá của khoá này đang đóng."))
    answers, errors = [], {}
    for q in questions_of(course):
        raw = str(data.get(f"q{q.pk}") or "").strip()
        if not raw:
            continue
        if q.scale:
            if raw not in {str(s) for s in SCALE}:
                errors[f"q{q.pk}"] = _("Chọn một mức từ 1 đến 5.")
                continue
            answers.append(Answer(question=q, score=int(raw)))
        elif len(raw) > MAX_TEXT_ANSWER:
            errors[f"q{q.pk}"] = _("Câu trả lời dài %(n)s ký tự, quá %(max)s ký tự; rút gọn lại.") % {
                "n": len(raw), "max": MAX_TEXT_ANSWER}
        else:
            answers.append(Answer(question=q, text=raw.replace("\x00", "")))
    if not answers and not errors:
        errors["form"] = _("Phiếu chưa có câu trả lời nào. Chọn mức 1–5 hoặc viết câu trả lời cho ít nhất một câu hỏi "
                           "rồi bấm «Gửi phiếu».")
    if errors:
        raise QuestionRejected(errors)
    try:
        with transaction.atomic():
            response = EvaluationResponse.objects.create(course=course, participant=participant)
    except IntegrityError:
        raise AlreadyAnswered from None
    for answer in answers:
        answer.response = response
    Answer.objects.bulk_create(answers)
    record("create", response, actor=PUBLIC_ACTOR, after={"course": course.pk, "answers": len(answers)})
    return response


# --- results --------------------------------------------------------------------------------------------------------

@dataclass
class QuestionResult:
    question: Question
    counts: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCALE, 0))  # score → answers
    texts: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return sum(self.counts.values()) if self.question.scale else len(self.texts)

    @property
    def total(self) -> int:
        return sum(score * k for score, k in self.counts.items())

    @property
    def mean(self) -> float | None:
        n = sum(self.counts.values())
        return self.total / n if n else None

    @property
    def distribution(self) -> list[tuple[int, int]]:
        return list(self.counts.items())


@dataclass
class ObjectResult:
    aspect: str
    label: str
    questions: list[QuestionResult]

    @property
    def scored(self) -> int:
        return sum(sum(q.counts.values()) for q in self.questions if q.question.scale)

    @property
    def mean(self) -> float | None:
        """The mean of every 1–5 answer to the object's questions."""
        return sum(q.total for q in self.questions if q.question.scale) / self.scored if self.scored else None


@dataclass
class Results:
    responses: int
    registered: int  # participants of the course not erased
    attended: int  # participants with at least one attendance row
    objects: list[ObjectResult]

    @property
    def rate_attended(self) -> float | None:
        return 100 * self.responses / self.attended if self.attended else None

    @property
    def rate_registered(self) -> float | None:
        return 100 * self.responses / self.registered if self.registered else None


def results(course: Course) -> Results:
    """The course's evaluation in figures (see the module's note). Six queries, whatever the number of answers."""
    by_question = {q.pk: QuestionResult(q) for q in questions_of(course)}
    for question_id, score, n in (Answer.objects.filter(response__course=course, score__isnull=False)
                                  .values_list("question_id", "score").annotate(n=Count("pk"))
                                  .order_by("question_id", "score")):
        if question_id in by_question and score in SCALE:
            by_question[question_id].counts[score] = n
    for question_id, text in (Answer.objects.filter(response__course=course, score__isnull=True).exclude(text="")
                              .order_by("question_id").values_list("question_id", "text")):
        if question_id in by_question:
            by_question[question_id].texts.append(text)
    for row in by_question.values():
        row.texts.sort(key=vi_sort_key)
    objects = []
    for aspect, label in EvaluationObject.choices:
        rows = [r for r in by_question.values() if r.question.aspect == aspect]
        if rows:
            objects.append(ObjectResult(aspect, label, rows))
    attended = (Attendance.objects.filter(session__course=course).values("participant_id").distinct().count())
    return Results(responses=EvaluationResponse.objects.filter(course=course).count(),
                   registered=candidates(course.pk).count(), attended=attended, objects=objects)
