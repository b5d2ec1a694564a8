"""The evaluation after a course (six objects of Circular 10/2017/TT-BNV): the organiser's questions, the participant's
form (own link, or identified as at check-in; one each), the results as aggregates only; and the pre/post tests."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from nongthonso.audit.models import AuditEntry
from nongthonso.core.imports import ImportFailed
from nongthonso.training import evaluation, evaluation_scores
from nongthonso.training.models import (
    Answer,
    Attendance,
    AttendanceMethod,
    AttendanceMode,
    EvaluationObject,
    EvaluationResponse,
    Question,
)
from nongthonso.training.models import TestKind as Kind  # imported under other names: pytest would collect «Test*»
from nongthonso.training.models import TestScore as Score

from .public_world import fresh_cache, world  # noqa: F401 - the fixtures


def scores(world):  # noqa: F811
    """The test scores of the world's course (the demo has courses of its own)."""
    return Score.objects.filter(participant__course=world.course)


def audit(world, model: str):  # noqa: F811
    """The audit entries of the world's course's rows of ``model`` (training.<model>)."""
    from nongthonso.training import models

    ids = {"question": models.Question.objects.filter(course=world.course),
           "testscore": Score.objects.filter(participant__course=world.course)}[model].values_list("pk", flat=True)
    return AuditEntry.objects.filter(model=f"training.{model}", object_id__in=[str(i) for i in ids])


def organiser_client(world):  # noqa: F811
    client = Client()
    client.force_login(world.organiser)
    return client


@pytest.fixture
def with_questions(world):  # noqa: F811
    evaluation.add_defaults(world.organiser, world.course)
    world.course.evaluation_open = True
    world.course.save()
    return world


def own_link(world, person):  # noqa: F811
    return reverse("training_evaluation_form", args=[world.course.evaluation_code, evaluation.token_for(person)])


# --- questions ----------------------------------------------------------------------------------------------------

def test_the_default_set_covers_the_six_objects_and_says_it_is_a_proposal(world):  # noqa: F811
    assert set(evaluation.DEFAULT_QUESTIONS) == set(EvaluationObject.values)
    client = organiser_client(world)
    page = reverse("training_evaluation_questions", args=[world.course.code])
    body = client.get(page).content.decode()
    assert "không phải lời văn của Thông tư" in body
    assert client.post(page, {"action": "defaults"}).status_code == 302
    expected = sum(len(q) for q in evaluation.DEFAULT_QUESTIONS.values())
    assert Question.objects.filter(course=world.course).count() == expected
    assert set(Question.objects.filter(course=world.course).values_list("aspect", flat=True)) == set(
        EvaluationObject.values)
    assert audit(world, "question").filter(action="create").count() == expected
    client.post(page, {"action": "defaults"})  # nothing twice
    client.post(page, {"action": "defaults", "aspect": "lecturers"})
    assert Question.objects.filter(course=world.course).count() == expected


def test_the_organiser_adds_edits_and_deletes_questions(world):  # noqa: F811
    client = organiser_client(world)
    page = reverse("training_evaluation_questions", args=[world.course.code])
    client.post(page, {"action": "add", "aspect": "facilities", "text": "  Wifi ổn định? ", "scale": "0"})
    question = Question.objects.get(course=world.course)
    assert (question.aspect, question.text, question.scale) == ("facilities", "Wifi ổn định?", False)
    client.post(page, {"action": "update", "question": question.pk, "aspect": "facilities",
                       "text": "Đường truyền ổn định", "scale": "1", "order": "3"})
    question.refresh_from_db()
    assert (question.text, question.scale, question.order) == ("Đường truyền ổn định", True, 3)
    response = client.post(page, {"action": "add", "aspect": "nothing", "text": ""})
    assert response.status_code == 400 and "sáu đối tượng" in response.content.decode()
    client.post(page, {"action": "delete", "question": question.pk})
    assert not Question.objects.filter(course=world.course).exists()
    assert list(AuditEntry.objects.filter(model="training.question", object_id=str(question.pk))
                .values_list("action", flat=True)
                .order_by("pk")) == ["create", "update", "delete"]


def test_a_question_with_answers_keeps_its_kind_and_stays(with_questions):
    question = Question.objects.filter(course=with_questions.course, scale=True).first()
    evaluation.submit(with_questions.course, with_questions.people.an, {f"q{question.pk}": "4"})
    client = organiser_client(with_questions)
    page = reverse("training_evaluation_questions", args=[with_questions.course.code])
    response = client.post(page, {"action": "delete", "question": question.pk})
    assert response.status_code == 400 and "đã có người trả lời" in response.content.decode()
    with pytest.raises(evaluation.QuestionRejected):
        evaluation.update_question(with_questions.organiser, question, question.aspect, question.text, False, 1)
    assert Question.objects.filter(pk=question.pk, scale=True).exists()


