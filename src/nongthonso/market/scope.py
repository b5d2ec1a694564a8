"""Who may post, edit and see the contacts of listings on the supply–demand board, as querysets.

- A **party** posts for itself: a co-operative it manages (``coops.scope.managed``: its managers, and the offices
  with ``manage_coops`` over its unit), an OCOP producer it is a member of (or manages: ``ocop.scope.producers``
  with ``manage_ocop``), a registered buyer it belongs to (``Buyer.users``) or, for an office with ``manage_coops``,
  a buyer of a unit in scope.
- **Contacts** show to the listing's own party, to the parties of the listings it matched, and to offices with
  ``view_market`` over the listing's place. The public board never shows them.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from nongthonso.accounts.services import scope_paths, under
from nongthonso.coops import scope as coops_scope
from nongthonso.coops.apps import MANAGE as MANAGE_COOPS
from nongthonso.ocop import scope as ocop_scope
from nongthonso.ocop.apps import MANAGE as MANAGE_OCOP
from nongthonso.ocop.models import Producer

from .apps import VIEW
from .models import Buyer, Listing, ListingStatus, Match


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def buyers(user) -> QuerySet[Buyer]:
    """The buyers ``user`` may post requests for and edit."""
    if not _active(user):
        return Buyer.objects.none()
    paths = scope_paths(user, MANAGE_COOPS)
    if paths is None:
        return Buyer.objects.all()
    return Buyer.objects.filter(under(paths, "unit__path") | Q(users=user)).distinct()


def producers(user) -> QuerySet[Producer]:
    return ocop_scope.producers(user, MANAGE_OCOP)


def parties(user) -> dict[str, QuerySet]:
    """What ``user`` may post for: co-operatives, OCOP producers, buyers."""
    return {"cooperative": coops_scope.managed(user), "producer": producers(user), "buyer": buyers(user)}


def editable(user) -> QuerySet[Listing]:
    """The listings ``user`` may edit and close (and whose matches are theirs)."""
    if not _active(user):
        return Listing.objects.none()
    p = parties(user)
    return Listing.objects.filter(Q(cooperative__in=p["cooperative"]) | Q(producer__in=p["producer"])
                                  | Q(buyer__in=p["buyer"]))


def matches(user) -> QuerySet[Match]:
    """The current matches of ``user``'s listings (as the offer's or the request's party): both listings open and
    not past (a pair whose period ran out stays stored until its product is refreshed or rebuilt)."""
    own = editable(user).values("pk")
    today = timezone.localdate()
    return Match.objects.filter(Q(offer__in=own) | Q(request__in=own), offer__status=ListingStatus.OPEN,
                                request__status=ListingStatus.OPEN, offer__period_end__gte=today,
                                request__period_end__gte=today)


def with_contacts(user) -> QuerySet[Listing]:
    """The listings whose contacts ``user`` may see."""
    if not _active(user):
        return Listing.objects.none()
    own = editable(user).values("pk")
    condition = (Q(pk__in=own) | Q(matches_as_offer__request__in=own) | Q(matches_as_request__offer__in=own))
    paths = scope_paths(user, VIEW)
    if paths is None:
        return Listing.objects.all()
    return Listing.objects.filter(condition | under(paths, "unit__path")).distinct()


def may_post(user) -> bool:
    return _active(user) and any(q.exists() for q in parties(user).values())


def may_use(user) -> bool:
    """Whether the board's signed-in pages have anything for ``user``."""
    return _active(user) and (scope_paths(user, VIEW) != [] or may_post(user))
