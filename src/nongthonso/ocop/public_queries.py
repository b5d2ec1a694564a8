"""What the public OCOP catalogue shows, read from the raw rows: products, their certificates (``ocop.status``),
their communes (lineage for the communes that merged since), their photos.

- :func:`catalogue` — every product certified on a date (a certificate in force: ``status.certified_on``), as plain
  :class:`Entry` rows in Vietnamese order of names, with the choices of the page's filters (groups, stars, communes of
  the units in force *and* of the former ones). A handful of queries whatever the number of products; kept in the
  cache per data revision (``reports.selectors.cached``): filters, search and pages are then read in memory.
- :func:`search` — the entries matching what a visitor typed (without diacritics, each word the start of a word of
  the name, producer, code, commune, group or sub-group; «trà» and «chè» are one word) and the filters.
- :func:`product_page` — one product's page: its certificate on the date, or why it holds none (expired, revoked,
  not yet); ``None`` for a product never certified (the page is then «not found»: nothing of it is public).
- :func:`public_product` — the product whose page, photos and QR code are public: certified by a decision dated
  on or before today. The photos of every other product stay private.

Only rows a page may show leave this module: no contact of a producer beyond its name, kind and commune, no rating
dossier, no score.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch
from django.utils.translation import gettext_lazy as _

from nongthonso.core.dates import default_as_of
from nongthonso.core.text import fold, vi_sort_key
from nongthonso.reports.selectors import cached
from nongthonso.units.models import Unit
from nongthonso.units.services import successors_in_force

from . import status
from .models import Certificate, Product, ProductImage

# The same word in the north and in the south of the country: a visitor typing either finds both.
SYNONYMS: tuple[frozenset[str], ...] = (frozenset({"che", "tra"}),)
STAR_WORDS = {1: _("một sao"), 2: _("hai sao"), 3: _("ba sao"), 4: _("bốn sao"), 5: _("năm sao")}
MAX_STARS = 5


class State:
    """A product's standing on a date, as its page says it."""

    IN_FORCE = status.KEYS[status.IN_FORCE]  # a certificate in force
    EXPIRED = status.KEYS[status.EXPIRED]  # its latest certificate ran out (36 months) and none replaced it
    REVOKED = status.KEYS[status.REVOKED]  # its latest certificate was revoked
    NOT_YET = status.KEYS[status.NOT_YET]  # the date asked for is before its first decision


@dataclass(frozen=True)
class Commune:
    pk: int
    code: str
    name: str
    sort_key: str
    path: str
    current: bool  # in force on the catalogue's date (else a commune that merged or was renamed since)


class _Places:
    """The names of a product's communes (``self.communes``: as registered, then those in force on the date)."""

    communes: tuple[Commune, ...]

    @property
    def commune_name(self) -> str:
        """The commune(s) in force on the date: where the product comes from today."""
        current = [c.name for c in self.communes if c.current]
        return ", ".join(current or [c.name for c in self.communes])

    @property
    def former_commune(self) -> str:
        """The commune the product was registered in, when it is no longer in force (merged, renamed)."""
        return ", ".join(c.name for c in self.communes if not c.current)


@dataclass(frozen=True)
class Entry(_Places):
    """A certified product as the catalogue lists it."""

    pk: int
    code: str
    name: str
    stars: int
    group_code: str
    group_name: str
    subgroup_name: str
    producer_name: str
    producer_kind: str
    communes: tuple[Commune, ...]  # the product's commune as registered, and the communes in force it lies in now
    image_id: int | None
    words: frozenset[str]  # the folded words a search matches
    sort_key: str

    @property
    def star_words(self) -> str:
        return str(STAR_WORDS[self.stars])


@dataclass(frozen=True)
class Catalogue:
    day: dt.date
    entries: tuple[Entry, ...]
    groups: tuple[tuple[str, str], ...]  # (code, name) of the groups with a certified product
    stars: tuple[int, ...]
    communes: tuple[Commune, ...]  # in force first, then former; each in Vietnamese order


@dataclass(frozen=True)
class Query:
    """What a visitor asks the catalogue for (each part optional)."""

    text: str = ""
    group: str = ""
    stars: int | None = None
    commune: int | None = None

    @property
    def words(self) -> list[str]:
        return fold(self.text).split()

    @property
    def empty(self) -> bool:
        return not (self.words or self.group or self.stars or self.commune)


def _words(*texts: str) -> frozenset[str]:
    return frozenset(fold(" ".join(t for t in texts if t)).replace(",", " ").split())


def _matches(word: str, words: frozenset[str]) -> bool:
    spellings = next((s for s in SYNONYMS if word in s), frozenset({word}))
    return any(w.startswith(s) for s in spellings for w in words)


def communes_of(units: Iterable[Unit], day: dt.date) -> dict[int, tuple[Commune, ...]]:
    """{unit id: the unit as registered and the units in force on ``day`` that lineage leads it to}."""
    units = list({u.pk: u for u in units}.values())
    later = successors_in_force(units, day)

    def commune(unit: Unit) -> Commune:
        return Commune(unit.pk, unit.code, unit.name, unit.sort_key, unit.path, unit.is_valid_on(day))

    found = {}
    for unit in units:
        now = [u for u in later.get(unit.pk, []) if u.pk != unit.pk]
        found[unit.pk] = (commune(unit), *(commune(u) for u in now))
    return found


