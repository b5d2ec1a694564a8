"""QR check-in at the venue, and what the other public pages of a course share with it.

**The flow.** The organiser prints a session's poster (``checkin_views.poster``): a QR code of the public page
``/diem-danh/<checkin_code>/``. A participant scans it, identifies themselves among the course's registered
participants and taps «Điểm danh»: one ``Attendance`` row (in person, method QR, at the course's main bridge point).
A second check-in finds the row and says so; nothing is written twice. The organiser opens and closes check-in and
may draw a new code (the old poster stops working); both are audited.

**Personal data (Decree 13/2023/NĐ-CP).** The page lists nobody. A person is identified by one exact key — a phone
number (compared on its digits, «0912 345 678» = «+84912345678»), an e-mail address (case ignored), or their full
name (diacritics, case and spacing ignored) together with the unit they work at — and only when exactly one
registered, not erased, participant of the course has it. The answer names them masked («N. V. An»): enough for the
person to recognise themselves, not to learn a stranger's name from a phone number.

**Abuse.** Every failed identification counts against the caller's address and the code (:class:`Throttle`, in
Django's cache: a few cache operations per request); past ``TRAINING_PUBLIC_MAX_MISSES`` misses in
``TRAINING_PUBLIC_WINDOW_SECONDS`` the page refuses for the rest of the window. Successful check-ins are not
counted: a room of 200 phones behind the venue's one address checks in freely.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import threading
from dataclasses import dataclass

import segno
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from nongthonso.audit.services import record
from nongthonso.core.text import fold

from . import scope
from .checkin_cache import Page, contact_key, contacts, forget_course
from .models import (
    Attendance,
    AttendanceMethod,
    AttendanceMode,
    Course,
    Participant,
    Session,
    new_code,
)

MAX_CONTACT = 254  # an e-mail address's longest form
MAX_NAME = 200  # Participant.full_name
PUBLIC_ACTOR = "học viên (trang công khai)"  # the audit's «who» for a write made by a visitor who is not signed in


# --- identification ---------------------------------------------------------------------------------------------

def phone_digits(raw: str) -> str:
    """A Vietnamese phone number as its national digits: «+84 912.345.678» and «0912-345-678» → «0912345678».
    Anything that is not a plausible phone number gives ""."""
    digits = re.sub(r"\D", "", raw or "")
    if digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if 9 <= len(digits) <= 12 and digits.startswith("0") else ""


def folded_name(raw: str) -> str:
    """A name as compared: without diacritics, lower-case, single spaces (``core.text.fold``)."""
    return " ".join(fold(raw or "").split())


def masked_name(full_name: str) -> str:
    """«Nguyễn Văn An» → «N. V. An»: the given name (the last word) and the initials of the others."""
    words = full_name.split()
    return " ".join([*(f"{w[0]}." for w in words[:-1]), words[-1]]) if words else ""


class NotIdentified(Exception):
    """Nobody, or more than one person, matches what was typed; ``message`` (Vietnamese) says what to do.
    ``field``: the form field the message belongs to."""

    def __init__(self, message: str, field: str = "contact"):
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class Identity:
    """What a visitor typed to be found: a phone number or e-mail address (``contact``), or a name and a unit."""

    contact: str = ""
    name: str = ""
    unit_id: int | None = None

    @classmethod
    def from_data(cls, data) -> Identity:
        unit = str(data.get("unit") or "").strip()
        return cls(contact=" ".join(str(data.get("contact") or "").split())[:MAX_CONTACT],
                   name=" ".join(str(data.get("name") or "").split())[:MAX_NAME],
                   unit_id=int(unit) if unit.isdigit() else None)

    def problem(self) -> NotIdentified | None:
        """Why this cannot be looked up at all (nothing typed, a malformed phone number), before any query."""
        if self.contact:
            if "@" not in self.contact and not phone_digits(self.contact):
                return NotIdentified(_("«%(value)s» không phải số điện thoại hay địa chỉ e-mail. Nhập số điện thoại "
                                       "(ví dụ 0912 345 678) hoặc e-mail bạn đã đăng ký.") % {"value": self.contact})
            return None
        if self.name and self.unit_id is None:
            return NotIdentified(_("Chọn đơn vị công tác của bạn trong danh sách, bên dưới ô họ tên."), "unit")
        if self.unit_id is not None and not self.name:
            return NotIdentified(_("Nhập họ và tên đầy đủ của bạn, có dấu hoặc không dấu."), "name")
        if not self.name:
            return NotIdentified(_("Nhập số điện thoại hoặc e-mail bạn đã đăng ký; nếu không đăng ký bằng số điện "
                                   "thoại hay e-mail, nhập họ tên và chọn đơn vị công tác."))
        return None


def with_phone(people: QuerySet[Participant], raw: str, limit: int = 2) -> list[Participant]:
    """Those of ``people`` whose phone number is ``raw``'s, however either was written (see ``phone_digits``), at
    most ``limit`` of them. The database narrows the rows to the phones ending with the same two digits (the course's
    rows by its index, nothing computed per row) and gives their numbers only; the digits are compared here, then
    the people found are read. Two light queries."""
    local = phone_digits(raw)
    if not local:
        return []
    matched = [pk for pk, phone in people.filter(phone__endswith=local[-2:]).order_by("pk").values_list("pk", "phone")
               if phone_digits(phone) == local][:limit]
    return list(people.filter(pk__in=matched).order_by("pk")) if matched else []


# what a check-in shows and writes of the person: built once, filtered per request (one clone instead of five)
_PEOPLE = Participant.objects.select_related("unit").only("course_id", "full_name", "erased_at", "unit__name")


def identify(course_id: int, identity: Identity) -> Participant:
    """The one participant of the course ``identity`` names (see the module's note). Raises :class:`NotIdentified`.
    One query: a phone number or e-mail is looked up in the course's kept list (``checkin_cache.contacts``) and the
    person read by id; a name is compared among the people of the unit chosen."""
    problem = identity.problem()
    if problem is not None:
        raise problem
    people = _PEOPLE.filter(course_id=course_id, erased_at__isnull=True).order_by()
    if identity.contact:
        digits = phone_digits(identity.contact)
        kept = contacts(course_id, phone_digits).get(contact_key(identity.contact, digits))
        found = list(_PEOPLE.filter(pk__in=kept[:2], course_id=course_id, erased_at__isnull=True)) if kept else []
        if not found and "@" in identity.contact:  # not in the kept list: added since, by a write it did not see
            found = list(people.filter(email__iexact=identity.contact)[:2])
        elif not found:
            found = with_phone(people, identity.contact)
        what = (_("e-mail «%(value)s»") if "@" in identity.contact else _("số điện thoại «%(value)s»")) % {
            "value": identity.contact}
    else:
        wanted = folded_name(identity.name)
        found = [p for p in people.filter(unit_id=identity.unit_id) if folded_name(p.full_name) == wanted][:2]
        what = _("họ tên «%(value)s» ở đơn vị đã chọn") % {"value": identity.name}
    if len(found) == 1:
        return found[0]
    if found:
        raise NotIdentified(_("Có nhiều hơn một người đăng ký với %(what)s. Nhờ ban tổ chức điểm danh giúp bạn.")
                            % {"what": what}, "name" if identity.name and not identity.contact else "contact")
    raise NotIdentified(_("Không tìm thấy học viên đã đăng ký khoá này với %(what)s. Kiểm tra lại (số điện thoại, "
                          "e-mail đúng như khi đăng ký; họ tên đầy đủ), hoặc thử cách còn lại.") % {"what": what},
                        "name" if identity.name and not identity.contact else "contact")


# --- abuse --------------------------------------------------------------------------------------------------------

class Throttle:
    """At most ``limit`` events of one kind per client address and code within ``window`` seconds, counted in the
    cache (a fixed window from the first event). Cheap: one ``get`` to ask, one ``add`` and one ``incr`` to count."""

    def __init__(self, kind: str, limit_setting: str, default_limit: int):
        self.kind, self.limit_setting, self.default_limit = kind, limit_setting, default_limit

    @property
    def limit(self) -> int:
        return int(getattr(settings, self.limit_setting, self.default_limit))

    @property
    def window(self) -> int:
        return int(getattr(settings, "TRAINING_PUBLIC_WINDOW_SECONDS", 15 * 60))

    def _key(self, request, code: str) -> str:
        return f"training:{self.kind}:{code}:{request.META.get('REMOTE_ADDR', '')}"

    def blocked(self, request, code: str) -> bool:
        return (cache.get(self._key(request, code)) or 0) >= self.limit

    def count(self, request, code: str) -> None:
        key = self._key(request, code)
        if not cache.add(key, 1, self.window):
            try:
                cache.incr(key)
            except ValueError:  # expired between the two calls
                cache.set(key, 1, self.window)

    def message(self) -> str:
        return _("Đã thử quá nhiều lần từ thiết bị hoặc mạng này. Chờ khoảng %(minutes)s phút rồi thử lại, hoặc nhờ "
                 "ban tổ chức giúp.") % {"minutes": max(1, self.window // 60)}


MISSES = Throttle("miss", "TRAINING_PUBLIC_MAX_MISSES", 30)  # failed identifications (check-in, evaluation)


# --- check-in -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckIn:
    recorded_at: dt.datetime  # when the person's row was recorded
    created: bool  # False: the person had already checked in (or was on the roll) for this session


def check_in(page: Page, participant: Participant) -> CheckIn:
    """Record ``participant`` present in person at ``page``'s session (method QR, at the course's main bridge point),
    audited; an existing row for them and the session is left as it is (the insert is tried first: a person checks
    in once, so the row is seldom there; the unique constraint says when it is). Raises ``PermissionDenied`` when
    check-in is closed or the person is not of the session's course."""
    if not page.checkin_open:
        raise PermissionDenied(_("Buổi học này đang đóng điểm danh."))
    if participant.course_id != page.course_id or participant.erased_at is not None:
        raise PermissionDenied(_("Người này không phải học viên của khoá."))
    try:
        with _one_writer(), transaction.atomic():
            attendance = Attendance.objects.create(
                session=page.session(), participant=participant, mode=AttendanceMode.IN_PERSON,
                method=AttendanceMethod.QR, bridge_point_id=page.main_point_id)
            record("create", attendance, actor=PUBLIC_ACTOR, after=attendance_after(attendance),
                   note=f"Điểm danh QR, buổi {page.pk}")
    except IntegrityError:  # checked in already (by QR, at the roll call, a moment ago from another phone)
        return CheckIn(Attendance.objects.filter(session_id=page.pk, participant=participant)
                       .values_list("recorded_at", flat=True).get(), False)
    return CheckIn(attendance.recorded_at, True)


