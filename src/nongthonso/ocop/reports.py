"""OCOP statistics of a unit as of any date, counted from the raw rows: certificates (``ocop.status``: the stars in
force on the date), products, producers, rating dossiers and their timeline.

``statistics(code, as_of, period_start=None, user=None)`` returns an :class:`OcopStatistics` (``to_dict()``: the JSON
of ``nongthonso report ocop --format json``, of ``/api/ocop/statistics`` and of the summary's ``ocop`` key);
``statistics_text`` renders it as a Vietnamese paragraph in the style of the province's reports.

- **Scope.** A unit's figures cover its subtree *and* the subtrees of the versions it succeeded by lineage
  (``units.services.earlier_versions``): the 2026 province counts the products registered with the communes of the
  old provinces it was formed from, as a role on it covers them (``accounts``). Given a user, only the products,
  producers and dossiers that user may see (``ocop.scope``).
- **Products** are the OCOP products *in force* on the date: holding a certificate then (decided, not expired, not
  revoked). A product's stars are those of its latest decision in force; it is certified until the last
  ``valid_until`` of its certificates in force.
- **By commune, old and new structure.** A product belongs to the commune version it was registered with; a version
  no longer in force on the date is followed by lineage to the commune(s) in force (``successors_in_force``), and
  the product is counted under that commune, whose row lists the former communes counted in it. A commune split
  between several successors gives its products to the first in Vietnamese order, and says so.
- **Expiring**: products whose certification ends within 90 days after the date (inclusive). **Revoked**:
  certificates revoked from ``period_start`` (default 1 January of the date's year) to the date.
- **Producers** by kind: those registered on or before the date (or with no date of registration), and how many of
  them have a product in force. **Dossiers in progress** by state *on the date*: the state of each dossier's last
  step taken by the end of that day (``RatingEvent``), for dossiers of that year or earlier.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from operator import attrgetter
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from nongthonso.core import compiled
from nongthonso.core.text import format_date, format_number, vi_sort_key
from nongthonso.units.models import Unit
from nongthonso.units.services import earlier_versions, find_unit, successors_in_force

from . import scope
from .models import (
    Certificate,
    Producer,
    ProducerKind,
    Product,
    ProductGroup,
    Rating,
    RatingEvent,
    RatingState,
    in_force_condition,
)
from .status import certificate_status, in_force

STARS = (5, 4, 3)  # the certified classes, highest first (Decision 148/QĐ-TTg: only 3★ to 5★ are certified)
EXPIRY_WINDOW_DAYS = 90
CLOSED = (RatingState.CERTIFIED, RatingState.NOT_RECOGNISED)
IN_PROGRESS = tuple(state for state in RatingState if state not in CLOSED)
NATIONAL = "VN"  # as in the provincial summary: the whole country


def _stars_dict() -> dict[str, int]:
    return {str(stars): 0 for stars in STARS}


# --- the figures ----------------------------------------------------------------------------------------------------

@dataclass
class Tally:
    """A row of a table: products in force under a group or a commune, by stars (counted in place while built)."""

    code: str
    name: str
    total: int = 0
    by_stars: dict[str, int] = field(default_factory=_stars_dict)
    former: list[str] = field(default_factory=list)  # (communes) the former communes counted under this one
    in_force: bool = True  # (communes) False: a commune no longer in force that no lineage leads on from


@dataclass(frozen=True)
class CertificateLine:
    """A product's certificate in a list (expiring, revoked)."""

    product_code: str
    product_name: str
    producer_name: str
    commune: str
    stars: int
    decision_number: str
    decision_date: dt.date
    valid_until: dt.date
    revoked_on: dt.date | None = None
    revocation_decision: str = ""
    revocation_reason: str = ""


@dataclass(frozen=True)
class Expiring:
    count: int
    until: dt.date
    items: list[CertificateLine]


@dataclass(frozen=True)
class Revoked:
    count: int
    by_stars: dict[str, int]
    items: list[CertificateLine]


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    producers: int  # registered by the date
    certified: int  # of them, with a product in force on the date


@dataclass(frozen=True)
class StateCount:
    state: str
    label: str
    ratings: int


