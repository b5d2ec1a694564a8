"""OCOP over the REST API (``registry.ApiRouter("ocop", router)``, under /api/ocop/): products with their stars on
any date, producers, certificates, rating dossiers, and the statistics of ``nongthonso report ocop``.

Read-only, and scoped like the pages (``ocop.scope``): a product, producer or dossier the caller may not see is not
listed, and asked for by its code it is 404 (never 403: the API does not reveal it exists). Token or session, the
API's one error format. Dates are YYYY-MM-DD; ``as_of`` defaults to today.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from nongthonso.api.errors import ApiError, NotFound
from nongthonso.api.schemas import (
    CODE_PATTERN,
    DEFAULT_LIMIT,
    LIMIT_HELP,
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_YEAR,
    MIN_YEAR,
    OFFSET_HELP,
    TEXT_PATTERN,
    IsoDate,
    PageMeta,
    UnitRef,
    page,
    responses,
    unit_ref,
)
from nongthonso.core.text import fold
from nongthonso.units.models import Unit
from nongthonso.units.services import UnitNotFound

from . import scope
from .models import Certificate, Producer, ProducerKind, Product, Rating, RatingState
from .reports import certificate_status, find_root, statistics_of, statistics_text, territory
from .status import in_force, stars_on

router = Router(tags=["OCOP"])

KindCode = Literal[tuple(ProducerKind.values)]  # type: ignore[valid-type]
StateCode = Literal[tuple(RatingState.values)]  # type: ignore[valid-type]
CertificateStatus = Literal["in_force", "expired", "revoked", "not_yet"]
UNIT_HELP = "mã GSO: chỉ các mục của đơn vị và đơn vị cấp dưới (cả các đơn vị cũ đã hợp nhất vào nó)"
AS_OF_HELP = "ngày xét (YYYY-MM-DD, mặc định hôm nay)"


# --- schemas -------------------------------------------------------------------------------------------------------

class OcopGroupRef(Schema):
    code: str
    name: str


class OcopProducerOut(Schema):
    id: int
    name: str
    kind: KindCode = Field(description="hop_tac_xa, doanh_nghiep, to_hop_tac, ho_kinh_doanh")
    kind_label: str
    unit: UnitRef = Field(description="xã, phường nơi đăng ký (phiên bản đơn vị khi đăng ký)")
    address: str
    representative: str
    phone: str
    email: str
    registration_number: str
    tax_code: str
    registered_on: dt.date | None
    cooperative_key: str = Field(description="mã hợp tác xã, để liên kết với phân hệ hợp tác xã")
    synthetic: bool = Field(description="dữ liệu minh họa")


class OcopProducerPage(PageMeta):
    items: list[OcopProducerOut]


class OcopCertificateOut(Schema):
    id: int
    product_code: str
    product_name: str
    stars: int
    decision_number: str
    decision_date: dt.date
    issuing_level: str = Field(description="mã cấp công nhận: huyen, tinh, trung_uong")
    issuing_authority: str
    valid_until: dt.date
    revoked_on: dt.date | None
    revocation_decision: str
    revocation_reason: str
    status: CertificateStatus = Field(description="tình trạng vào ngày xét: in_force (còn hiệu lực), expired (hết "
                                                  "hạn), revoked (đã thu hồi), not_yet (quyết định sau ngày xét)")
    renews: int | None = Field(description="giấy chứng nhận được đánh giá lại (id), nếu có")
    synthetic: bool


class OcopCertificatePage(PageMeta):
    items: list[OcopCertificateOut]


class OcopProductOut(Schema):
    code: str
    name: str
    group: OcopGroupRef
    subgroup: OcopGroupRef
    producer: str
    producer_id: int
    unit: UnitRef = Field(description="xã, phường nơi đăng ký sản phẩm")
    stars: int | None = Field(description="hạng sao còn hiệu lực vào ngày xét (null: chưa có, hết hạn hoặc bị thu hồi)")
    valid_until: dt.date | None = Field(description="hạn của giấy chứng nhận cho hạng sao đó")
    synthetic: bool


class OcopProductPage(PageMeta):
    as_of: dt.date
    items: list[OcopProductOut]


class OcopProductDetail(OcopProductOut):
    as_of: dt.date
    description: str
    quality_declaration: str
    packaging: str
    story: str
    sales_channels: str
    producer_detail: OcopProducerOut
    certificates: list[OcopCertificateOut] = Field(description="mọi giấy chứng nhận, mới nhất trước")


class OcopRatingOut(Schema):
    id: int
    product_code: str
    product_name: str
    year: int
    state: StateCode
    state_label: str
    stage: str = Field(description="cấp đang đánh giá: huyen, tinh, trung_uong")
    workflow: str
    proposed_stars: int | None
    renews: int | None = Field(description="giấy chứng nhận được đánh giá lại (id), nếu có")
    total: float | None = Field(description="tổng điểm của hội đồng trong đợt chấm gần nhất đủ điểm")
    scored_stars: int | None = Field(description="hạng sao theo điểm của đợt chấm đó")
    synthetic: bool


class OcopRatingPage(PageMeta):
    items: list[OcopRatingOut]


class OcopTallyOut(Schema):
    code: str
    name: str
    total: int
    by_stars: dict[str, int]
    former: list[str] = Field(description="(theo xã) các xã cũ được tính vào xã này theo lịch sử đơn vị")
    in_force: bool


class OcopLineOut(Schema):
    product_code: str
    product_name: str
    producer_name: str
    commune: str
    stars: int
    decision_number: str
    decision_date: dt.date
    valid_until: dt.date
    revoked_on: dt.date | None
    revocation_decision: str
    revocation_reason: str


class OcopExpiringOut(Schema):
    count: int
    until: dt.date = Field(description="ngày xét + 90 ngày")
    items: list[OcopLineOut]


class OcopRevokedOut(Schema):
    count: int
    by_stars: dict[str, int]
    items: list[OcopLineOut]


class OcopKindCountOut(Schema):
    kind: KindCode
    label: str
    producers: int = Field(description="chủ thể đã đăng ký đến ngày xét")
    certified: int = Field(description="trong đó có sản phẩm còn hiệu lực")


class OcopStateCountOut(Schema):
    state: StateCode
    label: str
    ratings: int


# ocop.reports.OcopStatistics.to_dict(), field for field, and the paragraph
class OcopStatisticsOut(Schema):
    as_of: dt.date
    period_start: dt.date
    unit_code: str
    unit_name: str
    unit_type: str
    products_total: int = Field(description="sản phẩm có giấy chứng nhận còn hiệu lực vào ngày xét")
    products_by_stars: dict[str, int] = Field(description="«5», «4», «3» → số sản phẩm")
    products_by_group: list[OcopTallyOut]
    products_by_commune: list[OcopTallyOut] = Field(description="theo xã còn hiệu lực vào ngày xét")
    expiring_90_days: OcopExpiringOut
    revoked_in_period: OcopRevokedOut = Field(description="giấy chứng nhận bị thu hồi từ period_start đến ngày xét")
    producers_by_kind: list[OcopKindCountOut]
    producers_total: int
    producers_certified: int
    ratings_in_progress: list[OcopStateCountOut] = Field(
        description="hồ sơ chưa có kết quả, theo trạng thái vào ngày xét")
    ratings_in_progress_total: int
    synthetic: bool = Field(description="số liệu gồm dữ liệu minh họa")
    text: str = Field(description="đoạn văn tóm tắt (tiếng Việt)")


# --- helpers -------------------------------------------------------------------------------------------------------

def _day(as_of: dt.date | None) -> dt.date:
    return as_of or timezone.localdate()


def _root(code: str | None, day: dt.date) -> Unit:
    try:
        return find_root(code or settings.HOME_PROVINCE, day)
    except UnitNotFound as exc:
        raise NotFound(str(exc)) from None


def _within(queryset: QuerySet, code: str | None, day: dt.date, field: str) -> QuerySet:
    return queryset if code is None else queryset.filter(territory(_root(code, day), field))


def _certificate(c: Certificate, day: dt.date) -> dict:
    return {"id": c.pk, "product_code": c.product.code, "product_name": c.product.name, "stars": c.stars,
            "decision_number": c.decision_number, "decision_date": c.decision_date, "issuing_level": c.issuing_level,
            "issuing_authority": c.issuing_authority, "valid_until": c.valid_until, "revoked_on": c.revoked_on,
            "revocation_decision": c.revocation_decision, "revocation_reason": c.revocation_reason,
            "status": certificate_status(c, day), "renews": c.rating.previous_id if c.rating_id else None,
            "synthetic": c.synthetic}


def _producer(p: Producer) -> dict:
    return {"id": p.pk, "name": p.name, "kind": p.kind, "kind_label": p.get_kind_display(), "unit": unit_ref(p.unit),
            "address": p.address, "representative": p.representative, "phone": p.phone, "email": p.email,
            "registration_number": p.registration_number, "tax_code": p.tax_code, "registered_on": p.registered_on,
            "cooperative_key": p.cooperative_key, "synthetic": p.synthetic}


def _product(p: Product, held: dict) -> dict:
    stars, certificate = held.get(p.pk, (None, None))
    group = p.subgroup.group
    return {"code": p.code, "name": p.name, "group": {"code": group.code, "name": group.name},
            "subgroup": {"code": p.subgroup.code, "name": p.subgroup.name}, "producer": p.producer.name,
            "producer_id": p.producer_id, "unit": unit_ref(p.unit), "stars": stars,
            "valid_until": certificate.valid_until if certificate else None, "synthetic": p.synthetic}


PRODUCT_RELATED = ("subgroup__group", "producer", "unit__unit_type__level")


# --- products ------------------------------------------------------------------------------------------------------

@router.get("/ocop/products", response=responses(OcopProductPage), summary="Sản phẩm OCOP, với hạng sao tại một ngày")
def list_products(
    request,
    as_of: IsoDate | None = Query(None, description=AS_OF_HELP, example="2026-06-30"),
    unit: str | None = Query(None, pattern=CODE_PATTERN, description=UNIT_HELP, example="19"),
    group: str | None = Query(None, pattern=CODE_PATTERN, description="mã nhóm sản phẩm (1–6)", example="1"),
    stars: int | None = Query(None, ge=3, le=5, description="chỉ sản phẩm có hạng sao này vào ngày xét"),
    certified: bool = Query(False, description="true: chỉ sản phẩm còn hiệu lực vào ngày xét"),
    q: str | None = Query(None, max_length=100, pattern=TEXT_PATTERN,
                          description="tìm theo tên, chủ thể, mã (gõ có hoặc không dấu)", example="che tan cuong"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP),
):
    """Các sản phẩm bạn được xem (của đơn vị trong phạm vi vai trò, hoặc của chủ thể của bạn)."""
    day = _day(as_of)
    products = _within(scope.products(request.auth), unit, day, "unit__path")
    if group:
        products = products.filter(subgroup__group__code=group)
    if q:
        products = products.filter(search__contains=fold(q))
    current = in_force(day).filter(product=OuterRef("pk"))
    if stars is not None:
        # the stars of the latest decision in force: one with these stars and none decided later
        later = in_force(day).filter(product=OuterRef("product"), decision_date__gt=OuterRef("decision_date"))
        products = products.filter(Exists(current.filter(stars=stars).exclude(Exists(later))))
    elif certified:
        products = products.filter(Exists(current))
    products = products.select_related(*PRODUCT_RELATED).order_by("name", "pk")

    def with_stars(rows: list[Product]) -> list[Product]:
        held.update(stars_on([p.pk for p in rows], day))
        return rows

    held: dict = {}
    return {**page(products, limit, offset, lambda p: _product(p, held), with_stars), "as_of": day}


@router.get("/ocop/products/{code}", response=responses(OcopProductDetail), summary="Một sản phẩm OCOP tại một ngày")
def get_product(
    request,
    code: str = Path(..., pattern=CODE_PATTERN, description="mã sản phẩm", example="19-TC-01"),
    as_of: IsoDate | None = Query(None, description=AS_OF_HELP, example="2026-06-30"),
):
    """Sản phẩm ngoài phạm vi được xem: 404."""
    day = _day(as_of)
    product = scope.products(request.auth).select_related(*PRODUCT_RELATED).filter(code=code).first()
    if product is None:
        raise NotFound(f"Không có sản phẩm OCOP mã «{code}» trong phạm vi bạn được xem. Kiểm tra mã sản phẩm.")
    certificates = product.certificates.select_related("product", "rating").order_by("-decision_date", "-pk")
    return {**_product(product, stars_on([product.pk], day)), "as_of": day, "description": product.description,
            "quality_declaration": product.quality_declaration, "packaging": product.packaging,
            "story": product.story, "sales_channels": product.sales_channels,
            "producer_detail": _producer(product.producer),
            "certificates": [_certificate(c, day) for c in certificates]}


# --- producers, certificates, ratings ------------------------------------------------------------------------------

@router.get("/ocop/producers", response=responses(OcopProducerPage), summary="Chủ thể OCOP")
def list_producers(
    request,
    unit: str | None = Query(None, pattern=CODE_PATTERN, description=UNIT_HELP, example="19"),
    kind: KindCode | None = Query(None, description="loại hình chủ thể"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP),
):
    producers = _within(scope.producers(request.auth), unit, timezone.localdate(), "unit__path")
    if kind:
        producers = producers.filter(kind=kind)
    producers = producers.select_related("unit__unit_type__level").order_by("name", "pk")
    return page(producers, limit, offset, _producer)


@router.get("/ocop/certificates", response=responses(OcopCertificatePage), summary="Giấy chứng nhận OCOP")
def list_certificates(
    request,
    as_of: IsoDate | None = Query(None, description=AS_OF_HELP, example="2026-06-30"),
    unit: str | None = Query(None, pattern=CODE_PATTERN, description=UNIT_HELP, example="19"),
    status: Literal["in_force", "expired", "revoked"] | None = Query(None, description="tình trạng vào ngày xét"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP),
):
    """Các giấy chứng nhận đã có quyết định đến ngày xét, của các sản phẩm bạn được xem, mới nhất trước."""
    day = _day(as_of)
    products = _within(scope.products(request.auth), unit, day, "unit__path")
    certificates = Certificate.objects.filter(product__in=products.values("pk"), decision_date__lte=day)
    if status == "in_force":
        certificates = certificates.filter(pk__in=in_force(day).values("pk"))
    elif status == "revoked":
        certificates = certificates.filter(revoked_on__lte=day)
    elif status == "expired":
        certificates = certificates.filter(valid_until__lt=day).exclude(revoked_on__lte=day)
    certificates = certificates.select_related("product", "rating").order_by("-decision_date", "-pk")
    return page(certificates, limit, offset, lambda c: _certificate(c, day))


@router.get("/ocop/ratings", response=responses(OcopRatingPage), summary="Hồ sơ đánh giá, phân hạng OCOP")
def list_ratings(
    request,
    unit: str | None = Query(None, pattern=CODE_PATTERN, description=UNIT_HELP, example="19"),
    year: int | None = Query(None, ge=MIN_YEAR, le=MAX_YEAR, description="năm của hồ sơ", example=2026),
    state: StateCode | None = Query(None, description="trạng thái hiện tại"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP),
):
    """Hồ sơ của các sản phẩm bạn được xem (chủ thể: hồ sơ của mình; thành viên hội đồng: hồ sơ trước hội đồng)."""
    ratings = _within(scope.ratings(request.auth), unit, timezone.localdate(), "product__unit__path")
    if year is not None:
        ratings = ratings.filter(year=year)
    if state:
        ratings = ratings.filter(state=state)
    ratings = ratings.select_related("product").prefetch_related("evaluations__round").order_by("-year", "pk")
    return page(ratings, limit, offset, _rating)


def _rating(r: Rating) -> dict:
    complete = sorted((e for e in r.evaluations.all() if e.complete), key=lambda e: (e.round.date, e.pk))
    last = complete[-1] if complete else None
    return {"id": r.pk, "product_code": r.product.code, "product_name": r.product.name, "year": r.year,
            "state": r.state, "state_label": r.get_state_display(), "stage": r.stage, "workflow": r.workflow,
            "proposed_stars": r.proposed_stars, "renews": r.previous_id,
            "total": float(last.total) if last and last.total is not None else None,
            "scored_stars": last.stars if last else None, "synthetic": r.synthetic}


# --- statistics ----------------------------------------------------------------------------------------------------

@router.get("/ocop/statistics", response=responses(OcopStatisticsOut),
            summary="Thống kê OCOP của một đơn vị tại một ngày (như nongthonso report ocop)")
def get_statistics(
    request,
    unit: str | None = Query(None, pattern=CODE_PATTERN, description="mã GSO (mặc định: tỉnh của hệ thống; VN: cả "
                                                                     "nước)", example="19"),
    as_of: IsoDate | None = Query(None, description=AS_OF_HELP, example="2026-06-30"),
    period_start: IsoDate | None = Query(None, description="đầu kỳ tính thu hồi (mặc định 1/1 năm của ngày xét)"),
):
    """Chỉ đếm những gì bạn được xem: đơn vị ngoài phạm vi cho các số 0."""
    day = _day(as_of)
    try:
        data = statistics_of(_root(unit, day), day, period_start, request.auth)
    except ValueError as exc:
        raise ApiError(422, "validation_error", str(exc)) from None
    return {**data.to_dict(), "text": statistics_text(data)}
