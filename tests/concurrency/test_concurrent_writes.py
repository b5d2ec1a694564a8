"""Concurrent requests on one dossier, each in its own thread with its own PostgreSQL connection: workflow
steps and value saves are serialised by the row lock on the assessment (``SELECT … FOR UPDATE``), so of two
writes at once exactly one wins and the other is refused with the reason — never two steps recorded.

Each race is made to happen, not hoped for (``lock_race`` in tests/conftest.py): the first write's transaction
stays open, holding the lock, until PostgreSQL shows the second one waiting for that lock in its
``SELECT … FOR UPDATE``; then the first commits and the second, reading the dossier afresh, is refused. Each race
is run both ways round.

These tests cannot run inside pytest-django's per-test transaction (other connections would not see its
uncommitted rows), and ``django_db(transaction=True)`` would flush the session's demo database for every
later test. So they write committed rows through ``django_db_blocker`` and undo exactly what they wrote
(``committed`` below checks that the dossier's rows are back as they were); the rest of the suite, in any
order, sees the demo unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from nongthonso.accounts.models import Membership
from nongthonso.assessments import standings
from nongthonso.assessments.models import Assessment, IndicatorValue, State, WorkflowEvent
from nongthonso.assessments.services import set_value
from nongthonso.assessments.workflow import WorkflowError, perform
from nongthonso.audit.models import AuditEntry
from nongthonso.recognition import spells

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks under concurrent connections are a PostgreSQL matter: SQLite lets one writer at a time "
               "hold the whole database, and the SQLite test database lives in one process's memory"),
    # the 2023 dossiers walk the three-tier workflow: today is 1/6/2025 here (tests/conftest.py)
    pytest.mark.usefixtures("before_two_tier"),
]

def _max_pk(model) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture
def db(django_db_setup, django_db_blocker):
    """Replaces pytest-django's ``db`` in this module: its name still makes pytest-django create the test
    database (also when only these tests run), but every statement commits (no per-test transaction)."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def committed(db, assessed_communes, dai_tu, dossier, make_user):
    """A Đại Từ commune's 2023 dossier, two district officers and two commune officers — committed, so
    that every thread's connection sees them. Afterwards every row written is deleted and the dossier's
    rows (assessments and values of the commune) are put back field by field, then compared."""
    commune = assessed_communes(dai_tu)[1]
    marks = {model: _max_pk(model) for model in (AuditEntry, WorkflowEvent, Membership, get_user_model())}
    saved_assessments = list(Assessment.objects.filter(unit=commune).order_by("pk").values())
    saved_values = list(IndicatorValue.objects.filter(assessment__unit=commune).order_by("pk").values())
    try:
        yield SimpleNamespace(
            dossier=dossier(commune),
            district=[make_user(f"race.huyen{i}", "district_office", dai_tu) for i in (1, 2)],
            commune=[make_user(f"race.xa{i}", "commune_officer", commune) for i in (1, 2)],
        )
    finally:
        WorkflowEvent.objects.filter(pk__gt=marks[WorkflowEvent]).delete()
        AuditEntry.objects.filter(pk__gt=marks[AuditEntry]).delete()
        Membership.objects.filter(pk__gt=marks[Membership]).delete()
        get_user_model().objects.filter(pk__gt=marks[get_user_model()]).delete()
        IndicatorValue.objects.filter(assessment__unit=commune).exclude(
            pk__in=[v["id"] for v in saved_values]).delete()
        for row in saved_values:
            IndicatorValue.objects.filter(pk=row["id"]).update(**row)
        for row in saved_assessments:
            Assessment.objects.filter(pk=row["id"]).update(**row)
        standings.refresh([commune.pk])  # the rows were put back around the application (update: no signals)
        assert standings.check() == [] and spells.check() == []
        assert list(Assessment.objects.filter(unit=commune).order_by("pk").values()) == saved_assessments
        assert list(IndicatorValue.objects.filter(assessment__unit=commune).order_by("pk").values()) == saved_values
        assert {model: _max_pk(model) for model in marks} == marks


