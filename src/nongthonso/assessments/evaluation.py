"""Evaluation: run the engine over an assessment's stored values and store its results (``Assessment.results`` and
the summary columns, ``RESULT_FIELDS``) — derived rows, refreshed by the write path (``core.derived``).

A write that changes what an assessment's results are computed from — its values, its commune's group, the
eligibility of the assessment its set requires (the model commune requires the advanced one) — touches it:
``RESULTS.touch(ids)``; before the write commits, ``evaluate_assessments`` evaluates every assessment touched, once,
in bulk (one engine pass per compiled criteria set), and stores the results with one statement. Results whose
counts changed touch their units' standings in turn (``standings.STANDINGS``: they copy the counts), refreshed after;
results that keep their counts leave the standings alone. ``evaluate_assessment`` evaluates one model instance in
place (a dossier just opened, or the one a value was just entered in, whose page shows the results at once).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from nongthonso.core.derived import RESULTS as RESULTS_STAGE
from nongthonso.core.derived import Refresh, pending_on, writing
from nongthonso.criteria import engine
from nongthonso.criteria.catalogue import compiled
from nongthonso.criteria.models import CriteriaSet, Indicator, Threshold
from nongthonso.units.groups import GroupSpan, group_on, spans_of, year_end
from nongthonso.units.models import Unit
from nongthonso.units.services import PROVINCE_LEVEL

from . import staging
from .models import Assessment, IndicatorValue
from .standings import STANDINGS

RESULT_FIELDS = ["results", "criteria_met", "criteria_failed", "criteria_unknown", "criteria_total", "eligible",
                 "revoke", "evaluated_at"]
# the results the standings copy: an evaluation that leaves them as they were leaves the standings as they are
_STANDING_FIELDS = ("criteria_met", "criteria_total")


@dataclass(frozen=True)
class UnitContext:
    """What the engine needs to know about a unit to pick its thresholds: the province (for provincial overrides
    and provincial sets), the region and flags (2021-2025 sets), the commune-group history (2026-2030 sets)."""

    province_code: str | None
    region: str | None
    groups: tuple[GroupSpan, ...]
    flags: tuple[str, ...]

    def group_in(self, year: int) -> int | None:
        """The commune group the unit is assessed in for ``year`` (``units.groups``)."""
        return group_on(self.groups, year_end(year))


_FLAGS = ("dac_biet_kho_khan", "atk")  # the unit's flags the thresholds depend on


def unit_contexts(unit_ids: Iterable[int]) -> dict[int, UnitContext]:
    """The ``UnitContext`` of each of ``unit_ids``, with three queries (their ancestors found through the paths)."""
    units = [(pk, [int(p) for p in path.strip("/").split("/") if p], flags) for pk, path, *flags in Unit.objects
             .filter(pk__in=list(unit_ids)).order_by().values_list("pk", "path", *_FLAGS)]
    chain = {pk: (code, region, level) for pk, code, region, level in Unit.objects
             .filter(pk__in={p for _, path, _ in units for p in path})
             .order_by().values_list("pk", "code", "region", "unit_type__level__code")}
    groups = spans_of(pk for pk, _, _ in units)
    contexts = {}
    for pk, path, flags in units:
        chain_of = [chain[p] for p in path]  # from the top down to the unit
        top_code, _, top_level = chain_of[0]
        contexts[pk] = UnitContext(top_code if top_level == PROVINCE_LEVEL else None,
                                   next((r for _, r, _ in reversed(chain_of) if r), None), groups.get(pk, ()),
                                   tuple(name for name, on in zip(_FLAGS, flags, strict=True) if on))
    return contexts


def unit_context(unit: Unit) -> UnitContext:
    return unit_contexts([unit.pk])[unit.pk]


def values_of(assessment: Assessment) -> dict[str, Any]:
    """The assessment's stored values: {indicator code: value}."""
    return dict(assessment.values.order_by().values_list("indicator__code", "value"))


