"""Certificates of completion: who may have one, issuing, revoking, and what the public verification page says.

**The rule.** A participant is eligible when they attended at least ``Course.certificate_share`` per cent (80 by
default, set per course by the organiser) of the course's sessions — counted from their ``Attendance`` rows, whatever
the way each was recorded (QR, roll call, a video platform's report). A course without sessions certifies nobody; a
participant whose details were erased is not given a new certificate (there is no name to print).

**Issuing** gives each eligible participant without one a certificate: a number («0001/2023/GCN-7»: the running
number within the course, the year issued, the course's id — unique across courses) and a random verification code,
the address of its public page (``/xac-minh-chung-nhan/<code>/``) that the PDF's QR code carries. **Revoking** keeps
the certificate, with the date and a reason; the public page then says it was revoked and when (not why). Every
write is audited.

**The public page** shows only what the certificate itself shows: the name, the course, its dates, the number — no
contact data, no unit. For a participant whose details were erased it says «Đã xoá thông tin cá nhân».
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from nongthonso.audit.services import record

from .checkin import require_organiser
from .models import Attendance, Certificate, Course, Participant, Session, in_name_order

ERASED = "Đã xoá thông tin cá nhân"
MAX_REASON = Certificate._meta.get_field("revoked_reason").max_length


class CertificateRefused(ValueError):
    """Field → message (Vietnamese): what cannot be done and how to fix it."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class Row:
    """A participant of the course, for the certificates page."""

    participant: Participant
    attended: int  # sessions with an attendance row
    sessions: int  # the course's sessions
    share: int  # the course's rule, per cent
    certificate: Certificate | None

    @property
    def erased(self) -> bool:
        return self.participant.erased_at is not None

    @property
    def attended_share(self) -> float | None:
        return 100 * self.attended / self.sessions if self.sessions else None

    @property
    def eligible(self) -> bool:
        return not self.erased and self.sessions > 0 and self.attended * 100 >= self.share * self.sessions


def rows(course: Course) -> list[Row]:
    """Every participant of ``course`` with the sessions they attended and their certificate. Four queries."""
    sessions = Session.objects.filter(course=course).count()
    attended = dict(Attendance.objects.filter(session__course=course).values("participant_id")
                    .annotate(n=Count("session_id", distinct=True)).values_list("participant_id", "n"))
    certificates = {c.participant_id: c for c in Certificate.objects.filter(participant__course=course)}
    return [Row(p, attended.get(p.pk, 0), sessions, course.certificate_share, certificates.get(p.pk))
            for p in in_name_order(Participant.objects.filter(course=course).select_related("unit"))]


@transaction.atomic
def set_share(user, course: Course, share: int | None) -> bool:
    """Set the share of sessions a certificate needs (1–100 %), audited; False when unchanged."""
    require_organiser(user, course)
    if share is None or not 1 <= share <= 100:
        raise CertificateRefused({"share": _("Tỷ lệ buổi tối thiểu phải là số nguyên từ 1 đến 100 (%), ví dụ 80.")})
    if share == course.certificate_share:
        return False
    record("update", course, before={"certificate_share": course.certificate_share},
           after={"certificate_share": share}, user=user)
    Course.objects.filter(pk=course.pk).update(certificate_share=share)
    course.certificate_share = share
    return True


def _number(course: Course, n: int, on: dt.date) -> str:
    return f"{n:04d}/{on.year}/GCN-{course.pk}"


def _after(c: Certificate) -> dict:
    return {"participant": c.participant_id, "number": c.number, "issued_on": c.issued_on.isoformat(),
            "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None, "revoked_reason": c.revoked_reason}


@transaction.atomic
def issue(user, course: Course, on: dt.date | None = None) -> list[Certificate]:
    """Give every eligible participant of ``course`` who has no certificate one, dated ``on`` (today), numbered in
    turn; audited. Returns those issued (none: nobody new is eligible)."""
    require_organiser(user, course)
    course = Course.objects.select_for_update().get(pk=course.pk)  # numbers are drawn one issue at a time
    on = on or timezone.localdate()
    n = Certificate.objects.filter(participant__course=course).count()
    taken = set(Certificate.objects.filter(participant__course=course).values_list("number", flat=True))
    issued = []
    for row in rows(course):
        if row.certificate is not None or not row.eligible:
            continue
        n += 1
        while _number(course, n, on) in taken:
            n += 1
        certificate = Certificate.objects.create(participant=row.participant, number=_number(course, n, on),
                                                 issued_on=on, issued_by=user)
        record("create", certificate, after=_after(certificate), user=user)
        issued.append(certificate)
    return issued


@transaction.atomic
def revoke(user, certificate: Certificate, reason: str) -> Certificate:
    """Revoke ``certificate`` with ``reason`` (kept, audited; not shown publicly). Raises
    :class:`CertificateRefused` without a reason or when it is revoked already."""
    certificate = Certificate.objects.select_for_update().select_related("participant__course").get(pk=certificate.pk)
    require_organiser(user, certificate.participant.course)
    reason = " ".join((reason or "").split())
    if certificate.revoked_at is not None:
        raise CertificateRefused({"reason": _("Giấy chứng nhận số %(number)s đã bị thu hồi ngày %(date)s.") % {
            "number": certificate.number, "date": timezone.localtime(certificate.revoked_at).strftime("%d/%m/%Y")}})
    if not reason:
        raise CertificateRefused({"reason": _("Ghi lý do thu hồi giấy chứng nhận số %(number)s, ví dụ «cấp nhầm "
                                              "người» hoặc «số buổi tham dự ghi sai».") % {
            "number": certificate.number}})
    if len(reason) > MAX_REASON:
        raise CertificateRefused({"reason": _("Lý do dài quá %(max)s ký tự; rút gọn lại.") % {"max": MAX_REASON}})
    before = _after(certificate)
    certificate.revoked_at, certificate.revoked_reason = timezone.now(), reason
    certificate.save(update_fields=["revoked_at", "revoked_reason"])
    record("update", certificate, before=before, after=_after(certificate), user=user)
    return certificate


def for_pdf(certificate: Certificate) -> Certificate:
    """A certificate may be printed while valid and while its holder's details are kept."""
    if certificate.revoked_at is not None:
        raise PermissionDenied(_("Giấy chứng nhận số %(number)s đã bị thu hồi; không in được.") % {
            "number": certificate.number})
    if certificate.participant.erased_at is not None:
        raise PermissionDenied(_("Thông tin cá nhân của người được cấp giấy số %(number)s đã bị xoá; không in được.")
                               % {"number": certificate.number})
    return certificate


# --- the public check ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    """What the public page says about a code."""

    state: str  # "valid", "revoked" or "unknown"
    name: str = ""
    course: str = ""
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    number: str = ""
    issued_on: dt.date | None = None
    revoked_on: dt.date | None = None


def verify(code: str) -> Verification:
    """The certificate ``code`` verifies, with only what the certificate shows. One query."""
    found = (Certificate.objects.select_related("participant__course").filter(code=code[:24]).first()
             if code else None)
    if found is None:
        return Verification("unknown")
    person, course = found.participant, found.participant.course
    return Verification(
        "revoked" if found.revoked_at else "valid",
        name=ERASED if person.erased_at is not None else person.full_name, course=course.title,
        starts_on=course.starts_on, ends_on=course.ends_on, number=found.number, issued_on=found.issued_on,
        revoked_on=timezone.localtime(found.revoked_at).date() if found.revoked_at else None)
