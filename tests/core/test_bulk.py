"""Plain-row writes (``core.bulk.insert_rows``): on SQLite a batch is one statement reading a JSON array, which
stores exactly what binding each row would (ADR 0012); a batch JSON cannot carry is bound row by row; on PostgreSQL
a failing ``COPY`` raises Django's error, as a failing statement does."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, connection, transaction

from nongthonso.audit.models import AuditEntry
from nongthonso.core import bulk
from nongthonso.core.bulk import _json_rows, insert_rows

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the JSON array statement is SQLite's")
FIELDS = ("timestamp", "user_id", "actor", "request_id", "action", "model", "object_id", "object_repr", "before",
          "after", "note")
VALUES = ["Xã Tân Cương", "", "dấu \"ngoặc\" và \\ gạch", "dòng 1\ndòng 2\r\n\t", "\u2028\u2029 \x01", "true", "85.0",
          "😀 𝔘", "null", 0, -5, 10**17, -(10**18) + 1, 0.1, 1e-300, 5e-324, 85.0, -2.5, 1.7976931348623157e308, True,
          False, None]


def _row(marker: str, **changes) -> tuple:
    values = {"timestamp": "2026-12-06 03:00:00", "user_id": None, "actor": "kiểm thử", "request_id": "",
              "action": "import", "model": "assessments.assessment", "object_id": marker, "object_repr": "Xã — 2023",
              "before": None, "after": '{"2.1": 85.7}', "note": ""} | changes
    return tuple(values[f] for f in FIELDS)


@sqlite_only
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_value_read_from_the_json_array_is_what_binding_it_stores(value):
    payload = _json_rows([(value,)])
    with connection.cursor() as cursor:
        cursor.execute("SELECT typeof(json_extract(value, '$[0]')), json_extract(value, '$[0]') FROM json_each(%s)",
                       [payload])
        from_json = cursor.fetchone()
        cursor.execute("SELECT typeof(%s), %s", [value, value])
        bound = cursor.fetchone()
    assert from_json == bound and type(from_json[1]) is type(bound[1])


def test_rows_inserted_in_batches_read_back_as_written():
    rows = [_row(f"bulk-{i}", object_repr=str(text)[:300], note=str(text)) for i, text in enumerate(VALUES * 3)]
    assert insert_rows(AuditEntry, FIELDS, iter(rows), batch=7) == len(rows)
    stored = dict(AuditEntry.objects.filter(object_id__startswith="bulk-").values_list("object_id", "note"))
    assert stored == {f"bulk-{i}": str(text) for i, text in enumerate(VALUES * 3)}


def test_a_batch_json_cannot_carry_is_bound_row_by_row():
    assert _json_rows([(Decimal("1.5"),)]) is None and _json_rows([(b"x",)]) is None
    assert _json_rows([(float("nan"),)]) is None and _json_rows([(float("inf"),)]) is None
    assert _json_rows([("trước\x00sau",)]) is None  # json_extract would stop the text at the NUL
    assert _json_rows([(2**63,)]) is None and _json_rows([([1, 2],)]) is None and _json_rows([({"a": 1},)]) is None
    assert _json_rows([("ok", 1, 2.5, True, None)]) is not None
    rows = [_row("decimal-0", note=Decimal("1.50")), _row("decimal-1", note="một")]
    assert insert_rows(AuditEntry, FIELDS, rows) == 2
    assert list(AuditEntry.objects.filter(object_id__startswith="decimal-").order_by("object_id")
                .values_list("note", flat=True)) == ["1.50", "một"]


def test_a_failing_batch_raises_djangos_error_and_the_transaction_rolls_back():
    with pytest.raises(IntegrityError), transaction.atomic():  # NOT NULL action
        insert_rows(AuditEntry, FIELDS, [_row("bad-0"), _row("bad-1", action=None)])
    assert not AuditEntry.objects.filter(object_id__startswith="bad-").exists()


class _Probe:
    """A temporary table standing for a model (``insert_rows`` reads only the table's and the columns' names)."""

    class _meta:
        db_table = "bulk_probe"

        @staticmethod
        def get_field(name: str) -> SimpleNamespace:
            return SimpleNamespace(column=name)


@sqlite_only
def test_every_column_holds_what_executemany_stores_batch_by_batch(monkeypatch):
    # given rows of every kind a writer hands over, some batches the JSON array cannot carry (NUL, bytes)
    kinds = ["t", "i", "r", "b", "n"]
    rows = [(text, number, real, flag, None) for text, number, real, flag in zip(
        ["Xã Tân Cương", "", "dấu \"ngoặc\" \\", "trước\x00sau", "😀", "0012", "1e5", "[1]", "null", "x" * 5000],
        [0, -5, 7, -(2**63), 2**63 - 1, 2**62, 1, 12, 3, 10**18],
        [0.1, -2.5, 1e-300, 5e-324, 1.7976931348623157e308, 85.0, 3.0, -0.0, 2.5e17, 1 / 3],
        [True, False, True, False, True, False, True, False, True, False], strict=True)]
    rows.append((b"\x00\x01", 1, 1.0, True, None))  # bytes: bound row by row
    carried = []
    monkeypatch.setattr(bulk, "_json_rows", lambda batch: carried.append(_json_rows(batch)) or carried[-1])
    with connection.cursor() as cursor:
        for table in ("bulk_probe", "bulk_bound"):
            cursor.execute(f"CREATE TEMP TABLE {table} (t TEXT, i INTEGER, r REAL, b BOOL, n TEXT)")
        try:
            # when they are inserted three at a time, and bound one by one into a twin table
            assert insert_rows(_Probe, kinds, rows, batch=3) == len(rows)
            cursor.executemany("INSERT INTO bulk_bound (t, i, r, b, n) VALUES (%s, %s, %s, %s, %s)", rows)
            # then each column holds the same values, of the same storage class
            read = ", ".join(f"typeof({k}), {k}" for k in kinds)
            cursor.execute(f"SELECT {read} FROM bulk_probe ORDER BY rowid")
            through_json = cursor.fetchall()
            cursor.execute(f"SELECT {read} FROM bulk_bound ORDER BY rowid")
            assert through_json == cursor.fetchall()
        finally:
            for table in ("bulk_probe", "bulk_bound"):
                cursor.execute(f"DROP TABLE {table}")
    assert [payload is not None for payload in carried] == [True, False, True, False]  # rows 0-2 and 6-8 as JSON
    assert through_json[3][1] == "trước\x00sau" and through_json[5][3] == 2**62
