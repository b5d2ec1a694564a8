"""Who is told of a dossier's step, what they are told, the e-mail, and marking read.

"The next actor" comes from the dossier's workflow: the steps that move it on from its new state
(``assessments.queue.forward``: submit, verify, approve, record the decision — a dossier whose unit was recognised
already does not wait for a decision, ``queue.undecided``) and, for each, the users whose roles take it over the
dossier's unit: a membership of one of the step's (role, level) pairs that covers the unit
(``accounts.services.covers``: on a unit above it, or on a later version of one, by lineage). The person who
submitted the dossier is told too when it is sent back (returned, reopened: the steps that need a reason) or has
reached the end of its workflow (recognised). Whoever took the step is not told of it.

In-app notifications are written in the step's transaction (audited; rolled back with the step). The e-mails go after
it commits (``transaction.on_commit``), to the recipients with an address, through Django's mail backend (the console
in development, SMTP in production: ``settings.EMAIL_*``); a failure is logged and changes nothing else.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from nongthonso.accounts.models import Action
from nongthonso.accounts.services import covers, memberships, unit_phrase
from nongthonso.assessments import definitions, queue, workflow
from nongthonso.assessments.definitions import Step
from nongthonso.assessments.models import Assessment, WorkflowEvent
from nongthonso.audit.services import record
from nongthonso.units.services import successors_in_force

from .models import Notification

log = logging.getLogger(__name__)
SUBJECT_PREFIX = "[Nông thôn số] "


def actors(step: Step, unit, today: dt.date | None = None) -> list:
    """The active users who may take ``step`` on ``unit`` by their roles: a membership of one of the step's (role,
    level) pairs on the unit, a unit above it, or a version in force that succeeded one of them. A few queries."""
    today = today or timezone.localdate()
    chain = [*unit.ancestors(), unit]
    later = successors_in_force(chain, today)
    units = {u.pk for u in chain} | {s.pk for found in later.values() for s in found}
    roles = {role for role, _level in step.actors}
    candidates = (get_user_model().objects.filter(is_active=True, memberships__role__in=roles,
                                                  memberships__unit_id__in=units)
                  .distinct().order_by("username"))
    return [user for user in candidates
            if any((m.role, m.unit.unit_type.level.code) in step.actors and covers(m, unit) for m in memberships(user))]


def _submitter(assessment: Assessment):
    """Who submitted the dossier last (None: nobody, or no longer active)."""
    event = (WorkflowEvent.objects.filter(assessment=assessment, action=Action.SUBMIT, actor__isnull=False)
             .select_related("actor").order_by("-timestamp", "-pk").first())
    return event.actor if event is not None and event.actor.is_active else None


def recipients(assessment: Assessment, event: WorkflowEvent) -> dict:
    """{user: the step now theirs (None: told as the submitter)} for the step ``event`` took; see the module."""
    today = timezone.localdate()
    definition, state = workflow.effective(assessment, today)
    steps = queue.forward(definition, state)
    if any(s.action == Action.RECORD_DECISION for s in steps) and not Assessment.objects.filter(
            queue.undecided(today), pk=assessment.pk).exists():
        steps = [s for s in steps if s.action != Action.RECORD_DECISION]
    found: dict = {}
    for step in steps:
        for user in actors(step, assessment.unit, today):
            found.setdefault(user, step)
    taken = definitions.definitions().get(event.details.get("workflow"), definition).step(event.action)
    if not steps or (taken is not None and taken.needs_reason):
        submitter = _submitter(assessment)
        if submitter is not None:
            found.setdefault(submitter, None)
    found.pop(event.actor, None)
    return found


def _when(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%H:%M} {local.day}/{local.month}/{local.year}"


def text(assessment: Assessment, event: WorkflowEvent, step: Step | None) -> str:
    """What a recipient reads (Vietnamese, stored as written: the recipient's language is not the actor's): the step
    and the dossier, who took it and when, the reason, the state, and the step now theirs."""
    lines = [f"{workflow.label(event.action)}: hồ sơ năm {assessment.year} của {unit_phrase(assessment.unit)}.",
             f"Bộ tiêu chí: {assessment.criteria_set.name}.",
             f"Người thực hiện: {event.actor_role or 'quản trị hệ thống'} ({event.actor_name}), lúc "
             f"{_when(event.timestamp)}."]
    if event.reason:
        lines.append(f"{'Lý do' if event.action in _backward() else 'Ghi chú'}: «{event.reason}».")
    state = f"Trạng thái hồ sơ: {workflow.state_label(assessment)}."
    lines.append(f"{state} Việc tiếp theo của bạn: {step.label}." if step is not None else state)
    return "\n".join(lines)


def _backward() -> set[str]:
    """The steps that send a dossier back (they need a reason): return, reopen."""
    return {s.action for d in definitions.definitions().values() for s in d.steps if s.needs_reason}


def notify_step(assessment: Assessment, event: WorkflowEvent) -> list[Notification]:
    """Tell the next actors (and the submitter) of the step ``event`` took: a notification each, audited, in the
    caller's transaction; their e-mails once it commits."""
    found = recipients(assessment, event)
    link = reverse("dossier", args=[assessment.pk])
    written = []
    for user, step in found.items():
        notification = Notification.objects.create(recipient=user, assessment=assessment, link=link,
                                                   verb=event.action, text=text(assessment, event, step))
        record("create", notification, after={"recipient": user.get_username(), "verb": event.action,
                                              "assessment": assessment.pk, "event": event.pk},
               user=event.actor, note=notification.first_line)
        written.append(notification)
    if written:
        transaction.on_commit(partial(send_emails, [n.pk for n in written]), robust=True)
    return written


