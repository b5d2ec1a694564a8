"""Derived rows (ADR 0006) under the writes a review found unguarded: an assessment moved to another unit (the
admin's change form), two transactions refreshing the same unit at once (PostgreSQL), a row stored twice."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction

from nongthonso.assessments import standings
from nongthonso.assessments.latest import latest_criteria_met
from nongthonso.assessments.models import Assessment, Standing
from nongthonso.criteria.choices import Level
from nongthonso.criteria.models import CriteriaSet
from nongthonso.recognition import spells
from nongthonso.recognition.models import Decision, Spell
from nongthonso.recognition.services import commune_level_counts, statuses_on
from nongthonso.units.models import Unit

D = dt.date


@pytest.fixture
def communes(province_19):
    return Unit.objects.valid_on(D(2023, 6, 30)).within(province_19).rural_communes().order_by("code")


def _ntm_set():
    return CriteriaSet.objects.get(code="xa-ntm-2021-2025", superseded_by__isnull=True)


@pytest.mark.django_db
def test_an_assessment_moved_to_another_unit_leaves_no_standing_at_the_old_unit(communes):
    """The unit an assessment leaves is refreshed too, not only the one it moves to (the admin's change form lets
    ``unit`` be edited, to fix a dossier filed under the wrong commune)."""
    a, b = communes[0], communes[1]
    moved = Assessment.objects.create(unit=a, year=2024, criteria_set=_ntm_set(), criteria_met=5, criteria_total=19)
    assert Standing.objects.filter(unit=a, assessment=moved).exists()

    moved.unit = b  # what ModelAdmin.save_model does after the change form: obj.save()
    moved.save()

    # a's rows no longer name ``moved``; b's do
    assert standings.check() == []
    assert not Standing.objects.filter(unit=a, assessment=moved).exists()
    for year in (2024, 2025):
        assert latest_criteria_met(communes, Level.XA_NTM, year) == \
            latest_criteria_met(communes, Level.XA_NTM, year, Assessment.objects.all())


@pytest.mark.django_db
def test_the_admin_change_form_moving_an_assessment_keeps_the_standings_in_step(client, communes):
    """The same through the real admin change view (the path an operator would use to fix a dossier filed under
    the wrong commune)."""
    admin = get_user_model().objects.create_superuser("review.admin", "review@example.org", "x")
    client.force_login(admin)
    a, b = communes[0], communes[1]
    moved = Assessment.objects.create(unit=a, year=2024, criteria_set=_ntm_set(), criteria_met=5, criteria_total=19)
    response = client.post(f"/admin/assessments/assessment/{moved.pk}/change/", {
        "unit": b.pk, "year": 2024, "criteria_set": moved.criteria_set_id,
        # the inlines (read-only, no rows added)
        "values-TOTAL_FORMS": 0, "values-INITIAL_FORMS": 0,
        "workflow_events-TOTAL_FORMS": 0, "workflow_events-INITIAL_FORMS": 0,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Assessment.objects.get(pk=moved.pk).unit_id == b.pk
    assert standings.check() == []
    assert spells.check() == []


@pytest.mark.django_db
def test_a_derived_row_cannot_be_stored_twice(communes):
    # a copy of a unit's row (what two refreshes racing would leave) is refused by the database, not counted
    unit = communes.filter(standings__level=Level.XA_NTM).first()
    row = Standing.objects.filter(unit=unit, level=Level.XA_NTM).order_by("-from_year").first()
    row.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()
    spell = Spell.objects.filter(unit__in=communes).first()
    spell.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        spell.save()
    assert standings.check() == [] and spells.check() == []


def test_check_counts_a_row_stored_twice_as_a_difference():
    from nongthonso.core.bulk import differences

    assert differences([(1, "a"), (1, "a"), (2, "b")], [(1, "a"), (2, "b")]) == ["thừa (1, 'a')"]
    assert differences([(2, "b")], [(1, "a"), (2, "b"), (2, "b")]) == ["thiếu (1, 'a')", "thiếu (2, 'b')"]


# --- PostgreSQL: two transactions refreshing the same unit -----------------------------------------------------
# Run with DATABASE_URL=postgres://… . Committed rows (other connections must see them), undone afterwards, as in
# tests/concurrency.

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="concurrent transactions: SQLite serialises writers")


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        yield


def _one_after_the_other(lock_race, first, second) -> None:
    """``first`` in a transaction that stays open after its write until ``second``, started meanwhile in another
    connection, is seen waiting for a lock ``first`` holds (its refresh waits on the rows ``first``'s refresh
    wrote); then ``first`` commits and ``second`` goes on (``lock_race`` in tests/conftest.py). Both succeed."""
    race = lock_race(first, second)
    assert not any(isinstance(result, Exception) for result in race.results), race.results


def _communes_of_19():
    # not the ``province_19`` fixture: it needs ``db``, whose transaction would roll back this test's clean-up
    # of what the threads committed
    province = Unit.objects.valid_on(D(2023, 6, 30)).get(code="19", unit_type__level__code="tinh")
    return Unit.objects.valid_on(D(2023, 6, 30)).within(province).rural_communes().order_by("code")


def _duplicates(model, unit, fields):
    rows = list(model.objects.filter(unit=unit).values_list(*fields))
    return len(rows) - len(set(rows))


@postgresql_only
def test_two_assessments_of_one_unit_written_at_once_leave_no_duplicate_standings(committed_db, lock_race):
    communes = _communes_of_19()
    unit = communes.filter(standings__level=Level.XA_NTM).first()
    ntm = _ntm_set()
    advanced = CriteriaSet.objects.filter(level=Level.XA_NANG_CAO).order_by("pk").first()
    before = set(Assessment.objects.filter(unit=unit).values_list("pk", flat=True))
    try:
        # e.g. an import of the commune's 2024 NTM values while an officer opens its 2024 advanced dossier
        _one_after_the_other(
            lock_race,
            lambda: Assessment.objects.create(unit_id=unit.pk, year=2024, criteria_set=ntm, criteria_met=7),
            lambda: Assessment.objects.create(unit_id=unit.pk, year=2024, criteria_set=advanced, criteria_met=3))
        one = Unit.objects.filter(pk=unit.pk)
        found = (_duplicates(Standing, unit, standings.FIELDS),
                 latest_criteria_met(one, Level.XA_NTM, 2024))
        expected = (0, latest_criteria_met(one, Level.XA_NTM, 2024, Assessment.objects.all()))
    finally:
        Assessment.objects.filter(unit=unit).exclude(pk__in=before).delete()  # (ids need not grow: not pk > max)
        Standing.objects.filter(unit=unit).delete()
        standings.refresh([unit.pk])
        assert standings.check() == [] and _duplicates(Standing, unit, standings.FIELDS) == 0
    assert found == expected  # the second refresh waited for the first and read its rows: no second copy


@postgresql_only
def test_two_decisions_for_one_unit_recorded_at_once_leave_no_duplicate_spells(committed_db, lock_race):
    communes = _communes_of_19()
    unit = communes.filter(spells__level=Level.XA_NTM).first()
    date = D(2024, 3, 1)

    def record(level):
        def write():
            decision = Decision.objects.create(number=f"review-{level}", date=date, authority="UBND tỉnh",
                                               level=level)
            decision.units.add(unit)  # as the importer and the admin do
        return write

    try:
        # two dossiers of one commune (model, advanced) reach «record decision» at the same time
        _one_after_the_other(lock_race, record(Level.XA_KIEU_MAU), record(Level.XA_NANG_CAO))
        one = Unit.objects.filter(pk=unit.pk)
        counts = commune_level_counts(one, date)
        counts.pop("provisional")
        statuses = statuses_on([unit], date, merger_rule=False)
        found = (_duplicates(Spell, unit, spells.FIELDS), counts[Level.XA_KIEU_MAU])
        expected = (0, sum(s.holds(Level.XA_KIEU_MAU) for s in statuses.values()))
    finally:
        Decision.objects.filter(number__startswith="review-").delete()
        Spell.objects.filter(unit=unit).delete()
        spells.refresh([unit.pk])
        assert spells.check() == [] and _duplicates(Spell, unit, spells.FIELDS) == 0
    assert found == expected  # one spell each, the commune counted once
