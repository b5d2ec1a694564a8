"""OCOP («Mỗi xã một sản phẩm»): producers, their products, the scoring sheets, the annual cycle's registrations, the
rating dossiers with their councils' member scores, and the certificates.

Everything a statistic reports is counted from the raw rows here: a product's stars on a date are those of its
certificate in force on that date (``Certificate``: decision date, 36 months, revocation), a council's score is
computed by the points engine (``ocop.engine``) from each member's points per criterion (``MemberScore``). The
``Evaluation`` columns ``total``/``stars``/``parts`` are the engine's output kept beside the raw scores (refreshed
in the write transaction, like an assessment's stored results), never typed in.

Catalogue rows (groups, sub-groups, scoring sheets, star bands) are data with provenance: Decision 148/QĐ-TTg
(24/2/2023) and Decision 1048/QĐ-TTg (21/8/2019) ship as two sheet versions; numbers not quoted from the decision
itself are marked ``verified = False``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from nongthonso.core import filetypes
from nongthonso.core.choices import Provenance
from nongthonso.core.text import fold
from nongthonso.units.models import Unit

# --- catalogue (data) ------------------------------------------------------------------------------------------------

class ProductGroup(models.Model):
    """One of the six groups of Decision 148/QĐ-TTg, Điều 1 (Thực phẩm, Đồ uống, …)."""

    code = models.CharField("mã nhóm", max_length=10, unique=True)
    name = models.CharField("tên nhóm", max_length=200)
    provenance = models.CharField("nguồn", max_length=20, choices=Provenance.choices)
    source = models.CharField("trích nguồn", max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = "nhóm sản phẩm OCOP"
        verbose_name_plural = "nhóm sản phẩm OCOP"

    def __str__(self):
        return f"{self.code}. {self.name}"


class SubGroup(models.Model):
    """A sub-group (bộ sản phẩm) of Decision 148's Phụ lục I, with its lead ministry."""

    group = models.ForeignKey(ProductGroup, on_delete=models.PROTECT, related_name="subgroups", verbose_name="nhóm")
    code = models.CharField("mã phân nhóm", max_length=20, unique=True)
    name = models.CharField("tên phân nhóm", max_length=300)
    lead_ministry = models.CharField("bộ chủ trì", max_length=100, blank=True)
    provenance = models.CharField("nguồn", max_length=20, choices=Provenance.choices)
    source = models.CharField("trích nguồn", max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["group__order", "order", "code"]
        verbose_name = "phân nhóm sản phẩm OCOP"
        verbose_name_plural = "phân nhóm sản phẩm OCOP"

    def __str__(self):
        return f"{self.code} {self.name}"


class CouncilRule(models.TextChoices):
    """How a council's score on a criterion comes from its members' points (data per sheet version)."""

    MEAN = "mean", "Trung bình cộng điểm của các thành viên"


class ScoringSheet(models.Model):
    """A versioned scoring sheet (phiếu đánh giá): parts A/B/C with points per criterion, minimum requirements that
    gate a star level, bonus points, star bands. Applies to the sub-groups it names (all when it names none)."""

    code = models.SlugField("mã phiếu", max_length=80, unique=True)
    name = models.CharField("tên phiếu", max_length=300)
    legal_basis = models.CharField("căn cứ", max_length=300)
    version = models.PositiveSmallIntegerField("phiên bản", default=1)
    valid_from = models.DateField("áp dụng từ")
    valid_to = models.DateField("áp dụng đến", null=True, blank=True)
    subgroups = models.ManyToManyField(SubGroup, blank=True, related_name="sheets", verbose_name="áp dụng cho")
    council_rule = models.CharField("cách tính điểm hội đồng", max_length=20, choices=CouncilRule.choices,
                                    default=CouncilRule.MEAN)
    total_points = models.DecimalField("tổng điểm tối đa", max_digits=6, decimal_places=2, default=Decimal(100))
    certificate_months = models.PositiveSmallIntegerField("thời hạn giấy chứng nhận (tháng)", default=36)
    provenance = models.CharField("nguồn", max_length=20, choices=Provenance.choices)
    source = models.TextField("trích nguồn", blank=True)
    verified = models.BooleanField("đã đối chiếu văn bản", default=False)

    class Meta:
        ordering = ["-valid_from", "code"]
        verbose_name = "phiếu đánh giá OCOP"
        verbose_name_plural = "phiếu đánh giá OCOP"

    def __str__(self):
        return self.name


class SheetPart(models.Model):
    """Part A (sản phẩm và sức mạnh cộng đồng), B (khả năng tiếp thị), C (chất lượng sản phẩm) of a sheet."""

    sheet = models.ForeignKey(ScoringSheet, on_delete=models.CASCADE, related_name="parts", verbose_name="phiếu")
    code = models.CharField("phần", max_length=5)
    name = models.CharField("tên phần", max_length=200)
    max_points = models.DecimalField("điểm tối đa", max_digits=6, decimal_places=2)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sheet", "order"]
        constraints = [models.UniqueConstraint(fields=["sheet", "code"], name="ocop_part_unique")]
        verbose_name = "phần của phiếu"
        verbose_name_plural = "phần của phiếu"

    def __str__(self):
        return f"{self.code}. {self.name} ({self.max_points} điểm)"


class SheetCriterion(models.Model):
    """A criterion of a sheet: its part, its maximum points; a bonus criterion adds to the total (capped at the
    sheet's total); a minimum requirement: a product needs ``minimum_points`` here to be rated ``minimum_stars`` or
    more."""

    sheet = models.ForeignKey(ScoringSheet, on_delete=models.CASCADE, related_name="criteria", verbose_name="phiếu")
    part = models.ForeignKey(SheetPart, on_delete=models.CASCADE, related_name="criteria", verbose_name="phần")
    code = models.CharField("mã tiêu chí", max_length=20)
    name = models.CharField("tên tiêu chí", max_length=400)
    max_points = models.DecimalField("điểm tối đa", max_digits=6, decimal_places=2)
    bonus = models.BooleanField("điểm cộng", default=False)
    minimum_points = models.DecimalField("điểm tối thiểu phải đạt", max_digits=6, decimal_places=2, null=True,
                                         blank=True)
    minimum_stars = models.PositiveSmallIntegerField("áp dụng từ hạng sao", null=True, blank=True,
                                                     validators=[MinValueValidator(1), MaxValueValidator(5)])
    provenance = models.CharField("nguồn", max_length=20, choices=Provenance.choices)
    source = models.CharField("trích nguồn", max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sheet", "order"]
        constraints = [models.UniqueConstraint(fields=["sheet", "code"], name="ocop_criterion_unique")]
        verbose_name = "tiêu chí chấm điểm"
        verbose_name_plural = "tiêu chí chấm điểm"

    def __str__(self):
        return f"{self.code} {self.name}"


class StarBand(models.Model):
    """A star class by total points (90/70/50/30 for 148, marked unverified)."""

    sheet = models.ForeignKey(ScoringSheet, on_delete=models.CASCADE, related_name="bands", verbose_name="phiếu")
    stars = models.PositiveSmallIntegerField("hạng sao", validators=[MinValueValidator(1), MaxValueValidator(5)])
    min_points = models.DecimalField("từ điểm", max_digits=6, decimal_places=2)
    provenance = models.CharField("nguồn", max_length=20, choices=Provenance.choices)
    source = models.CharField("trích nguồn", max_length=500, blank=True)
    verified = models.BooleanField("đã đối chiếu văn bản", default=False)

    class Meta:
        ordering = ["sheet", "-stars"]
        constraints = [models.UniqueConstraint(fields=["sheet", "stars"], name="ocop_band_unique")]
        verbose_name = "hạng sao theo điểm"
        verbose_name_plural = "hạng sao theo điểm"

    def __str__(self):
        return f"{self.stars}★ từ {self.min_points} điểm"


# --- producers and products ------------------------------------------------------------------------------------------

class ProducerKind(models.TextChoices):
    COOPERATIVE = "hop_tac_xa", "Hợp tác xã"
    ENTERPRISE = "doanh_nghiep", "Doanh nghiệp"
    COOPERATIVE_GROUP = "to_hop_tac", "Tổ hợp tác"
    HOUSEHOLD = "ho_kinh_doanh", "Hộ kinh doanh"


class Producer(models.Model):
    """A producer (chủ thể OCOP). ``unit`` is the commune version in force when it was registered; ``members`` the
    producer's own accounts (they see and submit only their producer's products). ``cooperative_key`` is the
    co-operative's registration code, the key the co-operatives module joins on."""

    name = models.CharField("tên chủ thể", max_length=300)
    kind = models.CharField("loại hình", max_length=20, choices=ProducerKind.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="ocop_producers", verbose_name="xã, phường")
    address = models.CharField("địa chỉ", max_length=400, blank=True)
    representative = models.CharField("người đại diện", max_length=200, blank=True)
    phone = models.CharField("điện thoại", max_length=30, blank=True)
    email = models.EmailField("thư điện tử", blank=True)
    registration_number = models.CharField("số đăng ký kinh doanh", max_length=50, blank=True)
    tax_code = models.CharField("mã số thuế", max_length=20, blank=True)
    registered_on = models.DateField("ngày đăng ký", null=True, blank=True)
    cooperative_key = models.CharField("mã hợp tác xã (liên kết)", max_length=50, blank=True, db_index=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="ocop_producers",
                                     verbose_name="tài khoản của chủ thể")
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "chủ thể OCOP"
        verbose_name_plural = "chủ thể OCOP"

    def __str__(self):
        return self.name


class Product(models.Model):
    """A product. ``unit`` is the commune it comes from (version in force when it was registered); ``search`` the
    folded name, producer and commune (search without diacritics)."""

    code = models.CharField("mã sản phẩm", max_length=40, unique=True)
    name = models.CharField("tên sản phẩm", max_length=300)
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="products", verbose_name="chủ thể")
    subgroup = models.ForeignKey(SubGroup, on_delete=models.PROTECT, related_name="products",
                                 verbose_name="phân nhóm")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="ocop_products", verbose_name="xã, phường")
    description = models.TextField("mô tả", blank=True)
    quality_declaration = models.TextField("công bố chất lượng, tiêu chuẩn", blank=True)
    packaging = models.TextField("bao bì, nhãn mác", blank=True)
    story = models.TextField("câu chuyện sản phẩm", blank=True)
    sales_channels = models.TextField("kênh bán hàng", blank=True)
    search = models.CharField(max_length=900, blank=True, editable=False, db_index=True)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "sản phẩm OCOP"
        verbose_name_plural = "sản phẩm OCOP"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search = fold(" ".join((self.name, self.producer.name if self.producer_id else "", self.code)))
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search"}
        super().save(*args, **kwargs)


