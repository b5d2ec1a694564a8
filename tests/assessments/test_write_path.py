"""One write path for derived rows (``core.derived``): a write collects the assessments and units it touched and
refreshes each derived row once, before it commits; signals only catch what the services do not write, and add
nothing to what they do."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from nongthonso.assessments import standings
from nongthonso.assessments.bulk import store_values
from nongthonso.assessments.evaluation import RESULTS, dependents
from nongthonso.assessments.imports import import_values
from nongthonso.assessments.models import Assessment, Standing
from nongthonso.assessments.services import set_value
from nongthonso.core import derived
from nongthonso.core.derived import Refresh, pending_on, writing
from nongthonso.criteria.choices import Level
from nongthonso.criteria.models import CriteriaSet
from nongthonso.recognition import spells
from nongthonso.recognition.models import Decision
from nongthonso.units.models import Unit

pytestmark = pytest.mark.django_db


class Recorder:
    """Refreshes that note the ids they are run with."""

    def __init__(self):
        self.runs: list[tuple[str, list[int]]] = []

    def refresh(self, name: str, stage: int, then=None) -> Refresh:
        def run(ids):
            self.runs.append((name, ids))
            if then is not None:
                then(ids)
        return Refresh(name, stage, run)


def test_a_write_refreshes_each_touched_row_once_at_its_end_earlier_stages_first():
    log = Recorder()
    rows = log.refresh("rows", derived.ROWS)
    results = log.refresh("results", derived.RESULTS, then=lambda ids: rows.touch({i * 10 for i in ids}))
    with writing():
        rows.touch([5])
        results.touch([1, 2])
        with writing():  # a service calling a service: one collector, flushed by the outermost block
            results.touch([2, 3, None])
            rows.touch([5, 6])
        assert log.runs == []  # nothing refreshed before the write ends
        assert pending_on() is not None
    assert pending_on() is None
    assert log.runs == [("results", [1, 2, 3]), ("rows", [5, 6, 10, 20, 30])]


def test_outside_a_write_a_touch_refreshes_at_once_and_an_error_refreshes_nothing():
    log = Recorder()
    rows = log.refresh("rows", derived.ROWS)
    rows.touch([7])  # the admin, a shell: the signals' safety net
    assert log.runs == [("rows", [7])]
    with pytest.raises(RuntimeError), writing():
        rows.touch([8])
        raise RuntimeError("the write failed")
    assert log.runs == [("rows", [7])]  # rolled back: nothing to refresh
    assert pending_on() is None


def test_a_refresh_touching_its_own_stage_runs_again_with_the_new_ids_only():
    log = Recorder()
    chain = {}
    chain["results"] = log.refresh("results", derived.RESULTS,
                                   then=lambda ids: chain["results"].touch([i + 1 for i in ids if i < 3]))
    with writing():
        chain["results"].touch([1])
    assert log.runs == [("results", [1]), ("results", [2]), ("results", [3])]


def _statements(queries) -> list[str]:
    """The captured statements, without the «N times: » an executemany is recorded with."""
    return [q["sql"].split(" times: ", 1)[-1] for q in queries]


def _standing_rewrites(queries) -> int:
    return sum(sql.startswith('DELETE FROM "assessments_standing"') for sql in _statements(queries))


def _evaluations(queries) -> list[str]:
    """The statements storing results: one per single evaluation, one per batch of a bulk evaluation (on PostgreSQL
    an UPDATE … FROM the rows copied into a temporary table)."""
    return [sql for sql in _statements(queries)
            if sql.startswith('UPDATE "assessments_assessment" ') and '"results" = ' in sql]


@pytest.fixture
def model_dossier(dossiers_open):
    """A 2023 advanced dossier whose commune also has a model-commune dossier (its set requires the advanced)."""
    model = (Assessment.objects.filter(year=2023, criteria_set__code="xa-ntm-kieu-mau-2021-2025")
             .select_related("unit").order_by("unit__code").first())
    advanced = Assessment.objects.get(unit=model.unit, year=2023, criteria_set__code="xa-ntm-nang-cao-2021-2025")
    return advanced, model


def test_a_value_evaluates_its_dossier_and_the_one_requiring_it_and_rewrites_the_standings_once(model_dossier):
    advanced, model = model_dossier
    assert dependents([advanced.pk]) == {model.pk}
    code = advanced.values.filter(value=True).values_list("indicator__code", flat=True).first()
    with CaptureQueriesContext(connection) as ctx:
        set_value(advanced, code, False)
    # today's code refreshed the commune's standings after each of the two evaluations
    assert _standing_rewrites(ctx.captured_queries) == 1
    assert len(_evaluations(ctx.captured_queries)) == 2  # the dossier (in place), then the model one (bulk)
    advanced.refresh_from_db()
    model.refresh_from_db()
    assert not advanced.eligible
    assert model.results["requires"] == {"set": "xa-ntm-nang-cao-2021-2025", "eligible": False}
    assert not model.eligible
    assert standings.check([advanced.unit_id]) == []


def test_a_value_that_leaves_the_counts_as_they_were_rewrites_no_standing(dossiers_open):
    dossier = Assessment.objects.filter(year=2023, criteria_set__code="xa-ntm-2021-2025").first()
    stored = dossier.values.get(indicator__code="1.1").value
    with CaptureQueriesContext(connection) as ctx:
        set_value(dossier, "1.1", stored, note="đã kiểm tra lại")  # evaluated again, same verdicts
    assert len(_evaluations(ctx.captured_queries)) == 1
    assert _standing_rewrites(ctx.captured_queries) == 0
    with CaptureQueriesContext(connection) as ctx:
        set_value(dossier, "1.1", not stored)
    assert _standing_rewrites(ctx.captured_queries) == 1
    assert standings.check([dossier.unit_id]) == []


def test_several_values_in_one_write_refresh_once(province_19, dossiers_open):
    dossiers = list(Assessment.objects.filter(year=2023, criteria_set__code="xa-ntm-2021-2025")
                    .order_by("unit__code")[:3])
    with CaptureQueriesContext(connection) as ctx, writing():
        for dossier in dossiers:
            set_value(dossier, "1.1", False)
            set_value(dossier, "2.1", 10)
    assert _standing_rewrites(ctx.captured_queries) == 1
    assert standings.check([d.unit_id for d in dossiers]) == []


def test_stored_values_are_evaluated_in_one_batch(dossiers_open):
    dossiers = list(Assessment.objects.filter(year=2023, criteria_set__code="xa-ntm-2021-2025")
                    .select_related("criteria_set").order_by("unit__code")[:4])
    rows = [(d, d.criteria_set.indicators.get(code="1.1"), False, "", "") for d in dossiers]
    with CaptureQueriesContext(connection) as ctx:
        store_values(rows)
    assert len(_evaluations(ctx.captured_queries)) == 1
    assert _standing_rewrites(ctx.captured_queries) == 1
    evaluated = Assessment.objects.filter(pk__in=[d.pk for d in dossiers]).values_list("results", flat=True)
    stored = [next(i["value"] for c in results["criteria"] for i in c["indicators"] if i["code"] == "1.1")
              for results in evaluated]
    assert stored == [False] * 4


def test_an_import_rewrites_each_units_standings_once(tmp_path, dossiers_open):
    dossiers = list(Assessment.objects.filter(year=2023, criteria_set__code="xa-ntm-2021-2025")
                    .select_related("unit").order_by("unit__code")[:5])
    path = tmp_path / "values.csv"
    path.write_text("unit_code,year,indicator_code,value\n" + "".join(
        f"{d.unit.code},2023,{code},0\n" for d in dossiers for code in ("1.1", "2.1", "3.1")), encoding="utf-8")
    with CaptureQueriesContext(connection) as ctx:
        result = import_values(path)
    assert result.updated + result.unchanged == 15
    assert _standing_rewrites(ctx.captured_queries) == 1
    assert standings.check([d.unit_id for d in dossiers]) == []


def test_the_signals_add_nothing_to_a_service_write(dossiers_open):
    dossier = Assessment.objects.filter(year=2023, criteria_set__code="xa-ntm-2021-2025").first()
    with writing() as pending:
        set_value(dossier, "1.1", False)  # flushed by this block, not by set_value
        assert pending.ids(standings.STANDINGS) == {dossier.unit_id}
        dossier.save()  # a save of the whole row (what the admin does): its post_save touches the same unit
        assert pending.ids(standings.STANDINGS) == {dossier.unit_id}
        assert pending.ids(RESULTS) == frozenset()  # the dossier was evaluated in place; nothing requires its set


@pytest.fixture
def communes(province_19):
    return Unit.objects.valid_on(dt.date(2023, 6, 30)).within(province_19).rural_communes().order_by("code")


def test_saving_a_criteria_set_rewrites_only_the_standings_its_new_place_can_change(communes):
    ntm = CriteriaSet.objects.get(code="xa-ntm-2021-2025", superseded_by__isnull=True)
    later = CriteriaSet.objects.get(code="xa-ntm-2026-2030")
    # no commune has a 2026-2030 assessment in a year it also has a 2021-2025 one: a new date in force for the
    # 2026-2030 set cannot change any commune's latest assessment, and no standing is rewritten
    later.effective_from = dt.date(2020, 1, 1)
    with CaptureQueriesContext(connection) as ctx:
        later.save()
    assert _standing_rewrites(ctx.captured_queries) == 0
    # one commune assessed against both in 2023: saving either rewrites that commune's standings alone
    unit = communes[0]
    Assessment.objects.create(unit=unit, year=2023, criteria_set=later, criteria_met=3, criteria_total=10)
    assert list(standings.reordered_units(ntm, moved_level=False)) == [unit.pk]
    ntm.effective_from = dt.date(2019, 1, 1)
    with CaptureQueriesContext(connection) as ctx:
        ntm.save()
    assert _standing_rewrites(ctx.captured_queries) == 1
    assert standings.check() == []


def test_a_criteria_set_moved_to_another_level_takes_its_assessments_along(communes):
    advanced = CriteriaSet.objects.get(code="xa-ntm-nang-cao-2021-2025")
    assessed = set(advanced.assessments.values_list("unit_id", flat=True))
    assert assessed
    advanced.level = Level.XA_HIEN_DAI
    advanced.save()
    moved = Standing.objects.filter(criteria_set=advanced)
    assert set(moved.filter(level=Level.XA_HIEN_DAI).values_list("unit_id", flat=True)) == assessed
    assert not moved.filter(level=Level.XA_NANG_CAO).exists()
    assert standings.check() == []


def test_decisions_written_in_one_block_rewrite_each_units_spells_once(communes):
    a, b = communes[0], communes[1]
    with CaptureQueriesContext(connection) as ctx, writing():
        for number in ("1/QĐ-UBND", "2/QĐ-UBND", "3/QĐ-UBND"):
            decision = Decision.objects.create(number=number, date=dt.date(2024, 5, 1), authority="UBND tỉnh",
                                               level=Level.XA_NANG_CAO)
            decision.units.set([a, b])
    assert sum(sql.startswith('DELETE FROM "recognition_spell"') for sql in _statements(ctx.captured_queries)) == 1
    assert spells.check([a.pk, b.pk]) == []


def test_a_failed_write_leaves_the_derived_rows_as_they_were(dossiers_open):
    dossier = Assessment.objects.filter(year=2023, criteria_set__code="xa-ntm-2021-2025").first()
    before = list(Standing.objects.filter(unit_id=dossier.unit_id).values_list(*standings.FIELDS))
    with pytest.raises(RuntimeError), transaction.atomic(), writing():
        set_value(dossier, "1.1", False)
        raise RuntimeError("the rest of the write failed")
    assert list(Standing.objects.filter(unit_id=dossier.unit_id).values_list(*standings.FIELDS)) == before
    assert standings.check([dossier.unit_id]) == []


@pytest.mark.derived_rows_may_drift
def test_the_suite_notices_a_write_around_the_services(_demo_rows, dossiers_open):
    """What tests/conftest.py checks after every test: a raw write the services did not make, left unrefreshed, is
    found (the units whose rows differ from the demo's), and so are the standings it leaves out of step."""
    dossier = Assessment.objects.filter(year=2023, criteria_set__code="xa-ntm-2021-2025").first()
    assert _demo_rows.touched({"assessments_assessment", "assessments_standing"}) == set()
    Assessment.objects.filter(pk=dossier.pk).update(criteria_met=0)  # no signal: the standings keep the old count
    touched = _demo_rows.touched({"assessments_assessment"})
    assert touched == {dossier.unit_id}
    assert standings.check(touched) != []
    standings.STANDINGS.touch(touched)  # what a writer around the services must do
    assert standings.check(touched) == []
    assert _demo_rows.touched({"assessments_standing"}) == {dossier.unit_id}  # rewritten, and in step