def test_only_the_course_s_organisers_manage_its_evaluation(world):  # noqa: F811
    for name in ("training_evaluation_questions", "training_evaluation_results", "training_evaluation_links",
                 "training_test_scores"):
        page = reverse(name, args=[world.course.code])
        assert Client().get(page).status_code == 302
        outsider = Client()
        outsider.force_login(world.outsider)
        assert outsider.get(page).status_code == 404, name
        assert organiser_client(world).get(page).status_code == 200, name


# --- the participant's form -----------------------------------------------------------------------------------------

def test_the_form_is_closed_until_the_organiser_opens_it(world):  # noqa: F811
    evaluation.add_defaults(world.organiser, world.course)
    response = Client().get(own_link(world, world.people.an))
    assert response.status_code == 403 and "Phiếu đánh giá đang đóng" in response.content.decode()
    client = organiser_client(world)
    client.post(reverse("training_evaluation_questions", args=[world.course.code]), {"action": "open"})
    assert Client().get(own_link(world, world.people.an)).status_code == 200


def test_a_participant_answers_once_through_their_own_link(with_questions):
    questions = evaluation.questions_of(with_questions.course)
    scaled = [q for q in questions if q.scale]
    worded = next(q for q in questions if not q.scale)
    link = own_link(with_questions, with_questions.people.an)
    body = Client().get(link).content.decode()
    assert all(q.text in body for q in questions) and "N. V. An" in body and "Nguyễn Văn An" not in body
    data = {f"q{scaled[0].pk}": "5", f"q{scaled[1].pk}": "3", f"q{worded.pk}": "Thêm phần thực hành"}
    response = Client().post(link, data)
    assert response.status_code == 200 and "Đã gửi phiếu đánh giá" in response.content.decode()
    answer = EvaluationResponse.objects.get(course=with_questions.course)
    assert answer.participant == with_questions.people.an
    answers = Answer.objects.filter(response__course=with_questions.course)
    assert sorted(answers.values_list("score", flat=True), key=str) == sorted([5, 3, None], key=str)
    entry = AuditEntry.objects.get(model="training.evaluationresponse", object_id=str(answer.pk))
    assert entry.after == {"course": with_questions.course.pk, "answers": 3}
    again = Client().post(link, data)
    assert "Bạn đã gửi phiếu rồi" in again.content.decode()
    assert EvaluationResponse.objects.filter(course=with_questions.course).count() == 1 and answers.count() == 3


def test_a_forged_or_retired_link_opens_nothing(with_questions):
    person = with_questions.people.an
    token = evaluation.token_for(person)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert Client().get(reverse("training_evaluation_form", args=[with_questions.course.evaluation_code,
                                                                   forged])).status_code == 404
    other = f"{with_questions.people.binh.pk}.{token.split('.')[1]}"  # another's id with An's signature
    assert Client().get(reverse("training_evaluation_form", args=[with_questions.course.evaluation_code,
                                                                   other])).status_code == 404
    old = own_link(with_questions, person)
    organiser_client(with_questions).post(reverse("training_evaluation_questions",
                                                  args=[with_questions.course.code]), {"action": "renew"})
    assert Client().get(old).status_code == 404


def test_identifying_oneself_leads_to_one_s_own_form(with_questions):
    identify = reverse("training_evaluation", args=[with_questions.course.evaluation_code])
    response = Client().post(identify, {"contact": "0983111222"})
    assert response.status_code == 302
    assert response["Location"] == own_link(with_questions, with_questions.people.dung)
    missed = Client().post(identify, {"contact": "0900000000"})
    assert missed.status_code == 400 and "Không tìm thấy học viên" in missed.content.decode()