def _image_path(instance, filename: str) -> str:
    return filetypes.random_path(f"ocop/{instance.product_id}", filename)


class ProductImage(models.Model):
    """A photo of a product, checked by its content before it is stored (``core.filetypes``), under a random name."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images", verbose_name="sản phẩm")
    file = models.FileField("ảnh", upload_to=_image_path, max_length=255)
    caption = models.CharField("chú thích", max_length=300, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    order = models.PositiveSmallIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["product", "order", "pk"]
        verbose_name = "ảnh sản phẩm"
        verbose_name_plural = "ảnh sản phẩm"

    def __str__(self):
        return self.caption or f"Ảnh {self.pk} của sản phẩm {self.product_id}"


# --- the annual cycle ------------------------------------------------------------------------------------------------

class RegistrationKind(models.TextChoices):
    IDEA = "y_tuong", "Đăng ký ý tưởng sản phẩm"
    PLAN = "phuong_an", "Phương án, dự án sản xuất kinh doanh"


class RegistrationStatus(models.TextChoices):
    RECEIVED = "received", "Đã tiếp nhận"
    ACCEPTED = "accepted", "Được chấp thuận"
    REFUSED = "refused", "Không được chấp thuận"


class Registration(models.Model):
    """Step 2 and 3 of the annual OCOP cycle: a product idea or a business plan, registered with the commune."""

    year = models.PositiveSmallIntegerField("năm", validators=[MinValueValidator(2018), MaxValueValidator(2100)])
    kind = models.CharField("loại đăng ký", max_length=20, choices=RegistrationKind.choices)
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="registrations",
                                 verbose_name="chủ thể")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="registrations", verbose_name="sản phẩm")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="xã tiếp nhận")
    title = models.CharField("tên ý tưởng, phương án", max_length=300)
    description = models.TextField("nội dung", blank=True)
    submitted_on = models.DateField("ngày đăng ký")
    status = models.CharField("tình trạng", max_length=20, choices=RegistrationStatus.choices,
                              default=RegistrationStatus.RECEIVED)
    note = models.TextField("ghi chú", blank=True)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        ordering = ["-year", "submitted_on", "pk"]
        verbose_name = "đăng ký chu trình OCOP"
        verbose_name_plural = "đăng ký chu trình OCOP"

    def __str__(self):
        return f"{self.title} ({self.year})"


# --- councils, rating dossiers, scores -------------------------------------------------------------------------------

class Council(models.Model):
    """An OCOP rating council (hội đồng đánh giá, phân hạng), set up by the people's committee of ``unit``."""

    name = models.CharField("tên hội đồng", max_length=300)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="ocop_councils",
                             verbose_name="cấp thành lập")
    decision_number = models.CharField("số quyết định thành lập", max_length=50, blank=True)
    decision_date = models.DateField("ngày quyết định", null=True, blank=True)
    year = models.PositiveSmallIntegerField("năm", validators=[MinValueValidator(2018), MaxValueValidator(2100)])
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = "hội đồng đánh giá OCOP"
        verbose_name_plural = "hội đồng đánh giá OCOP"

    def __str__(self):
        return self.name


