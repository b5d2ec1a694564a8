"""Writes on the supply–demand board and the matches derived from the listings.

Every write (a listing posted, edited or closed, a buyer registered) is audited and, in the same transaction,
refreshes the matches of the listing's product (``refresh``): the open listings of that product are scored by
``market.matching`` and the ``Match`` rows made to agree (new ones created and notified once to both parties, scores
updated, pairs that no longer fit deleted). ``rebuild`` does every product (``nongthonso derived``, the registry's
``DerivedTable``); ``check`` tells the differences in words.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from nongthonso.audit.services import record
from nongthonso.core.text import fold
from nongthonso.maps.services import positions
from nongthonso.notifications.models import Notification
from nongthonso.notifications.services import send_emails

from . import matching
from .models import Buyer, Listing, ListingStatus, Match

NOTICE = "market_match"
_FIELDS = ("kind", "product", "quantity", "quantity_unit", "period_start", "period_end", "unit_id", "price_min",
           "price_max", "quality", "certifications", "cooperative_id", "producer_id", "buyer_id", "ocop_product_id",
           "lot_id", "contact_name", "contact_phone", "contact_email", "note", "status")


def settings() -> matching.Settings:
    return matching.load_settings()


def product_group(name: str, config: matching.Settings | None = None) -> str:
    """The canonical key of a product name: folded, then the first name of its synonym line."""
    return matching.canonical_keys([fold(name)], (config or settings()).synonyms)[0]


def state(listing: Listing) -> dict:
    values = {}
    for name in _FIELDS:
        value = getattr(listing, name)
        values[name] = value if isinstance(value, (str, int, list, type(None))) else str(value)
    return values


def party_users(listing: Listing) -> list:
    """The accounts of the listing's party (and whoever posted it), active ones."""
    if listing.cooperative_id:
        users = listing.cooperative.managers.all()
    elif listing.producer_id:
        users = listing.producer.members.all()
    else:
        users = listing.buyer.users.all()
    people = {u.pk: u for u in users if u.is_active}
    if listing.created_by_id and listing.created_by.is_active:
        people.setdefault(listing.created_by_id, listing.created_by)
    return [people[pk] for pk in sorted(people)]


def party_name(listing: Listing) -> str:
    party = listing.cooperative or listing.producer or listing.buyer
    return party.name if party else ""


@transaction.atomic
def save_listing(listing: Listing, user, *, before: dict | None = None) -> Listing:
    """Create or update ``listing`` (validated by its form), audit it and refresh the matches of its product (and
    of its former product, when renamed)."""
    old_group = product_group(before["product"]) if before else None
    creating = listing.pk is None
    if creating:
        listing.created_by = user if user and user.is_authenticated else None
    listing.save()
    record("create" if creating else "update", listing, before=before, after=state(listing), user=user,
           note=str(listing))
    refresh({product_group(listing.product), *([old_group] if old_group else [])}, actor=user)
    return listing


@transaction.atomic
def close_listing(listing: Listing, user) -> Listing:
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    before = state(listing)
    listing.status = ListingStatus.CLOSED
    listing.save(update_fields=["status"])
    record("update", listing, before=before, after=state(listing), user=user, note=f"đóng tin: {listing}")
    refresh({product_group(listing.product)}, actor=user)
    return listing


@transaction.atomic
def register_buyer(buyer: Buyer, user, *, own: bool) -> Buyer:
    """Register ``buyer``; ``own``: a signed-in user registering themselves becomes its account."""
    buyer.save()
    if own:
        buyer.users.add(user)
    record("create", buyer, after={"name": buyer.name, "unit": buyer.unit_id, "kind": buyer.kind,
                                   "users": [u.get_username() for u in buyer.users.all()]},
           user=user, note=f"người mua: {buyer.name}")
    return buyer


# --- matches --------------------------------------------------------------------------------------------------

def _open(today: dt.date):
    return Listing.objects.filter(status=ListingStatus.OPEN, period_end__gte=today).select_related("unit")


