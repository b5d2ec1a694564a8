"""The OCOP part of the demo: synthetic raw rows only, the stars of every certificate those the points engine gives the
councils' member scores, dossiers in several states, certificates expiring in the quarter after today and after the
2023 report date, one revoked with its reason; deterministic; the producer's demo account sees its own products."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.test import Client

from nongthonso.core.dates import default_as_of
from nongthonso.demo import ocop_demo
from nongthonso.demo.management.commands.demo_users import PRODUCER_ACCOUNTS
from nongthonso.demo.thai_nguyen import AS_OF
from nongthonso.demo.thai_nguyen_2026 import AS_OF as AS_OF_2026
from nongthonso.ocop import scope, scoring, status, workflow
from nongthonso.ocop.models import (
    Certificate,
    Council,
    Evaluation,
    MemberScore,
    Producer,
    Product,
    Rating,
    RatingState,
    Registration,
    add_months,
)

pytestmark = pytest.mark.django_db
QUARTER = dt.timedelta(days=90)


def test_every_row_is_synthetic_and_the_printed_counts_are_the_rows():
    assert Product.objects.exists()
    for model in (Producer, Product, Registration, Council, Rating, Certificate):
        assert not model.objects.filter(synthetic=False).exists(), model
    out = []
    counts = ocop_demo.build(say=out.append)
    assert counts == {"producers": Producer.objects.count(), "products": Product.objects.count(),
                      "registrations": Registration.objects.count(), "councils": Council.objects.count(),
                      "scores": MemberScore.objects.count(), "ratings": Rating.objects.count(),
                      "certificates": Certificate.objects.count()}
    assert out == [f"OCOP: {counts['producers']} chủ thể, {counts['products']} sản phẩm, {counts['registrations']} "
                   f"đăng ký ý tưởng, phương án, {counts['councils']} hội đồng, {counts['scores']} điểm của thành "
                   f"viên, {counts['ratings']} hồ sơ đánh giá, {counts['certificates']} giấy chứng nhận (minh họa)."]


def test_the_stars_come_from_the_member_scores_through_the_engine():
    # the stored results are what the engine computes from the raw scores
    assert scoring.check() == []
    evaluations = list(Evaluation.objects.select_related("rating"))
    assert evaluations and all(e.complete for e in evaluations)
    # each certificate of a dossier holds the stars of its dossier's last evaluation
    for certificate in Certificate.objects.exclude(rating=None).select_related("rating"):
        last = certificate.rating.evaluations.order_by("round__date", "pk").last()
        assert certificate.stars == last.stars, certificate
    # a dossier the councils scored below 3★ (or under a gate) is not recognised, with no certificate
    refused = Rating.objects.filter(state=RatingState.NOT_RECOGNISED)
    assert refused.exists() and not Certificate.objects.filter(rating__in=refused).exists()
    for rating in refused:
        last = rating.evaluations.order_by("round__date", "pk").last()
        assert (last.stars or 0) < 3
    # 3★ by districts, 4★ by the province, 5★ by the ministry (Decision 148); 3★ and 4★ by the province (1489)
    levels = Counter(Certificate.objects.filter(rating__workflow=ocop_demo.WORKFLOW_148)
                     .values_list("stars", "issuing_level"))
    assert set(levels) == {(3, "huyen"), (4, "tinh"), (5, "trung_uong")}
    assert set(Certificate.objects.filter(rating__workflow=ocop_demo.WORKFLOW_1489)
               .values_list("issuing_level", flat=True)) <= {"tinh"}


def test_dossiers_stand_in_several_states_and_certificates_expire_and_are_revoked():
    states = set(Rating.objects.values_list("state", flat=True))
    assert {RatingState.DRAFT, RatingState.SUBMITTED, RatingState.RETURNED, RatingState.PROPOSED,
            RatingState.SCORED, RatingState.CERTIFIED, RatingState.NOT_RECOGNISED} <= states
    today = default_as_of()
    assert Certificate.objects.in_force_on(today).filter(valid_until__lte=today + QUARTER).count() >= 3
    assert Certificate.objects.in_force_on(AS_OF).filter(valid_until__lte=AS_OF + QUARTER).count() >= 3
    revoked = Certificate.objects.exclude(revoked_on=None).get()
    assert revoked.revocation_reason and revoked.revocation_decision
    assert revoked.product_id not in status.stars_on([revoked.product_id], today)
    renewed = Rating.objects.exclude(previous=None)
    assert renewed.exists() and all(r.previous.product_id == r.product_id for r in renewed)
    # the open dossiers follow Decision 1489, those decided by district councils Decision 148
    assert set(Rating.objects.filter(stage="huyen").values_list("workflow", flat=True)) == {ocop_demo.WORKFLOW_148}
    assert set(Rating.objects.filter(year=today.year).values_list("workflow", flat=True)) == {ocop_demo.WORKFLOW_1489}


def test_the_2026_re_ratings_renew_most_certificates_running_out_in_2026(make_user, unit_at):
    today = default_as_of()
    if today < ocop_demo.RENEWAL_DECIDED:
        pytest.skip("a demo built before the 2026 re-ratings' decision day has none of them")
    year = ocop_demo.RENEWAL_YEAR
    renewals = list(Rating.objects.filter(year=year, previous__isnull=False).select_related("previous"))
    expiring = Certificate.objects.filter(valid_until__year=year, revoked_on=None, rating__year__lt=year)
    # most of the certificates running out in 2026 are renewed, each dossier linked to its product's certificate
    assert expiring.exists() and len(renewals) > expiring.count() / 2
    assert {r.previous_id for r in renewals} <= set(expiring.values_list("pk", flat=True))
    assert all(r.previous.product_id == r.product_id and r.workflow == ocop_demo.WORKFLOW_1489 for r in renewals)
    # scored by the provincial council after 30/6/2026 (the figures of that date do not change), before today
    rounds = set(Evaluation.objects.filter(rating__in=renewals)
                 .values_list("round__date", "round__council__unit__code"))
    assert rounds and all(AS_OF_2026 < day <= today and code == ocop_demo.PROVINCE for day, code in rounds)
    # the province decides with the stars the engine gave the members' scores: some raised, some lowered, some kept
    certified = [r for r in renewals if r.state == RatingState.CERTIFIED]
    changes = Counter((r.certificate.stars > r.previous.stars) - (r.certificate.stars < r.previous.stars)
                      for r in certified)
    assert changes[1] and changes[-1] and changes[0]
    for r in certified:
        last = r.evaluations.order_by("round__date", "pk").last()
        assert r.certificate.stars == last.stars and r.certificate.issuing_level == "tinh"
        assert r.certificate.valid_until == add_months(r.certificate.decision_date, r.sheet.certificate_months)
        assert last.round.date < r.certificate.decision_date <= today
    # a few not recognised, a couple still in progress for the work list
    states = Counter(r.state for r in renewals)
    assert states[RatingState.NOT_RECOGNISED] >= 2
    assert states[RatingState.PROPOSED] and states[RatingState.SCORED]
    assert scoring.check() == []
    # the province's work list shows those awaiting its council or its decision
    office = make_user("vpdp.tinh", "province_office", unit_at("19", "tinh"))
    listed = {r.pk for r in workflow.awaiting(office, scope.ratings(office, scope.RATE), today)}
    open_renewals = {r.pk for r in renewals if r.state in (RatingState.PROPOSED, RatingState.SCORED)}
    assert open_renewals and open_renewals <= listed
    # so today's catalogue is not nearly empty; and 30/6/2026's is what it was (no certificate decided after it)
    assert status.certified_on(today).count() > 20
    assert not Certificate.objects.filter(rating__in=renewals, decision_date__lte=AS_OF_2026).exists()


def test_a_second_build_gives_the_same_rows():
    def rows():
        return (sorted(Product.objects.values_list("code", "name", "producer__name", "unit__code")),
                sorted(Certificate.objects.values_list("product__code", "stars", "decision_date", "valid_until")),
                sorted(Evaluation.objects.values_list("rating__product__code", "round__date", "total", "stars")))

    before = rows()
    ocop_demo.build()
    assert rows() == before


def test_the_producer_demo_account_sees_and_edits_its_own_products_only(settings):
    settings.DEBUG = True  # demo_users refuses to run with DEBUG off
    call_command("demo_users", stdout=io.StringIO())
    (username, producer_name), = PRODUCER_ACCOUNTS.items()
    producer = Producer.objects.get(name=producer_name)
    assert list(producer.members.values_list("username", flat=True)) == [username]
    client = Client()
    client.force_login(producer.members.get())
    page = client.get("/ocop/san-pham/")
    own = list(producer.products.values_list("name", flat=True))
    assert page.status_code == 200 and own and all(name in page.content.decode() for name in own)
    assert page.context["page"].paginator.count == len(own)
    other = Product.objects.exclude(producer=producer).first()
    assert client.get(f"/ocop/san-pham/{other.pk}/").status_code == 404
    assert client.get(f"/ocop/san-pham/{producer.products.first().pk}/sua/").status_code == 200
