"""Assessment services: set values, evaluate with the engine, store the results — in one transaction.

A changed value re-evaluates its assessment at once (and the assessments of sets that require this
one, e.g. the model-commune rule requires the advanced set), so every figure computed from stored
results — the provincial summary included — reflects it immediately, with no batch rebuild.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, transaction
from django.db.models import Case, OuterRef, QuerySet, Subquery, Value, When
from django.utils import timezone

from nongthonso.accounts.models import Action
from nongthonso.accounts.services import refusal
from nongthonso.audit.services import record
from nongthonso.core.text import format_date, format_number, same_value
from nongthonso.core.vocabulary import NumberInvalid, parse_bool, parse_number
from nongthonso.criteria import engine
from nongthonso.criteria.applicability import applies_to, not_applicable_message, set_for
from nongthonso.criteria.catalogue import compiled
from nongthonso.criteria.choices import COMMUNE_LEVELS, Level
from nongthonso.criteria.models import CriteriaSet, Indicator
from nongthonso.units.groups import GroupSpan, group_on, spans_of, year_end
from nongthonso.units.models import Unit
from nongthonso.units.services import PROVINCE_LEVEL, successors_on

from . import carry, standings
from .errors import ValueRejected
from .models import LATEST_ORDER, Assessment, IndicatorValue
from .workflow import WorkflowError, ensure_editable, stale_error

MAX_NUMBER = 10**15 - 1  # a stored number's largest size: beyond it a float loses units (and 1e300 is a typo)


def parse_value(indicator: Indicator, raw: Any) -> Any:
    """Turn raw input (text from a form or file, or a Python value) into the stored value.

    Returns None for an empty value (unknown). Raises ValueRejected with a Vietnamese message.
    """
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    vt = indicator.value_type
    if vt == "boolean":
        if (answer := parse_bool(raw)) is not None:
            return answer
        raise ValueRejected(f"Chỉ tiêu {indicator.code} nhận «Đạt» hoặc «Không đạt» (1/0, có/không); "
                            f"«{raw}» không hợp lệ.")
    if vt == "category":
        if raw in indicator.categories:
            return raw
        raise ValueRejected(f"Chỉ tiêu {indicator.code} chỉ nhận một trong các giá trị: "
                            f"{', '.join(indicator.categories)}.")
    if isinstance(raw, bool):
        raise ValueRejected(f"Chỉ tiêu {indicator.code} cần một số, không phải Đạt/Không.")
    if isinstance(raw, int | float):
        number = float(raw)
    else:
        try:
            number = parse_number(raw)
        except NumberInvalid:
            raise ValueRejected(
                f"Chỉ tiêu {indicator.code} cần một số ({indicator.unit or 'không có đơn vị'}); «{raw}» không "
                "phải là số. Dùng dấu phẩy cho phần thập phân, ví dụ 85,7.") from None
    if math.isnan(number) or math.isinf(number):
        raise ValueRejected(f"Chỉ tiêu {indicator.code} cần một số hữu hạn.")
    if vt == "percent" and not 0 <= number <= 100:
        raise ValueRejected(f"Chỉ tiêu {indicator.code} là tỷ lệ phần trăm, phải từ 0 đến 100; «{raw}» nằm "
                            "ngoài khoảng này.")
    if vt in ("money", "number") and number < 0:
        raise ValueRejected(f"Chỉ tiêu {indicator.code} không nhận số âm.")
    if abs(number) > MAX_NUMBER:
        unit = f" {indicator.unit}" if indicator.unit else ""
        raise ValueRejected(f"Chỉ tiêu {indicator.code}: «{raw}» quá lớn, giá trị không được vượt quá "
                            f"{format_number(MAX_NUMBER)}{unit}. Kiểm tra đơn vị tính và số chữ số.")
    return int(number) if number.is_integer() and vt == "number" else number


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


def _province_code(chain: list[tuple[str, str]]) -> str | None:
    """The code of the top of a unit's chain of (code, level code) when it is a province."""
    code, level = chain[0]
    return code if level == PROVINCE_LEVEL else None


