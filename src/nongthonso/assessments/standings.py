"""Standings: each unit's latest assessment per level as seen from each year (``models.Standing``), in step with
the assessments.

``models.LATEST_ORDER`` picks a unit's latest assessment as seen from a year: the latest year up to it, then
the latest version of the set, then the set in force latest, then the latest row. As the year asked grows, the
pick changes only at the years the unit was assessed, so a unit's picks are a few rows ``[from_year,
to_year)``; the criteria distribution of the country is then one join of the units with the row covering the
year.

``refresh(unit_ids)`` rebuilds the rows of those units from their assessments. It runs once per write, before the
write commits (``STANDINGS``, ``core.derived``): the evaluation of assessments touches their units, and so do the
signals below — an assessment created, saved whole, moved or deleted; a unit saved (``units_changed``); a criteria
set saved in a way that may change which of a unit's assessments is its latest. ``rebuild()`` recomputes every
unit (after writes that bypass the ORM); ``check()`` compares.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db import transaction
from django.db.models import Count, Exists, FilteredRelation, OuterRef, Q, QuerySet
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from nongthonso.core.bulk import differences, insert_rows, preparer
from nongthonso.core.derived import ROWS, Refresh
from nongthonso.criteria.models import CriteriaSet
from nongthonso.units.models import Unit, unit_facts
from nongthonso.units.signals import units_changed

from .models import Assessment, Standing

CHUNK = 2000
_DEPENDS_ON = {"criteria_met", "criteria_total", "year", "criteria_set", "criteria_set_id", "unit", "unit_id"}


def set_ranks(criteria_set_model=CriteriaSet) -> dict[int, tuple[str, int]]:
    """{set id: (level, rank)}: within a level, rank 1 for the latest version (then the one in force latest);
    sets equal on both share a rank — ``LATEST_ORDER`` after the year."""
    ranks: dict[int, tuple[str, int]] = {}
    last: dict[str, tuple] = {}
    rank: dict[str, int] = {}
    for pk, level, *key in (criteria_set_model.objects.order_by("level", "-version", "-effective_from")
                            .values_list("pk", "level", "version", "effective_from")):
        if last.get(level) != tuple(key):
            last[level] = tuple(key)
            rank[level] = rank.get(level, 0) + 1
        ranks[pk] = (level, rank[level])
    return ranks


def standings_of(rows: Iterable[tuple[int, int, int, int, int, int]], ranks: dict[int, tuple[str, int]]
                 ) -> Iterator[tuple[int, str, int, int, int, int, int, int]]:
    """``(unit_id, level, from_year, to_year, assessment_id, criteria_met, criteria_set_id, criteria_total)`` from
    assessments ``(unit_id, year, criteria_set_id, id, criteria_met, criteria_total)`` sorted by unit."""
    unit, picks = None, {}
    for unit_id, year, set_id, pk, met, total in rows:
        if unit_id != unit:
            yield from _intervals(unit, picks)
            unit, picks = unit_id, {}
        level, rank = ranks[set_id]
        key = (level, year)
        best = picks.get(key)
        if best is None or (rank, -pk) < (best[0], -best[1]):
            picks[key] = (rank, pk, met, set_id, total)
    yield from _intervals(unit, picks)


def _intervals(unit_id, picks: dict[tuple[str, int], tuple[int, int, int, int, int]]):
    by_level: dict[str, list[tuple[int, int, int, int, int]]] = {}
    for (level, year), (_, *pick) in sorted(picks.items()):
        by_level.setdefault(level, []).append((year, *pick))
    for level, years in by_level.items():
        for i, (year, pk, met, set_id, total) in enumerate(years):
            yield (unit_id, level, year, years[i + 1][0] if i + 1 < len(years) else Standing.OPEN, pk, met, set_id,
                   total)


def _assessments(unit_ids: list[int] | None, assessment_model=Assessment):
    """The assessments of ``unit_ids`` (every unit: None, read in chunks — on PostgreSQL a server-side cursor —
    rather than at once), sorted by unit, as ``standings_of`` wants them."""
    qs = assessment_model.objects.all() if unit_ids is None else assessment_model.objects.filter(unit_id__in=unit_ids)
    qs = qs.order_by("unit_id").values_list("unit_id", "year", "criteria_set_id", "id", "criteria_met",
                                            "criteria_total")
    return qs.iterator(chunk_size=CHUNK) if unit_ids is None else qs


FIELDS = ("unit_id", "level", "from_year", "to_year", "assessment_id", "criteria_met", "criteria_set_id",
          "criteria_total", "unit_type_id", "unit_from", "unit_to")


def _facts(unit_ids: list[int] | None = None, unit_model=None, *, standing_model=Standing, lock: bool = False
           ) -> dict[int, tuple]:
    """``unit_facts`` as the rows store them (the last three of ``FIELDS``)."""
    prepare = preparer(standing_model, FIELDS[-3:])
    return {pk: prepare(facts.values()) for pk, facts in unit_facts(unit_ids, unit_model, lock=lock).items()}


def _rows(standings, facts: dict[int, tuple]) -> Iterator[tuple]:
    """The rows to store (``FIELDS``): each standing and its unit's facts."""
    for standing in standings:
        yield standing + facts[standing[0]]


def refresh(unit_ids: Iterable[int]) -> None:
    """Recompute the standings of ``unit_ids`` from their assessments and the units' facts, now (a write refreshes
    through ``STANDINGS.touch``, once, at its end)."""
    ids = sorted(set(unit_ids))
    if not ids:
        return
    ranks = set_ranks()
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        with transaction.atomic(savepoint=False):  # the caller's transaction, or one of its own
            facts = _facts(chunk, lock=True)  # one refresh of a unit at a time (see unit_facts)
            Standing.objects.filter(unit_id__in=chunk).delete()
            insert_rows(Standing, FIELDS, _rows(standings_of(_assessments(chunk), ranks), facts))