_provinces_of: dict[int, tuple[Any, frozenset[str]]] = {}  # set id → (its updated_at, the provinces with rows)


def _compiled(cset: CriteriaSet, province_code: str | None) -> engine.CompiledSet:
    """``compiled(cset, province_code)``, shared by every province that has no threshold row of its own in the set
    (nor in the sets its thresholds refer to, ``threshold_ref``): for those the engine picks the same rows as for no
    province at all, so the set is compiled once, not once per province (63 for the country), and a bulk
    evaluation makes one engine pass for all of them. Which provinces have rows is read once per version of the set
    (``updated_at``: any change to its rows, or to those of a set it refers to, touches it)."""
    known = _provinces_of.get(cset.pk)
    if known is None or known[0] != cset.updated_at:
        referred = {ind.threshold_ref["set"] for ind in cset.indicators.exclude(threshold_ref={}).only("threshold_ref")}
        rows = Threshold.objects.filter(Q(indicator__criteria_set=cset) | Q(indicator__criteria_set__code__in=referred))
        known = _provinces_of[cset.pk] = (cset.updated_at, frozenset(
            rows.exclude(province_code="").values_list("province_code", flat=True).distinct()))
    return compiled(cset, province_code if province_code in known[1] else None)


def evaluate(assessment: Assessment, ctx: UnitContext | None = None,
             values: Mapping[str, Any] | None = None) -> engine.UnitResult:
    """Run the engine over the assessment's stored values (no writes); ``values`` (indicator code → value),
    when given, are those stored values already read."""
    ctx = ctx or unit_context(assessment.unit)
    cs = _compiled(assessment.criteria_set, ctx.province_code)
    return engine.evaluate_one(cs, values_of(assessment) if values is None else values, year=assessment.year,
                               region=ctx.region, group=ctx.group_in(assessment.year), flags=ctx.flags)


def _required_eligible(assessment: Assessment | _Light) -> bool | None:
    """Whether the unit's assessment of the same year against the set ``assessment``'s set requires is eligible
    (None: its set requires none)."""
    required = assessment.criteria_set.requires
    if required is None:
        return None
    other = (Assessment.objects.filter(unit_id=assessment.unit_id, year=assessment.year,
                                       criteria_set__code=required.code)
             .order_by("-criteria_set__version").values_list("eligible", flat=True).first())
    return bool(other)


def _put_results(assessment: Assessment, ctx: UnitContext | None = None) -> None:
    """Evaluate and set the results on the assessment (RESULT_FIELDS), without saving."""
    data = evaluate(assessment, ctx).to_dict()
    eligible = data["eligible"]
    required_ok = _required_eligible(assessment)
    if required_ok is not None:
        data["requires"] = {"set": assessment.criteria_set.requires.code, "eligible": required_ok}
        eligible = eligible and required_ok
    assessment.results = data
    _put_counts(assessment, data, eligible)
    assessment.evaluated_at = timezone.now()


def _put_counts(assessment: Assessment | _Light, summary: dict, eligible: bool) -> None:
    """The summary columns of the engine's result (``summary``: its dict or ``evaluate_many_json``'s summary)."""
    assessment.criteria_met = summary["criteria_met"]
    assessment.criteria_failed = summary["criteria_failed"]
    assessment.criteria_unknown = summary["criteria_unknown"]
    assessment.criteria_total = summary["criteria_total"]
    assessment.eligible = eligible
    assessment.revoke = summary["revoke"]


def _put_encoded_results(assessment: _Light, summary: dict, text: str) -> None:
    """``_put_results`` from ``engine.evaluate_many_json``: the results stay JSON text (``results_json``)."""
    eligible = summary["eligible"]
    required_ok = _required_eligible(assessment)
    if required_ok is not None:
        requires = {"set": assessment.criteria_set.requires.code, "eligible": required_ok}
        text = f"{text[:-1]}, \"requires\": {json.dumps(requires)}}}"
        eligible = eligible and required_ok
    assessment.results_json = text
    _put_counts(assessment, summary, eligible)