@dataclass(frozen=True)
class OcopStatistics:
    """The OCOP figures of a unit on ``as_of`` (:func:`statistics`), in the order of the JSON. Plain data, so the
    provincial summary caches it with its own figures."""

    as_of: dt.date
    period_start: dt.date
    unit_code: str
    unit_name: str
    unit_type: str
    products_total: int
    products_by_stars: dict[str, int]
    products_by_group: list[Tally]
    products_by_commune: list[Tally]
    expiring_90_days: Expiring
    revoked_in_period: Revoked
    producers_by_kind: list[KindCount]
    producers_total: int
    producers_certified: int
    ratings_in_progress: list[StateCount]
    ratings_in_progress_total: int
    synthetic: bool  # some of the rows counted are demo data

    def to_dict(self) -> dict:
        return asdict(self, dict_factory=_json_ready)


def _json_ready(pairs) -> dict:
    return {key: value.isoformat() if isinstance(value, dt.date) else value for key, value in pairs}


# --- computing them -------------------------------------------------------------------------------------------------

def find_root(code: str, as_of: dt.date) -> Unit:
    """The unit version of ``code`` in force on ``as_of`` (``NATIONAL``: the whole country, not stored: its path
    "/" holds every unit). Raises ``units.services.UnitNotFound`` (Vietnamese message)."""
    if code == NATIONAL:
        return Unit(code=NATIONAL, name="Cả nước", path="/", valid_from=dt.date.min)
    return find_unit(code, as_of)


def covered_paths(root: Unit) -> list[str]:
    """The path prefixes ``root``'s figures cover: its own and those of the versions it succeeded by lineage."""
    if root.pk is None:
        return [root.path]
    earlier = earlier_versions([root.pk])[root.pk]
    return [root.path, *Unit.objects.filter(pk__in=earlier).values_list("path", flat=True)]


def territory(root: Unit, field_name: str = "unit__path", paths: list[str] | None = None) -> Q:
    """The rows whose ``field_name`` (a unit's path) lies in ``root``'s territory (:func:`covered_paths`, unless
    given as ``paths``)."""
    paths = covered_paths(root) if paths is None else paths
    if paths == ["/"]:
        return Q()
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{field_name}__startswith": path})
    return condition


def scoped_products(root: Unit, user=None) -> QuerySet[Product]:
    """The products of ``root``'s territory (and, given a user, that user may see)."""
    products = Product.objects.all() if user is None else scope.products(user)
    return products.filter(territory(root))


def scoped_producers(root: Unit, user=None) -> QuerySet[Producer]:
    producers = Producer.objects.all() if user is None else scope.producers(user)
    return producers.filter(territory(root))


def scoped_ratings(root: Unit, user=None) -> QuerySet[Rating]:
    ratings = Rating.objects.all() if user is None else scope.ratings(user)
    return ratings.filter(territory(root, "product__unit__path"))


@dataclass
class _Held:
    """A product in force: its stars (latest decision) and the certificate giving them, certified until ``until``."""

    certificate: Certificate
    until: dt.date


def _certificates(products: QuerySet[Product], condition: Q) -> QuerySet[Certificate]:
    """The certificates of ``products`` meeting ``condition``, with what the figures read, in decision order."""
    return (Certificate.objects.filter(condition, product__in=products.values("pk"))
            .select_related("product__subgroup__group", "product__unit", "product__producer")
            .order_by("product_id", "decision_date", "pk"))


def held_on(products: QuerySet[Product], day: dt.date) -> dict[int, _Held]:
    """{product id: what it holds on ``day``} for ``products`` (one query)."""
    return _holding(_certificates(products, Q(pk__in=in_force(day).values("pk"))), day)


def _holding(certificates, day: dt.date) -> dict[int, _Held]:
    """{product id: what it holds on ``day``} from ``certificates`` in decision order (those not in force skipped)."""
    held: dict[int, _Held] = {}
    for certificate in certificates:
        if not certificate_status(certificate, day).in_force:
            continue
        earlier = held.get(certificate.product_id)
        until = max(certificate.valid_until, earlier.until) if earlier else certificate.valid_until
        held[certificate.product_id] = _Held(certificate, until)  # the latest decision gives the stars
    return held


def _line(certificate: Certificate, until: dt.date | None = None) -> CertificateLine:
    product = certificate.product
    return CertificateLine(
        product_code=product.code, product_name=product.name, producer_name=product.producer.name,
        commune=product.unit.name, stars=certificate.stars, decision_number=certificate.decision_number,
        decision_date=certificate.decision_date, valid_until=until or certificate.valid_until,
        revoked_on=certificate.revoked_on, revocation_decision=certificate.revocation_decision,
        revocation_reason=certificate.revocation_reason)


