"""Statements compiled once and run again: the SQL of a queryset kept under a key naming everything it is built from.

Django builds and compiles a queryset in about half a millisecond, which is more than SQLite takes to run most of
a province's dashboard statements (docs/performance.md, «Issue 10's goals»). A report that runs the same dozen
statements with the same inputs each time the data changes (a province's figures, recomputed after each write for
the same day) keeps their compiled SQL here and runs it again: **the rows are read from the database every time**;
only building and compiling the queryset is skipped.

The contract: ``key`` names everything ``build`` reads — the unit's id and path, the dates, the year … — so that the
same key always gives the same SQL. A ``build`` that reads the database (a list of ids fetched first) is not a
candidate. With the setting ``NONGTHONSO_CHECK_COMPILED`` on (the test suite turns it on), every call builds and
compiles the queryset again and fails loudly when the kept SQL differs: a key missing an input is caught by any
test that runs the statement with two values of that input.

The kept statements live on the connection object (one per thread, as Django's connections are), at most
``MAX_KEPT`` per connection, the least recently used dropped first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from contextlib import suppress
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, QuerySet
from django.db.models.query import ValuesListIterable

MAX_KEPT = 512
_ATTRIBUTE = "_nongthonso_compiled"


class CompiledMismatch(AssertionError):
    """A key that does not name everything its statement is built from (``NONGTHONSO_CHECK_COMPILED``)."""


@dataclass(frozen=True)
class _Rows:
    sql: str | None  # None: the queryset selects nothing at all (``pk__in=[]``): no statement is run
    params: tuple
    compiler: object  # the compiler after ``as_sql``: it converts the rows as Django does (dates on SQLite …)


@dataclass(frozen=True)
class _Aggregate:
    sql: str | None  # None: not kept (an aggregate other than Count, or Django ran no statement or several)
    params: tuple
    names: tuple[str, ...]


def _kept(using: str) -> OrderedDict:
    connection = connections[using]
    kept = getattr(connection, _ATTRIBUTE, None)
    if kept is None:
        kept = OrderedDict()
        setattr(connection, _ATTRIBUTE, kept)
    return kept


def _checking() -> bool:
    return bool(getattr(settings, "NONGTHONSO_CHECK_COMPILED", False))


def _remember(kept: OrderedDict, key: Hashable, entry) -> None:
    kept[key] = entry
    if len(kept) > MAX_KEPT:
        with suppress(KeyError):  # emptied by another thread sharing the connection (a test's live server)
            kept.popitem(last=False)


def _touch(kept: OrderedDict, key: Hashable) -> None:
    """Mark ``key`` recently used; it may have been dropped meanwhile by another thread sharing the connection."""
    with suppress(KeyError):
        kept.move_to_end(key)


def _compile_rows(queryset: QuerySet, using: str) -> _Rows:
    if queryset._iterable_class is not ValuesListIterable or queryset.db != using:
        raise TypeError("core.compiled.rows runs a values_list queryset (neither flat nor named) of its own database")
    compiler = queryset.query.get_compiler(using)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return _Rows(None, (), compiler)
    return _Rows(sql, tuple(params), compiler)


def _same(entry, fresh, key: Hashable) -> None:
    if (entry.sql, entry.params) != (fresh.sql, fresh.params):
        raise CompiledMismatch(f"compiled statement {key!r}: its key does not name everything it is built from "
                               f"(kept {entry.sql!r} {entry.params!r}, built now {fresh.sql!r} {fresh.params!r})")


def rows(key: Hashable, build: Callable[[], QuerySet], using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
    """The rows of ``build()`` — a ``values_list`` queryset — as tuples, with the SQL compiled once per ``key`` (None:
    compiled for this call only, e.g. a key that would be a long list of ids)."""
    if key is None:
        entry = _compile_rows(build(), using)
    else:
        kept, full_key = _kept(using), ("rows", key)
        entry = kept.get(full_key)
        if entry is None:
            entry = _compile_rows(build(), using)
            _remember(kept, full_key, entry)
        else:
            _touch(kept, full_key)
            if _checking():
                _same(entry, _compile_rows(build(), using), key)
    if entry.sql is None:
        return []
    compiler = entry.compiler
    with connections[using].cursor() as cursor:
        cursor.execute(entry.sql, entry.params)
        fetched = cursor.fetchall()
    if compiler.has_extra_select:  # columns the ordering needed, not asked for
        fetched = [row[:compiler.col_count] for row in fetched]
    return list(compiler.results_iter(results=[fetched], tuple_expected=True))


def aggregate(key: Hashable, build: Callable[[], QuerySet], using: str = DEFAULT_DB_ALIAS, **aggregates) -> dict:
    """``build().aggregate(**aggregates)``, with the SQL compiled once per ``key`` and aggregates when every aggregate
    is a ``Count`` (the database's row is then the result as it stands, on every engine); others go through Django each
    time, as does every call with ``key`` None. The first call runs through Django, noting its one statement."""
    if key is None:
        return build().aggregate(**aggregates)
    kept = _kept(using)
    full_key = ("aggregate", key, tuple((name, expression.identity) for name, expression in aggregates.items()))
    entry = kept.get(full_key)
    checking = _checking()
    if entry is not None:
        _touch(kept, full_key)
        if not checking:
            return _fetch_one(entry, using) if entry.sql is not None else build().aggregate(**aggregates)
    queryset = build()  # outside the capture: only the aggregate's own statements are noted
    seen: list[tuple[str, tuple]] = []

    def capture(execute, sql, params, many, context):
        seen.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connections[using].execute_wrapper(capture):
        result = queryset.aggregate(**aggregates)
    counts_only = all(type(a) is Count for a in aggregates.values())
    fresh = _Aggregate(*seen[0], tuple(result)) if len(seen) == 1 and counts_only else _Aggregate(None, (), ())
    if entry is None:
        _remember(kept, full_key, fresh)
    else:  # checking
        _same(entry, fresh, key)
    return result


def _fetch_one(entry: _Aggregate, using: str) -> dict:
    with connections[using].cursor() as cursor:
        cursor.execute(entry.sql, entry.params)
        row = cursor.fetchone()
    return dict(zip(entry.names, row, strict=True))


def ids_key(name: str, ids: Iterable[int], most: int = 16) -> tuple | None:
    """The key of a statement built from a list of ``ids``: kept when they are at most ``most`` (a unit and its few
    predecessors), not otherwise (None: a key of thousands of ids would hold memory for a statement rarely run
    again)."""
    ids = tuple(ids)
    return (name, ids) if len(ids) <= most else None


def forget(using: str = DEFAULT_DB_ALIAS) -> None:
    """Drop every statement kept on this thread's connection (a benchmark measures the first call with it)."""
    _kept(using).clear()


def kept_keys(using: str = DEFAULT_DB_ALIAS) -> list:
    """The keys kept on this thread's connection, the least recently used first."""
    return list(_kept(using))
