"""Who may see and do what in training, as querysets (the permission checks live here, not in the views).

- An **organiser** (``organise_training``: the training-organiser role, the province office) works on the courses
  organised by a unit in their scope: everything about the course, every bridge point, every participant.
- A **bridge-point host** (``host_bridge_point``) works on the bridge points whose host unit is in their scope, or
  that name them as host (``BridgePoint.host_user``): registers people at that point, calls its roll, reports its
  connection. They see the course, and the participants of their points only.
- A **viewer** (``view_training``: every NTM role) reads the courses organised within their scope or followed at a
  bridge point within it, and the reports on them.

Out of scope is «not found» (404), as for dossiers: a user does not learn that a course exists elsewhere.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from nongthonso.accounts.services import within

from .apps import HOST, ORGANISE, VIEW
from .models import BridgePoint, Course, Participant


def _any(*conditions: Q | None) -> Q | None:
    if any(c is None for c in conditions):
        return None
    combined = Q(pk__in=[])
    for condition in conditions:
        combined |= condition
    return combined


def organised_courses(user) -> QuerySet[Course]:
    """The courses ``user`` may organise (edit, register, record attendance, issue certificates)."""
    condition = within(user, ORGANISE, "organiser__path")
    return Course.objects.all() if condition is None else Course.objects.filter(condition)


def hosted_points(user) -> QuerySet[BridgePoint]:
    """The bridge points ``user`` hosts: those of the units in their hosting scope and those that name them, plus
    every point of the courses they organise."""
    if not (user and user.is_authenticated and user.is_active):
        return BridgePoint.objects.none()
    condition = _any(within(user, HOST, "host_unit__path"), within(user, ORGANISE, "course__organiser__path"),
                     Q(host_user=user))
    return BridgePoint.objects.all() if condition is None else BridgePoint.objects.filter(condition)


def visible_courses(user) -> QuerySet[Course]:
    """The courses ``user`` may read: organised within their scope, or followed at a point within it or theirs."""
    if not (user and user.is_authenticated and user.is_active):
        return Course.objects.none()
    condition = _any(within(user, VIEW, "organiser__path"), within(user, ORGANISE, "organiser__path"))
    if condition is None:
        return Course.objects.all()
    viewing_points = within(user, VIEW, "host_unit__path")
    points = BridgePoint.objects.filter(viewing_points | Q(pk__in=hosted_points(user).values("pk")))
    return Course.objects.filter(condition | Q(pk__in=points.values("course_id")))


def visible_participants(user, course: Course) -> QuerySet[Participant]:
    """The participants of ``course`` ``user`` may see: all of them for its organisers, those registered at their
    points for hosts, none otherwise (a viewer reads the figures, not the people)."""
    people = Participant.objects.filter(course=course)
    if organised_courses(user).filter(pk=course.pk).exists():
        return people
    return people.filter(bridge_point__in=hosted_points(user).filter(course=course))


def may_organise(user, course: Course) -> bool:
    return organised_courses(user).filter(pk=course.pk).exists()


def may_host(user, point: BridgePoint) -> bool:
    return hosted_points(user).filter(pk=point.pk).exists()