def test_bad_answers_are_refused_and_kept_on_the_form(with_questions):
    questions = evaluation.questions_of(with_questions.course)
    scaled = next(q for q in questions if q.scale)
    worded = next(q for q in questions if not q.scale)
    link = own_link(with_questions, with_questions.people.an)
    response = Client().post(link, {f"q{scaled.pk}": "7", f"q{worded.pk}": "Ý kiến giữ lại"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Chọn một mức từ 1 đến 5" in body and "Ý kiến giữ lại" in body
    empty = Client().post(link, {})
    assert empty.status_code == 400 and "Phiếu chưa có câu trả lời nào" in empty.content.decode()
    assert not EvaluationResponse.objects.filter(course=with_questions.course).exists()


# --- results ----------------------------------------------------------------------------------------------------------

def test_results_are_aggregates_counted_from_the_answers(with_questions):
    w = with_questions
    lecturers = [q for q in evaluation.questions_of(w.course) if q.aspect == "lecturers"]
    first, second, worded = lecturers
    Attendance.objects.bulk_create([Attendance(session=w.session, participant=p, mode=AttendanceMode.IN_PERSON,
                                               method=AttendanceMethod.QR)
                                    for p in (w.people.an, w.people.binh, w.people.chi, w.people.dung)])
    evaluation.submit(w.course, w.people.an, {f"q{first.pk}": "5", f"q{second.pk}": "4", f"q{worded.pk}": "Zê"})
    evaluation.submit(w.course, w.people.binh, {f"q{first.pk}": "3", f"q{worded.pk}": "Ây"})
    evaluation.submit(w.course, w.people.chi, {f"q{first.pk}": "4"})
    found = evaluation.results(w.course)
    assert (found.responses, found.attended, found.registered) == (3, 4, 5)
    assert found.rate_attended == 75 and found.rate_registered == 60
    obj = next(o for o in found.objects if o.aspect == "lecturers")
    assert obj.mean == pytest.approx((5 + 4 + 3 + 4) / 4)
    by_q = {r.question.pk: r for r in obj.questions}
    assert by_q[first.pk].mean == 4 and by_q[first.pk].counts == {1: 0, 2: 0, 3: 1, 4: 1, 5: 1}
    assert by_q[second.pk].n == 1 and by_q[worded.pk].texts == ["Ây", "Zê"]  # alphabetical, not as they came
    body = organiser_client(w).get(reverse("training_evaluation_results", args=[w.course.code])).content.decode()
    assert 'data-responses>3<' in body and "75,0%" in body and 'data-object-mean="4.00"' in body
    for person in vars(w.people).values():
        assert person.full_name not in body  # anonymous: nobody's name


def test_the_links_file_is_formula_safe(with_questions):
    w = with_questions
    w.people.an.full_name = "=HYPERLINK(\"http://x\")"
    w.people.an.save()
    response = organiser_client(w).get(reverse("training_evaluation_links", args=[w.course.code]))
    text = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    token = evaluation.token_for(w.people.binh)
    assert f"http://testserver/danh-gia-khoa-tap-huan/{w.course.evaluation_code}/{token}/" in text
    assert w.people.erased.full_name not in text


# --- pre/post tests ---------------------------------------------------------------------------------------------------

def test_scores_typed_on_the_page_are_saved_and_audited(world):  # noqa: F811
    client = organiser_client(world)
    page = reverse("training_test_scores", args=[world.course.code])
    an, binh = world.people.an, world.people.binh
    response = client.post(page, {"max_pre": "10", "max_post": "10", f"pre_{an.pk}": "5,5", f"post_{an.pk}": "8",
                                  f"pre_{binh.pk}": "", f"post_{binh.pk}": "9.25"})
    assert response.status_code == 302
    assert {(s.participant_id, s.kind): str(s.score) for s in scores(world)} == {
        (an.pk, "pre"): "5.50", (an.pk, "post"): "8.00", (binh.pk, "post"): "9.25"}
    assert audit(world, "testscore").filter(action="create").count() == 3
    client.post(page, {"max_pre": "10", "max_post": "10", f"pre_{an.pk}": "", f"post_{an.pk}": "8"})
    assert not Score.objects.filter(participant=an, kind=Kind.PRE).exists()
    bad = client.post(page, {"max_pre": "10", "max_post": "10", f"pre_{an.pk}": "11"})
    assert bad.status_code == 400 and "ngoài thang điểm 0–10" in bad.content.decode()


def test_results_put_scores_on_ten_and_count_the_improvement(world):  # noqa: F811
    p = world.people
    rows = [(p.an, "pre", 4, 10), (p.an, "post", 8, 10), (p.binh, "pre", 60, 100), (p.binh, "post", 50, 100),
            (p.chi, "post", 10, 10)]
    Score.objects.bulk_create([Score(participant=person, kind=kind, score=s, max_score=m)
                                   for person, kind, s, m in rows])
    found = evaluation_scores.score_results(world.course)
    assert found.mean_pre == pytest.approx(5) and found.mean_post == pytest.approx((8 + 5 + 10) / 3)
    assert found.improvement == pytest.approx(((8 - 4) + (5 - 6)) / 2)
    assert (found.improved, found.unchanged, found.worse) == (1, 0, 1)
    bands = {b["label"]: (b["pre"], b["post"]) for b in found.distribution()}
    assert bands["4 – dưới 6"] == (1, 1) and bands["6 – dưới 8"] == (1, 0) and bands["8–10"] == (0, 2)
    body = organiser_client(world).get(reverse("training_test_scores", args=[world.course.code])).content.decode()
    assert "data-improvement>+1,50<" in body


def scores_file(text: str, name: str = "diem.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_a_scores_file_is_imported_all_or_nothing(world, tmp_path):  # noqa: F811
    good = tmp_path / "diem.csv"
    good.write_text("course_code,full_name,email,phone,unit_code,pre_score,post_score,max_score\n"
                    "cds-2023,Nguyễn Văn An,,,,4,8,\n"
                    f"cds-2023,Le Thi Chi,,,{world.communes[0].code},50,70,100\n"
                    "cds-2023,,binh.tran@example.vn,,,,9,\n", encoding="utf-8")
    result = evaluation_scores.import_scores(good, user=world.organiser, dry_run=True)
    assert (result.created, result.updated) == (5, 0) and not scores(world).exists()
    evaluation_scores.import_scores(good, user=world.organiser)
    assert scores(world).count() == 5
    assert audit(world, "testscore").count() == 5
    again = evaluation_scores.import_scores(good, user=world.organiser)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    bad = tmp_path / "sai.csv"
    bad.write_text("course_code,full_name,phone,pre_score,post_score\n"
                   "cds-2023,Nguyễn Văn An,,12,\n"
                   "cds-2023,Lê Thị Chi,,5,\n"
                   "khong-co,Ai Đó,,5,\n"
                   "cds-2023,Trần Thị Bình,0977654321,,abc\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        evaluation_scores.import_scores(bad, user=world.organiser)
    text = "\n".join(str(e) for e in failed.value.errors)
    assert "Dòng 2, cột «pre_score» (giá trị «12»): điểm 12 ngoài thang điểm 0–10" in text
    assert "Dòng 3, cột «full_name»" in text and "khớp với nhiều học viên" in text
    assert "Dòng 4, cột «course_code» (giá trị «khong-co»)" in text
    assert "Dòng 5, cột «post_score» (giá trị «abc»)" in text
    assert scores(world).count() == 5  # nothing written
    with pytest.raises(ImportFailed, match="Chỉ ban tổ chức"):
        evaluation_scores.import_scores(good, user=world.outsider.__class__.objects.create_user("nobody"))
    with pytest.raises(ImportFailed, match="không có khoá tập huấn mã này"):
        evaluation_scores.import_scores(good, user=world.outsider)


def test_the_scores_page_imports_a_file_for_its_course(world):  # noqa: F811
    client = organiser_client(world)
    page = reverse("training_test_scores", args=[world.course.code])
    download = client.get(reverse("training_test_scores_file", args=[world.course.code, "csv"]))
    text = download.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "course_code,full_name,email,phone,unit_code,pre_score,post_score,max_score"
    filled = re.sub(r"^(cds-2023,Nguyễn Văn An,[^\n]*?),,,10\r?$", r"\1,6,9,10", text, flags=re.M)
    assert filled != text
    response = client.post(page, {"action": "import", "file": scores_file(filled)})
    assert response.status_code == 302
    assert {s.kind: str(s.score) for s in Score.objects.filter(participant=world.people.an)} == {
        "pre": "6.00", "post": "9.00"}
    wrong = client.post(page, {"action": "import", "file": scores_file("full_name,pre_score\nAi Đó,5\n")})
    assert wrong.status_code == 400 and "Dòng 2" in wrong.content.decode()


def test_the_scores_file_round_trips_through_xlsx(world):  # noqa: F811
    from openpyxl import load_workbook

    Score.objects.create(participant=world.people.an, kind="pre", score=7, max_score=10)
    content = organiser_client(world).get(reverse("training_test_scores_file", args=[world.course.code, "xlsx"]))
    sheet = load_workbook(io.BytesIO(content.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("course_code", "full_name", "email", "phone", "unit_code", "pre_score")
    assert any(r[1] == "Nguyễn Văn An" and r[5] == 7 for r in rows[1:])