def _places(listings) -> dict[int, tuple[float, float]]:
    """{unit id: (lat, lon)} of the listings' places: the unit data's position, else the centroid of the unit
    version's boundary (``maps.services.positions``); a place with neither has no distance term."""
    return positions({x.unit_id: x.unit for x in listings}.values())


def _centroid(places: dict, unit_id: int) -> tuple[float | None, float | None]:
    return places.get(unit_id, (None, None))


def compute(groups: Iterable[str] | None = None, today: dt.date | None = None) -> dict[tuple[int, int], tuple]:
    """The matches the open listings call for, {(offer id, request id): (score, distance km or None)}, for the
    product groups ``groups`` (None: all)."""
    config = settings()
    today = today or timezone.localdate()
    listings = list(_open(today))
    keys = matching.canonical_keys([x.product_key for x in listings], config.synonyms)
    wanted = None if groups is None else set(groups)
    picked = [(x, key) for x, key in zip(listings, keys, strict=True) if wanted is None or key in wanted]
    codes = {key: i for i, key in enumerate(sorted({key for _, key in picked}))}
    kinds = sorted({c for x, _ in picked for c in x.certifications})
    bit = {c: 1 << i for i, c in enumerate(kinds[:62])}
    places = _places([x for x, _ in picked])

    def rows(kind):
        chosen = [(x, key) for x, key in picked if x.kind == kind]
        return [x for x, _ in chosen], matching.side([
            (codes[key], x.period_start.toordinal(), x.period_end.toordinal(), x.quantity, x.price_min, x.price_max,
             sum(bit.get(c, 0) for c in set(x.certifications)), *_centroid(places, x.unit_id)) for x, key in chosen])

    offers, offer_side = rows("offer")
    requests, request_side = rows("request")
    result = matching.match(offer_side, request_side, config)
    return {(offers[o].pk, requests[r].pk): (float(s), None if math.isnan(d) else float(d))
            for o, r, s, d in zip(result.offer, result.request, result.score, result.distance_km, strict=True)}


def _stored(groups: Iterable[str] | None):
    matches = Match.objects.select_related("offer", "request")
    if groups is None:
        return list(matches)
    config = settings()
    wanted = set(groups)
    keys = {fold(name) for line in config.synonyms if line[0] in wanted for name in line} | wanted
    return [m for m in matches.filter(Q(offer__product_key__in=keys) | Q(request__product_key__in=keys))
            if product_group(m.offer.product, config) in wanted or product_group(m.request.product, config) in wanted]


@transaction.atomic
def refresh(groups: Iterable[str] | None = None, *, actor=None, today: dt.date | None = None) -> int:
    """Make the Match rows of ``groups`` (None: every product) agree with the listings; notify new matches once.
    Returns how many matches the groups now have."""
    groups = None if groups is None else set(groups)
    wanted = compute(groups, today)
    existing = {(m.offer_id, m.request_id): m for m in _stored(groups)}
    stale = [m.pk for key, m in existing.items() if key not in wanted]
    if stale:
        Match.objects.filter(pk__in=stale).delete()
    now = timezone.now()
    changed = []
    for key, (score, distance) in wanted.items():
        m = existing.get(key)
        if m is not None and (abs(m.score - score) > 1e-9 or m.distance_km != distance):
            m.score, m.distance_km, m.computed_at = score, distance, now
            changed.append(m)
    Match.objects.bulk_update(changed, ["score", "distance_km", "computed_at"])
    new = [Match(offer_id=o, request_id=r, score=s, distance_km=d, computed_at=now)
           for (o, r), (s, d) in wanted.items() if (o, r) not in existing]
    Match.objects.bulk_create(new)
    notify(actor=actor)
    return len(wanted)


def rebuild() -> int:
    return refresh(None)


