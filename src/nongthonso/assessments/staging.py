"""Results staged beside a write, on PostgreSQL (ADR 0013): the early evaluation's background thread
(``evaluation.BesideEvaluation``) writes the results of its engine passes, on a database connection of its own, into
an unlogged scratch table; the writer's transaction then copies them into the assessments with one
``UPDATE … FROM``. PostgreSQL parses the results' JSON (about 10 kB a dossier: 35 MB for the 3,527 dossiers of
200,000 imported values) in a second server process while the writer's goes on with the values.

The scratch rows carry nothing of their own: each is the results of one assessment, as the engine computed them from
values the writer holds, under a token naming one evaluation (which stages an assessment once: a unique index).
Whether the write commits or not, the background connection deletes its token's rows when the evaluation closes;
rows a process left behind (it was killed) are deleted by the next evaluation that stages, a week later. The scratch
table is unlogged (no WAL: emptied by a crash, not copied to standbys), made by migration ``0010_results_stage``.

``stage.put`` runs in the background thread only, ``ResultsStage.apply`` in the writer's only. A stage that fails
(the table missing, no connection to be had) says so and is not used again: the writer then stores the results
itself, as on SQLite (``evaluation._save_results``)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from django.db import DatabaseError, connection, connections

from .models import Assessment

log = logging.getLogger(__name__)

TABLE = "assessments_results_stage"
COLUMNS = ("results", "criteria_met", "criteria_failed", "criteria_unknown", "criteria_total", "eligible", "revoke")
KEPT = "7 days"  # rows older than this belong to no running evaluation


def available() -> bool:
    """Whether the writer's database stages results: PostgreSQL, its transactions read committed (a writer of a
    stricter level would not see rows committed after its transaction began)."""
    if connection.vendor != "postgresql":
        return False
    from psycopg import IsolationLevel

    connection.ensure_connection()
    return connection.isolation_level == IsolationLevel.READ_COMMITTED


class ResultsStage:
    """The scratch rows of one evaluation. Made in the writer's thread (it copies the writer's connection settings);
    ``put`` and ``close`` are called in the background thread, which owns the connection they open."""

    def __init__(self) -> None:
        self.token = str(uuid.uuid4())
        self.settings = dict(connection.settings_dict)
        self.alias = connection.alias
        self.wrapper = type(connections[self.alias])  # (``connection`` is a proxy: its class is not the backend's)
        self.conn = None
        self.failed = False
        self.staged = False  # rows of this token committed

    def put(self, assessments: Sequence[Any]) -> bool:
        """Write the results of ``assessments`` (evaluated: ``results_json`` and the counts set) as scratch rows,
        committed at once. False when the stage failed (now or before): the writer stores them itself."""
        if self.failed:
            return False
        try:
            if self.conn is None:
                self.conn = self.wrapper(self.settings, alias=self.alias)
                with self.conn.cursor() as cursor:
                    cursor.execute(f"DELETE FROM {TABLE} WHERE staged_at < now() - interval '{KEPT}'")
            with self.conn.cursor() as cursor, self.conn.wrap_database_errors, cursor.cursor.copy(
                    f"COPY {TABLE} (token, id, {', '.join(COLUMNS)}) FROM STDIN") as copy:
                for a in assessments:
                    copy.write_row((self.token, a.pk, a.results_json, a.criteria_met, a.criteria_failed,
                                    a.criteria_unknown, a.criteria_total, a.eligible, a.revoke))
        except DatabaseError:
            log.warning("results not staged (%s); the writer stores them itself", TABLE, exc_info=True)
            self.failed = True
            if not self.staged:  # nothing of this token to delete at ``close``: no connection kept for it
                self._disconnect()
            return False
        self.staged = True
        return True

    def _disconnect(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None

    def close(self) -> None:
        """Delete this evaluation's scratch rows and close the connection (in the background thread, last)."""
        if self.conn is None:
            return
        try:
            with self.conn.cursor() as cursor:
                cursor.execute(f"DELETE FROM {TABLE} WHERE token = %s", [self.token])
        except DatabaseError:  # left for the next evaluation that stages (``KEPT``)
            log.warning("scratch rows of %s not deleted", self.token, exc_info=True)
        finally:
            self._disconnect()

    def apply(self, assessments: Sequence[Any], evaluated_at) -> None:
        """Copy the staged results of ``assessments`` into them, in the writer's transaction (one statement)."""
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(Assessment._meta.db_table)} AS a SET "
                + ", ".join(f"{quote(column)} = r.{quote(column)}" for column in COLUMNS)
                + f", {quote('evaluated_at')} = %s FROM {TABLE} AS r WHERE r.token = %s AND a.id = r.id "
                "AND r.id = ANY(%s)", [evaluated_at, self.token, [a.pk for a in assessments]])
            if cursor.rowcount != len(assessments):  # (a row deleted meanwhile would leave old results)
                raise DatabaseError(f"{cursor.rowcount} staged results applied, {len(assessments)} expected")