def _compute(day: dt.date) -> Catalogue:
    products = list(status.certified_on(day).select_related("producer", "subgroup__group", "unit")
                    .prefetch_related(Prefetch("images", ProductImage.objects.only("pk", "product_id", "order"))))
    held = status.stars_on([p.pk for p in products], day)
    communes = communes_of((p.unit for p in products), day)
    entries = []
    for p in products:
        places = communes[p.unit_id]
        group = p.subgroup.group
        images = list(p.images.all())
        entries.append(Entry(
            pk=p.pk, code=p.code, name=p.name, stars=held[p.pk][0], group_code=group.code, group_name=group.name,
            subgroup_name=p.subgroup.name, producer_name=p.producer.name,
            producer_kind=p.producer.get_kind_display(), communes=places,
            image_id=images[0].pk if images else None,
            words=_words(p.search, p.subgroup.name, group.name, *(c.name for c in places)),
            sort_key=vi_sort_key(p.name)))
    entries.sort(key=lambda e: (e.sort_key, e.code))
    groups = {(e.group_code, e.group_name) for e in entries}
    every = {c.pk: c for e in entries for c in e.communes}.values()
    return Catalogue(
        day=day, entries=tuple(entries),
        groups=tuple(sorted(groups, key=lambda g: (len(g[0]), g[0]))),
        stars=tuple(sorted({e.stars for e in entries}, reverse=True)),
        communes=tuple(sorted(every, key=lambda c: (not c.current, c.sort_key, c.code))))


def catalogue(day: dt.date) -> Catalogue:
    """The products certified on ``day`` and the filters' choices, computed once per data revision."""
    return cached("ocop-catalogue", (day.isoformat(),), lambda: _compute(day))


def search(found: Catalogue, query: Query) -> list[Entry]:
    """The entries of ``found`` matching ``query``, in the catalogue's order."""
    words = query.words
    return [e for e in found.entries
            if (not query.group or e.group_code == query.group)
            and (query.stars is None or e.stars == query.stars)
            and (query.commune is None or any(c.pk == query.commune for c in e.communes))
            and all(_matches(w, e.words) for w in words)]


# --- one product -------------------------------------------------------------------------------------------------

def public_product(code: str) -> Product | None:
    """The product ``code`` if its page is public: a certificate decided on or before today (in force or not — an
    expired or revoked product's page says so). None for any other product, or no product of that code."""
    decided = Certificate.objects.filter(product=OuterRef("pk"), decision_date__lte=default_as_of())
    return (Product.objects.filter(Exists(decided), code=code)
            .select_related("producer__unit", "subgroup__group", "unit").first())


@dataclass(frozen=True)
class ProductPage(_Places):
    product: Product
    day: dt.date
    state: str
    certificate: Certificate | None  # in force on the day; else the latest decided by then; else the first
    communes: tuple[Commune, ...]
    images: tuple[ProductImage, ...]
    history: tuple[Certificate, ...] = field(default=())  # every certificate decided by today, latest first

    @property
    def stars(self) -> int | None:
        return self.certificate.stars if self.state == State.IN_FORCE else None

    @property
    def star_words(self) -> str:
        return str(STAR_WORDS[self.stars]) if self.stars else ""



def state_on(certificates: list[Certificate], day: dt.date) -> tuple[str, Certificate | None]:
    """The standing on ``day`` of a product holding ``certificates`` (any order) and the certificate it rests on:
    the one in force (the latest decision among several); else the latest decided by then, expired or revoked;
    else, before the first decision, that first certificate."""
    by_decision = sorted(certificates, key=lambda c: (c.decision_date, c.pk))
    decided = [c for c in by_decision if c.decision_date <= day]
    in_force = [c for c in decided if status.certificate_status(c, day).in_force]
    if in_force:
        return State.IN_FORCE, in_force[-1]
    if decided:  # the latest, revoked or expired by then (decided, so not «not yet»)
        return status.certificate_status(decided[-1], day).key, decided[-1]
    return State.NOT_YET, by_decision[0] if by_decision else None


def product_page(code: str, day: dt.date) -> ProductPage | None:
    """The public page of product ``code`` on ``day``; None when the product is not public (:func:`public_product`).
    Five queries (two of them lineage's)."""
    product = public_product(code)
    if product is None:
        return None
    today = default_as_of()
    certificates = list(product.certificates.filter(decision_date__lte=max(today, day))
                        .select_related("issuing_unit"))
    state, certificate = state_on(certificates, day)
    history = sorted((c for c in certificates if c.decision_date <= today), key=lambda c: (c.decision_date, c.pk),
                     reverse=True)
    return ProductPage(product=product, day=day, state=state, certificate=certificate,
                       communes=communes_of([product.unit], day)[product.unit_id],
                       images=tuple(product.images.all()), history=tuple(history))


def product_image(code: str, image_id: int) -> ProductImage | None:
    """A photo of a public product (:func:`public_product`); None for a photo of any other product."""
    product = public_product(code)
    if product is None:
        return None
    return product.images.filter(pk=image_id).first()
