"""Certifications of a co-operative (VietGAP, organic, food safety, OCOP …): the audited writes, the scan checked by
content, the OCOP products a certification may name, and the expiry notices.

**OCOP link.** A certification may name an OCOP product of the co-operative's own OCOP producer(s): the producers
whose ``Producer.cooperative_key`` equals the co-operative's ``registration_code`` (``ocop_products``).

**Scan.** A PDF, PNG or JPEG up to ``MAX_SCAN_BYTES``, checked by its content (``core.filetypes``); stored under a
random name and served only to whoever may see the co-operative (``views_plots.certification_scan``).

**Expiry notices** (``send_expiry_notices``, run daily by ``nongthonso coops_notices``): each certification whose
``valid_until`` falls within ``NOTICE_DAYS`` (30) days and that is still valid is noticed once: it is claimed by a
conditional update of ``expiry_notice_sent_at`` (of two concurrent runs only one gets it); the co-operative's
managers and the offices managing co-operatives over its commune get an in-app notification, and an e-mail after the
commit (``notifications.services.send_emails``). Renewing the certification (a new ``valid_until``) clears the claim.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from nongthonso.accounts.services import roles_for
from nongthonso.audit.services import record
from nongthonso.core import filetypes, registry
from nongthonso.core.text import format_date
from nongthonso.notifications.models import Notification
from nongthonso.notifications.services import actors, claim_each, send_emails
from nongthonso.ocop.models import Product

from .apps import MANAGE
from .models import Certification, Cooperative
from .plots import check_managed

NOTICE_DAYS = 30
EXPIRY = "coops_certification_expiry"
MAX_SCAN_BYTES = 10 * filetypes.MB
SCAN_KINDS = (filetypes.PDF, filetypes.PNG, filetypes.JPEG)
FIELDS = ("kind", "number", "certifier", "scope", "ocop_product", "issued_on", "valid_until")


def ocop_products(cooperative: Cooperative):
    """The OCOP products of the co-operative's producers (``Producer.cooperative_key == registration_code``)."""
    return (Product.objects.filter(producer__cooperative_key=cooperative.registration_code)
            .select_related("producer").order_by("name", "pk"))


def check_scan(upload: UploadedFile) -> filetypes.Kind:
    """The scan's kind, by content; ``filetypes.FileRejected`` (Vietnamese) otherwise."""
    return filetypes.check(upload, SCAN_KINDS, MAX_SCAN_BYTES,
                           advice="Chụp hoặc quét giấy chứng nhận thành tệp PDF, PNG hoặc JPEG rồi tải lại.")


def snapshot(certification: Certification) -> dict:
    return {"kind": certification.kind, "number": certification.number, "certifier": certification.certifier,
            "scope": certification.scope, "ocop_product": certification.ocop_product_id,
            "issued_on": certification.issued_on.isoformat() if certification.issued_on else None,
            "valid_until": certification.valid_until.isoformat() if certification.valid_until else None,
            "plots": sorted(certification.plots.values_list("code", flat=True)) if certification.pk else [],
            "scan": certification.scan.name or ""}


def save_certification(cooperative: Cooperative, values: dict, *, user=None,
                       certification: Certification | None = None, scan: UploadedFile | None = None,
                       check: bool = True) -> Certification:
    """Create or update a certification from cleaned ``values`` (``plots``: plots of this co-operative); the scan,
    when given, already checked by ``check_scan``. Audited."""
    if check:
        check_managed(user, cooperative)
    with transaction.atomic():
        if certification is None:
            certification, before = Certification(cooperative=cooperative), None
        else:
            certification = Certification.objects.select_for_update().get(pk=certification.pk,
                                                                          cooperative=cooperative)
            before = snapshot(certification)
        old_until = certification.valid_until
        for name in FIELDS:
            if name in values:
                setattr(certification, name, values[name])
        if before is not None and certification.valid_until != old_until:
            certification.expiry_notice_sent_at = None  # renewed: notice again before the new date
        if scan is not None:
            kind = check_scan(scan)
            certification.scan.save(f"scan{kind.extension}", scan, save=False)
        certification.save()
        if "plots" in values:
            certification.plots.set(values["plots"])
        record("create" if before is None else "update", certification, before=before,
               after=snapshot(certification), user=user, note=f"{certification} của {cooperative.name}")
    return certification


# --------------------------------------------------------------------------------------- expiry

class _Offices:
    """(role, level) pairs of the roles managing co-operatives (what ``notifications.services.actors`` reads)."""

    def __init__(self):
        self.actors = tuple((role, level) for role in roles_for(MANAGE)
                            for level in (registry.get(registry.Role, role).levels or ()))


def due(today: dt.date, within: int = NOTICE_DAYS):
    """Certifications still valid on ``today``, ending within ``within`` days, not noticed yet."""
    return Certification.objects.filter(valid_until__gte=today, valid_until__lte=today + dt.timedelta(days=within),
                                        expiry_notice_sent_at__isnull=True, cooperative__ceased_on__isnull=True)


def expiry_recipients(certification: Certification, today: dt.date) -> list:
    cooperative = certification.cooperative
    managers = list(cooperative.managers.filter(is_active=True).order_by("username"))
    return list(dict.fromkeys([*managers, *actors(_Offices(), cooperative.unit, today)]))


def expiry_text(certification: Certification, today: dt.date) -> str:
    cooperative = certification.cooperative
    days = (certification.valid_until - today).days
    plots = ", ".join(certification.plots.order_by("code").values_list("code", flat=True))
    return "\n".join(filter(None, (
        f"Chứng nhận {certification.get_kind_display()} số {certification.number} của hợp tác xã "
        f"«{cooperative.name}» sắp hết hạn: hiệu lực đến {format_date(certification.valid_until)} (còn {days} ngày).",
        f"Tổ chức chứng nhận: {certification.certifier}." if certification.certifier else "",
        f"Thửa được chứng nhận: {plots}." if plots else "",
        "Liên hệ tổ chức chứng nhận để đánh giá lại trước ngày hết hạn, rồi cập nhật ngày hiệu lực mới.",
    )))


def send_expiry_notices(today: dt.date | None = None, within: int = NOTICE_DAYS) -> list[Certification]:
    """Notice each certification ``due`` once; returns those noticed by this run."""
    today = today or timezone.localdate()
    noticed = []
    for certification in claim_each(due(today, within).order_by("valid_until", "pk"), "expiry_notice_sent_at",
                                    actor="coops_notices", related=("cooperative__unit",),
                                    note=lambda c: f"Báo sắp hết hạn ngày {format_date(c.valid_until)}"):
        link = reverse("coops_certifications", args=[certification.cooperative_id])
        text = expiry_text(certification, today)
        written = []
        for user in expiry_recipients(certification, today):
            notification = Notification.objects.create(recipient=user, link=link, verb=EXPIRY, text=text)
            record("create", notification, after={"recipient": user.get_username(), "verb": EXPIRY,
                                                  "coops_certification": certification.pk},
                   note=notification.first_line)
            written.append(notification.pk)
        if written:
            transaction.on_commit(partial(send_emails, written), robust=True)
        noticed.append(certification)
    return noticed
