"""Results computed with facts kept elsewhere, computed again when those facts change.

- ``units.signals.groups_changed``: a commune's group (Decision 51/2025/QĐ-TTg) changed, by the commune-group import
  or in the admin. The thresholds of a set whose ``threshold_dimension`` is ``commune_group`` depend on it, so the
  commune's assessments against such sets are evaluated again (all of them, once, before the change commits:
  ``evaluation.RESULTS``; a group assigned late turns the «chưa xếp nhóm» unknowns into verdicts at once).
- a workflow or one of its steps saved or deleted (the admin, ``nongthonso workflows load``): the step touches its
  workflow's ``updated_at`` — the token other processes compare (``definitions``) — and this process forgets its
  cached definitions at once.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from nongthonso.criteria.choices import ThresholdDimension
from nongthonso.units.signals import groups_changed

from . import definitions
from .evaluation import RESULTS
from .models import Assessment, Workflow, WorkflowStep


@receiver(groups_changed)
def _groups_changed(sender, unit_ids, **kwargs):
    RESULTS.touch(Assessment.objects.filter(unit_id__in=list(unit_ids),
                                            criteria_set__threshold_dimension=ThresholdDimension.COMMUNE_GROUP)
                  .values_list("pk", flat=True))


@receiver([post_save, post_delete], sender=WorkflowStep)
def _step_changed(sender, instance: WorkflowStep, raw: bool = False, **kwargs):
    if not raw:
        Workflow.objects.filter(pk=instance.workflow_id).update(updated_at=timezone.now())
    definitions.forget()


@receiver([post_save, post_delete], sender=Workflow)
def _workflow_changed(sender, **kwargs):
    definitions.forget()
