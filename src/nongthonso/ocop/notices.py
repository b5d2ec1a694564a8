"""Who is told of an OCOP dossier's step, and of a certificate about to expire.

**A step** (``workflow.step_taken``, in the step's transaction): the users who may take the steps that move the
dossier on from its new state and stage — the producer's accounts for a step they take (submit again after a
return), the offices whose role and level the step names over the product's commune (``notifications.services
.actors``) — and the producer's accounts when the dossier is sent back, decided or not recognised. Whoever took the
step is not told of it.

**Expiry** (``send_expiry_notices``, run daily by ``nongthonso ocop_notices``): each certificate in force whose
validity ends within 30 days and that has not been noticed yet — the producer's accounts and the offices rating
OCOP at its issuing level (the province for a central 5★ certificate; the province too when no district office
is left, after 1/7/2025) are told, once: the certificate is claimed by a conditional update of
``expiry_notice_sent_at`` (only one of two concurrent runs gets it), and the notices are written in the same
transaction. Notifications are audited; e-mails go after the commit (``notifications.services.send_emails``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from nongthonso.accounts.services import roles_for
from nongthonso.audit.services import record
from nongthonso.core import registry
from nongthonso.core.text import format_date
from nongthonso.notifications.models import Notification
from nongthonso.notifications.services import actors, claim_each, send_emails

from . import workflow
from .models import Certificate, Rating, RatingEvent, RatingState
from .scope import RATE

NOTICE_DAYS = 30  # the issuing body notifies the producer at least 30 days before the 36 months run out
EXPIRY = "ocop_expiry"
_TOLD_PRODUCER = (RatingState.RETURNED, RatingState.CERTIFIED, RatingState.NOT_RECOGNISED)


@dataclass(frozen=True)
class _Offices:
    """(role, level) pairs: whoever holds one over a unit (what ``notifications.services.actors`` reads)."""

    actors: tuple[tuple[str, str], ...]


def _producers(rating_or_product) -> list:
    product = getattr(rating_or_product, "product", rating_or_product)
    return list(product.producer.members.filter(is_active=True).order_by("username"))


def _write(recipients: dict, *, link: str, verb: str, text_for, actor=None, note_extra: dict | None = None) -> list:
    written = []
    for user, detail in recipients.items():
        notification = Notification.objects.create(recipient=user, link=link, verb=verb, text=text_for(detail))
        record("create", notification, after={"recipient": user.get_username(), "verb": verb, **(note_extra or {})},
               user=actor, note=notification.first_line)
        written.append(notification)
    if written:
        transaction.on_commit(partial(send_emails, [n.pk for n in written]), robust=True)
    return written


def _when(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%H:%M} {local.day}/{local.month}/{local.year}"


def step_text(rating: Rating, event: RatingEvent, next_step) -> str:
    here = workflow.position(rating)
    lines = [f"{workflow.LABELS.get(event.action, event.action)}: {workflow.dossier_phrase(rating)} "
             f"(chủ thể «{rating.product.producer.name}»).",
             f"Người thực hiện: {event.actor_role or 'quản trị hệ thống'} ({event.actor_name}), lúc "
             f"{_when(event.timestamp)}."]
    if event.reason:
        lines.append(f"Lý do: «{event.reason}».")
    certificate = (event.details or {}).get("certificate")
    if certificate:
        lines.append(f"Công nhận {certificate['stars']} sao, quyết định {certificate['number']} ngày "
                     f"{format_date(dt.date.fromisoformat(certificate['date']))}, hiệu lực đến "
                     f"{format_date(dt.date.fromisoformat(certificate['valid_until']))}.")
    state = f"Trạng thái hồ sơ: {here.state_label}."
    lines.append(f"{state} Việc tiếp theo của bạn: {next_step.label}." if next_step is not None else state)
    return "\n".join(lines)


def step_recipients(rating: Rating, event: RatingEvent) -> dict:
    """{user: the step now theirs (None: told as the producer)} for the step ``event`` took."""
    here = workflow.position(rating)
    found: dict = {}
    for step in here.definition.steps:
        if not step.applies(here.state, here.stage) or step.needs_reason:
            continue
        if step.producer:
            for user in _producers(rating):
                found.setdefault(user, step)
        if step.actors:
            for user in actors(step, rating.product.unit):
                found.setdefault(user, step)
    if rating.state in _TOLD_PRODUCER:
        for user in _producers(rating):
            found.setdefault(user, None)
    found.pop(event.actor, None)
    return found


@receiver(workflow.step_taken)
def tell_step(sender, rating: Rating, event: RatingEvent, **kwargs) -> list[Notification]:
    """Tell the next actors (and the producer) of the step ``event`` took, in the step's transaction."""
    return _write(step_recipients(rating, event), link=reverse("ocop_rating", args=[rating.pk]), verb=event.action,
                  text_for=partial(step_text, rating, event), actor=event.actor,
                  note_extra={"ocop_rating": rating.pk, "event": event.pk})


