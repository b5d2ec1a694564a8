"""Concurrent requests on one dossier, each in its own thread with its own PostgreSQL connection: workflow
steps and value saves are serialised by the row lock on the assessment (``SELECT … FOR UPDATE``), so exactly
one of two simultaneous writes wins and the other is refused with the reason — never two steps recorded.

These tests cannot run inside pytest-django's per-test transaction (other connections would not see its
uncommitted rows), and ``django_db(transaction=True)`` would flush the session's demo database for every
later test. So they write committed rows through ``django_db_blocker`` and undo exactly what they wrote
(``committed`` below checks that the dossier's rows are back as they were); the rest of the suite, in any
order, sees the demo unchanged.
"""

from __future__ import annotations

import threading
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

ROUNDS = 5


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
    district = dai_tu
    marks = {model: _max_pk(model) for model in (AuditEntry, WorkflowEvent, Membership, get_user_model())}
    saved_assessments = list(Assessment.objects.filter(unit=commune).order_by("pk").values())
    saved_values = list(IndicatorValue.objects.filter(assessment__unit=commune).order_by("pk").values())
    try:
        yield SimpleNamespace(
            dossier=dossier(commune),
            district=[make_user(f"race.huyen{i}", "district_office", district) for i in (1, 2)],
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


def race(*calls: Callable[[], object]) -> list[object]:
    """Run ``calls`` at the same moment, each in its own thread and database connection; return each one's
    result, or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except Exception as exc:  # the refusal is the result
            results[i] = exc
        finally:
            connection.close()  # this thread's connection: the test database must be droppable at the end

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a concurrent request never finished (deadlock?)"
    return results


def _submitted(flow) -> int:
    """Test arrangement: the dossier as the commune just submitted it. Returns its version."""
    Assessment.objects.filter(pk=flow.dossier.pk).update(state=State.SUBMITTED)
    return Assessment.objects.get(pk=flow.dossier.pk).version


def _split(results) -> tuple[list, list[WorkflowError]]:
    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(e, WorkflowError) for e in lost), lost
    return won, lost


def test_two_district_officers_verify_at_once_one_step_is_recorded(committed):
    flow = committed
    for _ in range(ROUNDS):
        _submitted(flow)
        events = WorkflowEvent.objects.filter(assessment=flow.dossier).count()
        won, lost = _split(race(
            *(lambda u=u: perform(Assessment.objects.get(pk=flow.dossier.pk), "verify", u) for u in flow.district)))
        assert len(won) == 1 and len(lost) == 1
        assert lost[0].code == "state" and "«Huyện đã xác nhận, chờ tỉnh thẩm định»" in lost[0].message
        assert WorkflowEvent.objects.filter(assessment=flow.dossier).count() == events + 1
        assert Assessment.objects.get(pk=flow.dossier.pk).state == State.VERIFIED


def test_verify_and_return_at_once_from_the_same_page_one_wins(committed):
    flow = committed
    for _ in range(ROUNDS):
        seen = _submitted(flow)
        events = WorkflowEvent.objects.filter(assessment=flow.dossier).count()
        won, lost = _split(race(
            lambda seen=seen: perform(Assessment.objects.get(pk=flow.dossier.pk), "verify", flow.district[0],
                                      expected_version=seen),
            lambda seen=seen: perform(Assessment.objects.get(pk=flow.dossier.pk), "return", flow.district[1],
                                      reason="Thiếu biên bản", expected_version=seen)))
        assert len(won) == 1 and len(lost) == 1
        assert lost[0].code == "stale" and "Tải lại trang" in lost[0].message
        after = Assessment.objects.get(pk=flow.dossier.pk)
        assert after.state == won[0].to_state and after.version == seen + 1
        assert WorkflowEvent.objects.filter(assessment=flow.dossier).count() == events + 1


def test_two_returns_at_once_the_second_finds_the_dossier_returned(committed):
    flow = committed
    for _ in range(ROUNDS):
        _submitted(flow)
        won, lost = _split(race(*(lambda u=u: perform(Assessment.objects.get(pk=flow.dossier.pk), "return", u,
                                                       reason="Thiếu minh chứng") for u in flow.district)))
        assert len(won) == 1 and len(lost) == 1 and lost[0].code == "state"
        assert WorkflowEvent.objects.filter(assessment=flow.dossier, action="return").count() >= 1


def test_two_officers_save_the_same_value_at_once_from_the_same_page(committed):
    flow = committed
    Assessment.objects.filter(pk=flow.dossier.pk).update(state=State.DRAFT)
    for i in range(ROUNDS):
        seen = Assessment.objects.get(pk=flow.dossier.pk).version
        entries = AuditEntry.objects.count()
        mine, theirs = f"{70 + i},5", f"{40 + i}"
        won, lost = _split(race(*(
            lambda raw=raw, user=user, seen=seen: set_value(Assessment.objects.get(pk=flow.dossier.pk), "2.1", raw,
                                                            user=user, expected_version=seen)
            for raw, user in ((mine, flow.commune[0]), (theirs, flow.commune[1])))))
        assert len(won) == 1 and len(lost) == 1 and lost[0].code == "stale"
        winner = flow.commune[0] if won[0].updated_by_id == flow.commune[0].pk else flow.commune[1]
        assert f"vừa được {winner.username} thay đổi" in lost[0].message
        stored = IndicatorValue.objects.get(assessment=flow.dossier, indicator__code="2.1")
        assert stored.value == won[0].value and stored.updated_by_id == winner.pk  # the winner's value, kept
        assert Assessment.objects.get(pk=flow.dossier.pk).version == seen + 1
        assert AuditEntry.objects.count() == entries + 1