def unit_context(unit: Unit) -> UnitContext:
    chain = [*unit.ancestors(), unit]
    region = next((u.region for u in reversed(chain) if u.region), None)
    flags = tuple(f for f in ("dac_biet_kho_khan", "atk") if getattr(unit, f))
    return UnitContext(_province_code([(chain[0].code, chain[0].unit_type.level.code)]), region,
                       spans_of([unit.pk]).get(unit.pk, ()), flags)


def _values_of(assessment: Assessment) -> dict[str, Any]:
    return {code: value for code, value in assessment.values.values_list("indicator__code", "value")}


def evaluate(assessment: Assessment, ctx: UnitContext | None = None,
             values: Mapping[str, Any] | None = None) -> engine.UnitResult:
    """Run the engine over the assessment's stored values (no writes); ``values`` (indicator code → value),
    when given, are those stored values already read."""
    ctx = ctx or unit_context(assessment.unit)
    cs = compiled(assessment.criteria_set, ctx.province_code)
    return engine.evaluate_one(cs, _values_of(assessment) if values is None else values, year=assessment.year,
                               region=ctx.region, group=ctx.group_in(assessment.year), flags=ctx.flags)


def _required_eligible(assessment: Assessment) -> bool | None:
    required = assessment.criteria_set.requires
    if required is None:
        return None
    other = (Assessment.objects.filter(unit_id=assessment.unit_id, year=assessment.year,
                                       criteria_set__code=required.code)
             .order_by("-criteria_set__version").values_list("eligible", flat=True).first())
    return bool(other)


RESULT_FIELDS = ["results", "criteria_met", "criteria_failed", "criteria_unknown", "criteria_total", "eligible",
                 "revoke", "evaluated_at"]


def _put_results(assessment: Assessment, ctx: UnitContext | None = None,
                 values: Mapping[str, Any] | None = None, data: dict | None = None) -> Assessment:
    """Evaluate (unless ``data``, the engine's result as a dict, is given) and set the results on the
    assessment (RESULT_FIELDS), without saving."""
    data = data if data is not None else evaluate(assessment, ctx, values).to_dict()
    eligible = data["eligible"]
    required_ok = _required_eligible(assessment)
    if required_ok is not None:
        data["requires"] = {"set": assessment.criteria_set.requires.code, "eligible": required_ok}
        eligible = eligible and required_ok
    assessment.results = data
    _put_counts(assessment, data, eligible)
    return assessment


def _put_counts(assessment: Assessment | _Light, summary: dict, eligible: bool) -> None:
    """The summary columns of the engine's result (``summary``: its dict or ``evaluate_many_json``'s summary)."""
    assessment.criteria_met = summary["criteria_met"]
    assessment.criteria_failed = summary["criteria_failed"]
    assessment.criteria_unknown = summary["criteria_unknown"]
    assessment.criteria_total = summary["criteria_total"]
    assessment.eligible = eligible
    assessment.revoke = summary["revoke"]
    assessment.evaluated_at = timezone.now()


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


@transaction.atomic
def evaluate_assessment(assessment: Assessment, ctx: UnitContext | None = None) -> Assessment:
    """Evaluate and store the results on the assessment (and its standings: one transaction)."""
    _put_results(assessment, ctx)
    assessment.save(update_fields=RESULT_FIELDS)
    return assessment


def _refresh_dependents(assessment: Assessment) -> None:
    dependents = Assessment.objects.filter(unit=assessment.unit, year=assessment.year,
                                           criteria_set__requires__code=assessment.criteria_set.code)
    for dependent in dependents.select_related("criteria_set__requires", "unit"):
        evaluate_assessment(dependent)


class SetNotApplicable(ValueError):
    """A provincial criteria set asked for a unit of another province; the message (Vietnamese) says so."""


