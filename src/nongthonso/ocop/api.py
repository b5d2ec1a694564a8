"""OCOP over the REST API (``registry.ApiRouter("ocop", router)``, under /api/ocop/): products with their stars on
any date, producers, certificates, rating dossiers, and the statistics of ``nongthonso report ocop``.

Reads are scoped like the pages (``ocop.scope``): a product, producer or dossier the caller may not see is not
listed, and asked for by its code or id it is 404 (never 403: the API does not reveal it exists). Token or session,
the API's one error format. Dates are YYYY-MM-DD; ``as_of`` defaults to today.

Writes go through the services the pages use, which check the permission again, lock the row and audit: open a dossier
(``workflow.start``), take a step (``workflow.perform``, with the dossier's ``version`` as read: a stale one is 409
``stale``), write a council member's points (``scoring.set_scores``), revoke a certificate (``certificates.revoke``).
A refused step answers with the workflow's code and Vietnamese message (``STEP_STATUS``: 409 when the dossier is not
there yet, 422 when the request lacks something, 403 for role and separation of duties).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from nongthonso.api.errors import WORKFLOW_STATUS, ApiError, NotFound
from nongthonso.api.schemas import (
    CODE_PATTERN,
    DEFAULT_LIMIT,
    LIMIT_HELP,
    MAX_ID,
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_YEAR,
    MIN_YEAR,
    OFFSET_HELP,
    TEXT_PATTERN,
    BodyIn,
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

from . import certificates, scope, scoring, workflow
from .certificates import CertificateRejected
from .models import Certificate, CouncilMember, Evaluation, Producer, ProducerKind, Product, Rating, RatingState
from .reports import find_root, statistics_of, statistics_text, territory
from .status import certificate_status, in_force, stars_on
from .views_councils import editable_members

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
            "status": certificate_status(c, day).key, "renews": c.rating.previous_id if c.rating_id else None,
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


# --- writes: a dossier's workflow, the council's points, a revocation ----------------------------------------------

# the OCOP workflow's refusal codes beyond those of the assessments' workflow (``api.errors.WORKFLOW_STATUS``): what
# the dossier lacks yet is a conflict with its state (409), what the request lacks is bad input (422)
STEP_STATUS = {**WORKFLOW_STATUS, "evaluation": 409, "points": 409, "needs": 422, "stars": 422}
CERTIFICATE_STATUS = {"role": 403, "state": 409, "decision": 422, "stars": 422}
VERSION_HELP = "trường version của hồ sơ khi bạn đọc nó; hồ sơ đã đổi từ đó thì bị từ chối (409 stale) và không ghi gì"
STEPS = tuple(a for a in workflow.LABELS if a not in (workflow.START, workflow.TRANSFER))
ActionCode = Literal[STEPS]  # type: ignore[valid-type]
Points = float | str | None


def _refused(exc: workflow.WorkflowError) -> ApiError:
    return ApiError(STEP_STATUS.get(exc.code, 403), exc.code, exc.message)


class OcopStartIn(BodyIn):
    product: str = Field(..., pattern=CODE_PATTERN, description="mã sản phẩm", examples=["19-TC-01"])
    year: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR, description="năm của hồ sơ (mặc định năm nay)")
    self_assessment: str = Field("", max_length=5000, pattern=TEXT_PATTERN,
                                 description="tự đánh giá của chủ thể (hạng sao mong muốn, điểm mạnh)")


class OcopDecisionIn(BodyIn):
    number: str = Field("", max_length=60, pattern=TEXT_PATTERN, description="số, ký hiệu, ví dụ 1234/QĐ-UBND")
    date: IsoDate | None = Field(None, description="ngày ký quyết định")
    authority: str = Field("", max_length=200, pattern=TEXT_PATTERN,
                           description="cơ quan ban hành (mặc định: Ủy ban nhân dân của cấp quyết định)")


class OcopStepIn(BodyIn):
    action: ActionCode = Field(..., description="submit, preassess, return, score, decide, forward, not_recognise "
                                                "(các bước mở: trường steps của GET /api/ocop/ratings/{id})")
    expected_version: int | None = Field(None, ge=0, le=MAX_ID, description=VERSION_HELP)
    reason: str = Field("", max_length=2000, pattern=TEXT_PATTERN,
                        description="bắt buộc khi trả lại (return) hoặc kết luận không công nhận (not_recognise)")
    pre_assessment: str | None = Field(None, max_length=5000, pattern=TEXT_PATTERN,
                                       description="ý kiến đánh giá sơ bộ của xã (bắt buộc ở bước preassess)")
    stars: int | None = Field(None, ge=1, le=5, description="hạng sao công nhận (chỉ bước decide)")
    decision: OcopDecisionIn | None = Field(None, description="quyết định công nhận (chỉ bước decide)")


class OcopScoresIn(BodyIn):
    points: dict[str, Points] = Field(..., max_length=500,
                                      description="{mã tiêu chí: điểm} (số, hoặc «2,5»; null hoặc \"\": xóa điểm)")
    note: str = Field("", max_length=2000, pattern=TEXT_PATTERN)


class OcopRevokeIn(BodyIn):
    number: str = Field(..., max_length=60, pattern=TEXT_PATTERN, description="số quyết định thu hồi")
    date: IsoDate = Field(..., description="ngày thu hồi")
    reason: str = Field(..., max_length=2000, pattern=TEXT_PATTERN, description="lý do thu hồi")


class OcopStepOut(Schema):
    action: str
    key: str = Field(description="bước và cấp áp dụng, ví dụ decide@tinh")
    label: str
    description: str
    needs_reason: bool
    reason_hint: str
    needs_pre_assessment: bool
    stars: list[int] = Field(description="hạng sao bước này được công nhận (bước decide)")


class OcopHeldBackOut(Schema):
    action: str
    label: str
    message: str = Field(description="vì sao chưa thực hiện được và cần làm gì trước")


class OcopMemberOut(Schema):
    id: int
    full_name: str
    scored: int = Field(description="số tiêu chí thành viên này đã có điểm")


class OcopEvaluationOut(Schema):
    id: int
    round: str
    council: str
    date: dt.date
    total: float | None
    stars: int | None
    complete: bool
    parts: dict[str, float]
    gates_failed: list[str]
    members: list[OcopMemberOut] = Field(description="thành viên dự họp")


class OcopEventOut(Schema):
    id: int
    action: str
    label: str
    from_state: str
    to_state: str
    stage: str
    actor: str
    actor_role: str
    reason: str
    details: dict
    timestamp: dt.datetime


class OcopRatingDetail(OcopRatingOut):
    version: int = Field(description="tăng sau mỗi bước; gửi lại trong expected_version")
    state_label_here: str = Field(description="tên trạng thái theo quy trình đang áp dụng")
    workflow_here: str = Field(description="quy trình áp dụng cho bước tiếp theo (ocop-1489 cho hồ sơ ocop-148 còn "
                                           "mở sau 5/7/2025: bước tiếp theo ghi việc chuyển)")
    stage_here: str
    pre_assessment: str
    self_assessment: str
    steps: list[OcopStepOut] = Field(description="các bước bạn thực hiện được ngay")
    held_back: list[OcopHeldBackOut] = Field(description="các bước vai trò của bạn cho phép nhưng chưa thực hiện được")
    evaluations: list[OcopEvaluationOut]
    certificate: OcopCertificateOut | None
    events: list[OcopEventOut]


class OcopStepResult(Schema):
    event: OcopEventOut
    rating: OcopRatingDetail


def _visible_rating(user, pk: int) -> Rating:
    rating = (scope.ratings(user).select_related("product__producer", "product__unit__unit_type__level", "sheet")
              .prefetch_related("evaluations__round").filter(pk=pk).first())
    if rating is None:
        raise NotFound(f"Không có hồ sơ đánh giá OCOP id {pk}, hoặc hồ sơ không thuộc phạm vi bạn được xem. Xem các "
                       "hồ sơ bạn được xem tại GET /api/ocop/ratings.")
    return rating


def _step(step: workflow.Step) -> dict:
    return {"action": step.action, "key": step.key, "label": step.label, "description": step.description,
            "needs_reason": step.needs_reason, "reason_hint": step.reason_hint,
            "needs_pre_assessment": "pre_assessment" in step.needs, "stars": list(step.stars)}


def _event(e) -> dict:
    return {"id": e.pk, "action": e.action, "label": workflow.LABELS.get(e.action, e.action),
            "from_state": e.from_state, "to_state": e.to_state, "stage": e.stage, "actor": e.actor_name,
            "actor_role": e.actor_role, "reason": e.reason, "details": e.details, "timestamp": e.timestamp}


def _evaluation(e: Evaluation) -> dict:
    scored = {}
    for member_id in e.scores.values_list("member_id", flat=True):
        scored[member_id] = scored.get(member_id, 0) + 1
    return {"id": e.pk, "round": e.round.name, "council": e.round.council.name, "date": e.round.date,
            "total": float(e.total) if e.total is not None else None, "stars": e.stars, "complete": e.complete,
            "parts": {k: float(v) for k, v in (e.parts or {}).items()},
            "gates_failed": [str(g) for g in e.gates_failed or ()],
            "members": [{"id": m.pk, "full_name": m.full_name, "scored": scored.get(m.pk, 0)}
                        for m in (e.round.members.all() or e.round.council.members.all()).order_by("order", "pk")]}


def _rating_detail(rating: Rating, user) -> dict:
    here = workflow.position(rating)
    evaluations = (Evaluation.objects.filter(rating=rating).select_related("round__council")
                   .order_by("round__date", "pk"))
    certificate = Certificate.objects.filter(rating=rating).select_related("product", "rating").first()
    day = timezone.localdate()
    return {**_rating(rating), "version": rating.version, "state_label_here": here.state_label,
            "workflow_here": here.definition.code, "stage_here": here.stage,
            "pre_assessment": rating.pre_assessment, "self_assessment": rating.self_assessment,
            "steps": [_step(s) for s in workflow.available_actions(rating, user)],
            "held_back": [{"action": s.action, "label": s.label, "message": why}
                          for s, why in workflow.held_back(rating, user)],
            "evaluations": [_evaluation(e) for e in evaluations],
            "certificate": _certificate(certificate, day) if certificate else None,
            "events": [_event(e) for e in workflow.history(rating)]}


def _fresh(user, pk: int) -> dict:
    return _rating_detail(_visible_rating(user, pk), user)


@router.post("/ocop/ratings", response=responses(OcopRatingDetail), summary="Lập hồ sơ đánh giá, phân hạng OCOP")
def start_ocop_rating(request, payload: OcopStartIn):
    """Như trang «Lập hồ sơ»: tài khoản của chủ thể hoặc cán bộ quản lý OCOP của xã có sản phẩm (403 ``role``);
    sản phẩm ngoài phạm vi được xem 404; sản phẩm đang có hồ sơ chưa xong 409 ``state``. Hồ sơ mới ở trạng thái
    nháp, gắn với giấy chứng nhận gần nhất của sản phẩm (đánh giá lại)."""
    user = request.auth
    product = scope.products(user).select_related("producer", "subgroup", "unit").filter(code=payload.product).first()
    if product is None:
        raise NotFound(f"Không có sản phẩm OCOP mã «{payload.product}» trong phạm vi bạn được xem. Kiểm tra mã sản "
                       "phẩm (GET /api/ocop/products).")
    try:
        rating = workflow.start(product, user, year=payload.year, self_assessment=payload.self_assessment)
    except workflow.WorkflowError as exc:
        raise _refused(exc) from None
    return _fresh(user, rating.pk)


@router.get("/ocop/ratings/{rating_id}", response=responses(OcopRatingDetail),
            summary="Một hồ sơ đánh giá OCOP: các bước bạn thực hiện được, kết quả chấm, diễn biến")
def get_ocop_rating(request, rating_id: int = Path(..., ge=1, le=MAX_ID)):
    """``steps``: các bước bạn thực hiện được ngay; ``held_back``: các bước vai trò cho phép nhưng chưa được (vì
    sao); ``version``: gửi lại trong ``expected_version`` khi thực hiện bước."""
    return _rating_detail(_visible_rating(request.auth, rating_id), request.auth)


@router.post("/ocop/ratings/{rating_id}/steps", response=responses(OcopStepResult),
             summary="Thực hiện một bước của quy trình đánh giá OCOP")
def take_ocop_step(request, payload: OcopStepIn, rating_id: int = Path(..., ge=1, le=MAX_ID)):
    """Như các nút trên trang hồ sơ (``workflow.perform``): sai vai trò 403 ``role``; người đã gửi hoặc đánh giá sơ
    bộ hồ sơ không được chốt điểm hay ghi quyết định của chính hồ sơ đó (403 ``separation``); hồ sơ không ở trạng
    thái cho bước này 409 ``state``; chưa có đợt chấm đủ điểm 409 ``evaluation``; điểm chưa đủ 409 ``points``;
    ``expected_version`` cũ 409 ``stale``; thiếu lý do 422 ``reason``, ý kiến sơ bộ 422 ``needs``, quyết định
    422 ``decision``, hạng sao không hợp lệ 422 ``stars``. Bước decide tạo giấy chứng nhận."""
    user = request.auth
    rating = _visible_rating(user, rating_id)
    decision = payload.decision.model_dump() if payload.decision is not None else None
    try:
        event = workflow.perform(rating, payload.action, user, reason=payload.reason, stars=payload.stars,
                                 decision=decision, pre_assessment=payload.pre_assessment,
                                 expected_version=payload.expected_version)
    except workflow.WorkflowError as exc:
        raise _refused(exc) from None
    return {"event": _event(event), "rating": _fresh(user, rating.pk)}


@router.put("/ocop/ratings/{rating_id}/evaluations/{evaluation_id}/scores/{member_id}",
            response=responses(OcopEvaluationOut), summary="Ghi điểm của một thành viên hội đồng")
def put_ocop_scores(request, payload: OcopScoresIn, rating_id: int = Path(..., ge=1, le=MAX_ID),
               evaluation_id: int = Path(..., ge=1, le=MAX_ID), member_id: int = Path(..., ge=1, le=MAX_ID)):
    """Như bảng chấm điểm (``scoring.set_scores``): thành viên hội đồng ghi điểm của mình, cơ quan đánh giá, phân
    hạng của đơn vị ghi điểm của thành viên không có tài khoản (403 nếu không); chỉ khi hồ sơ còn chờ hội đồng đó
    chấm (409 ``state``); điểm ngoài thang hoặc tiêu chí không có 422 ``invalid_value`` (``details`` theo từng tiêu
    chí). Tổng điểm, hạng sao và các yêu cầu tối thiểu được tính lại ngay; ghi nhật ký."""
    user = request.auth
    rating = _visible_rating(user, rating_id)
    evaluation = (Evaluation.objects.filter(pk=evaluation_id, rating=rating)
                  .select_related("round__council__unit__unit_type__level", "rating__product__unit", "rating__sheet")
                  .first())
    if evaluation is None:
        raise NotFound(f"Hồ sơ id {rating_id} không có đợt chấm id {evaluation_id}; xem trường evaluations của GET "
                       f"/api/ocop/ratings/{rating_id}.")
    member = CouncilMember.objects.filter(pk=member_id, council=evaluation.round.council_id).first()
    if member is None or not scoring.seated(member, evaluation.round):
        raise NotFound(f"Đợt «{evaluation.round.name}» không có thành viên dự họp id {member_id}; xem trường "
                       "evaluations[].members của hồ sơ.")
    if member.pk not in editable_members(evaluation, user):  # the score sheet page's rule
        raise ApiError(403, "role", f"Bạn không nhập được điểm của «{member.full_name}»: thành viên có tài khoản tự "
                                    "nhập điểm của mình; cơ quan lập hội đồng nhập điểm của thành viên không có tài "
                                    "khoản.")
    try:
        workflow.enter_scores(evaluation, member, payload.points, user, note=payload.note)
    except workflow.WorkflowError as exc:
        raise ApiError(409, exc.code, exc.message) from None
    except scoring.ScoreRejected as exc:
        raise ApiError(422, "invalid_value", " ".join(exc.problems.values()),
                       [{"field": f"points.{code}" if code else "points", "location": "body",
                         "code": "invalid_value", "message": message}
                        for code, message in exc.problems.items()]) from None
    return _evaluation(Evaluation.objects.select_related("round__council").get(pk=evaluation.pk))


@router.post("/ocop/certificates/{certificate_id}/revoke", response=responses(OcopCertificateOut),
             summary="Ghi quyết định thu hồi một giấy chứng nhận OCOP")
def revoke_ocop_certificate(request, payload: OcopRevokeIn, certificate_id: int = Path(..., ge=1, le=MAX_ID)):
    """Như trang hồ sơ (``certificates.revoke``): Văn phòng Điều phối NTM có quyền đánh giá, phân hạng ở đơn vị
    của sản phẩm (403 ``role``); đã thu hồi 409 ``state``; thiếu số, ngày ngoài khoảng quyết định công nhận – hôm
    nay 422 ``decision``. Giấy chứng nhận vẫn còn hiệu lực trước ngày thu hồi."""
    user = request.auth
    certificate = (Certificate.objects.filter(pk=certificate_id, product__in=scope.products(user).values("pk"))
                   .select_related("product", "rating").first())
    if certificate is None:
        raise NotFound(f"Không có giấy chứng nhận OCOP id {certificate_id} trong phạm vi bạn được xem; xem GET "
                       "/api/ocop/certificates.")
    try:
        certificates.revoke(certificate, number=payload.number, date=payload.date, reason=payload.reason, user=user)
    except CertificateRejected as exc:
        raise ApiError(CERTIFICATE_STATUS.get(exc.code, 422), exc.code, exc.message) from None
    return _certificate(certificate, timezone.localdate())
