"""Scoring on the Django side: ``set_scores`` checks, writes, audits and refreshes the evaluation in one transaction;
``refresh`` computes the stored result from the member scores alone (vectorised over many evaluations); the derived
table ``ocop_evaluations`` finds and repairs a result out of step; a sheet's spec follows admin edits."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from nongthonso.audit.models import AuditEntry
from nongthonso.core import registry
from nongthonso.demo import ocop_demo
from nongthonso.ocop import scoring
from nongthonso.ocop.models import Evaluation, MemberScore, RatingState, SheetCriterion

pytestmark = pytest.mark.django_db
SEATED = ("Chủ tịch", "Phó chủ tịch", "Ủy viên")


@pytest.fixture(autouse=True)
def _without_the_demo_scores(db):
    """These tests count every member score and take the 148 sheet as one no council has used yet: the demo's OCOP
    rows (``nongthonso.demo.ocop_demo``) out of the way."""
    ocop_demo.clear()


def _scores() -> list:
    return list(MemberScore.objects.order_by("pk").values_list("member_id", "criterion__code", "points"))


def test_the_council_score_is_the_mean_and_gives_the_stars(scoring_world):
    w = scoring_world
    w.score("Chủ tịch", w.full(0.9))
    w.score("Phó chủ tịch", w.full(0.8))
    evaluation = w.score("Ủy viên", w.full(0.7))
    # every criterion at 80 % on average: A 40·0.8 + bonus 2·0.8, B 25·0.8, C 35·0.8
    assert evaluation.complete and evaluation.total == Decimal("81.60") and evaluation.stars == 4
    assert evaluation.parts == {"A": 33.6, "B": 20.0, "C": 28.0} and evaluation.gates_failed == []
    stored = Evaluation.objects.get(pk=w.evaluation.pk)
    assert (stored.total, stored.stars) == (Decimal("81.60"), 4)


def test_an_evaluation_waits_for_every_seated_member(scoring_world):
    w = scoring_world
    w.score("Chủ tịch", w.full(1))
    evaluation = w.score("Phó chủ tịch", w.full(1))
    assert not evaluation.complete and evaluation.total is None and evaluation.stars is None
    last = {k: v for k, v in w.full(1).items() if k != "B2.2"}
    evaluation = w.score("Ủy viên", last)
    assert not evaluation.complete  # one point missing is unknown, not zero
    evaluation = w.score("Ủy viên", {"B2.2": 0})
    # B2.2 at (3 + 3 + 0) / 3 = 2: 99 points and the bonus of 2, capped at 100
    assert evaluation.complete and evaluation.total == Decimal("100.00") and evaluation.stars == 5


def test_a_failed_minimum_requirement_caps_the_stars(scoring_world):
    w = scoring_world
    for member in SEATED:
        evaluation = w.score(member, {**w.full(1), "C2.1": 2})
    assert evaluation.total == Decimal("98.00") and evaluation.stars == 2  # 96 and the bonus of 2: 5★ by points
    assert evaluation.gates_failed == [{"criterion": "C2.1", "minimum_points": 3.0, "minimum_stars": 3}]


def test_set_scores_is_audited_and_clears_a_point(scoring_world):
    w = scoring_world
    w.score("Chủ tịch", {"A1.1": "3,5", "A1.2": 4}, user=w.office)
    entry = AuditEntry.objects.filter(model="ocop.evaluation", object_id=str(w.evaluation.pk)).latest("pk")
    assert entry.user == w.office and entry.after == {"member": "Chủ tịch",
                                                     "points": {"A1.1": "3.50", "A1.2": "4.00"}}
    w.score("Chủ tịch", {"A1.1": None, "A1.2": 4}, user=w.office)
    entry = AuditEntry.objects.filter(model="ocop.evaluation").latest("pk")
    assert entry.before == {"member": "Chủ tịch", "points": {"A1.1": "3.50"}}
    assert _scores() == [(w.members["Chủ tịch"].pk, "A1.2", Decimal("4.00"))]
    count = AuditEntry.objects.count()
    w.score("Chủ tịch", {"A1.2": "4"}, user=w.office)  # nothing changes: nothing logged
    assert AuditEntry.objects.count() == count


@pytest.mark.parametrize(("points", "code", "message"), [
    ({"A1.1": 4.5}, "A1.1", "Điểm 4,5 của tiêu chí A1.1 «Tổ chức sản xuất: nguồn nguyên liệu» nằm ngoài thang điểm: "
                            "ghi từ 0 đến 4 điểm."),
    ({"A1.1": -1}, "A1.1", "nằm ngoài thang điểm"),
    ({"A1.1": "ba"}, "A1.1", "Điểm «ba» của tiêu chí A1.1"),
    ({"A1.1": "1,255"}, "A1.1", "lẻ quá hai chữ số thập phân"),
    ({"Z9": 1}, "Z9", "không có tiêu chí mã «Z9»"),
])
def test_a_point_that_does_not_fit_is_refused_naming_the_criterion(scoring_world, points, code, message):
    w = scoring_world
    w.score("Chủ tịch", {"B1.1": 2})
    before, audit = _scores(), AuditEntry.objects.count()
    with pytest.raises(scoring.ScoreRejected) as refused:
        w.score("Chủ tịch", {"B1.1": 3, **points})
    assert message in refused.value.problems[code]
    assert _scores() == before and AuditEntry.objects.count() == audit  # the good point was not written either


def test_who_may_score(scoring_world):
    w = scoring_world
    w.score("Ủy viên", {"A1.1": 1}, user=w.member_user)  # a member, their own points
    w.score("Chủ tịch", {"A1.1": 1}, user=w.office)  # the province office, from the score sheets
    for user, member in ((w.member_user, "Chủ tịch"), (w.district, "Chủ tịch"), (w.commune_officer, "Chủ tịch"),
                         (w.nobody, "Chủ tịch")):
        with pytest.raises(scoring.ScoreRejected, match="không được nhập điểm cho hồ sơ này"):
            w.score(member, {"A1.1": 2}, user=user)
    with pytest.raises(scoring.ScoreRejected, match="«Dự khuyết» không phải thành viên dự họp"):
        w.score("Dự khuyết", {"A1.1": 2})


def test_a_closed_dossier_keeps_its_scores(scoring_world):
    w = scoring_world
    w.rating.state = RatingState.CERTIFIED
    w.rating.save(update_fields=["state"])
    with pytest.raises(scoring.ScoreRejected, match="không sửa điểm được nữa"):
        w.score("Chủ tịch", {"A1.1": 2})


def test_a_score_changed_in_the_admin_refreshes_the_result(scoring_world):
    w = scoring_world
    for member in SEATED:
        w.score(member, w.full(0.9))
    score = MemberScore.objects.get(member=w.members["Chủ tịch"], criterion__code="B1.2")
    score.points = Decimal(0)
    score.save()  # as the admin does: the signal refreshes the evaluation
    evaluation = Evaluation.objects.get(pk=w.evaluation.pk)
    assert evaluation.total == Decimal("90.30") and evaluation.stars == 5
    score.delete()
    evaluation.refresh_from_db()
    assert not evaluation.complete and evaluation.stars is None


def test_the_seats_decide_who_counts(scoring_world):
    w = scoring_world
    for member in SEATED[:2]:
        w.score(member, w.full(1))
    assert not Evaluation.objects.get(pk=w.evaluation.pk).complete
    w.round.members.remove(w.members["Ủy viên"])  # the signal refreshes the round's evaluations
    assert Evaluation.objects.get(pk=w.evaluation.pk).complete
    w.score("Phó chủ tịch", w.full(0.5))
    assert Evaluation.objects.get(pk=w.evaluation.pk).total == Decimal("76.50")  # (102 + 51) / 2, bonus included
    w.round.members.remove(w.members["Phó chủ tịch"])
    evaluation = Evaluation.objects.get(pk=w.evaluation.pk)
    assert evaluation.total == Decimal("100.00") and evaluation.stars == 5  # the chair alone now


def test_the_derived_table_finds_and_repairs_a_result_out_of_step(scoring_world):
    w = scoring_world
    for member in SEATED:
        w.score(member, w.full(0.75))
    Evaluation.objects.filter(pk=w.evaluation.pk).update(total=Decimal("12.00"), stars=1)  # around the ORM's signals
    table = registry.get(registry.DerivedTable, "ocop_evaluations")
    problems = table.check()
    assert len(problems) == 1 and "lưu 12.00 điểm, 1 sao; tính lại được 76.50 điểm, 4 sao" in problems[0]
    call_command("rebuild_derived")
    assert table.check() == []
    assert Evaluation.objects.get(pk=w.evaluation.pk).stars == 4


def test_refresh_scores_many_evaluations_in_one_pass(scoring_world, django_assert_max_num_queries):
    from nongthonso.ocop.models import Rating, Round

    w = scoring_world
    evaluations = []
    for i in range(30):
        round_ = Round.objects.create(council=w.council, name=f"Đợt {i}", date=w.round.date, synthetic=True)
        rating = Rating.objects.create(product=w.product, year=2024, sheet=w.sheet, workflow="ocop-148",
                                       state=RatingState.PROPOSED, synthetic=True)
        evaluations.append(Evaluation.objects.create(rating=rating, round=round_))
    criteria = {c.code: c for c in SheetCriterion.objects.filter(sheet=w.sheet)}
    MemberScore.objects.bulk_create([
        MemberScore(evaluation=e, member=w.members[m], criterion=criteria[code], points=Decimal(str(points)))
        for i, e in enumerate(evaluations) for m in (*SEATED, "Dự khuyết")
        for code, points in w.full(i / 30).items()])
    with django_assert_max_num_queries(12):
        changed = scoring.refresh([e.pk for e in evaluations])
    assert changed == 30
    stars = dict(Evaluation.objects.filter(pk__in=[e.pk for e in evaluations]).values_list("pk", "stars"))
    assert stars[evaluations[0].pk] == 1 and stars[evaluations[29].pk] == 5  # a round without a list: the council
    assert Evaluation.objects.get(pk=evaluations[15].pk).total == Decimal("51.00")


def test_the_spec_follows_an_edit_of_the_sheet(scoring_world):
    w = scoring_world
    spec = scoring.spec_of(w.sheet)
    assert scoring.spec_of(w.sheet.pk) is spec  # cached
    criterion = SheetCriterion.objects.get(sheet=w.sheet, code="A1.1")
    criterion.name = "Nguồn nguyên liệu (đã sửa)"
    criterion.save()
    try:
        fresh = scoring.spec_of(w.sheet)
        assert fresh is not spec and fresh.criteria["A1.1"].name == "Nguồn nguyên liệu (đã sửa)"
    finally:
        scoring.forget(w.sheet.pk)  # the test's transaction rolls the edit back: the cache must not keep it


def test_every_ocop_model_is_in_the_admin_and_a_sheet_in_use_is_locked_there(scoring_world, admin_client):
    from django.apps import apps
    from django.contrib import admin

    from nongthonso.audit.admin import AuditedModelAdmin

    for model in apps.get_app_config("ocop").get_models():
        assert isinstance(admin.site._registry.get(model), AuditedModelAdmin), model
    w = scoring_world
    criterion = SheetCriterion.objects.get(sheet=w.sheet, code="C2.1")
    page = admin_client.get(f"/admin/ocop/sheetcriterion/{criterion.pk}/change/")
    assert page.status_code == 200 and "max_points" in page.context["adminform"].form.fields  # not yet in use
    w.score("Chủ tịch", {"A1.1": 3})
    page = admin_client.get(f"/admin/ocop/sheetcriterion/{criterion.pk}/change/")
    assert not {"max_points", "minimum_points", "minimum_stars"} & set(page.context["adminform"].form.fields)
    assert "đã được hội đồng dùng để chấm điểm" in page.content.decode()
    assert admin_client.post(f"/admin/ocop/sheetcriterion/{criterion.pk}/delete/", {"post": "yes"}).status_code == 403
    band = w.sheet.bands.get(stars=5)
    assert admin_client.post(f"/admin/ocop/starband/{band.pk}/delete/", {"post": "yes"}).status_code == 403
    evaluation = admin_client.get(f"/admin/ocop/evaluation/{w.evaluation.pk}/change/")
    assert not {"total", "stars", "parts"} & set(evaluation.context["adminform"].form.fields)


def test_explain_shows_each_member_and_the_council_per_criterion(scoring_world):
    w = scoring_world
    w.score("Chủ tịch", {**w.full(1), "C2.1": 2})
    w.score("Phó chủ tịch", {**w.full(1), "C2.1": 3})
    explained = scoring.explain(w.evaluation)
    assert [m.full_name for m in explained.members] == list(SEATED)
    assert explained.points[w.members["Chủ tịch"].pk]["C2.1"] == Decimal("2.00")
    assert explained.points[w.members["Ủy viên"].pk] == {}
    result = explained.result
    assert result.points["C2.1"] == 2.5 and not result.complete and result.stars is None
    assert [g["criterion"] for g in result.gates_failed] == ["C2.1"]  # 2,5 < 3: known failed, even before the end
    w.score("Ủy viên", {**w.full(1), "C2.1": 4})
    result = scoring.explain(w.evaluation).result
    assert result.complete and result.points["C2.1"] == 3 and result.stars == 5 and result.gates_failed == []
    stored = Evaluation.objects.get(pk=w.evaluation.pk)
    assert (stored.total, stored.stars) == (Decimal(str(result.total)).quantize(Decimal("0.01")), result.stars)