@transaction.atomic
def get_or_create_assessment(unit: Unit, year: int, criteria_set: CriteriaSet, *, synthetic: bool = False,
                             user=None) -> Assessment:
    """The dossier of ``unit`` for ``year`` against ``criteria_set``, created when there is none: then pre-filled
    with the values mapped from the earlier period (``carry.prefill``: each marked «cần xác nhận»), audited and
    evaluated. Raises SetNotApplicable for a provincial set of another province."""
    if not applies_to(criteria_set, unit):
        raise SetNotApplicable(not_applicable_message(criteria_set, unit))
    assessment, created = Assessment.objects.get_or_create(
        unit=unit, year=year, criteria_set=criteria_set, defaults={"synthetic": synthetic})
    if created:
        carried = carry.prefill(assessment, user=user)
        after = {"unit": unit.code, "year": year, "set": criteria_set.code}
        if carried:
            after["carried"] = {v.indicator.code: v.value for v in carried}
        record("create", assessment, after=after, user=user)
        evaluate_assessment(assessment)
    return assessment


def open_dossier(unit: Unit, year: int, user, *, set_code: str | None = None, level: str | None = None
                 ) -> tuple[Assessment, bool]:
    """Open (or create) the dossier ``user`` asks for: ``unit``'s for ``year`` against the set ``set_code`` (its
    latest version), or the set of ``level`` (default: the commune NTM level) in force that year that applies to
    the unit (national, or its own province's). Returns (the dossier, whether it was created). Raises
    ``workflow.WorkflowError`` when the user may not enter the unit's values, SetNotApplicable when no such set
    applies to the unit that year."""
    refused = refusal(user, Action.EDIT_VALUES, unit)
    if refused is not None:
        raise WorkflowError(refused.message, refused.code)
    if set_code:
        cset = CriteriaSet.objects.filter(code=set_code, superseded_by__isnull=True).first()
        if cset is None:
            raise SetNotApplicable(f"Không có bộ tiêu chí mã «{set_code}». Xem danh sách bộ tiêu chí.")
        if not applies_to(cset, unit):
            raise SetNotApplicable(not_applicable_message(cset, unit))
        if not (cset.effective_from.year <= year <= (cset.effective_to.year if cset.effective_to else year)):
            raise SetNotApplicable(
                f"Bộ tiêu chí «{cset.name}» chỉ áp dụng cho các năm {cset.effective_from.year}–"
                f"{cset.effective_to.year if cset.effective_to else '…'}; chọn năm khác hoặc bộ tiêu chí khác.")
    else:
        level = level or Level.XA_NTM
        cset = set_for(unit, year, level)
        if cset is None:
            raise SetNotApplicable(f"Không có bộ tiêu chí «{Level(level).label}» nào có hiệu lực trong năm {year} áp "
                                   f"dụng cho {unit.name}.")
    existed = Assessment.objects.filter(unit=unit, year=year, criteria_set=cset).first()
    if existed is not None:
        return existed, False
    _check_can_be_assessed(unit, year, cset)
    return get_or_create_assessment(unit, year, cset, user=user), True


def _check_can_be_assessed(unit: Unit, year: int, cset: CriteriaSet) -> None:
    """A new dossier is for a rural commune (a commune set: xã, not phường, thị trấn or a province) that exists
    during ``year``; otherwise SetNotApplicable says why and, for a unit that has ceased, which ones succeeded it."""
    if cset.level in COMMUNE_LEVELS and not unit.unit_type.is_rural:
        raise SetNotApplicable(f"{unit.name} là {unit.unit_type.name.lower()}, không phải xã, nên không có hồ sơ "
                               f"«{cset.get_level_display()}». Chọn một xã.")
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if unit.valid_from <= last and (unit.valid_to is None or unit.valid_to >= first):
        return
    span = f"từ {format_date(unit.valid_from)}" + (f" đến {format_date(unit.valid_to)}" if unit.valid_to else "")
    text = f"{unit.name} (mã {unit.code}) chỉ có {span}, nên không mở được hồ sơ năm {year}."
    if unit.valid_to is not None and unit.valid_to < first:
        after = successors_on(unit, last)
        if after:
            text += f" Hồ sơ năm {year} mở cho đơn vị kế thừa: {', '.join(u.name for u in after)}."
    raise SetNotApplicable(text)


