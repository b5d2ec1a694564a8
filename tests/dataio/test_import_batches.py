"""A values import over many write batches (``assessments.imports``): values updated, values added to a dossier
that held none, a dossier created — each stored as written, each dossier's results what evaluating it afresh gives,
one audit entry per dossier and batch; the engine passes of the dossiers written run in a background thread beside
the rest of the write (``evaluation.BesideEvaluation``, ADR 0012), and a pass failing there leaves nothing written.
On PostgreSQL that thread stages the results on a connection of its own (``assessments.staging``, ADR 0013): the
scratch rows are gone afterwards, whether the write commits or fails, and a stage that cannot write leaves the
results to the writer."""

from __future__ import annotations

import logging
import threading

import pytest
from django.db import connection, connections

from nongthonso.assessments import evaluation, imports, staging
from nongthonso.assessments.evaluation import evaluate_assessments
from nongthonso.assessments.models import Assessment, IndicatorValue
from nongthonso.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
SET_2021 = "xa-ntm-2021-2025"
RESULT_FIELDS = ("results", "criteria_met", "criteria_failed", "criteria_unknown", "eligible", "revoke")
POSTGRESQL = connection.vendor == "postgresql"
only_postgresql = pytest.mark.skipif(not POSTGRESQL, reason="results are staged on PostgreSQL only")