def _one_wins(race, first, second) -> tuple[object, WorkflowError]:
    """Race ``first`` against ``second`` (``lock_race``): the second waited for the first's row lock on the
    assessment, the first won and the second was refused."""
    result = race(first, second)
    # a SELECT waits for a row lock only when it takes one (FOR UPDATE, cut off the end of the statement text
    # PostgreSQL shows): the second one's lock on the assessment row, blocked by the first one's
    assert result.wait.query.startswith('SELECT "assessments_assessment".'), result.wait
    won, lost = result.results
    assert not isinstance(won, Exception), won
    assert isinstance(lost, WorkflowError), lost
    return won, lost


def _submitted(flow) -> int:
    """Test arrangement: the dossier as the commune just submitted it. Returns its version."""
    Assessment.objects.filter(pk=flow.dossier.pk).update(state=State.SUBMITTED)
    return Assessment.objects.get(pk=flow.dossier.pk).version


def _step(flow, action: str, user, **kwargs) -> Callable[[], WorkflowEvent]:
    return lambda: perform(Assessment.objects.get(pk=flow.dossier.pk), action, user, **kwargs)


def test_two_district_officers_verify_at_once_one_step_is_recorded(committed, lock_race):
    flow = committed
    for first, second in (flow.district, flow.district[::-1]):
        _submitted(flow)
        events = WorkflowEvent.objects.filter(assessment=flow.dossier).count()
        won, lost = _one_wins(lock_race, _step(flow, "verify", first), _step(flow, "verify", second))
        assert won.actor == first and won.to_state == State.VERIFIED
        assert lost.code == "state" and "«Huyện đã xác nhận, chờ tỉnh thẩm định»" in lost.message
        assert WorkflowEvent.objects.filter(assessment=flow.dossier).count() == events + 1
        assert Assessment.objects.get(pk=flow.dossier.pk).state == State.VERIFIED


def test_verify_and_return_at_once_from_the_same_page_one_wins(committed, lock_race):
    flow = committed
    verify, give_back = ("verify", {}), ("return", {"reason": "Thiếu biên bản"})
    for (action, extra), (other, other_extra) in ((verify, give_back), (give_back, verify)):
        seen = _submitted(flow)
        events = WorkflowEvent.objects.filter(assessment=flow.dossier).count()
        won, lost = _one_wins(lock_race,
                              _step(flow, action, flow.district[0], expected_version=seen, **extra),
                              _step(flow, other, flow.district[1], expected_version=seen, **other_extra))
        assert won.action == action
        assert lost.code == "stale" and "Tải lại trang" in lost.message
        after = Assessment.objects.get(pk=flow.dossier.pk)
        assert after.state == won.to_state and after.version == seen + 1
        assert WorkflowEvent.objects.filter(assessment=flow.dossier).count() == events + 1


def test_two_returns_at_once_the_second_finds_the_dossier_returned(committed, lock_race):
    flow = committed
    for first, second in (flow.district, flow.district[::-1]):
        _submitted(flow)
        events = WorkflowEvent.objects.filter(assessment=flow.dossier, action="return").count()
        won, lost = _one_wins(lock_race, _step(flow, "return", first, reason="Thiếu minh chứng"),
                              _step(flow, "return", second, reason="Thiếu minh chứng"))
        assert (won.actor, won.to_state) == (first, State.RETURNED) and lost.code == "state"
        assert WorkflowEvent.objects.filter(assessment=flow.dossier, action="return").count() == events + 1


def test_two_officers_save_the_same_value_at_once_from_the_same_page(committed, lock_race):
    flow = committed
    Assessment.objects.filter(pk=flow.dossier.pk).update(state=State.DRAFT)
    for i, (first, second) in enumerate((flow.commune, flow.commune[::-1])):
        seen = Assessment.objects.get(pk=flow.dossier.pk).version
        entries = AuditEntry.objects.count()
        mine, theirs = f"{70 + i},5", f"{40 + i}"

        def save(raw, user, seen=seen):
            return lambda: set_value(Assessment.objects.get(pk=flow.dossier.pk), "2.1", raw, user=user,
                                     expected_version=seen)

        won, lost = _one_wins(lock_race, save(mine, first), save(theirs, second))
        assert lost.code == "stale" and f"vừa được {first.username} thay đổi" in lost.message
        stored = IndicatorValue.objects.get(assessment=flow.dossier, indicator__code="2.1")
        assert stored.value == won.value and stored.updated_by_id == first.pk  # the first one's value, kept
        assert Assessment.objects.get(pk=flow.dossier.pk).version == seen + 1
        assert AuditEntry.objects.count() == entries + 1