@transaction.atomic
def set_value(assessment: Assessment, indicator_code: str, raw: Any, *, user=None, source: str = "",
              note: str = "", expected_version: int | None = None) -> IndicatorValue:
    """Validate and store one value, audit it, re-evaluate the assessment and its dependents.

    An edit that changes nothing — the value (as typed: 71 is 71,0; Đạt is not 1), its source and note as stored, and
    not the confirmation of a carried value — writes nothing: no audit entry, no new version, no evaluation; the
    stored value is returned (an empty value where there was none: an unsaved row).

    Refused (workflow.WorkflowError, Vietnamese) when the dossier is locked (submitted or later) or
    ``user`` may not enter values for its unit. ``expected_version``: the ``Assessment.version`` the
    user's page was loaded with (optimistic locking); when the dossier has changed since, the value is
    refused with code "stale", naming who changed it and when, and nothing is written."""
    ensure_editable(assessment, user)  # locks the assessment row and re-reads its state and version
    if expected_version is not None and expected_version != assessment.version:
        raise stale_error(assessment, expected_version, indicator_code)
    indicator = assessment.criteria_set.indicators.filter(code=indicator_code).first()
    if indicator is None:
        raise ValueRejected(f"Bộ tiêu chí «{assessment.criteria_set.code}» không có chỉ tiêu mã "
                            f"«{indicator_code}».")
    value = parse_value(indicator, raw)
    current = IndicatorValue.objects.select_for_update().filter(assessment=assessment,
                                                                indicator=indicator).first()
    before = None if current is None else {"value": current.value, "source": current.source,
                                           "note": current.note}
    if current is None and value is None:
        return IndicatorValue(assessment=assessment, indicator=indicator)
    if (current is not None and not (current.needs_confirmation and user is not None)
            and same_value(current.value, value) and (current.source, current.note) == (source, note)):
        return current
    if current is None:
        current = IndicatorValue(assessment=assessment, indicator=indicator)
    after = {"value": value, "source": source, "note": note}
    if current.needs_confirmation and user is not None:  # a carried value an officer sets is theirs now
        current.confirmed_at, current.confirmed_by = timezone.now(), user
        after["confirmed"] = True
    current.value, current.source, current.note, current.updated_by = value, source, note, user
    current.save()
    record("create" if before is None else "update", current, before=before, after=after, user=user)
    Assessment.objects.filter(pk=assessment.pk).update(version=assessment.version + 1)
    assessment.version += 1
    evaluate_assessment(assessment)
    _refresh_dependents(assessment)
    return current


