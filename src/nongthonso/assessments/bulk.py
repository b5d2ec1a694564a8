"""Bulk writers of values: many values of many dossiers written with a few statements, audited per dossier, their
assessments evaluated once at the end of the write (``evaluation.RESULTS``, ``core.derived``).

- ``store_values``: values already validated, as model instances (the demo, tests, a few hundred rows);
- ``insert_values``, ``update_values``, ``audit_imports``: plain rows from a file (``imports``: up to millions of
  rows, no model instance per row) — ``COPY`` on PostgreSQL, on SQLite a statement a batch reading a JSON array
  (``core.bulk.insert_rows``); updates with ``executemany``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import connection, models

from nongthonso.audit.services import record, record_many
from nongthonso.core.bulk import insert_rows
from nongthonso.core.derived import writing
from nongthonso.criteria.models import Indicator

from .evaluation import RESULTS
from .models import Assessment, IndicatorValue
from .workflow import ensure_editable


@writing()
def store_values(rows: Iterable[tuple[Assessment, Indicator, Any, str, str]], *, user=None,
                 actor: str = "", note: str = "") -> tuple[int, int, int]:
    """Write many already-validated values (the demo, tests), audit them per assessment; each assessment named is
    evaluated once, at the end of the write. Rows are (assessment, indicator, value, source, note). Returns
    (created, updated, unchanged)."""
    rows = list(rows)
    assessments = {a.pk: a for a, *_ in rows}
    existing = {(v.assessment_id, v.indicator_id): v for v in
                IndicatorValue.objects.filter(assessment_id__in=assessments).order_by()}
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
    RESULTS.touch(assessments)
    return len(to_create), len(to_update), unchanged


VALUE_FIELDS = ("assessment_id", "indicator_id", "value", "source", "note", "updated_at", "updated_by_id")


def insert_values(rows: list[tuple]) -> None:
    """Insert new values: tuples of ``VALUE_FIELDS`` (the value as ``json_text`` gives it), in one ``COPY`` on
    PostgreSQL, 5,000 a statement on SQLite (``core.bulk.insert_rows``)."""
    insert_rows(IndicatorValue, VALUE_FIELDS, rows, batch=len(rows) if connection.vendor == "postgresql" else 5000)


def update_values(rows: list[tuple]) -> None:
    """Update values: (value, source, note, updated_at, updated_by_id, id). A value carried from the earlier period
    and not yet confirmed becomes the importer's own: confirmed at ``updated_at`` by ``updated_by_id`` (``carry``;
    the right-hand sides read the row as it was)."""
    table = connection.ops.quote_name(IndicatorValue._meta.db_table)
    pending = "carried IS NOT NULL AND confirmed_at IS NULL"
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET value = %s, source = %s, note = %s, updated_at = %s, updated_by_id = %s, "
            f"confirmed_at = CASE WHEN {pending} THEN %s ELSE confirmed_at END, "
            f"confirmed_by_id = CASE WHEN {pending} THEN %s ELSE confirmed_by_id END WHERE id = %s",
            [(*row[:5], row[3], row[4], row[5]) for row in rows])


def audit_imports(entries: list[tuple[int, str, dict | None, dict]], *, user_id: int | None, actor: str,
                  request_id: str, note: str) -> None:
    """One "import" audit entry per assessment: (pk, repr, before, after) — what ``audit.services.record``
    writes, with one statement for them all."""
    record_many(Assessment, (("import", pk, text, before, after) for pk, text, before, after in entries),
                user_id=user_id, actor=actor, request_id=request_id, note=note)


def json_text(value: Any) -> str | None:
    """The JSON text Django stores for a parsed value (``json.dumps``), quicker for the usual types."""
    if value is None:
        return None
    if value is True:
        return "true"
    if value is False:
        return "false"
    kind = type(value)
    if kind is float:
        return repr(value)  # parse_value refuses NaN and infinities
    if kind is int:
        return str(value)
    return json.dumps(value)