def _group_of(certificate: Certificate) -> tuple[int, str, int, str]:
    """A certificate's product group as (order, code, id, name): sorted, the catalogue's order."""
    group = certificate.product.subgroup.group
    return group.order, group.code, group.pk, group.name


def _by_group(held: dict[int, _Held], every_group: bool = True,
              group_of: Callable[[Any], tuple[int, str, int, str]] = _group_of) -> list[Tally]:
    """Products in force by group, in the catalogue's order: every group (``every_group``), or those with
    products (no query). ``group_of``: a held certificate's group as ``_group_of`` gives it (the summary's section
    reads plain rows that carry it)."""
    groups = set(ProductGroup.objects.values_list("order", "code", "pk", "name")) if every_group else set()
    groups.update(group_of(item.certificate) for item in held.values())
    rows = {group: Tally(group[1], group[3]) for group in sorted(groups)}
    for item in held.values():
        _count(rows[group_of(item.certificate)], item.certificate.stars)
    return list(rows.values())


def _count(row: Tally, stars: int) -> None:
    row.total += 1
    row.by_stars[str(stars)] = row.by_stars.get(str(stars), 0) + 1


def _by_commune(held: dict[int, _Held], day: dt.date) -> list[Tally]:
    """Products in force by the commune in force on ``day`` their registered commune is (or became, by lineage)."""
    registered = {item.certificate.product.unit.pk: item.certificate.product.unit for item in held.values()}
    ended = [unit for unit in registered.values() if not unit.is_valid_on(day)]
    successors = successors_in_force(ended, day) if ended else {}
    rows: dict[int, Tally] = {}
    targets: dict[int, Unit] = {}
    for item in held.values():
        unit = item.certificate.product.unit
        if unit.is_valid_on(day):
            target, former = unit, None
        elif successors.get(unit.pk):
            after = successors[unit.pk]
            target = after[0]
            former = unit.name if len(after) == 1 else f"{unit.name} (một phần, chia cho {len(after)} xã)"
        else:
            target, former = unit, None
        row = rows.get(target.pk)
        if row is None:
            row = rows[target.pk] = Tally(target.code, target.name, in_force=target.is_valid_on(day))
            targets[target.pk] = target
        _count(row, item.certificate.stars)
        if former and unit.code != target.code and former not in row.former:  # not the commune's own earlier version
            row.former.append(former)
    ordered = sorted(rows.items(), key=lambda pair: (targets[pair[0]].sort_key, targets[pair[0]].code))
    for _pk, row in ordered:
        row.former.sort(key=vi_sort_key)
    return [row for _pk, row in ordered]


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone())


def ratings_by_state(ratings: QuerySet[Rating], day: dt.date) -> Counter:
    """{state: dossiers in that state at the end of ``day``}, from each dossier's timeline; a dossier with no step
    recorded counts in its stored state from the day it was created."""
    ratings = ratings.filter(year__lte=day.year)
    states: dict[int, str] = {}
    for rating_id, to_state in (RatingEvent.objects.filter(rating__in=ratings.values("pk"), timestamp__lt=_end_of(day))
                                .order_by("rating_id", "timestamp", "pk").values_list("rating_id", "to_state")):
        states[rating_id] = to_state
    with_steps = RatingEvent.objects.filter(rating__in=ratings.values("pk")).values("rating_id")
    for rating_id, state in (ratings.exclude(pk__in=with_steps).filter(created__lt=_end_of(day))
                             .values_list("pk", "state")):
        states[rating_id] = state
    return Counter(states.values())


def statistics(code: str, as_of: dt.date, period_start: dt.date | None = None, user=None) -> OcopStatistics:
    """The OCOP figures of unit ``code`` (``NATIONAL``: the country) on ``as_of``; revocations counted from
    ``period_start`` (default: 1 January of the same year). Given ``user``, only what that user may see. Raises
    ``UnitNotFound``; ValueError when the period starts after the date."""
    return statistics_of(find_root(code, as_of), as_of, period_start, user)