@transaction.atomic
def store_values(rows: Iterable[tuple[Assessment, Indicator, Any, str, str]], *, user=None,
                 actor: str = "", note: str = "") -> tuple[int, int, int]:
    """Write many already-validated values (imports, the demo), audit them per assessment, then
    evaluate each touched assessment once. Rows are (assessment, indicator, value, source, note).
    Returns (created, updated, unchanged)."""
    rows = list(rows)
    assessments = {a.pk: a for a, *_ in rows}
    existing = {(v.assessment_id, v.indicator_id): v for v in
                IndicatorValue.objects.filter(assessment_id__in=assessments)}
    to_create, to_update, unchanged = [], [], 0
    before: dict[int, dict] = {}
    after: dict[int, dict] = {}
    for assessment, indicator, value, source, row_note in rows:
        current = existing.get((assessment.pk, indicator.pk))
        if current is not None and (current.value, current.source, current.note) == (value, source, row_note):
            unchanged += 1
            continue
        after.setdefault(assessment.pk, {})[indicator.code] = value
        if current is None:
            to_create.append(IndicatorValue(assessment=assessment, indicator=indicator, value=value,
                                            source=source, note=row_note, updated_by=user))
        else:
            before.setdefault(assessment.pk, {})[indicator.code] = current.value
            current.value, current.source, current.note, current.updated_by = value, source, row_note, user
            to_update.append(current)
    for assessment_id in after:  # locked dossiers and other users' units are refused before any write
        ensure_editable(assessments[assessment_id], user)
    IndicatorValue.objects.bulk_create(to_create, batch_size=2000)
    IndicatorValue.objects.bulk_update(to_update, ["value", "source", "note", "updated_by"], batch_size=2000)
    for assessment_id, changed in after.items():
        record("import", assessments[assessment_id], before=before.get(assessment_id), after=changed,
               user=user, actor=actor, note=note)
    Assessment.objects.filter(pk__in=list(after)).update(version=models.F("version") + 1)
    contexts: dict[int, UnitContext] = {}
    for assessment in sorted(assessments.values(), key=lambda a: a.criteria_set.requires_id is not None):
        ctx = contexts.setdefault(assessment.unit_id, unit_context(assessment.unit))
        evaluate_assessment(assessment, ctx)
    return len(to_create), len(to_update), unchanged


def unit_contexts(unit_ids: Iterable[int]) -> dict[int, UnitContext]:
    """``unit_context`` of many units with three queries (their ancestors found through the paths)."""
    units = list(Unit.objects.filter(pk__in=list(unit_ids)).only("id", "path", "dac_biet_kho_khan", "atk"))
    chain_ids = {int(p) for u in units for p in u.path.strip("/").split("/") if p}
    chain = {pk: (code, region, level) for pk, code, region, level in Unit.objects.filter(pk__in=chain_ids)
             .values_list("pk", "code", "region", "unit_type__level__code")}
    groups = spans_of(u.pk for u in units)
    contexts = {}
    for unit in units:
        path = [chain[int(p)] for p in unit.path.strip("/").split("/") if p]
        region = next((r for _, r, _ in reversed(path) if r), None)
        flags = tuple(f for f in ("dac_biet_kho_khan", "atk") if getattr(unit, f))
        contexts[unit.pk] = UnitContext(_province_code([(path[0][0], path[0][2])]), region,
                                        groups.get(unit.pk, ()), flags)
    return contexts


def _save_results(assessments: list[Assessment]) -> None:
    """Write RESULT_FIELDS of many assessments at once (Django's bulk_update builds a CASE expression per field
    and row, far slower for a few hundred rows of JSON): one executemany on SQLite; on PostgreSQL, where each
    row of an executemany is a round trip, COPY into a temporary table and one UPDATE … FROM."""
    from django.db import connection, transaction

    fields = [Assessment._meta.get_field(name) for name in RESULT_FIELDS]
    quote = connection.ops.quote_name
    rows = [[text if f.attname == "results" and (text := getattr(a, "results_json", None)) is not None
             else f.get_db_prep_save(getattr(a, f.attname), connection) for f in fields] + [a.pk]
            for a in assessments]
    table = quote(Assessment._meta.db_table)
    if connection.vendor != "postgresql":
        sql = f"UPDATE {table} SET " + ", ".join(f"{quote(f.column)} = %s" for f in fields) + " WHERE id = %s"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
            standings.refresh({a.unit_id for a in assessments})
        return
    for row in rows:  # COPY's text format wants JSON text, not psycopg's Jsonb wrapper
        row[0] = row[0] if isinstance(row[0], str) or row[0] is None else json.dumps(row[0].obj)
    columns = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
    with transaction.atomic(), connection.cursor() as cursor:
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
        standings.refresh({a.unit_id for a in assessments})