def email(notification: Notification) -> EmailMessage:
    """The e-mail of a notification: its first line as the subject, its text and the link to the page."""
    body = (f"{notification.text}\n\nMở hồ sơ: {settings.SITE_URL}{notification.link}\n\n"
            f"— \nThư gửi tự động từ Nông thôn số. Xem mọi thông báo của bạn: {settings.SITE_URL}"
            f"{reverse('notifications')}\n")
    subject = " ".join((SUBJECT_PREFIX + notification.first_line).split())
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [notification.recipient.email])


def send_emails(ids: list[int]) -> int:
    """E-mail the notifications ``ids`` to their recipients who have an address; returns how many were sent. Never
    raises: a failure (no SMTP server, a refused address) is logged, and the notification stays in the app."""
    try:
        notifications = [n for n in Notification.objects.filter(pk__in=ids).select_related("recipient")
                         .order_by("pk") if n.recipient.email]
        if not notifications:
            return 0
        connection = get_connection()
        connection.open()
    except Exception:
        log.exception("Notification e-mails %s not sent: the mail backend could not be opened", ids)
        return 0
    sent = 0
    try:
        for notification in notifications:
            try:
                sent += connection.send_messages([email(notification)]) or 0
            except Exception:
                log.exception("Notification %s not e-mailed to %s", notification.pk, notification.recipient.email)
    finally:
        try:
            connection.close()
        except Exception:
            log.exception("Closing the mail connection failed")
    return sent


def claim_each(due: models.QuerySet, field: str, *, actor: str, note: Callable[[models.Model], str],
               related: tuple[str, ...] = ()) -> Iterator[models.Model]:
    """Each row of ``due`` (in its order) that this run claims, for a notice sent once: in a transaction of its own,
    ``field`` goes from empty to now by a conditional update (two runs at once share the rows out: a row another run
    took is skipped), the change is audited, and the row is yielded *inside* that transaction — the caller writes its
    notifications there, so a failure leaves the row unclaimed for the next run."""
    model = due.model
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            now = timezone.now()
            if not model.objects.filter(pk=pk, **{f"{field}__isnull": True}).update(**{field: now}):
                continue  # another run took it
            row = model.objects.select_related(*related).get(pk=pk)
            record("update", row, before={field: None}, after={field: now.isoformat()}, actor=actor, note=note(row))
            yield row


def unread_count(user) -> int:
    return Notification.objects.for_recipient(user).unread().count()


def mark_read(user, notifications=None) -> int:
    """Mark ``user``'s unread notifications read — those of ``notifications`` (a queryset or list of theirs), or all —
    each audited; returns how many. Someone else's are never touched."""
    mine = Notification.objects.for_recipient(user).unread()
    if notifications is not None:
        mine = mine.filter(pk__in=[n.pk for n in notifications])
    now = timezone.now()
    with transaction.atomic():
        rows = list(mine.select_for_update().order_by("pk"))
        Notification.objects.filter(pk__in=[n.pk for n in rows]).update(read_at=now)
        for notification in rows:
            record("update", notification, before={"read_at": None}, after={"read_at": now.isoformat()}, user=user)
    return len(rows)