def statistics_of(root: Unit, as_of: dt.date, period_start: dt.date | None = None, user=None) -> OcopStatistics:
    """:func:`statistics` for a unit version already found (the provincial summary's)."""
    period_start = period_start or dt.date(as_of.year, 1, 1)
    if period_start > as_of:
        raise ValueError(f"Đầu kỳ {format_date(period_start)} sau ngày báo cáo {format_date(as_of)}: chọn đầu kỳ "
                         "trước hoặc bằng ngày báo cáo.")
    products = scoped_products(root, user)
    held = held_on(products, as_of)
    by_stars = _stars_dict()
    for item in held.values():
        by_stars[str(item.certificate.stars)] += 1

    until = as_of + dt.timedelta(days=EXPIRY_WINDOW_DAYS)
    expiring = sorted((item for item in held.values() if item.until <= until),
                      key=lambda item: (item.until, item.certificate.product.name))
    revoked = list(Certificate.objects.filter(product__in=products.values("pk"), revoked_on__gte=period_start,
                                              revoked_on__lte=as_of)
                   .select_related("product__unit", "product__producer").order_by("revoked_on", "pk"))
    revoked_stars = _stars_dict()
    for certificate in revoked:
        revoked_stars[str(certificate.stars)] += 1

    producers = scoped_producers(root, user).filter(Q(registered_on__isnull=True) | Q(registered_on__lte=as_of))
    certified_producers = {item.certificate.product.producer_id for item in held.values()}
    kinds: dict[str, list[int]] = {kind: [0, 0] for kind in ProducerKind.values}
    for producer_id, kind in producers.order_by().values_list("pk", "kind"):
        kinds[kind][0] += 1
        kinds[kind][1] += producer_id in certified_producers

    ratings = scoped_ratings(root, user)
    states = ratings_by_state(ratings, as_of)
    synthetic = (any(item.certificate.synthetic or item.certificate.product.synthetic for item in held.values())
                 or any(c.synthetic for c in revoked) or producers.filter(synthetic=True).exists())
    return OcopStatistics(
        as_of=as_of,
        period_start=period_start,
        unit_code=root.code,
        unit_name=root.name,
        unit_type=root.unit_type.name if root.pk else "",
        products_total=len(held),
        products_by_stars=by_stars,
        products_by_group=_by_group(held),
        products_by_commune=_by_commune(held, as_of),
        expiring_90_days=Expiring(len(expiring), until, [_line(item.certificate, item.until) for item in expiring]),
        revoked_in_period=Revoked(len(revoked), revoked_stars, [_line(c) for c in revoked]),
        producers_by_kind=[KindCount(kind, str(label), *kinds[kind]) for kind, label in ProducerKind.choices],
        producers_total=sum(n for n, _c in kinds.values()),
        producers_certified=sum(c for _n, c in kinds.values()),
        ratings_in_progress=[StateCount(state.value, str(state.label), states.get(state.value, 0))
                             for state in IN_PROGRESS],
        ratings_in_progress_total=sum(states.get(state.value, 0) for state in IN_PROGRESS),
        synthetic=synthetic,
    )


# --- the provincial summary's section (core.registry.SummarySection «ocop») ------------------------------------------

@dataclass(frozen=True)
class _CertificateRow:
    """The columns of a certificate the summary's section reads, with its product's (``certificate_status`` and
    ``_holding`` read it as they read a certificate)."""

    product_id: int
    stars: int
    decision_date: dt.date
    valid_until: dt.date
    revoked_on: dt.date | None
    synthetic: bool
    producer_id: int
    product_synthetic: bool
    group: tuple[int, str, int, str]  # the product's group: order, code, id, name (sorted as the catalogue is)


_ROW_FIELDS = ("product_id", "stars", "decision_date", "valid_until", "revoked_on", "synthetic",
               "product__producer_id", "product__synthetic", "product__subgroup__group__order",
               "product__subgroup__group__code", "product__subgroup__group_id", "product__subgroup__group__name")


def summary_section(root: Unit, as_of: dt.date, period_start: dt.date) -> dict:
    """The OCOP figures the provincial summary carries under its key «ocop» and its dashboards show: products in
    force by stars and by group, how many expire within 90 days, certificates revoked in the period. Not narrowed to
    a user (certified products are public facts), and a few queries whatever the territory: the summary's cost must
    not grow with it. The certificates are read as plain rows, each with its product's group (one query): the summary
    is recomputed after every write, and model instances of five tables cost more than the query."""
    revoked_then = Q(revoked_on__gte=period_start, revoked_on__lte=as_of)
    paths = covered_paths(root)
    rows = compiled.rows(("ocop.summary_section", tuple(paths), as_of, period_start), lambda: (
        Certificate.objects.filter(territory(root, "product__unit__path", paths),
                                   in_force_condition(as_of) | revoked_then)
        .order_by("product_id", "decision_date", "pk").values_list(*_ROW_FIELDS)))
    certificates = [_CertificateRow(*row[:8], row[8:]) for row in rows]
    held = _holding(certificates, as_of)
    by_stars = _stars_dict()
    for item in held.values():
        by_stars[str(item.certificate.stars)] += 1
    until = as_of + dt.timedelta(days=EXPIRY_WINDOW_DAYS)
    revoked = sum(1 for c in certificates if c.revoked_on and period_start <= c.revoked_on <= as_of)
    return {
        "as_of": as_of.isoformat(),
        "products_total": len(held),
        "products_by_stars": by_stars,
        "products_by_group": [asdict(row) for row in _by_group(held, every_group=False,
                                                               group_of=attrgetter("group"))],
        "expiring_90_days": sum(1 for item in held.values() if item.until <= until),
        "expiring_until": until.isoformat(),
        "revoked_in_period": revoked,
        "producers_certified": len({item.certificate.producer_id for item in held.values()}),
        "synthetic": any(item.certificate.synthetic or item.certificate.product_synthetic for item in held.values()),
    }


