"""A unit's latest assessment: the reads that apply the rule (``models.LATEST_ORDER``) — to a few units (the
assessments themselves) or to many (counts, from the standings when every assessment counts).

``standings`` keeps the rule's answer for every unit and year as derived rows; these functions read them when they
can, and apply the rule to the assessments themselves when only some assessments count (``among``: the published
ones, for the public pages).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext

from django.db import connections, models, transaction
from django.db.models import Case, OuterRef, QuerySet, Subquery, Value, When

from nongthonso.criteria.models import CriteriaSet
from nongthonso.units.models import Unit

from . import standings
from .models import LATEST_ORDER, Assessment, Standing


def latest_assessments(units: Iterable[Unit], level: str, year: int,
                       among: QuerySet[Assessment] | None = None) -> dict[int, Assessment]:
    """For each unit, its most recent assessment (year ≤ ``year``) against a set of ``level``, among ``among``
    (default all): the one ``LATEST_ORDER`` picks, as the counts (``latest_criteria_met``) pick it. One query: among
    all, the assessments the units' standings covering ``year`` name (``standings``: one row per unit); among some,
    every candidate of each unit, the first in ``LATEST_ORDER`` kept."""
    unit_ids = [u.pk for u in units]
    fields = ("id", "unit_id", "year", "criteria_met", "criteria_failed", "criteria_unknown", "criteria_total",
              "eligible", "revoke", "criteria_set_id")
    if among is None:
        picked = Standing.objects.filter(unit_id__in=unit_ids, level=level, from_year__lte=year, to_year__gt=year)
        return {a.unit_id: a for a in Assessment.objects.filter(pk__in=picked.values("assessment_id"))
                .order_by("unit_id").only(*fields)}
    latest: dict[int, Assessment] = {}
    qs = (among.filter(unit_id__in=unit_ids, year__lte=year, criteria_set__level=level)
          .order_by("unit_id", *LATEST_ORDER).only(*fields))
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
