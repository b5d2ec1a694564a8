"""A product's OCOP status on any date, from its certificates alone (the time-first design of recognition): the
stars of the certificate in force on that date (decided on or before it, not past ``valid_until``, not revoked by
then); when several are in force (a re-rating to more stars before the old one ran out), the latest decision's.

    stars_on(products, day)        {product id: (stars, certificate)} for the products certified on ``day``
    certified_on(day)              a queryset of the products certified on ``day``
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, QuerySet

from .models import Certificate, Product


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