def _stored_values(assessment_ids: list[int]) -> dict[int, dict[str, Any]]:
    """{assessment id: {indicator code: value}} with one plain query (the ORM's per-row work would cost more
    than the evaluation)."""
    from django.db import connection

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
    results: dict | None = None
    criteria_met: int = 0
    criteria_failed: int = 0
    criteria_unknown: int = 0
    criteria_total: int = 0
    eligible: bool = False
    revoke: bool = False
    evaluated_at: Any = None
    results_json: str | None = None  # the results as JSON text, stored as they are

    @property
    def criteria_set_id(self) -> int:
        return self.criteria_set.pk


def evaluate_assessments(ids: Iterable[int], *, batch: int = 500,
                         known_values: Mapping[int, Mapping[str, Any]] | None = None) -> int:
    """Evaluate and store many assessments, as ``evaluate_assessment`` would one by one: per batch, one
    query for the assessments, one for their values, two for the units' contexts, one engine pass per
    criteria set and province (``engine.evaluate_many_json``) and one executemany. Sets that require another set
    (the model commune requires the advanced one) are evaluated after all the others. ``known_values``:
    the complete stored values of some of the assessments ({id: {indicator code: value}}), already known to
    the caller (an import that has just written them), so not read again. Returns how many."""
    ids = list(ids)
    known_values = known_values or {}
    requiring: set[int] = set()
    for start in range(0, len(ids), batch):
        requiring.update(Assessment.objects.filter(pk__in=ids[start:start + batch],
                                                   criteria_set__requires__isnull=False).values_list("pk", flat=True))
    first = sorted(pk for pk in set(ids) if pk not in requiring)
    contexts: dict[int, UnitContext] = {}
    sets = {s.pk: s for s in CriteriaSet.objects.select_related("requires")}
    for group in (first, sorted(requiring)):
        for start in range(0, len(group), batch):
            chunk = group[start:start + batch]
            assessments = [_Light(pk, unit_id, year, sets[set_id]) for pk, unit_id, year, set_id in Assessment.objects
                           .filter(pk__in=chunk).order_by("pk").values_list("pk", "unit_id", "year", "criteria_set_id")]
            unknown = [pk for pk in chunk if pk not in known_values]
            values = _stored_values(unknown) if unknown else {}
            if len(contexts) > 20_000:
                contexts.clear()
            missing = {a.unit_id for a in assessments} - set(contexts)
            if missing:
                contexts.update(unit_contexts(missing))
            by_set: dict[tuple[int, str | None], list[Assessment]] = {}
            for assessment in assessments:
                key = (assessment.criteria_set_id, contexts[assessment.unit_id].province_code)
                by_set.setdefault(key, []).append(assessment)
            for (_, province_code), members in by_set.items():
                cs = compiled(members[0].criteria_set, province_code)
                results = engine.evaluate_many_json(cs, [
                    (known_values.get(a.pk) or values.get(a.pk, {}), a.year, contexts[a.unit_id].region,
                     contexts[a.unit_id].group_in(a.year), contexts[a.unit_id].flags) for a in members])
                for assessment, (summary, text) in zip(members, results, strict=True):
                    _put_encoded_results(assessment, summary, text)
            _save_results(assessments)
    return len(first) + len(requiring)


def latest_assessments(units: Iterable[Unit], level: str, year: int,
                       among: QuerySet[Assessment] | None = None) -> dict[int, Assessment]:
    """For each unit, its most recent assessment (year ≤ ``year``) against a set of ``level``, among ``among``
    (default all): the one ``LATEST_ORDER`` picks, as the counts (``latest_criteria_met``) pick it. One query."""
    unit_ids = [u.pk for u in units]
    latest: dict[int, Assessment] = {}
    qs = ((Assessment.objects.all() if among is None else among)
          .filter(unit_id__in=unit_ids, year__lte=year, criteria_set__level=level)
          .order_by("unit_id", *LATEST_ORDER)
          .only("id", "unit_id", "year", "criteria_met", "criteria_failed", "criteria_unknown",
                "criteria_total", "eligible", "revoke", "criteria_set_id"))
    for a in qs:
        latest.setdefault(a.unit_id, a)
    return latest