def evaluate_assessment(assessment: Assessment, ctx: UnitContext | None = None) -> Assessment:
    """Evaluate and store the results on the assessment, now and in place; its unit's standings (when its counts
    changed) and the assessments whose set requires it (``dependents``) follow before the write commits."""
    with writing(savepoint=False):
        rows = Assessment.objects.filter(pk=assessment.pk)
        before = rows.order_by("pk").values_list(*_STANDING_FIELDS).first()
        _put_results(assessment, ctx)
        rows.update(**{name: getattr(assessment, name) for name in RESULT_FIELDS})
        if before != tuple(getattr(assessment, name) for name in _STANDING_FIELDS):
            STANDINGS.touch([assessment.unit_id])
        required = _required_sets()
        if assessment.criteria_set.code in required.values():  # else no set requires its set: no dependents
            RESULTS.touch(dependents([assessment.pk], required))
    return assessment


def _required_sets() -> dict[int, str]:
    """{id of a set that requires another: the code of the set it requires} (a few rows)."""
    return dict(CriteriaSet.objects.filter(requires__isnull=False).values_list("pk", "requires__code"))


def dependents(assessment_ids: Iterable[int], required: dict[int, str] | None = None, *, batch: int = 500
               ) -> set[int]:
    """The assessments whose set requires the set of one of ``assessment_ids``, of the same unit and year, not among
    them: their eligibility follows the required one's (the model-commune dossier of a commune whose advanced dossier
    changed). Only a few sets are required by another: the assessments of the others have no dependents, which
    one query over the small table of sets (``required``: ``_required_sets()``, when already read) and one over
    ``assessment_ids`` (by primary key) tell."""
    ids = list(assessment_ids)
    required = _required_sets() if required is None else required
    found: set[int] = set()
    for start in range(0, len(ids) if required else 0, batch):
        wanted = set(Assessment.objects.filter(pk__in=ids[start:start + batch],
                                               criteria_set__code__in=set(required.values()))
                     .order_by().values_list("unit_id", "year", "criteria_set__code"))
        if wanted:
            found.update(pk for pk, unit_id, year, set_id in Assessment.objects.filter(
                criteria_set_id__in=list(required), unit_id__in={unit_id for unit_id, _, _ in wanted})
                .order_by().values_list("pk", "unit_id", "year", "criteria_set_id")
                if (unit_id, year, required[set_id]) in wanted)
    return found.difference(ids)


def _save_results(assessments: list[_Light]) -> None:
    """Write RESULT_FIELDS of many assessments at once (Django's bulk_update builds a CASE expression per field
    and row, far slower for a few hundred rows of JSON): one executemany on SQLite; on PostgreSQL, where each
    row of an executemany is a round trip, COPY into a temporary table and one UPDATE … FROM. The standings of the
    units whose counts changed are touched."""
    fields = [Assessment._meta.get_field(name) for name in RESULT_FIELDS]
    quote = connection.ops.quote_name
    evaluated_at = _evaluated_now()
    rows = [[a.results_json, a.criteria_met, a.criteria_failed, a.criteria_unknown, a.criteria_total, a.eligible,
             a.revoke, evaluated_at, a.pk] for a in assessments]
    table = quote(Assessment._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            sql = f"UPDATE {table} SET " + ", ".join(f"{quote(f.column)} = %s" for f in fields) + " WHERE id = %s"
            cursor.executemany(sql, rows)
        else:
            columns = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
            cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS nongthonso_results (id bigint, {columns}) "
                           "ON COMMIT DROP")
            with cursor.cursor.copy(f"COPY nongthonso_results ({', '.join(quote(f.column) for f in fields)}, id) "
                                    "FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"UPDATE {table} AS a SET " + ", ".join(f"{quote(f.column)} = r.{quote(f.column)}"
                                                                    for f in fields)
                           + " FROM nongthonso_results AS r WHERE a.id = r.id")
            cursor.execute("TRUNCATE nongthonso_results")
    _touch_standings(assessments)


