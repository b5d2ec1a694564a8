"""Spells: who holds which level on which dates, kept in step with the decisions (``models.Spell``).

The rule is ``services.statuses_on``'s: for a unit and a level, the latest decision dated on or before a date
(by date, then id) decides — a recognition holds the level, a revocation does not. So a unit's decisions at one
level, in that order, cut time into spans; each span opened by a recognition is a spell, closed by the date of
the next decision (of either kind) dated later, or open (``Spell.OPEN``). Several decisions of one day: the
last one decides from that day.

``refresh(unit_ids)`` rebuilds the spells of those units from their decisions. It runs once per write, before the
write commits (``SPELLS``, ``core.derived``), for the units the signals below name — a decision saved or deleted,
units added to or removed from it, a unit saved (``units_changed``) — so a count that reads the spells sees every
decision committed with it. ``rebuild()`` recomputes every unit (after writes that bypass the ORM: a bulk
generator, a restore), and ``check()`` compares the stored spells with a fresh computation (``nongthonso
rebuild_derived --check``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from nongthonso.core.bulk import differences, insert_rows, preparer
from nongthonso.core.derived import ROWS, Refresh
from nongthonso.units.models import unit_facts
from nongthonso.units.signals import units_changed

from .models import Decision, Spell

RECOGNITION = Decision.Kind.RECOGNITION.value
CHUNK = 2000


Link = tuple[int, str, dt.date, int, str]  # unit_id, level, date, decision_id, kind


def spells_of(links: Iterable[Link]) -> Iterator[tuple[int, str, dt.date, dt.date, int]]:
    """``(unit_id, level, start, end, decision_id)`` of the spells that decision links give; ``links`` are
    ``(unit_id, level, date, decision_id, kind)`` sorted by unit, level, date, decision id."""
    deciding: list[tuple[dt.date, int, str]] = []  # per (unit, level): the last decision of each date
    key = None
    for unit_id, level, date, decision_id, kind in links:
        if (unit_id, level) != key:
            if key is not None:
                yield from _spans(key, deciding)
            key, deciding = (unit_id, level), []
        if deciding and deciding[-1][0] == date:
            deciding[-1] = (date, decision_id, kind)
        else:
            deciding.append((date, decision_id, kind))
    if key is not None:
        yield from _spans(key, deciding)


def _spans(key: tuple[int, str], deciding: list[tuple[dt.date, int, str]]):
    unit_id, level = key
    for i, (date, decision_id, kind) in enumerate(deciding):
        if kind == RECOGNITION:
            end = deciding[i + 1][0] if i + 1 < len(deciding) else Spell.OPEN
            yield unit_id, level, date, end, decision_id


def _links(unit_ids: list[int] | None, through=None):
    """The decision links of ``unit_ids`` (every unit: None, read in chunks — on PostgreSQL a server-side cursor —
    rather than at once), sorted as ``spells_of`` wants them."""
    through = through or Decision.units.through
    qs = through.objects.all() if unit_ids is None else through.objects.filter(unit_id__in=unit_ids)
    qs = (qs.order_by("unit_id", "decision__level", "decision__date", "decision_id")
          .values_list("unit_id", "decision__level", "decision__date", "decision_id", "decision__kind"))
    return qs.iterator(chunk_size=CHUNK) if unit_ids is None else qs


FIELDS = ("unit_id", "level", "start", "end", "decision_id", "unit_type_id", "unit_from", "unit_to")


def _rows(spells, facts: dict[int, dict], model=Spell) -> Iterator[tuple]:
    """The rows to store (``FIELDS``): each spell and its unit's facts, as the database takes them."""
    prepare = preparer(model, FIELDS)
    for spell in spells:
        yield prepare((*spell, *facts[spell[0]].values()))


def refresh(unit_ids: Iterable[int]) -> None:
    """Recompute the spells of ``unit_ids`` from their decisions and the units' facts (deletes theirs, inserts
    the new ones), now (a write refreshes through ``SPELLS.touch``, once, at its end)."""
    ids = sorted(set(unit_ids))
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        with transaction.atomic(savepoint=False):  # the caller's transaction, or one of its own
            facts = unit_facts(chunk, lock=True)  # one refresh of a unit at a time (see unit_facts)
            Spell.objects.filter(unit_id__in=chunk).delete()
            insert_rows(Spell, FIELDS, _rows(spells_of(_links(chunk)), facts))


SPELLS = Refresh("spells", ROWS, lambda unit_ids: refresh(unit_ids))  # looked up at each run


def rebuild(spell_model=Spell, through=None, unit_model=None) -> int:
    """Every unit's spells from every decision (also the data migration, with the historical models)."""
    with transaction.atomic():
        spell_model.objects.all().delete()
        facts = unit_facts(unit_model=unit_model)
        return insert_rows(spell_model, FIELDS, _rows(spells_of(_links(None, through)), facts, spell_model))


def check(unit_ids: Iterable[int] | None = None) -> list[str]:
    """Differences between the stored spells and those the decisions and units give (empty when in step): of every
    unit, or of ``unit_ids`` only."""
    ids = None if unit_ids is None else sorted(set(unit_ids))
    facts = unit_facts(ids)
    stored = Spell.objects.all() if ids is None else Spell.objects.filter(unit_id__in=ids)
    return differences(stored.values_list(*FIELDS),
                       ((*spell, *facts[spell[0]].values()) for spell in spells_of(_links(ids))))


# --- kept in step with the decisions (the services', and the admin's and raw ORM writes: the safety net) ------

def _decision_units(decision: Decision) -> list[int]:
    return list(Decision.units.through.objects.filter(decision_id=decision.pk).values_list("unit_id", flat=True))


@receiver(post_save, sender=Decision)
def _decision_saved(sender, instance: Decision, created: bool, raw: bool = False, **kwargs):
    if not created and not raw:  # a new decision has no units yet: m2m_changed follows
        SPELLS.touch(_decision_units(instance))


@receiver(pre_delete, sender=Decision)
def _decision_deleting(sender, instance: Decision, **kwargs):
    instance._spell_units = _decision_units(instance)


@receiver(post_delete, sender=Decision)
def _decision_deleted(sender, instance: Decision, **kwargs):
    SPELLS.touch(getattr(instance, "_spell_units", []))


@receiver(m2m_changed, sender=Decision.units.through)
def _decision_units_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs):
    if action == "pre_clear":
        # decision.units.clear(): the spells of its units change; unit.decisions.clear(): the unit's
        instance._spell_units = [instance.pk] if reverse else _decision_units(instance)
    elif action in ("post_add", "post_remove"):
        SPELLS.touch([instance.pk] if reverse else pk_set or [])
    elif action == "post_clear":
        SPELLS.touch(getattr(instance, "_spell_units", []))


@receiver(units_changed)
def _units_changed(sender, unit_ids, **kwargs):
    SPELLS.touch(unit_ids)