def _set_rank(level: str) -> tuple[list[int], Case | None]:
    """The sets of ``level`` and a CASE giving each its place in ``LATEST_ORDER`` after the year (latest version,
    then latest in force, first; sets equal on both share a place) — so that choosing a unit's latest assessment
    reads the assessment table alone, with no join per unit. None when one set is all there is."""
    sets = list(CriteriaSet.objects.filter(level=level).order_by("-version", "-effective_from")
                .values_list("pk", "version", "effective_from"))
    ranks, keys = {}, []
    for pk, *key in sets:
        if not keys or keys[-1] != key:
            keys.append(key)
        ranks[pk] = len(keys)
    if len(keys) < 2:
        return list(ranks), None
    return list(ranks), Case(*[When(criteria_set_id=pk, then=Value(rank)) for pk, rank in ranks.items()],
                             output_field=models.IntegerField())


def latest_criteria_met(units: QuerySet[Unit], level: str, year: int,
                        among: QuerySet[Assessment] | None = None, *, where: models.Q | None = None
                        ) -> dict[int | None, int]:
    """For figures over many units: how many of ``units`` have a latest assessment (year ≤ ``year``, against a
    set of ``level``, among ``among``, default all — the one ``LATEST_ORDER`` picks) meeting each number of
    criteria: ``{criteria_met: units}``, and under the key ``None`` how many have none (so the values add up to
    the number of units). Counted in the database, nothing loaded: among all assessments, one join with the
    standings (``standings.criteria_met_distribution``); among some, ``latest_by_set``'s query.
    ``where``: see ``criteria_met_distribution``."""
    if among is None:
        return standings.criteria_met_distribution(units, level, year, where=where)
    counts: dict[int | None, int] = {}
    for met, _set_id, _total, n in latest_by_set(units, level, year, among):
        counts[met] = counts.get(met, 0) + n
    return counts


def latest_by_set(units: QuerySet[Unit], level: str, year: int, among: QuerySet[Assessment]
                  ) -> list[tuple[int | None, int | None, int | None, int]]:
    """``(criteria_met, criteria_set_id, criteria_total, units)`` of the latest assessment among ``among`` (year ≤
    ``year``, against a set of ``level``, as ``LATEST_ORDER`` picks it) of each of ``units``, counted in the database
    (a row of Nones for the units with none): the latest of each unit a subquery per unit (an index lookup on (unit,
    year)), then grouped. One query."""
    set_ids, rank = _set_rank(level)
    newest = among.filter(unit_id=OuterRef("pk"), year__lte=year, criteria_set_id__in=set_ids or [0])
    if rank is not None:
        newest = newest.annotate(set_rank=rank).order_by("-year", "set_rank", "-pk")
    else:
        newest = newest.order_by("-year", "-pk")
    per_unit = units.order_by().annotate(latest=Subquery(newest.values("pk")[:1])).values("latest")
    sql, params = per_unit.query.sql_with_params()
    connection = connections[per_unit.db]
    quote = connection.ops.quote_name
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic(using=per_unit.db) if postgresql else nullcontext(), connection.cursor() as cursor:
        if postgresql:
            # A subquery per unit: for the country, the plan's estimated cost passes PostgreSQL's jit_above_cost,
            # and compiling it (JIT) costs more than it saves. Off for this transaction only.
            cursor.execute("SET LOCAL jit = off")
        # grouped outside the per-unit query, so that each unit's subquery runs once (GROUP BY on an annotation
        # would repeat the subquery in the GROUP BY clause)
        columns = "a.criteria_met, a.criteria_set_id, a.criteria_total"
        cursor.execute(f"SELECT {columns}, COUNT(*) FROM ({sql}) per_unit LEFT JOIN "
                       f"{quote(Assessment._meta.db_table)} a ON a.id = per_unit.latest GROUP BY {columns}", params)
        return [tuple(row) for row in cursor.fetchall()]


def values_mapping(assessment: Assessment) -> Mapping[str, Any]:
    return _values_of(assessment)