def _evaluated_now():
    """``evaluated_at`` of a batch stored now, ready for the database (one moment for the batch)."""
    return Assessment._meta.get_field("evaluated_at").get_db_prep_save(timezone.now(), connection)


def _touch_standings(assessments: list[_Light]) -> None:
    """The standings of the units whose counts the stored results changed are refreshed after (they copy them)."""
    STANDINGS.touch({a.unit_id for a in assessments if a.counted != (a.criteria_met, a.criteria_total)})


def _stored_values(assessment_ids: list[int]) -> dict[int, dict[str, Any]]:
    """{assessment id: {indicator code: value}} with one plain query (the ORM's per-row work would cost more
    than the evaluation)."""
    field = IndicatorValue._meta.get_field("value")
    quote = connection.ops.quote_name
    values_table, indicators = quote(IndicatorValue._meta.db_table), quote(Indicator._meta.db_table)
    sql = (f"SELECT v.assessment_id, i.code, v.value FROM {values_table} v JOIN {indicators} i ON i.id = "
           f"v.indicator_id WHERE v.assessment_id IN ({', '.join(['%s'] * len(assessment_ids))})")
    found: dict[int, dict[str, Any]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, assessment_ids)
        for assessment_id, code, value in cursor.fetchall():
            decoded = _JSON_CONSTANTS.get(value, _MISSING) if isinstance(value, str) else _MISSING
            if decoded is _MISSING:
                decoded = _json_number(value)
                if decoded is _MISSING:
                    decoded = field.from_db_value(value, None, connection)
            found.setdefault(assessment_id, {})[code] = decoded
    return found


_MISSING = object()
_JSON_CONSTANTS = {"true": True, "false": False}


def _json_number(text) -> Any:
    """A JSON number as ``json.loads`` reads it (int without fraction or exponent, else float); _MISSING
    for anything else."""
    if not isinstance(text, str) or not text or text[0] not in "-0123456789":
        return _MISSING
    try:
        return int(text) if text.lstrip("-").isdigit() else float(text)
    except ValueError:
        return _MISSING


@dataclass
class _Light:
    """What evaluating and storing results needs of an assessment (no model instance: cheaper in bulk)."""

    pk: int
    unit_id: int
    year: int
    criteria_set: CriteriaSet
    counted: tuple[int, int]  # the stored counts before the evaluation (``_STANDING_FIELDS``)
    criteria_met: int = 0
    criteria_failed: int = 0
    criteria_unknown: int = 0
    criteria_total: int = 0
    eligible: bool = False
    revoke: bool = False
    results_json: str | None = None  # the results as JSON text, stored as they are

    @property
    def criteria_set_id(self) -> int:
        return self.criteria_set.pk


def evaluate_assessments(ids: Iterable[int], *, batch: int = 500) -> int:
    """Evaluate and store many assessments, as ``evaluate_assessment`` would one by one: per batch, one
    query for the assessments, one for their values, two for the units' contexts, one engine pass per
    criteria set and province (``engine.evaluate_many_json``) and one executemany. Sets that require another set
    (the model commune requires the advanced one) are evaluated after all the others. The assessments that require
    one of them (``dependents``) are evaluated after them, before the write commits. Returns how many. (An import,
    which holds the values it has just written, evaluates with ``BesideEvaluation`` instead: same steps.)

    This is ``RESULTS``'s refresh: a write touches assessments (``RESULTS.touch``) rather than calling it, so that
    each is evaluated once, at the write's end."""
    ids = list(ids)
    requiring: set[int] = set()
    for start in range(0, len(ids), batch):
        requiring.update(Assessment.objects.filter(pk__in=ids[start:start + batch],
                                                   criteria_set__requires__isnull=False)
                         .order_by().values_list("pk", flat=True))
    first = sorted(pk for pk in set(ids) if pk not in requiring)
    inputs = _Inputs({})
    with writing(savepoint=False):
        for group in (first, sorted(requiring)):
            for start in range(0, len(group), batch):
                passes = inputs.passes(group[start:start + batch])
                for engine_pass in passes:
                    engine_pass.run()
                _store(passes)
        RESULTS.touch(dependents(ids))  # evaluated next, with the eligibility just stored
    return len(first) + len(requiring)