def _scratch_rows() -> int:
    """The rows of the results' scratch table that other connections have committed (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {staging.TABLE}")
        return cursor.fetchone()[0]


@pytest.fixture
def staged(monkeypatch):
    """The assessments whose results the background thread staged, and those the writer copied from the stage."""
    seen = {"put": [], "applied": []}
    put, apply = staging.ResultsStage.put, staging.ResultsStage.apply

    def spying_put(self, assessments):
        done = put(self, assessments)
        seen["put"] += [a.pk for a in assessments] if done else []
        return done

    def spying_apply(self, assessments, evaluated_at):
        apply(self, assessments, evaluated_at)
        seen["applied"] += [a.pk for a in assessments]

    monkeypatch.setattr(staging.ResultsStage, "put", spying_put)
    monkeypatch.setattr(staging.ResultsStage, "apply", spying_apply)
    return seen


def _text(value) -> str:
    if isinstance(value, bool):
        return "Đạt" if value else "Không đạt"
    return "" if value is None else str(value).replace(".", ",")


@pytest.fixture
def three_dossiers(dossiers_open, tmp_path, write_table):
    """A file naming three dossiers, in small write batches: the first's values with three changed, the second's
    values after they were deleted (so it holds none), the third a 2024 dossier the import creates."""
    updated, emptied = Assessment.objects.filter(year=2023, criteria_set__code=SET_2021).order_by("unit__code")[:2]
    new_year = (Assessment.objects.filter(year=2023, criteria_set__code=SET_2021).order_by("-unit__code")
                .select_related("unit").first())
    stored = {a.pk: dict(a.values.values_list("indicator__code", "value")) for a in (updated, emptied, new_year)}
    wanted = {updated.pk: dict(stored[updated.pk]), emptied.pk: stored[emptied.pk]}
    for code in [c for c, v in wanted[updated.pk].items() if isinstance(v, bool)][:3]:  # three "met" flags flipped
        wanted[updated.pk][code] = not wanted[updated.pk][code]
    IndicatorValue.objects.filter(assessment=emptied).delete()
    rows = [["unit_code", "year", "indicator_code", "value"]]
    for a, year, values in ((updated, 2023, wanted[updated.pk]), (emptied, 2023, wanted[emptied.pk]),
                            (new_year, 2024, stored[new_year.pk])):
        rows += [[a.unit.code, year, code, _text(value)] for code, value in values.items()]
    path = write_table(tmp_path, "ba-ho-so", rows, "csv")
    return path, wanted, updated, emptied, new_year, stored[new_year.pk], len(rows) - 1


def test_an_import_over_many_batches_stores_every_value_and_evaluates_each_dossier(three_dossiers, monkeypatch,
                                                                                  staged):
    path, wanted, updated, emptied, new_year, new_values, total = three_dossiers
    stored_before = dict(updated.values.values_list("indicator__code", "value"))
    monkeypatch.setattr(imports, "BATCH", 7)  # a dossier's rows span several batches
    monkeypatch.setattr(imports._EarlyEvaluation, "FLUSH", 1)  # each dossier evaluated as its last row is written
    threads = []
    run = evaluation._Pass.run
    monkeypatch.setattr(evaluation._Pass, "run", lambda self: (threads.append(threading.get_ident()), run(self)))

    preview = imports.import_values(path, dry_run=True)  # the same counts, nothing written
    assert not Assessment.objects.filter(unit=new_year.unit, year=2024).exists() and not emptied.values.exists()
    result = imports.import_values(path)
    beside = list(threads)
    assert (preview.created, preview.updated, preview.unchanged) == (result.created, result.updated, result.unchanged)

    created = Assessment.objects.get(unit=new_year.unit, year=2024, criteria_set__code=SET_2021)
    assert (result.created, result.updated, result.unchanged) == (len(wanted[emptied.pk]) + len(new_values), 3,
                                                                  len(wanted[updated.pk]) - 3)
    assert result.created + result.updated + result.unchanged == total
    for a, values in ((updated, wanted[updated.pk]), (emptied, wanted[emptied.pk]), (created, new_values)):
        assert dict(a.values.values_list("indicator__code", "value")) == values
    # the results stored are those of an evaluation afresh (which reads the values back)
    ids = [updated.pk, emptied.pk, created.pk]
    kept = list(Assessment.objects.filter(pk__in=ids).order_by("pk").values_list(*RESULT_FIELDS))
    evaluate_assessments(ids)
    assert list(Assessment.objects.filter(pk__in=ids).order_by("pk").values_list(*RESULT_FIELDS)) == kept
    # one audit entry per dossier and batch changing it, together holding every change
    changed_rows = {pk: [] for pk in ids}
    for position, (pk, code, value) in enumerate(
            [(updated.pk, c, v) for c, v in wanted[updated.pk].items()]
            + [(emptied.pk, c, v) for c, v in wanted[emptied.pk].items()]
            + [(created.pk, c, v) for c, v in new_values.items()]):
        if pk != updated.pk or value != stored_before[code]:
            changed_rows[pk].append((position, code, value))
    for pk, changes in changed_rows.items():
        entries = AuditEntry.objects.filter(action="import", object_id=str(pk), note="Nhập tệp ba-ho-so.csv")
        assert entries.count() == len({position // 7 for position, _, _ in changes})
        assert {k: v for e in entries for k, v in e.after.items()} == {code: value for _, code, value in changes}
    assert len(beside) == 3 and threading.get_ident() not in beside  # three passes, beside the write pass
    if POSTGRESQL:  # their results staged by that thread, copied from the stage by the writer, the stage emptied
        assert sorted(staged["put"]) == sorted(staged["applied"]) == sorted(ids) and _scratch_rows() == 0
    else:
        assert staged == {"put": [], "applied": []}


def test_an_engine_pass_failing_beside_the_write_leaves_nothing_written(three_dossiers, monkeypatch, import_counts):
    path, *_ = three_dossiers
    monkeypatch.setattr(imports, "BATCH", 7)
    monkeypatch.setattr(imports._EarlyEvaluation, "FLUSH", 1)
    calls = []
    run = evaluation._Pass.run

    def failing(self):
        calls.append(threading.get_ident())
        if len(calls) == 2:
            raise RuntimeError("hết bộ nhớ")
        run(self)

    monkeypatch.setattr(evaluation._Pass, "run", failing)
    before = import_counts()
    values = sorted(IndicatorValue.objects.values_list("pk", "value"))
    results = sorted(Assessment.objects.values_list("pk", "results"))
    with pytest.raises(RuntimeError, match="hết bộ nhớ"):
        imports.import_values(path)
    assert import_counts() == before and sorted(IndicatorValue.objects.values_list("pk", "value")) == values
    assert sorted(Assessment.objects.values_list("pk", "results")) == results
    assert len(calls) >= 2 and threading.get_ident() not in calls
    assert not [t for t in threading.enumerate() if t.name.startswith("nongthonso-evaluate")]  # the thread stopped
    monkeypatch.setattr(evaluation._Pass, "run", run)  # the file itself was good
    assert imports.import_values(path).created > 0


def test_a_write_failing_while_passes_run_beside_leaves_nothing_written(three_dossiers, monkeypatch, import_counts):
    path, *_ = three_dossiers
    monkeypatch.setattr(imports, "BATCH", 7)
    monkeypatch.setattr(imports._EarlyEvaluation, "FLUSH", 1)
    insert, calls = imports.insert_values, []

    def failing(rows):
        calls.append(len(rows))
        if len(calls) == 12:  # after the first dossier's pass was handed to the background thread
            raise RuntimeError("ổ đĩa đầy")
        insert(rows)

    monkeypatch.setattr(imports, "insert_values", failing)
    before, results = import_counts(), sorted(Assessment.objects.values_list("pk", "results"))
    with pytest.raises(RuntimeError, match="ổ đĩa đầy"):
        imports.import_values(path)
    assert import_counts() == before and sorted(Assessment.objects.values_list("pk", "results")) == results
    assert not [t for t in threading.enumerate() if t.name.startswith("nongthonso-evaluate")]
    if POSTGRESQL:  # the results staged before the failure: deleted by the background connection
        assert _scratch_rows() == 0


@only_postgresql
def test_results_the_stage_cannot_take_are_stored_by_the_writer(three_dossiers, monkeypatch, staged, caplog):
    """A scratch table missing (or no connection to be had): a warning, and the writer stores the results itself."""
    path, _wanted, updated, emptied, new_year, _values, total = three_dossiers
    monkeypatch.setattr(imports, "BATCH", 7)
    monkeypatch.setattr(imports._EarlyEvaluation, "FLUSH", 1)
    monkeypatch.setattr(staging, "TABLE", "assessments_results_stage_missing")
    with caplog.at_level(logging.WARNING, logger=staging.__name__):
        result = imports.import_values(path)
    assert result.created + result.updated + result.unchanged == total
    assert staged == {"put": [], "applied": []} and "results not staged" in caplog.text
    created = Assessment.objects.get(unit=new_year.unit, year=2024, criteria_set__code=SET_2021)
    ids = [updated.pk, emptied.pk, created.pk]
    kept = list(Assessment.objects.filter(pk__in=ids).order_by("pk").values_list(*RESULT_FIELDS))
    assert all(fields[0] for fields in kept)  # results stored …
    evaluate_assessments(ids)
    assert list(Assessment.objects.filter(pk__in=ids).order_by("pk").values_list(*RESULT_FIELDS)) == kept  # … right


@only_postgresql
def test_scratch_rows_left_a_week_ago_are_deleted_by_the_next_stage(three_dossiers, staged, other_connection):
    """Rows a killed process left (older than ``staging.KEPT``) go at the next stage; another evaluation's stay."""
    path, *_ = three_dossiers
    other = other_connection
    insert = (f"INSERT INTO {staging.TABLE} (token, id, results, criteria_met, criteria_failed, criteria_unknown, "
              "criteria_total, eligible, revoke, staged_at) VALUES (%s, 1, '{}', 0, 0, 0, 0, false, false, "
              "now() - %s::interval)")
    old, recent = "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"
    try:
        other.execute(insert, [old, "8 days"])
        other.execute(insert, [recent, "1 day"])
        assert imports.import_values(path).created > 0 and staged["put"]
        tokens = [str(t) for (t,) in other.execute(f"SELECT token FROM {staging.TABLE}")]
        assert tokens == [recent]
    finally:
        other.execute(f"DELETE FROM {staging.TABLE} WHERE token IN (%s, %s)", [old, recent])