_WRITER = threading.Lock()


@contextlib.contextmanager
def _one_writer():
    """On SQLite, one check-in write at a time per process. SQLite has one writer at a time anyway; without this a
    room of phones served by waitress's threads would each start a write transaction and poll SQLite's busy handler,
    which sleeps in growing steps (up to 100 ms) — measured: 76 posts/s with 8 connections. Queued on a Python lock
    they take turns as soon as the writer commits. PostgreSQL takes concurrent writers: no lock there."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with _WRITER:
        yield


def attendance_after(attendance: Attendance) -> dict:
    """An attendance row for the audit: ids and how it was recorded, no personal data."""
    return {"session": attendance.session_id, "participant": attendance.participant_id, "mode": attendance.mode,
            "method": attendance.method, "bridge_point": attendance.bridge_point_id}


# --- the organiser's switches -------------------------------------------------------------------------------------

def require_organiser(user, course: Course) -> None:
    """Raise ``PermissionDenied`` unless ``user`` organises ``course`` (``scope.may_organise``)."""
    if not scope.may_organise(user, course):
        raise PermissionDenied(_("Chỉ ban tổ chức của khoá mới làm được việc này."))


def unique_code(model, field: str) -> str:
    """A fresh random code not yet used in ``model.field``."""
    while True:
        code = new_code()
        if not model.objects.filter(**{field: code}).exists():
            return code


@transaction.atomic
def set_switch(user, obj: Session | Course, field: str, value: bool) -> bool:
    """Open or close one of the public pages (``checkin_open`` of a session, ``registration_open`` or
    ``evaluation_open`` of a course) as the course's organiser, audited. False when it already was so."""
    require_organiser(user, obj if isinstance(obj, Course) else obj.course)
    locked = type(obj).objects.select_for_update().get(pk=obj.pk)
    if getattr(locked, field) == value:
        return False
    record("update", locked, before={field: not value}, after={field: value}, user=user)
    type(obj).objects.filter(pk=obj.pk).update(**{field: value})
    forget_course(obj.pk if isinstance(obj, Course) else obj.course_id)
    setattr(obj, field, value)
    return True