@dataclass
class _Pass:
    """One engine pass: a compiled set, the assessments evaluated against it and their inputs (values, year, region,
    group, flags); ``run()`` (no database: it may run in another thread) sets the results."""

    cs: engine.CompiledSet
    members: list[_Light]
    units: list[tuple]
    results: list[tuple[dict, str]] | None = None
    encoded: bool = False  # the results put on the members (``_encode``)

    def run(self) -> None:
        self.results = engine.evaluate_many_json(self.cs, self.units)


class _Inputs:
    """Reads what the engine passes of a batch of assessments need (``passes``), keeping the sets and the units'
    contexts across batches. ``known_values``: the complete stored values of some assessments ({id: {indicator code:
    value}}), already known to the caller (an import that has just written them), so not read again."""

    def __init__(self, known_values: Mapping[int, Mapping[str, Any]]):
        self.known_values = known_values
        self.contexts: dict[int, UnitContext] = {}
        self.sets = {s.pk: s for s in CriteriaSet.objects.select_related("requires")}

    def passes(self, ids: list[int]) -> list[_Pass]:
        """The engine passes of ``ids`` (one per compiled set), inputs read; none run yet."""
        assessments = [_Light(pk, unit_id, year, self.sets[set_id], tuple(counted))
                       for pk, unit_id, year, set_id, *counted in Assessment.objects.filter(pk__in=ids)
                       .order_by("pk").values_list("pk", "unit_id", "year", "criteria_set_id", *_STANDING_FIELDS)]
        unknown = [pk for pk in ids if pk not in self.known_values]
        values = _stored_values(unknown) if unknown else {}
        if len(self.contexts) > 20_000:
            self.contexts.clear()
        contexts = self.contexts
        missing = {a.unit_id for a in assessments} - set(contexts)
        if missing:
            contexts.update(unit_contexts(missing))
        by_set: dict[int, _Pass] = {}  # an engine pass per compiled set
        for a in assessments:
            ctx = contexts[a.unit_id]
            cs = _compiled(a.criteria_set, ctx.province_code)
            engine_pass = by_set.get(id(cs))
            if engine_pass is None:
                engine_pass = by_set[id(cs)] = _Pass(cs, [], [])
            engine_pass.members.append(a)
            engine_pass.units.append((self.known_values.get(a.pk) or values.get(a.pk, {}), a.year, ctx.region,
                                      ctx.group_in(a.year), ctx.flags))
        return list(by_set.values())


def _encode(passes: list[_Pass]) -> list[_Light]:
    """Put the results of engine passes that have run on their assessments (``results_json`` and the counts);
    returns the assessments. No database for sets that require none (``_required_eligible``)."""
    assessments = []
    for engine_pass in passes:
        if not engine_pass.encoded:
            for assessment, (summary, text) in zip(engine_pass.members, engine_pass.results, strict=True):
                _put_encoded_results(assessment, summary, text)
            engine_pass.encoded = True
        assessments.extend(engine_pass.members)
    return assessments