def summary_sentence(section: dict) -> str:
    """The OCOP sentence of the summary's two-tier paragraph («Toàn tỉnh có 12 sản phẩm OCOP còn hiệu lực (…)»);
    none when the territory has no OCOP product."""
    if not section["products_total"] and not section["revoked_in_period"]:
        return ""
    stars = ", ".join(f"{format_number(section['products_by_stars'][str(s)])} sản phẩm {s} sao" for s in STARS
                      if section["products_by_stars"][str(s)])
    sentence = f"Có {format_number(section['products_total'])} sản phẩm OCOP còn hiệu lực"
    sentence += f" ({stars})" if stars else ""
    if section["expiring_90_days"]:
        sentence += (f", {format_number(section['expiring_90_days'])} sản phẩm hết hạn giấy chứng nhận trong 90 ngày "
                     "tới")
    if section["revoked_in_period"]:
        sentence += f"; đã thu hồi {format_number(section['revoked_in_period'])} giấy chứng nhận trong kỳ"
    return sentence + "."


# --- the paragraph --------------------------------------------------------------------------------------------------

def _place(data: OcopStatistics) -> str:
    """«tỉnh Thái Nguyên», «xã Vạn Phú», «cả nước»."""
    if data.unit_code == NATIONAL:
        return "cả nước"
    kind = data.unit_type.lower()
    name = data.unit_name
    return name[:1].lower() + name[1:] if kind and name.lower().startswith(kind) else f"{kind} {name}".strip()


def statistics_text(data: OcopStatistics) -> str:
    """«Tính đến 30/6/2026, tỉnh Thái Nguyên có 12 sản phẩm OCOP còn hiệu lực: 1 sản phẩm 5 sao, …» (always in
    Vietnamese: the report's language)."""
    place = _place(data)
    if data.products_total:
        stars = ", ".join(f"{format_number(data.products_by_stars[str(s)])} sản phẩm {s} sao"
                          for s in STARS if data.products_by_stars[str(s)])
        first = (f"Tính đến {format_date(data.as_of)}, {place} có {format_number(data.products_total)} sản phẩm OCOP "
                 f"còn hiệu lực: {stars}, của {format_number(data.producers_certified)} chủ thể.")
        groups = ", ".join(f"{row.name.lower()} {format_number(row.total)}" for row in data.products_by_group
                           if row.total)
        first += f" Theo nhóm sản phẩm: {groups}."
    else:
        first = f"Tính đến {format_date(data.as_of)}, {place} chưa có sản phẩm OCOP nào còn hiệu lực."
    sentences = [first]
    expiring = data.expiring_90_days
    if expiring.count:
        sentences.append(f"Có {format_number(expiring.count)} sản phẩm hết hạn giấy chứng nhận trong 90 ngày tới "
                         f"(đến {format_date(expiring.until)}), cần thông báo chủ thể đăng ký đánh giá lại.")
    revoked = data.revoked_in_period
    period = (f"năm {data.as_of.year}" if data.period_start == dt.date(data.as_of.year, 1, 1)
              else f"từ {format_date(data.period_start)} đến {format_date(data.as_of)}")
    if revoked.count:
        sentences.append(f"Trong {period} đã thu hồi {format_number(revoked.count)} giấy chứng nhận.")
    if data.ratings_in_progress_total:
        sentences.append(f"Đang có {format_number(data.ratings_in_progress_total)} hồ sơ đánh giá, phân hạng "
                         "chưa có kết quả.")
    if data.synthetic:
        sentences.append("(Số liệu gồm dữ liệu minh họa.)")
    return " ".join(sentences)