def check() -> list[str]:
    wanted = compute(None)
    stored = {(m.offer_id, m.request_id): m.score for m in Match.objects.all()}
    problems = [f"thiếu cặp tin {o} ↔ {r}" for o, r in sorted(wanted.keys() - stored.keys())]
    problems += [f"thừa cặp tin {o} ↔ {r}" for o, r in sorted(stored.keys() - wanted.keys())]
    problems += [f"điểm cặp tin {o} ↔ {r}: {stored[o, r]:.3f} thay vì {wanted[o, r][0]:.3f}"
                 for o, r in sorted(wanted.keys() & stored.keys()) if abs(stored[o, r] - wanted[o, r][0]) > 1e-9]
    return problems


def notice_text(match: Match, listing: Listing, other: Listing) -> str:
    what = "người cần mua" if other.kind == "request" else "nơi chào bán"
    return (f"Tin «{listing}» của bạn có {what} phù hợp: «{other.product}» — {party_name(other)}, "
            f"{other.quantity.normalize():f} {other.quantity_unit}, "
            f"{other.period_start:%d/%m/%Y}–{other.period_end:%d/%m/%Y}, mức phù hợp {round(match.score * 100)}%.\n"
            "Xem liên hệ và lý do trong mục «Tin cung cầu của tôi».")


def notify(*, actor=None) -> int:
    """Tell both parties of each match not told yet, once: the match is claimed by a conditional update of
    ``notified_at`` (one of two concurrent runs gets it), the notices are written in the same transaction and
    e-mailed after the commit."""
    link = reverse("market_mine")
    written = []
    for match in Match.objects.filter(notified_at__isnull=True).select_related("offer", "request"):
        if not Match.objects.filter(pk=match.pk, notified_at__isnull=True).update(notified_at=timezone.now()):
            continue
        for listing, other in ((match.offer, match.request), (match.request, match.offer)):
            for user in party_users(listing):
                n = Notification.objects.create(recipient=user, link=link, verb=NOTICE,
                                                text=notice_text(match, listing, other))
                record("create", n, after={"recipient": user.get_username(), "verb": NOTICE, "match": match.pk},
                       user=actor, note=n.first_line)
                written.append(n.pk)
    if written:
        transaction.on_commit(partial(send_emails, written), robust=True)
    return len(written)


def reasons(match: Match) -> list[str]:
    """Why the two listings fit, in words, recomputed from their rows by the matching core."""
    config = settings()
    o, r = match.offer, match.request
    bit = {c: 1 << i for i, c in enumerate(sorted({*o.certifications, *r.certifications})[:62])}
    places = _places([o, r])

    def one(x):
        return matching.side([(0, x.period_start.toordinal(), x.period_end.toordinal(), x.quantity, x.price_min,
                               x.price_max, sum(bit.get(c, 0) for c in set(x.certifications)),
                               *_centroid(places, x.unit_id))])

    t = matching.terms(one(o), one(r), config)
    same = "cùng sản phẩm" if o.product_key == r.product_key else f"cùng loại sản phẩm («{o.product}» = «{r.product}»)"
    words = [same,
             f"thời gian trùng {round(float(t.period[0, 0]) * 100)}% thời gian cần mua",
             f"số lượng đáp ứng {round(float(t.quantity[0, 0]) * 100)}% số lượng cần mua"]
    if o.price_min is not None or o.price_max is not None or r.price_min is not None or r.price_max is not None:
        words.append("giá phù hợp")
    if r.certifications:
        words.append("có đủ chứng nhận yêu cầu (" + ", ".join(sorted(set(r.certifications))) + ")")
    distance = float(t.distance_km[0, 0])
    words.append(f"cách {distance:.0f} km" if not math.isnan(distance) else "chưa có tọa độ để tính khoảng cách")
    return words


def refresh_listings(ids: Iterable[int]) -> int:
    """Refresh the matches of the products of these listings (the registry's ``DerivedTable.refresh``)."""
    config = settings()
    names = Listing.objects.filter(pk__in=list(ids)).values_list("product", flat=True)
    return refresh({product_group(name, config) for name in names})