def _store(passes: list[_Pass], staged: staging.ResultsStage | None = None) -> None:
    """Store the results of engine passes that have run (one statement for them all): copied from the scratch rows
    of ``staged`` when they were staged there (PostgreSQL, ``BesideEvaluation``), else written from here."""
    assessments = _encode(passes)
    if not assessments:
        return
    if staged is None:
        _save_results(assessments)
    else:
        staged.apply(assessments, _evaluated_now())
        _touch_standings(assessments)


class BesideEvaluation:
    """Evaluates, inside a write, assessments whose complete values the writer holds (an import), their engine
    passes run by one background thread while the writer goes on (ADR 0012): ``submit({id: values})`` reads what
    the passes need and starts them; their results are stored by the next ``submit`` or by ``finish()``, in the
    writer's transaction. ``finish()`` also touches the assessments requiring them (``dependents``), evaluated as the
    write ends. Only assessments whose set requires no other set may be submitted (the others wait for the one they
    require: ``evaluate_assessments``).

    The background thread never touches the writer's connection. On PostgreSQL it writes the results it computed
    into a scratch table on a connection of its own (``staging``, ADR 0013), and the writer copies them from there
    with one statement; elsewhere, or when staging fails, the writer stores them itself (``_save_results``)."""

    def __init__(self, batch: int = 500):
        self.batch = batch
        self.inputs: _Inputs | None = None
        self.executor: ThreadPoolExecutor | None = None
        self.stage: staging.ResultsStage | None = None
        self.pending: list[tuple[list[_Pass], Future]] = []
        self.evaluated: list[int] = []
        self.closed = False

    def submit(self, known_values: Mapping[int, Mapping[str, Any]]) -> None:
        if pending_on() is None:  # the store and the touches belong to the writer's transaction
            raise RuntimeError("BesideEvaluation runs inside a write (core.derived.writing)")
        if self.closed:
            raise RuntimeError("BesideEvaluation is closed")
        if self.inputs is None:
            self.inputs = _Inputs({})
            self.executor = ThreadPoolExecutor(1, thread_name_prefix="nongthonso-evaluate")
            self.stage = staging.ResultsStage() if staging.available() else None
        self.inputs.known_values = known_values
        ids = sorted(known_values)
        batches = [self.inputs.passes(ids[start:start + self.batch]) for start in range(0, len(ids), self.batch)]
        if any(a.criteria_set.requires_id is not None for passes in batches for p in passes for a in p.members):
            raise ValueError("an assessment whose set requires another is evaluated after it (evaluate_assessments)")
        self._store_pending()
        self.pending = [(passes, self.executor.submit(_run_beside, passes, self.stage)) for passes in batches]
        self.evaluated.extend(ids)

    def _store_pending(self) -> None:
        while self.pending:  # (what a failed store leaves here is cancelled by ``close``)
            passes, running = self.pending[0]
            _store(passes, self.stage if running.result() else None)  # (result() re-raises the engine's error)
            del self.pending[0]

    def finish(self) -> None:
        try:
            self._store_pending()
        finally:
            self.close()
        RESULTS.touch(dependents(self.evaluated))

    def close(self) -> None:
        """Stop the background thread (after the pass running, if any), which then deletes its scratch rows; results
        not stored are dropped (the write fails)."""
        self.closed = True
        if self.executor is not None:
            for _passes, running in self.pending:
                running.cancel()
            try:
                if self.stage is not None:
                    self.executor.submit(self.stage.close)
            finally:
                self.executor.shutdown(wait=True)
                self.executor, self.pending = None, []


def _run_all(passes: list[_Pass]) -> None:
    for engine_pass in passes:
        engine_pass.run()


def _run_beside(passes: list[_Pass], stage: staging.ResultsStage | None) -> bool:
    """The background thread's task: the engine passes, then (PostgreSQL) their results staged. True when staged."""
    _run_all(passes)
    return stage is not None and stage.put(_encode(passes))


RESULTS = Refresh("results", RESULTS_STAGE, lambda ids: evaluate_assessments(ids))  # looked up at each run
