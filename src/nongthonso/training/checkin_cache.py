"""What the public check-in page needs, kept in Django's cache: a room of phones opens the same page at once.

Per check-in code: the session, its course and its main bridge point as a small :class:`Page` (instead of a query per
request), the list of the units of the course's participants (for «họ tên + đơn vị»), the ids of the participants by
phone number and e-mail address (:func:`contacts`, in the process's memory: the person typing is then read by id,
instead of the course's rows being scanned for a number however it was written), and the rendered form (with a
placeholder where each visitor's CSRF token goes, as the dashboards do).

**Freshness.** Every key carries the course's *version*, a random token kept in the cache: any change to the course,
its sessions, its bridge points or its participants draws a new one (:func:`forget_course`, called by the signals
below and by the services that write with ``update()``), so the next request reads the database again. The token is
drawn at once and again once the transaction commits (a request between the change and its commit could otherwise
keep the old rows under the new token). A course whose version was evicted from the cache gets a new one: a miss,
never a stale hit. Writes the signals do not see (a ``bulk_create`` of participants, SQL typed in a shell) show within
``TRAINING_CHECKIN_CACHE_SECONDS`` (300 s by default) — except for check-in itself: a phone number or e-mail the kept
list does not hold is looked for in the database, and the ids it holds are read again there (erased people left out).
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from nongthonso.units.models import Unit

from .models import BridgePoint, Course, Participant, Session


def seconds() -> int:
    return int(getattr(settings, "TRAINING_CHECKIN_CACHE_SECONDS", 300))


def candidates(course_id: int) -> QuerySet[Participant]:
    """The people a visitor may be: the course's registered participants whose details were not erased."""
    return Participant.objects.filter(course_id=course_id, erased_at__isnull=True)


# --- the course's version ----------------------------------------------------------------------------------------

def _version_key(course_id: int) -> str:
    return f"training:course-version:{course_id}"


def version(course_id: int) -> str:
    """The course's current version token (drawn when there is none)."""
    key = _version_key(course_id)
    found = cache.get(key)
    if found is None:
        cache.add(key, secrets.token_hex(6), None)
        found = cache.get(key) or "evicted"
    return found


def forget_course(course_id: int | None) -> None:
    """Whatever is kept for the course is stale: draw a new version now, and again once the transaction commits."""
    if course_id is None:
        return
    key = _version_key(course_id)
    cache.set(key, secrets.token_hex(6), None)
    transaction.on_commit(lambda: cache.set(key, secrets.token_hex(6), None))


@receiver([post_save, post_delete], sender=Course, dispatch_uid="training.checkin_cache.course")
def _course_changed(sender, instance: Course, **kwargs) -> None:
    forget_course(instance.pk)


@receiver([post_save, post_delete], sender=Session, dispatch_uid="training.checkin_cache.session")
@receiver([post_save, post_delete], sender=BridgePoint, dispatch_uid="training.checkin_cache.point")
@receiver([post_save, post_delete], sender=Participant, dispatch_uid="training.checkin_cache.participant")
def _part_changed(sender, instance, **kwargs) -> None:
    forget_course(instance.course_id)


# --- the page of a code ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    """A session's check-in page: what the page shows and what a check-in writes."""

    pk: int  # the session
    course_id: int
    code: str
    checkin_open: bool
    title: str
    starts_at: dt.datetime
    venue: str
    course_title: str
    course_code: str
    registration_open: bool
    registration_code: str
    main_point_id: int | None

    def session(self) -> Session:
        """The session as a model instance, without a query: what the attendance row and its audit entry name."""
        session = Session(pk=self.pk, course_id=self.course_id, title=self.title, checkin_code=self.code)
        session.course = Course(pk=self.course_id, code=self.course_code, title=self.course_title)
        return session


def _course_of_code(code: str) -> int | None:
    key = f"training:checkin-course:{code}"
    found = cache.get(key)
    if found is None:
        found = Session.objects.filter(checkin_code=code).values_list("course_id", flat=True).first()
        if found is None:
            return None
        cache.set(key, found, seconds())
    return found


def page_for(code: str) -> Page | None:
    """The check-in page of the code, or None when no session has it. From the cache; on a miss two or three
    queries (the course first, so that its version is read before the rows it keeps)."""
    course_id = _course_of_code(code)
    if course_id is None:
        return None
    key = f"training:checkin:{code}:{version(course_id)}"
    found = cache.get(key)
    if found is not None:
        return found
    session = Session.objects.select_related("course").filter(checkin_code=code).order_by().first()
    if session is None:  # the code was just renewed
        return None
    main = (BridgePoint.objects.filter(course_id=session.course_id, is_main=True).order_by()
            .values_list("pk", flat=True).first())
    course = session.course
    found = Page(session.pk, course.pk, code, session.checkin_open, session.title, session.starts_at, session.venue,
                 course.title, course.code, course.registration_open, course.registration_code, main)
    cache.set(key, found, seconds())
    return found


def unit_options(course_id: int, selected: int | None = None) -> SafeString:
    """The ``<option>`` elements of the units the course's participants work at (for «họ tên + đơn vị»), in
    Vietnamese order: units are public, people are not. From the cache; one query when built."""
    key = f"training:checkin-units:{course_id}:{version(course_id)}"
    html = cache.get(key)
    if html is None:
        rows = (Unit.objects.filter(pk__in=candidates(course_id).exclude(unit=None).values("unit_id"))
                .order_by("sort_key", "code").values_list("pk", "name"))
        html = "".join(f'<option value="{pk}">{escape(name)}</option>' for pk, name in rows)
        cache.set(key, html, seconds())
    if selected is not None:
        html = html.replace(f'<option value="{selected}">', f'<option value="{selected}" selected>', 1)
    return mark_safe(html)  # built above from escaped names and integer ids


def contact_key(contact: str, digits: str) -> str:
    """How :func:`contacts` files a phone number (its ``digits``, see ``checkin.phone_digits``) or an e-mail."""
    return f"e:{contact.strip().lower()}" if "@" in contact else f"p:{digits}"


_contacts: dict[int, tuple[str, dict[str, list[int]]]] = {}  # course id → (its version, its index)
_contacts_lock = threading.Lock()
KEPT_COURSES = 16  # the courses whose index a process keeps (courses checking in at the same time)


def contacts(course_id: int, phone_digits) -> dict[str, list[int]]:
    """The course's participants by phone number (as digits) and e-mail address (lower case): key (see
    :func:`contact_key`) → their ids. Ids only, no names. Kept in the process's memory for the course's version (a
    dict of a few thousand entries: read from a shared cache it would cost more to unpickle than to use); one query
    when built."""
    current = version(course_id)
    kept = _contacts.get(course_id)
    if kept is not None and kept[0] == current:
        return kept[1]
    found: dict[str, list[int]] = {}
    for pk, phone, email in candidates(course_id).exclude(phone="", email="").order_by("pk").values_list(
            "pk", "phone", "email"):
        if digits := phone_digits(phone):
            found.setdefault(contact_key(phone, digits), []).append(pk)
        if email:
            found.setdefault(contact_key(email, ""), []).append(pk)
    with _contacts_lock:
        _contacts.pop(course_id, None)
        while len(_contacts) >= KEPT_COURSES:
            _contacts.pop(next(iter(_contacts)))
        _contacts[course_id] = (current, found)
    return found


def rendered(page: Page, language: str, render) -> str:
    """The page's form as ``render()`` makes it (with the CSRF placeholder), kept per code, version and language."""
    key = f"training:checkin-page:{page.code}:{version(page.course_id)}:{language}"
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, seconds())
    return html
