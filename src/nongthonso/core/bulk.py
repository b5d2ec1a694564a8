"""Writing many rows of one model from an iterator, in batches (bounded memory, few statements); comparing
stored rows with rows computed afresh."""

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from itertools import islice

from django.db import DEFAULT_DB_ALIAS, connections, models


def insert_in_batches(model, objects: Iterable, batch: int = 2000) -> int:
    """``bulk_create`` ``objects`` (model instances, consumed lazily) ``batch`` at a time; returns how many."""
    it, n = iter(objects), 0
    while chunk := list(islice(it, batch)):
        model.objects.bulk_create(chunk)
        n += len(chunk)
    return n


def insert_rows(model, fields: Sequence[str], rows: Iterable[Sequence], *, using: str = DEFAULT_DB_ALIAS,
                batch: int = 5000) -> int:
    """Insert ``rows`` — tuples of the values of ``fields`` as the database takes them (``preparer``) — into
    ``model``'s table, ``batch`` rows at a time: a ``COPY`` on PostgreSQL; on SQLite one statement a batch reading the
    rows from a JSON array (``json_each``, ADR 0012), or an ``executemany`` for a batch holding a value the array
    cannot carry as binding would (``_json_rows``) and on other databases. No model instances, no signals, no ids
    returned: for the writers of many plain rows (derived rows, imported values, their audit entries), where building
    an instance per row would cost more than the insert itself. ``rows`` may be read lazily from the same connection
    (a server-side cursor): each batch is read before it is written. Returns how many rows."""
    it = iter(rows)
    chunk = list(islice(it, batch))
    if not chunk:  # nothing to write (nor any field to look up: a data migration on an empty database)
        return 0
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    from_json = None
    if connection.vendor == "sqlite":
        picked = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(fields)))
        from_json = f"INSERT INTO {table} ({columns}) SELECT {picked} FROM json_each(%s)"
    copy_sql = f"COPY {table} ({columns}) FROM STDIN"
    n = 0
    with connection.cursor() as cursor:
        while chunk:
            if connection.vendor == "postgresql":
                with connection.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
                    for row in chunk:  # (the driver's errors raised as Django's, as a statement's are)
                        copy.write_row(row)
            elif from_json is not None and (payload := _json_rows(chunk)) is not None:
                cursor.execute(from_json, [payload])
            else:
                cursor.executemany(sql, chunk)
            n += len(chunk)
            chunk = list(islice(it, batch))
    return n


def _json_rows(rows: list[Sequence]) -> str | None:
    """``rows`` as one JSON array of arrays, which SQLite's ``json_extract`` reads back as the very values an
    ``executemany`` would bind: text, integers, reals, NULL (a boolean becomes 1 or 0, as sqlite3 binds it). None —
    the batch is then bound row by row — when a value is of another type (bytes, a decimal, a list, a subclass of
    ``str``), an integer beyond 64 bits (read back as a real, where binding refuses it), not a finite number, or text
    holding a NUL character (``json_extract`` would cut the text there). Checked column by column: a few calls per
    batch, not one per value."""
    for column in zip(*rows, strict=True):
        kinds = set(map(type, column))
        if not kinds <= _JSON_TYPES:
            return None
        if int in kinds:
            ints = column if kinds <= _INT_TYPES else [v for v in column if type(v) is int]
            if min(ints) < _MIN_INT or max(ints) > _MAX_INT:
                return None
    try:
        payload = json.dumps(rows, ensure_ascii=False, allow_nan=False, check_circular=False)
    except ValueError:  # NaN, infinities
        return None
    return None if "\\u0000" in payload else payload


_JSON_TYPES = {str, int, float, bool, type(None)}
_INT_TYPES = {int, bool}
_MIN_INT, _MAX_INT = -(2**63), 2**63 - 1


_NONE = type(None)
# Field classes whose ``get_db_prep_save`` returns a value of these types unchanged (exact classes: a subclass may
# prepare its values its own way). Skipping the call for them halves the cost of preparing a row.
_UNCHANGED: dict[type, tuple[type, ...]] = {
    **dict.fromkeys((models.CharField, models.TextField), (str, _NONE)),
    **dict.fromkeys((models.IntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField,
                     models.SmallIntegerField, models.BigIntegerField, models.AutoField, models.BigAutoField),
                    (int, _NONE)),
    models.BooleanField: (bool, _NONE),
    **dict.fromkeys((models.DateField, models.DateTimeField, models.DecimalField, models.UUIDField), (_NONE,)),
}


def _unchanged(field) -> tuple[type, ...]:
    """The value types ``field`` stores as they are (a foreign key: those of the key it points to)."""
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    return _UNCHANGED.get(type(field), ())


def preparer(model, fields: Sequence[str], *, using: str = DEFAULT_DB_ALIAS) -> Callable[[Sequence], tuple]:
    """A function turning a tuple of Python values of ``fields`` into the tuple ``insert_rows`` takes (each field's
    ``get_db_prep_save``: dates as the database stores them, …). Quick paths: a value already in the stored type (a
    ``str`` for a text field, an ``int`` for an integer or a key, None) is kept, and the same object as in the row
    before (a batch's one timestamp) is prepared once."""
    connection = connections[using]
    steps = []
    for name in fields:
        field = model._meta.get_field(name)
        steps.append((field.get_db_prep_save, _unchanged(field)))
    last: list = [(object(), None)] * len(steps)

    def prepare(values: Sequence) -> tuple:
        out = []
        for i, ((prep, kinds), value) in enumerate(zip(steps, values, strict=True)):
            if type(value) in kinds:
                out.append(value)
                continue
            seen, prepared = last[i]
            if value is not seen:
                prepared = prep(value, connection)
                last[i] = (value, prepared)
            out.append(prepared)
        return tuple(out)
    return prepare


def differences(stored: Iterable[tuple], fresh: Iterable[tuple]) -> list[str]:
    """What ``stored`` lacks («thiếu») and holds beyond ``fresh`` («thừa»), each row as many times as it is
    missing or extra — a row stored twice is a difference (compared as multisets, not sets)."""
    have, want = Counter(stored), Counter(fresh)
    return ([f"thiếu {row}" for row in sorted((want - have).elements(), key=str)]
            + [f"thừa {row}" for row in sorted((have - want).elements(), key=str)])