# --------------------------------------------------------------------------------------- expiry

def rating_offices(level: str) -> _Offices:
    """The (role, level) pairs of the roles rating OCOP (``rate_ocop``) granted at ``level`` (the centre's
    certificates: the province's)."""
    level = "tinh" if level == "trung_uong" else level
    pairs = tuple((role, level) for role in roles_for(RATE)
                  if level in (registry.get(registry.Role, role).levels or (level,)))
    return _Offices(pairs)


def expiry_recipients(certificate: Certificate, today: dt.date) -> list:
    unit = certificate.product.unit
    offices = actors(rating_offices(certificate.issuing_level), unit, today)
    if not offices and certificate.issuing_level != "tinh":
        offices = actors(rating_offices("tinh"), unit, today)
    return list(dict.fromkeys([*_producers(certificate.product), *offices]))


def expiry_text(certificate: Certificate, today: dt.date) -> str:
    product = certificate.product
    days = (certificate.valid_until - today).days
    return "\n".join((
        f"Giấy chứng nhận OCOP sắp hết hạn: sản phẩm «{product.name}» (chủ thể «{product.producer.name}»).",
        f"Công nhận {certificate.stars} sao theo quyết định {certificate.decision_number} ngày "
        f"{format_date(certificate.decision_date)} của {certificate.issuing_authority or 'cơ quan có thẩm quyền'}; "
        f"hiệu lực đến {format_date(certificate.valid_until)} (còn {days} ngày).",
        "Để tiếp tục sử dụng nhãn OCOP, chủ thể lập hồ sơ đánh giá lại (phiếu đăng ký, báo cáo tự đánh giá kết quả "
        "3 năm) trước ngày hết hạn.",
    ))


def _expiry_link(certificate: Certificate) -> str:
    return f"{reverse('ocop_rating_new')}?san-pham={certificate.product_id}"


def due(today: dt.date, within: int = NOTICE_DAYS):
    """The certificates in force on ``today``, ending within ``within`` days, not noticed yet."""
    return (Certificate.objects.in_force_on(today)
            .filter(valid_until__lte=today + dt.timedelta(days=within), expiry_notice_sent_at__isnull=True))


def send_expiry_notices(today: dt.date | None = None, within: int = NOTICE_DAYS) -> list[Certificate]:
    """Notice each certificate ``due`` once; returns those noticed by this run (concurrent runs share them out)."""
    today = today or timezone.localdate()
    noticed = []
    for certificate in claim_each(due(today, within).order_by("valid_until", "pk"), "expiry_notice_sent_at",
                                  actor="ocop_notices", related=("product__producer", "product__unit"),
                                  note=lambda c: f"Báo sắp hết hạn ngày {format_date(c.valid_until)}"):
        recipients = {user: None for user in expiry_recipients(certificate, today)}
        _write(recipients, link=_expiry_link(certificate), verb=EXPIRY, actor=None,
               text_for=lambda _detail, c=certificate: expiry_text(c, today),
               note_extra={"ocop_certificate": certificate.pk})
        noticed.append(certificate)
    return noticed
