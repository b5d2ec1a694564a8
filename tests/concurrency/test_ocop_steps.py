"""Concurrent steps on one OCOP rating dossier, each in its own thread with its own PostgreSQL connection:
``ocop.workflow.perform`` locks the rating row (``SELECT … FOR UPDATE``), so of two steps at once exactly one is
taken and the other is refused with the reason — one event, and never two certificates for one decision.

As in test_concurrent_writes.py: the race is made to happen (``lock_race``: the second waits on the first's row lock
before the first commits), run both ways round, on committed rows written through ``django_db_blocker`` and deleted
afterwards (``committed`` checks every table touched is back to its highest id), PostgreSQL only.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from nongthonso.accounts.models import Membership
from nongthonso.api.models import ApiToken
from nongthonso.audit.models import AuditEntry
from nongthonso.notifications.models import Notification
from nongthonso.ocop import workflow
from nongthonso.ocop.models import (
    Certificate,
    Council,
    CouncilMember,
    Evaluation,
    MemberScore,
    Producer,
    Product,
    ProductGroup,
    Rating,
    RatingEvent,
    RatingState,
    Round,
    ScoringSheet,
    SheetCriterion,
    SheetPart,
    StarBand,
    SubGroup,
)
from nongthonso.ocop.workflow import WorkflowError
from tests.ocop.conftest import council_scores, new_rating, rating_world  # noqa: F401 (fixtures)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks under concurrent connections are a PostgreSQL matter: SQLite lets one writer at a time hold "
           "the whole database, and the SQLite test database lives in one process's memory")

# deleted in this order afterwards: every row above the highest id each table had before the test
WRITTEN = (Certificate, MemberScore, Evaluation, RatingEvent, Rating, Round, CouncilMember, Council, Product, Producer,
           StarBand, SheetCriterion, SheetPart, ScoringSheet, SubGroup, ProductGroup, Notification, AuditEntry,
           ApiToken, Membership, get_user_model())
DECISION = {"number": "88/QĐ-UBND", "date": "2025-08-10"}


def _max_pk(model) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture
def db(django_db_setup, django_db_blocker):
    """Replaces pytest-django's ``db`` here: every statement commits (no per-test transaction), so every thread's
    connection sees the rows."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def marks(db):
    marks = {model: _max_pk(model) for model in WRITTEN}
    yield marks
    for model in WRITTEN:
        model.objects.filter(pk__gt=marks[model]).delete()
    assert {model: _max_pk(model) for model in WRITTEN} == marks


@pytest.fixture
def committed(marks, rating_world, new_rating, council_scores, make_user, province_19):  # noqa: F811
    """A 1489 dossier before the provincial council, scored 75 points (4★), closed scoring taken; two province
    officers (neither submitted nor pre-assessed it)."""
    rating = new_rating()
    council_scores(rating, "tinh")
    return SimpleNamespace(
        rating=rating, world=rating_world,
        province=[make_user(f"race.ocop.tinh{i}", "province_office", province_19) for i in (1, 2)])


def _scored(flow) -> int:
    """Test arrangement: the dossier as the province council's scoring was just closed, no decision yet. Returns
    its version."""
    Certificate.objects.filter(rating=flow.rating).delete()
    Rating.objects.filter(pk=flow.rating.pk).update(workflow="ocop-1489", state=RatingState.SCORED, stage="tinh")
    return Rating.objects.get(pk=flow.rating.pk).version


def _step(flow, action: str, user, **kwargs) -> Callable[[], RatingEvent]:
    return lambda: workflow.perform(Rating.objects.get(pk=flow.rating.pk), action, user, **kwargs)


def _one_wins(race, first, second) -> tuple[RatingEvent, WorkflowError]:
    result = race(first, second)
    # the second one's lock on the rating row, blocked by the first one's
    assert result.wait.query.startswith('SELECT "ocop_rating".'), result.wait
    won, lost = result.results
    assert not isinstance(won, Exception), won
    assert isinstance(lost, WorkflowError), lost
    return won, lost


def test_two_officers_record_the_decision_at_once_one_certificate(committed, lock_race):
    flow = committed
    for first, second in (flow.province, flow.province[::-1]):
        _scored(flow)
        events = RatingEvent.objects.filter(rating=flow.rating).count()
        won, lost = _one_wins(lock_race, _step(flow, "decide", first, stars=4, decision=DECISION),
                              _step(flow, "decide", second, stars=4, decision=DECISION))
        assert (won.actor, won.to_state) == (first, RatingState.CERTIFIED)
        assert lost.code == "state" and "đang ở trạng thái «Đã có quyết định công nhận»" in lost.message
        assert RatingEvent.objects.filter(rating=flow.rating).count() == events + 1
        certificate = Certificate.objects.get(rating=flow.rating)
        assert (certificate.stars, certificate.decision_number) == (4, "88/QĐ-UBND")
        assert AuditEntry.objects.filter(model="ocop.certificate", object_id=str(certificate.pk)).count() == 1


def test_decide_and_return_from_the_same_page_at_once_one_wins(committed, lock_race):
    flow = committed
    decide = ("decide", {"stars": 4, "decision": DECISION})
    give_back = ("return", {"reason": "Thiếu phiếu kiểm nghiệm"})
    for (action, extra), (other, other_extra) in ((decide, give_back), (give_back, decide)):
        seen = _scored(flow)
        events = RatingEvent.objects.filter(rating=flow.rating).count()
        won, lost = _one_wins(lock_race,
                              _step(flow, action, flow.province[0], expected_version=seen, **extra),
                              _step(flow, other, flow.province[1], expected_version=seen, **other_extra))
        assert won.action == action
        assert lost.code == "stale" and "Tải lại trang" in lost.message
        after = Rating.objects.get(pk=flow.rating.pk)
        assert (after.state, after.version) == (won.to_state, seen + 1)
        assert RatingEvent.objects.filter(rating=flow.rating).count() == events + 1
        assert Certificate.objects.filter(rating=flow.rating).count() == (1 if action == "decide" else 0)


def test_points_sent_while_the_scoring_is_closed_wait_and_are_refused(committed, lock_race, token_for, call):
    """A member's points through the API (PUT …/scores/{member}) against the «score» step closing the council's
    scoring: the points wait for the step's row lock, then find the dossier no longer waiting for the council (409)
    — the closed result is the one the points gave when it was closed."""
    flow = committed
    closer, writer = flow.province
    token = token_for(writer)
    evaluation = Evaluation.objects.get(rating=flow.rating)
    member = evaluation.round.members.order_by("order").first()
    Rating.objects.filter(pk=flow.rating.pk).update(workflow="ocop-1489", state=RatingState.PROPOSED, stage="tinh")
    path = f"/api/ocop/ratings/{flow.rating.pk}/evaluations/{evaluation.pk}/scores/{member.pk}"
    result = lock_race(_step(flow, "score", closer),
                       lambda: call("PUT", path, token, {"points": {"A1": 0, "B1": 0, "C1": 0}}))
    assert result.wait.query.startswith('SELECT "ocop_rating".'), result.wait
    won, refused = result.results
    assert isinstance(won, RatingEvent) and won.details["evaluation"]["total"] == "75.00"
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "state", refused.content
    assert "không còn chờ" in refused.json()["error"]["message"]
    evaluation.refresh_from_db()
    assert (evaluation.total, evaluation.stars) == (75, 4)
    assert sorted(MemberScore.objects.filter(evaluation=evaluation, member=member).values_list("points", flat=True)) \
        == [20, 25, 30]
