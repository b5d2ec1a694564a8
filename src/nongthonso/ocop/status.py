"""A product's OCOP status on any date, from its certificates alone (the time-first design of recognition): the
stars of the certificate in force on that date (decided on or before it, not past ``valid_until``, not revoked by
then); when several are in force (a re-rating to more stars before the old one ran out), the latest decision's.

    stars_on(products, day)            {product id: (stars, certificate)} for the products certified on ``day``
    certified_on(day)                  a queryset of the products certified on ``day``
    certificate_status(certificate, day)   one certificate's status on ``day`` (``Status``), for one already loaded
                                       — the rule of ``CertificateQuerySet.in_force_on`` in Python; the dossier page,
                                       the public catalogue, the exports and the API all read it from here
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from nongthonso.core.text import format_date

from .models import Certificate, Product

# a certificate's status on a date: the open data's code, the API's key, the label of pages and exports
IN_FORCE, EXPIRED, REVOKED, NOT_YET = "con_hieu_luc", "het_han", "thu_hoi", "chua_hieu_luc"
KEYS = {IN_FORCE: "in_force", EXPIRED: "expired", REVOKED: "revoked", NOT_YET: "not_yet"}
LABELS = {IN_FORCE: "Còn hiệu lực", EXPIRED: "Hết hiệu lực", REVOKED: "Đã thu hồi", NOT_YET: "Chưa có hiệu lực"}


@dataclass(frozen=True)
class Status:
    """``code`` (con_hieu_luc, het_han, thu_hoi, chua_hieu_luc), ``key`` (the API's in_force, expired, revoked,
    not_yet), ``label`` («Còn hiệu lực»), ``text`` with its date («Còn hiệu lực đến 14/8/2028», «Hết hiệu lực từ …»,
    «Đã thu hồi từ …», «Có hiệu lực từ …») and ``day``, the date in that text."""

    code: str
    text: str
    day: dt.date

    @property
    def key(self) -> str:
        return KEYS[self.code]

    @property
    def label(self) -> str:
        return LABELS[self.code]

    @property
    def in_force(self) -> bool:
        return self.code == IN_FORCE


def certificate_status(certificate: Certificate, day: dt.date) -> Status:
    """The status of ``certificate`` on ``day``: revoked once the revocation date is reached, not yet in force
    before its decision, in force through ``valid_until``, expired after."""
    if certificate.revoked_on is not None and certificate.revoked_on <= day:
        return Status(REVOKED, f"Đã thu hồi từ {format_date(certificate.revoked_on)}", certificate.revoked_on)
    if day < certificate.decision_date:
        return Status(NOT_YET, f"Có hiệu lực từ {format_date(certificate.decision_date)}", certificate.decision_date)
    if day > certificate.valid_until:
        ended = certificate.valid_until + dt.timedelta(days=1)
        return Status(EXPIRED, f"Hết hiệu lực từ {format_date(ended)}", ended)
    return Status(IN_FORCE, f"Còn hiệu lực đến {format_date(certificate.valid_until)}", certificate.valid_until)


def in_force(day: dt.date) -> QuerySet[Certificate]:
    return Certificate.objects.in_force_on(day)


def stars_on(product_ids: Iterable[int] | None, day: dt.date) -> dict[int, tuple[int, Certificate]]:
    """The stars each product holds on ``day`` and the certificate that gives them (products without one left out);
    ``product_ids`` None: every product."""
    certificates = in_force(day)
    if product_ids is not None:
        certificates = certificates.filter(product_id__in=list(product_ids))
    held: dict[int, tuple[int, Certificate]] = {}
    for certificate in certificates.order_by("product_id", "decision_date", "pk"):
        held[certificate.product_id] = (certificate.stars, certificate)  # the latest decision wins
    return held


def certified_on(day: dt.date, products: QuerySet[Product] | None = None) -> QuerySet[Product]:
    """The products holding a certificate in force on ``day``."""
    products = Product.objects.all() if products is None else products
    return products.filter(Exists(in_force(day).filter(product=OuterRef("pk"))))