class CouncilMember(models.Model):
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="members", verbose_name="hội đồng")
    full_name = models.CharField("họ và tên", max_length=200)
    position = models.CharField("chức danh trong hội đồng", max_length=200, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="ocop_council_seats", verbose_name="tài khoản")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["council", "order", "pk"]
        verbose_name = "thành viên hội đồng"
        verbose_name_plural = "thành viên hội đồng"

    def __str__(self):
        return self.full_name


class Round(models.Model):
    """A rating round: a council's sitting on a date, scoring the dossiers put before it."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="rounds", verbose_name="hội đồng")
    name = models.CharField("tên đợt", max_length=200)
    date = models.DateField("ngày họp")
    members = models.ManyToManyField(CouncilMember, blank=True, related_name="rounds",
                                     verbose_name="thành viên dự họp")
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        ordering = ["-date", "pk"]
        verbose_name = "đợt đánh giá"
        verbose_name_plural = "đợt đánh giá"

    def __str__(self):
        return f"{self.name} ({self.date:%d/%m/%Y})"


class RatingState(models.TextChoices):
    DRAFT = "draft", "Đang chuẩn bị hồ sơ"
    SUBMITTED = "submitted", "Đã gửi, chờ xã đánh giá sơ bộ"
    RETURNED = "returned", "Bị trả lại, chờ chủ thể bổ sung"
    PROPOSED = "proposed", "Đã đề xuất, chờ hội đồng chấm"
    SCORED = "scored", "Hội đồng đã chấm, chờ quyết định"
    FORWARDED = "forwarded", "Đã chuyển cấp trên đánh giá"
    CERTIFIED = "certified", "Đã có quyết định công nhận"
    NOT_RECOGNISED = "not_recognised", "Không đủ điều kiện công nhận"


class Rating(models.Model):
    """A product's rating dossier of one year: it follows the OCOP workflow in force (``workflow``, a definition
    code of ``ocop/workflows``) from the producer's submission to a certificate. ``stage`` is the unit level whose
    council rates it now (huyen, tinh, trung_uong). ``previous``: the certificate a re-rating renews."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="ratings", verbose_name="sản phẩm")
    year = models.PositiveSmallIntegerField("năm", validators=[MinValueValidator(2018), MaxValueValidator(2100)])
    sheet = models.ForeignKey(ScoringSheet, on_delete=models.PROTECT, related_name="ratings",
                              verbose_name="phiếu đánh giá")
    workflow = models.CharField("quy trình", max_length=60)
    state = models.CharField("trạng thái", max_length=20, choices=RatingState.choices, default=RatingState.DRAFT)
    stage = models.CharField("cấp đang đánh giá", max_length=20, blank=True)
    proposed_stars = models.PositiveSmallIntegerField("hạng sao đề nghị", null=True, blank=True,
                                                      validators=[MinValueValidator(1), MaxValueValidator(5)])
    self_assessment = models.TextField("báo cáo tự đánh giá", blank=True)
    pre_assessment = models.TextField("ý kiến đánh giá sơ bộ của xã", blank=True)
    previous = models.ForeignKey("Certificate", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="renewals", verbose_name="giấy chứng nhận được đánh giá lại")
    version = models.PositiveIntegerField(default=0)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year", "pk"]
        indexes = [models.Index(fields=["state", "year"], name="ocop_rating_state")]
        verbose_name = "hồ sơ đánh giá OCOP"
        verbose_name_plural = "hồ sơ đánh giá OCOP"

    def __str__(self):
        return f"{self.product} ({self.year})"