@transaction.atomic
def renew_code(user, obj: Session | Course, field: str) -> str:
    """Draw a new code for a public page (``checkin_code``, ``registration_code``, ``evaluation_code``): the old
    address and its QR code stop working. Audited; returns the new code."""
    require_organiser(user, obj if isinstance(obj, Course) else obj.course)
    code = unique_code(type(obj), field)
    record("update", obj, before={field: getattr(obj, field)}, after={field: code}, user=user)
    type(obj).objects.filter(pk=obj.pk).update(**{field: code})
    forget_course(obj.pk if isinstance(obj, Course) else obj.course_id)
    setattr(obj, field, code)
    return code


# --- QR codes -----------------------------------------------------------------------------------------------------

def qr_svg(url: str, title: str = "") -> str:
    """The QR code of ``url`` as an inline ``<svg>`` (no script, no style attribute: the Content-Security-Policy
    allows it), sized by CSS (``viewBox``). Error correction M: a printed poster survives a crease."""
    return segno.make(url, error="m", micro=False).svg_inline(scale=4, omitsize=True, title=title or None,
                                                              svgclass="qr", lineclass="qr-modules")


def qr_png(url: str, scale: int = 8) -> bytes:
    """The QR code of ``url`` as PNG bytes (for a PDF)."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()

