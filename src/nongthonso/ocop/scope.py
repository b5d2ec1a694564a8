"""Who may see and do what in OCOP, as querysets (the permission checks live here, not in the views).

- **Offices** see the producers, products and rating dossiers of the units in their scope (``view_ocop``: every NTM
  role), manage producers and products there (``manage_ocop``), pre-assess (``preassess_ocop``: a commune officer)
  and rate (``rate_ocop``: the province office, and a district office under the three-tier workflow).
- A **producer's account** (``Producer.members``) sees and edits its own producers' products and dossiers only.
- A **council member's account** (``CouncilMember.user``) enters its own scores in the rounds of its council.

Out of scope is «not found» (404), as for dossiers: a user does not learn that a product exists elsewhere. The public
catalogue (``ocop.public``) shows certified products only, and is not scoped.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from nongthonso.accounts.services import _active, scope_paths, within

from .apps import MANAGE, PRE_ASSESS, RATE, VIEW
from .models import Council, Producer, Product, Rating, Registration


def _or(queryset: QuerySet, condition: Q | None, extra: Q | None = None) -> QuerySet:
    if condition is None:
        return queryset
    return queryset.filter(condition | extra if extra is not None else condition)


def producers(user, action: str = VIEW) -> QuerySet[Producer]:
    """The producers ``user`` may see (``view_ocop``) or manage (``manage_ocop``): those of the units in scope, and
    their own."""
    if not _active(user):
        return Producer.objects.none()
    return _or(Producer.objects.all(), within(user, action, "unit__path"), Q(members=user)).distinct()


def products(user, action: str = VIEW) -> QuerySet[Product]:
    """The products ``user`` may see or manage: of the units in scope (the product's commune or its producer's), and
    their own producers'."""
    if not _active(user):
        return Product.objects.none()
    unit = within(user, action, "unit__path")
    if unit is None:
        return Product.objects.all()
    producer = within(user, action, "producer__unit__path")
    mine = Product.objects.filter(producer__members=user).values("pk")
    return Product.objects.filter(unit | producer | Q(pk__in=mine))


def registrations(user, action: str = VIEW) -> QuerySet[Registration]:
    """The registrations of the annual cycle (ideas, business plans) ``user`` may see or manage: those received by
    the communes in scope, and their own producers'."""
    if not _active(user):
        return Registration.objects.none()
    return _or(Registration.objects.all(), within(user, action, "unit__path"), Q(producer__members=user)).distinct()


def ratings(user, action: str = VIEW) -> QuerySet[Rating]:
    """The rating dossiers ``user`` may see (or act on with ``action``): those of the products in scope, and for a
    council member, those before their council."""
    if not _active(user):
        return Rating.objects.none()
    unit = within(user, action, "product__unit__path")
    if unit is None:
        return Rating.objects.all()
    mine = Q(product__producer__members=user) if action == VIEW else Q(pk__in=[])
    seats = Q(evaluations__round__council__members__user=user)
    return Rating.objects.filter(unit | mine | seats).distinct()


def councils(user, action: str = RATE) -> QuerySet[Council]:
    """The councils ``user`` may set up and run (``rate_ocop`` on the council's unit), or sees (``view_ocop``)."""
    if not _active(user):
        return Council.objects.none()
    return _or(Council.objects.all(), within(user, action, "unit__path"), Q(members__user=user)).distinct()


def may(user, action: str, obj) -> bool:
    """Whether ``user`` may do ``action`` on a product or a rating dossier."""
    if isinstance(obj, Product):
        return products(user, action).filter(pk=obj.pk).exists()
    if isinstance(obj, Rating):
        return ratings(user, action).filter(pk=obj.pk).exists()
    raise TypeError(f"no OCOP scope for {type(obj).__name__}")


def may_view(user) -> bool:
    return _active(user) and (scope_paths(user, VIEW) != [] or Producer.objects.filter(members=user).exists())


__all__ = ["MANAGE", "PRE_ASSESS", "RATE", "VIEW", "councils", "may", "may_view", "producers", "products",
           "ratings", "registrations"]
