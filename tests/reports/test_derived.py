"""The derived rows (spells from decisions, standings from assessments) stay equal to a fresh computation after
every kind of write the application makes, and the counts read from them equal those computed from the raw
decisions (``statuses_on``) and assessments (the per-unit subquery, ``among``)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nongthonso.assessments import standings
from nongthonso.assessments.evaluation import evaluate_assessment
from nongthonso.assessments.latest import latest_criteria_met
from nongthonso.assessments.models import Assessment, Standing
from nongthonso.assessments.services import set_value
from nongthonso.criteria.choices import COMMUNE_LEVELS, Level
from nongthonso.criteria.models import CriteriaSet
from nongthonso.recognition import spells
from nongthonso.recognition.models import Decision, Spell
from nongthonso.recognition.services import commune_level_counts, statuses_on
from nongthonso.units.models import Unit

D = dt.date
OPEN = Spell.OPEN  # 31/12/9999: no later decision


def in_step():
    assert spells.check() == []
    assert standings.check() == []


def counts_from_decisions(units, date):
    statuses = statuses_on(list(units), date, merger_rule=False)
    return {level: sum(s.holds(level) for s in statuses.values()) for level in COMMUNE_LEVELS}


def counts_from_spells(units, date):
    counts = commune_level_counts(units, date)
    counts.pop("provisional")
    return counts


@pytest.fixture
def communes(province_19):
    return Unit.objects.valid_on(D(2023, 6, 30)).within(province_19).rural_communes().order_by("code")


@pytest.mark.django_db
def test_the_demo_database_is_in_step():
    in_step()
    assert Spell.objects.exists() and Standing.objects.exists()


@pytest.mark.parametrize("links, expected", [
    # one recognition: a spell from its date, open
    ([(1, "a", D(2020, 5, 1), 10, "recognition")], [(1, "a", D(2020, 5, 1), OPEN, 10)]),
    # revoked later, recognised again: two spells, closed by the revocation
    ([(1, "a", D(2020, 5, 1), 10, "recognition"), (1, "a", D(2022, 1, 3), 11, "revocation"),
      (1, "a", D(2023, 2, 1), 12, "recognition")],
     [(1, "a", D(2020, 5, 1), D(2022, 1, 3), 10), (1, "a", D(2023, 2, 1), OPEN, 12)]),
    # two decisions of one day: the later id decides from that day (a revocation: no spell at all)
    ([(1, "a", D(2020, 5, 1), 10, "recognition"), (1, "a", D(2020, 5, 1), 11, "revocation")], []),
    ([(1, "a", D(2020, 5, 1), 10, "revocation"), (1, "a", D(2020, 5, 1), 11, "recognition")],
     [(1, "a", D(2020, 5, 1), OPEN, 11)]),
    # a second recognition closes the first spell and opens its own; levels and units apart
    ([(1, "a", D(2020, 5, 1), 10, "recognition"), (1, "a", D(2021, 5, 1), 13, "recognition"),
      (1, "b", D(2021, 1, 1), 14, "recognition"), (2, "a", D(2019, 1, 1), 15, "revocation")],
     [(1, "a", D(2020, 5, 1), D(2021, 5, 1), 10), (1, "a", D(2021, 5, 1), OPEN, 13),
      (1, "b", D(2021, 1, 1), OPEN, 14)]),
])
def test_spells_follow_the_latest_decision_rule(links, expected):
    assert list(spells.spells_of(links)) == expected


def test_standings_pick_the_latest_year_then_the_best_ranked_set_then_the_latest_row():
    ranks = {1: ("xa_ntm", 2), 2: ("xa_ntm", 1), 3: ("xa_ntm_nang_cao", 1)}
    rows = [(7, 2021, 1, 100, 15, 19), (7, 2023, 1, 101, 16, 19), (7, 2023, 2, 102, 9, 10), (7, 2023, 2, 103, 10, 10),
            (7, 2022, 3, 104, 12, 19), (8, 2024, 1, 105, 19, 19)]
    # each standing carries the picked assessment's set and number of criteria
    assert sorted(standings.standings_of(rows, ranks)) == [
        (7, "xa_ntm", 2021, 2023, 100, 15, 1, 19),
        (7, "xa_ntm", 2023, 9999, 103, 10, 2, 10),  # set 2 ranks first; of its two rows, the later
        (7, "xa_ntm_nang_cao", 2022, 9999, 104, 12, 3, 19),
        (8, "xa_ntm", 2024, 9999, 105, 19, 1, 19),
    ]


@pytest.mark.django_db
def test_spells_follow_every_change_of_decisions(communes):
    a, b, c = communes[:3]
    dates = [D(2023, 1, 1), D(2023, 6, 30), D(2024, 1, 2), D(2024, 6, 30), D(2025, 6, 30)]

    def same_counts():
        in_step()
        for date in dates:
            assert counts_from_spells(communes, date) == counts_from_decisions(communes, date)

    # a decision created, then its units given (as the importer and the workflow do)
    revocation = Decision.objects.create(number="1/QĐ-UBND", date=D(2024, 1, 2), authority="UBND tỉnh",
                                         kind=Decision.Kind.REVOCATION, level=Level.XA_NTM)
    revocation.units.set([a, b])
    same_counts()
    # units removed and added, from either side
    revocation.units.remove(b)
    same_counts()
    c.decisions.add(revocation)
    same_counts()
    # the date, the kind and the level changed
    revocation.date = D(2023, 3, 1)
    revocation.save()
    same_counts()
    revocation.kind = Decision.Kind.RECOGNITION
    revocation.level = Level.XA_KIEU_MAU
    revocation.save()
    same_counts()
    # cleared from the unit's side, then from the decision's, then deleted
    a.decisions.clear()
    same_counts()
    revocation.units.clear()
    same_counts()
    revocation.units.set([a, c])
    revocation.delete()
    same_counts()


@pytest.mark.django_db
def test_standings_follow_every_change_of_assessments(communes, dossiers_open):
    unit = communes[0]

    def same_counts():
        in_step()
        among = Assessment.objects.all()  # the per-unit subquery over the raw assessments
        for year in (2021, 2022, 2023, 2024, 2026):
            assert latest_criteria_met(communes, Level.XA_NTM, year) == \
                latest_criteria_met(communes, Level.XA_NTM, year, among)

    same_counts()
    # a value changed: the assessment re-evaluated, the standing follows in the same transaction
    dossier = Assessment.objects.get(unit=unit, year=2023, criteria_set__code="xa-ntm-2021-2025")
    before = dossier.criteria_met
    set_value(dossier, "1.1", False)
    dossier.refresh_from_db()
    assert Standing.objects.get(unit=unit, level=Level.XA_NTM, from_year=2023).criteria_met == dossier.criteria_met
    same_counts()
    # an assessment of a later year created (empty: 0 criteria), then evaluated, then deleted
    later = Assessment.objects.create(unit=unit, year=2024, criteria_set=dossier.criteria_set)
    same_counts()
    evaluate_assessment(later)
    same_counts()
    later.delete()
    same_counts()
    # a set of a higher version reorders the sets of its level
    from nongthonso.criteria.catalogue import new_version

    v2 = new_version(CriteriaSet.objects.get(code="xa-ntm-2021-2025", superseded_by__isnull=True))
    Assessment.objects.create(unit=unit, year=2023, criteria_set=v2, criteria_met=4, criteria_total=19)
    same_counts()
    assert latest_criteria_met(communes.filter(pk=unit.pk), Level.XA_NTM, 2023) == {4: 1}
    assert before != 4 or dossier.criteria_met != 4


@pytest.mark.django_db
def test_rebuild_derived_checks_and_repairs(capsys):
    call_command("rebuild_derived", "--check")
    assert "khớp với dữ liệu gốc" in capsys.readouterr().out
    # given derived rows out of step (written around the application): one missing, one changed (missing + extra)
    Spell.objects.filter(pk=Spell.objects.order_by("pk").values("pk")[:1]).delete()
    Standing.objects.filter(pk=Standing.objects.order_by("pk").values("pk")[:1]).update(criteria_met=99)
    with pytest.raises(CommandError, match=r"^3 dòng dẫn xuất lệch với dữ liệu gốc; chạy «nongthonso "
                                           r"rebuild_derived» để tính lại\.$"):
        call_command("rebuild_derived", "--check")
    call_command("rebuild_derived")
    in_step()


@pytest.mark.django_db
def test_the_copies_of_a_unit_follow_its_changes(communes, reference_summary):
    from nongthonso.reports.services import NATIONAL, summary
    from nongthonso.units.signals import units_changed

    unit = communes.filter(spells__isnull=False, standings__isnull=False).distinct().first()
    # a unit saved (the admin, a repair): its end date is copied onto its spells and standings
    unit.valid_to = D(2024, 6, 30)
    unit.save()
    in_step()
    assert set(Spell.objects.filter(unit=unit).values_list("unit_to", flat=True)) == {D(2024, 6, 30)}
    assert set(Standing.objects.filter(unit=unit).values_list("unit_to", flat=True)) == {D(2024, 6, 30)}
    for as_of in (D(2024, 6, 30), D(2024, 7, 1)):  # the country counts it up to its last day, not after
        assert summary(NATIONAL, as_of).to_dict() == reference_summary(NATIONAL, as_of)
    # a loader's bulk write sends units_changed (no post_save): the copies follow too
    Unit.objects.filter(pk=unit.pk).update(valid_to=None)
    assert spells.check() and standings.check()
    units_changed.send(sender=Unit, unit_ids={unit.pk})
    in_step()
    assert set(Spell.objects.filter(unit=unit).values_list("unit_to", flat=True)) == {Spell.OPEN}


@pytest.mark.django_db
def test_a_criteria_set_saved_refreshes_standings_only_when_its_order_can_change(communes):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    later = CriteriaSet.objects.get(code="xa-ntm-2026-2030")
    unit = communes[0]
    Assessment.objects.create(unit=unit, year=2023, criteria_set=later, criteria_met=3, criteria_total=19)
    # a change of name cannot reorder the sets: no standing is rewritten
    later.name = later.name + " (sửa tên)"
    with CaptureQueriesContext(connection) as ctx:
        later.save()
    assert not [q for q in ctx.captured_queries if "assessments_standing" in q["sql"]]
    # an earlier date in force can: the 2021-2025 set now wins the tie on 2023, and the standings follow
    before = latest_criteria_met(communes.filter(pk=unit.pk), Level.XA_NTM, 2023)
    later.effective_from = D(2000, 1, 1)
    later.save()
    in_step()
    assert latest_criteria_met(communes.filter(pk=unit.pk), Level.XA_NTM, 2023) != before == {3: 1}