def test_rows_of_one_dossier_around_bad_rows_and_across_batches_are_each_checked(dossiers_open, tmp_path, monkeypatch,
                                                                                 write_table, import_counts):
    # given good and bad rows of one dossier, checked two at a time (a run of rows broken by a bad row, and by a batch)
    a = Assessment.objects.filter(year=2023, criteria_set__code=SET_2021).select_related("unit").first()
    code = a.unit.code
    rows = [["unit_code", "year", "indicator_code", "value"], [code, 2023, "2.1", "90"], ["99999", 2023, "2.1", "90"],
            [code, 2023, "2.2", "nhiều"], [code, 2023, "99.9", "1"], [code, 2023, "1.1", "Đạt"],
            [code, "hai nghìn", "2.1", "90"], [code, 2023, "2.1", "95"]]
    path = write_table(tmp_path, "xen-ke", rows, "csv")
    before = import_counts()
    monkeypatch.setattr(imports, "BATCH", 2)
    with pytest.raises(imports.ImportFailed) as failed:
        imports.import_values(path)
    # then each bad row has its own error, in row order, and the repeated good row its own; nothing is written
    assert [(e.row, e.column) for e in failed.value.errors] == [
        (3, "unit_code"), (4, "value"), (5, "indicator_code"), (7, "year"), (8, "indicator_code")]
    assert failed.value.errors[4].message.startswith("trùng với dòng 2 ")
    assert import_counts() == before


@only_postgresql
def test_a_token_stages_an_assessment_once_and_only_under_read_committed(monkeypatch, caplog):
    """A second row of one assessment under one token is refused (the writer would copy either): the stage says so
    and stops; and a writer whose transactions are stricter than read committed does not stage at all (its snapshot
    would not see the rows staged after it began)."""
    from types import SimpleNamespace

    from psycopg import IsolationLevel

    a = Assessment.objects.order_by("pk").first()
    row = SimpleNamespace(pk=a.pk, results_json="{}", criteria_met=0, criteria_failed=0, criteria_unknown=0,
                          criteria_total=0, eligible=False, revoke=False)
    stage = staging.ResultsStage()
    try:
        assert stage.put([row]) is True
        with caplog.at_level(logging.WARNING, logger=staging.__name__):
            assert stage.put([row]) is False and stage.put([row]) is False
        assert "results not staged" in caplog.text and stage.failed
    finally:
        stage.close()
    assert _scratch_rows() == 0
    assert staging.available()
    # (the wrapper itself: monkeypatch would restore an attribute set through Django's proxy by deleting it)
    monkeypatch.setattr(connections[connection.alias], "isolation_level", IsolationLevel.REPEATABLE_READ)
    assert not staging.available()
