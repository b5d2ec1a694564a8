"""Keep ``CriteriaSet.updated_at`` current when any of its rows changes, so compiled caches refresh."""

from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .models import CriteriaSet, Criterion, Indicator, Threshold


def touch(set_id: int) -> None:
    code = CriteriaSet.objects.filter(pk=set_id).values_list("code", flat=True).first()
    CriteriaSet.objects.filter(Q(pk=set_id) | Q(indicators__threshold_ref__set=code)).update(
        updated_at=timezone.now())


@receiver([post_save, post_delete], sender=Threshold)
def threshold_changed(sender, instance, **kwargs):
    set_id = Indicator.objects.filter(pk=instance.indicator_id).values_list("criteria_set_id", flat=True).first()
    if set_id:
        touch(set_id)


@receiver([post_save, post_delete], sender=Indicator)
@receiver([post_save, post_delete], sender=Criterion)
def row_changed(sender, instance, **kwargs):
    touch(instance.criteria_set_id)