STANDINGS = Refresh("standings", ROWS, lambda unit_ids: refresh(unit_ids))  # looked up at each run


def rebuild(standing_model=Standing, assessment_model=Assessment, criteria_set_model=CriteriaSet,
            unit_model=None) -> int:
    """Every unit's standings (also the data migration, with the historical models)."""
    ranks = set_ranks(criteria_set_model)
    with transaction.atomic():
        standing_model.objects.all().delete()
        facts = _facts(unit_model=unit_model, standing_model=standing_model)
        return insert_rows(standing_model, FIELDS,
                           _rows(standings_of(_assessments(None, assessment_model), ranks), facts))


def check(unit_ids: Iterable[int] | None = None) -> list[str]:
    """Differences between the stored standings and those the assessments and units give (empty when in step): of
    every unit, or of ``unit_ids`` only."""
    ids = None if unit_ids is None else sorted(set(unit_ids))
    facts = unit_facts(ids)
    stored = Standing.objects.all() if ids is None else Standing.objects.filter(unit_id__in=ids)
    return differences(stored.values_list(*FIELDS),
                       ((*row, *facts[row[0]].values()) for row in standings_of(_assessments(ids), set_ranks())))


def criteria_met_distribution(units: QuerySet[Unit], level: str, year: int, *, where: Q | None = None
                              ) -> dict[int | None, int]:
    """How many of ``units`` have a latest assessment (year ≤ ``year``, against a set of ``level``) meeting each
    number of criteria, and under ``None`` how many have none — ``latest.latest_criteria_met`` read from the
    standings. Without ``where``: one query, ``units`` left-joined to their standing covering ``year`` (for a
    province or a district: its units found under the path index, each one's standing through its index). With
    ``where`` — the same units as a condition on the standing, ``UnitFacts.in_force`` on its copy of the unit —
    two: the units counted, and the standings covering ``year`` read from their index alone, no unit joined
    (for the whole country)."""
    if where is None:
        covering = Q(standings__level=level, standings__from_year__lte=year, standings__to_year__gt=year)
        return dict(units.order_by().annotate(standing=FilteredRelation("standings", condition=covering))
                    .values_list("standing__criteria_met").annotate(n=Count("pk")))
    total = units.order_by().count()
    counts = dict(Standing.objects.filter(where, level=level, to_year__gt=year, from_year__lte=year).order_by()
                  .values_list("criteria_met").annotate(n=Count("*")))  # COUNT(*): the index alone answers
    if total > sum(counts.values()):
        counts[None] = total - sum(counts.values())
    return counts


# --- kept in step with the assessments: the safety net for writes the services do not make ------------------

@receiver(post_save, sender=Assessment)
def _assessment_saved(sender, instance: Assessment, created: bool, update_fields=None, raw: bool = False,
                      **kwargs):
    if raw or not (created or update_fields is None or _DEPENDS_ON & set(update_fields)):
        return
    units = {instance.unit_id}
    if not created and (update_fields is None or {"unit", "unit_id"} & set(update_fields)):
        # it may have moved to another unit: any unit whose standings still name it
        units.update(Standing.objects.filter(assessment_id=instance.pk).values_list("unit_id", flat=True))
    STANDINGS.touch(units)


@receiver(post_delete, sender=Assessment)
def _assessment_deleted(sender, instance: Assessment, **kwargs):
    STANDINGS.touch([instance.unit_id])


_RANKED_BY = ("level", "version", "effective_from")  # what set_ranks orders the sets by


@receiver(pre_save, sender=CriteriaSet)
def _criteria_set_saving(sender, instance: CriteriaSet, raw: bool = False, **kwargs):
    if not raw and instance.pk is not None:
        instance._ranked_before = (CriteriaSet.objects.filter(pk=instance.pk).values_list(*_RANKED_BY).first())


@receiver(post_save, sender=CriteriaSet)
def _criteria_set_saved(sender, instance: CriteriaSet, raw: bool = False, **kwargs):
    before = getattr(instance, "_ranked_before", None)
    if not raw and before is not None and before != tuple(getattr(instance, f) for f in _RANKED_BY):
        STANDINGS.touch(reordered_units(instance, moved_level=before[0] != instance.level))


def reordered_units(cset: CriteriaSet, *, moved_level: bool) -> Iterable[int]:
    """The units whose standings may change when ``cset`` changes its place among the sets (``set_ranks``): a
    unit's latest assessment of a year is chosen by the sets' order only among its assessments of that year and
    level, so only a unit assessed against ``cset`` and against another set of its level in the same year is
    concerned — usually none, so that saving a set in the admin rewrites no standing of the 10,000 communes. A set
    moved to another level (``moved_level``) takes its assessments along: every unit assessed against it. A new
    set, or one deleted (it has no assessments: they protect it), concerns none."""
    mine = Assessment.objects.filter(criteria_set=cset)
    if not moved_level:
        rivals = Assessment.objects.filter(unit_id=OuterRef("unit_id"), year=OuterRef("year"),
                                           criteria_set__level=cset.level).exclude(criteria_set=cset)
        mine = mine.filter(Exists(rivals))
    return mine.order_by().values_list("unit_id", flat=True).distinct()


@receiver(units_changed)
def _units_changed(sender, unit_ids, **kwargs):
    STANDINGS.touch(unit_ids)
