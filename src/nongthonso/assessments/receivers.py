"""Results computed with facts kept elsewhere, computed again when those facts change.

- ``units.signals.groups_changed``: a commune's group (Decision 51/2025/QĐ-TTg) changed, by the commune-group import
  or in the admin. The thresholds of a set whose ``threshold_dimension`` is ``commune_group`` depend on it, so the
  commune's assessments against such sets are evaluated again (all of them, in the transaction of the change: a
  group assigned late turns the «chưa xếp nhóm» unknowns into verdicts at once).
"""

from django.dispatch import receiver

from nongthonso.criteria.choices import ThresholdDimension
from nongthonso.units.signals import groups_changed

from .models import Assessment


@receiver(groups_changed)
def _groups_changed(sender, unit_ids, **kwargs):
    from .services import evaluate_assessments

    ids = list(Assessment.objects.filter(unit_id__in=list(unit_ids),
                                         criteria_set__threshold_dimension=ThresholdDimension.COMMUNE_GROUP)
               .values_list("pk", flat=True))
    if ids:
        evaluate_assessments(ids)