class RatingEvent(models.Model):
    """A step taken on a rating dossier (the timeline), with who took it, in which role, and the reason."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="events", verbose_name="hồ sơ")
    action = models.CharField("thao tác", max_length=30)
    from_state = models.CharField("từ trạng thái", max_length=20, choices=RatingState.choices)
    to_state = models.CharField("sang trạng thái", max_length=20, choices=RatingState.choices)
    stage = models.CharField("cấp", max_length=20, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_name = models.CharField("người thực hiện", max_length=150, blank=True)
    actor_role = models.CharField("với vai trò", max_length=300, blank=True)
    reason = models.TextField("lý do, ghi chú", blank=True)
    details = models.JSONField("chi tiết", default=dict, blank=True)
    timestamp = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["timestamp", "pk"]
        verbose_name = "bước của hồ sơ OCOP"
        verbose_name_plural = "bước của hồ sơ OCOP"

    def __str__(self):
        return f"{self.action}: {self.from_state} → {self.to_state}"


class Evaluation(models.Model):
    """A rating dossier before one round of a council: the members' points (``MemberScore``) and the engine's result
    of them (``total``, ``parts``, ``stars``, ``gates_failed``; refreshed whenever a score is written)."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="evaluations", verbose_name="hồ sơ")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="evaluations", verbose_name="đợt")
    total = models.DecimalField("tổng điểm", max_digits=6, decimal_places=2, null=True, blank=True)
    parts = models.JSONField("điểm từng phần", default=dict, blank=True)
    stars = models.PositiveSmallIntegerField("hạng sao theo điểm", null=True, blank=True)
    gates_failed = models.JSONField("yêu cầu tối thiểu chưa đạt", default=list, blank=True)
    complete = models.BooleanField("đủ điểm của mọi thành viên", default=False)

    class Meta:
        ordering = ["round__date", "pk"]
        constraints = [models.UniqueConstraint(fields=["rating", "round"], name="ocop_evaluation_unique")]
        verbose_name = "kết quả chấm của hội đồng"
        verbose_name_plural = "kết quả chấm của hội đồng"

    def __str__(self):
        return f"Hồ sơ {self.rating_id}, đợt {self.round_id}: {self.total} điểm"


