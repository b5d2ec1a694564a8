"""``units_changed``: the units whose type or dates may have changed, for the owners of rows derived from units
(``recognition.spells``, ``assessments.standings``) to refresh them. Sent when a unit is saved (below) and by the
loaders after they bulk-write units (no ``post_save`` then).

``groups_changed``: the communes whose group assignments (``CommuneGroupAssignment``) changed, for the owners of
results computed with the group (``assessments``: the 2026-2030 thresholds differ by group) to compute them again.
Sent by the commune-group import once for its whole file, and by the admin when an assignment is saved or
deleted."""

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from .models import Unit

units_changed = Signal()  # kwargs: unit_ids (a set of ids)
groups_changed = Signal()  # kwargs: unit_ids (a set of ids)


@receiver(post_save, sender=Unit)
def _unit_saved(sender, instance: Unit, created: bool, raw: bool = False, **kwargs):
    if not created and not raw:  # a new unit has nothing derived from it yet
        units_changed.send(sender=Unit, unit_ids={instance.pk})
