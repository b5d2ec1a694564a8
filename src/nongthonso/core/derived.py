"""One write path for derived rows: a write collects what it touched and refreshes each derived row once, before
it commits.

Some rows are computed from others: an assessment's stored engine results (from its values, its unit and its
criteria set), the standings (each unit's latest assessment as seen from each year, ``assessments.standings``),
the spells (who holds which level when, ``recognition.spells``). They must change in the transaction of the write
that changes what they are computed from — a figure read after the commit sees them, and a failure rolls both back
— and a write touches the same unit many times (a value, its dossier's version, the dossiers that require it; an
import: thousands of rows of a few thousand communes), so refreshing at each touch repeats the work. Django has no
hook that runs *before* a commit (``transaction.on_commit`` runs after it, outside the transaction), so the write
path is explicit:

- a service wraps its write in ``writing()``: an atomic block that keeps a collector (``Pending``) on the
  database connection. A ``writing()`` block inside another one (a service calling a service) is a savepoint that
  shares the outermost block's collector;
- whatever changes a source row says so: ``Refresh.touch(ids)`` — the services themselves, and the signals that
  catch the admin's and raw ORM writes. Inside a ``writing()`` block the ids are only collected (a set: a unit
  touched ten times is refreshed once);
- when the outermost ``writing()`` block ends without an error, still inside its transaction, ``Pending.flush``
  runs each refresh once with every id collected, stage by stage: the engine's results first (``RESULTS``), then
  the rows read from them (``ROWS``: standings, spells). A refresh may touch a later stage (evaluating an
  assessment touches its unit's standings); the flush goes on until nothing is pending. Then the block commits —
  or, inside a caller's own transaction, leaves the commit to it. On an error nothing is flushed: the transaction
  rolls back the writes and there is nothing to refresh.

Outside any ``writing()`` block (the admin, a shell, a raw ORM write in a test) ``touch`` refreshes at once, in a
``writing()`` block of its own, so that what it touches in turn is refreshed once too. So the signals are the safety
net: inside a service they only add ids the service has already collected.

A caller that makes several writes in one transaction (a loop over ``set_value``) wraps them in one ``writing()``
block to refresh once for all of them; without it, each write refreshes at its own end — correct, only slower.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections, transaction

RESULTS = 0  # stages: the engine's stored results first …
ROWS = 1  # … then the rows read from them (standings) and from the other raw rows (spells)

_ATTRIBUTE = "nongthonso_pending_refresh"  # the collector of the outermost writing() block, on its connection


@dataclass(frozen=True, eq=False)
class Refresh:
    """A kind of derived row: ``run(ids)`` recomputes the rows of those ids (units, or assessments for the results)
    from their sources. ``stage``: ``RESULTS`` or ``ROWS`` (see the module)."""

    name: str
    stage: int
    run: Callable[[list[int]], object]

    def touch(self, ids: Iterable[int | None], *, using: str = DEFAULT_DB_ALIAS) -> None:
        """The rows of ``ids`` must be refreshed: before the outermost ``writing()`` block ends, or now (in a block
        of its own) when there is none."""
        ids = {pk for pk in ids if pk is not None}
        if not ids:
            return
        pending = pending_on(using)
        if pending is not None:
            pending.add(self, ids)
            return
        with writing(using) as pending:
            pending.add(self, ids)

    def __repr__(self) -> str:
        return f"Refresh({self.name!r})"


class Pending:
    """The ids each ``Refresh`` must be run with before the outermost ``writing()`` block ends."""

    def __init__(self):
        self._ids: dict[Refresh, set[int]] = {}

    def add(self, refresh: Refresh, ids: set[int]) -> None:
        self._ids.setdefault(refresh, set()).update(ids)

    def ids(self, refresh: Refresh) -> frozenset[int]:
        """The ids collected for ``refresh`` so far (not yet refreshed)."""
        return frozenset(self._ids.get(refresh, ()))

    def flush(self) -> None:
        """Run every pending refresh once, the earliest stage first, until none is left (a refresh may touch a later
        stage; one that touches its own stage again runs again with the new ids only)."""
        while self._ids:
            refresh = min(self._ids, key=lambda r: r.stage)  # dicts keep their order: ties run as first touched
            refresh.run(sorted(self._ids.pop(refresh)))


def pending_on(using: str = DEFAULT_DB_ALIAS) -> Pending | None:
    """The collector of the ``writing()`` block open on the connection ``using`` (None: none is open)."""
    return getattr(connections[using], _ATTRIBUTE, None)


@contextmanager
def writing(using: str | None = None, *, savepoint: bool = True) -> Iterator[Pending]:
    """An atomic block whose writes refresh their derived rows once, at its end (see the module). Usable as a
    decorator: ``@writing()``. ``savepoint``: as ``transaction.atomic``'s, for a block inside another write (False
    for a step no caller recovers from, such as storing results: one round trip less each side on PostgreSQL)."""
    using = using or DEFAULT_DB_ALIAS
    connection = connections[using]
    outer = getattr(connection, _ATTRIBUTE, None)
    if outer is not None:  # inside another write: the outermost block flushes
        with transaction.atomic(using=using, savepoint=savepoint):
            yield outer
        return
    with transaction.atomic(using=using):
        pending = Pending()
        setattr(connection, _ATTRIBUTE, pending)
        try:
            yield pending
            pending.flush()  # still inside the transaction: the derived rows commit with the write
        finally:
            setattr(connection, _ATTRIBUTE, None)