class MemberScore(models.Model):
    """The raw input: one council member's points on one criterion of one evaluation."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores",
                                   verbose_name="kết quả chấm")
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="scores",
                               verbose_name="thành viên")
    criterion = models.ForeignKey(SheetCriterion, on_delete=models.PROTECT, related_name="scores",
                                  verbose_name="tiêu chí")
    points = models.DecimalField("điểm", max_digits=6, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evaluation", "member", "criterion"],
                                               name="ocop_member_score_unique")]
        verbose_name = "điểm của thành viên"
        verbose_name_plural = "điểm của thành viên"

    def __str__(self):
        return f"{self.member_id} · {self.criterion_id}: {self.points}"


# --- certificates ----------------------------------------------------------------------------------------------------

def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day (31/1 + 1 month → 28 or 29/2)."""
    import calendar

    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def in_force_condition(day: dt.date) -> models.Q:
    """The certificates valid on ``day`` as a condition (to combine with others in one filter): decided on or before
    it, not expired, not revoked by then."""
    return (models.Q(decision_date__lte=day, valid_until__gte=day)
            & (models.Q(revoked_on__isnull=True) | models.Q(revoked_on__gt=day)))


class CertificateQuerySet(models.QuerySet):
    def in_force_on(self, day: dt.date):
        """The certificates valid on ``day``: decided on or before it, not expired, not revoked by then."""
        return self.filter(in_force_condition(day))


class Certificate(models.Model):
    """A recognition decision and certificate: ``stars`` for 36 months (``valid_until``, computed at issue from the
    sheet's ``certificate_months``); revocation with its decision and reason; the expiry notice, sent once."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="certificates",
                                verbose_name="sản phẩm")
    rating = models.OneToOneField(Rating, null=True, blank=True, on_delete=models.PROTECT, related_name="certificate",
                                  verbose_name="hồ sơ đánh giá")
    stars = models.PositiveSmallIntegerField("hạng sao", validators=[MinValueValidator(3), MaxValueValidator(5)])
    decision_number = models.CharField("số quyết định", max_length=50)
    decision_date = models.DateField("ngày quyết định")
    issuing_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="đơn vị ban hành")
    issuing_level = models.CharField("cấp công nhận", max_length=20,
                                     help_text="UnitLevel code (huyen, tinh) or trung_uong")
    issuing_authority = models.CharField("cơ quan ban hành", max_length=200, blank=True)
    valid_until = models.DateField("hiệu lực đến")
    revoked_on = models.DateField("ngày thu hồi", null=True, blank=True)
    revocation_decision = models.CharField("quyết định thu hồi", max_length=50, blank=True)
    revocation_reason = models.TextField("lý do thu hồi", blank=True)
    expiry_notice_sent_at = models.DateTimeField("đã báo sắp hết hạn lúc", null=True, blank=True)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)
    created = models.DateTimeField(default=timezone.now)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-decision_date", "pk"]
        indexes = [models.Index(fields=["decision_date", "valid_until"], name="ocop_certificate_validity")]
        constraints = [
            models.CheckConstraint(condition=models.Q(valid_until__gte=models.F("decision_date")),
                                   name="ocop_certificate_dates"),
        ]
        verbose_name = "giấy chứng nhận OCOP"
        verbose_name_plural = "giấy chứng nhận OCOP"

    def __str__(self):
        return f"{self.decision_number} — {self.product} {self.stars}★"
