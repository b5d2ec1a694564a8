"""A step taken on a dossier tells its next actor (``services.notify_step``)."""

import logging

from django.db import transaction
from django.dispatch import receiver

from nongthonso.assessments.signals import step_taken

from . import services

log = logging.getLogger(__name__)


@receiver(step_taken)
def _tell_the_next_actor(sender, assessment, event, **kwargs):
    # in a savepoint: a notification that cannot be written is logged and the step stands
    try:
        with transaction.atomic():
            services.notify_step(assessment, event)
    except Exception:
        log.exception("Notifications of workflow event %s (dossier %s) not written", event.pk, assessment.pk)
