"""The criteria catalogue as data. Files in ``catalogue/`` are the source; see docs/criteria-format.md."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from nongthonso.core.choices import Provenance

from .choices import Comparator, Level, ThresholdDimension, ValueType


class CriteriaSetQuerySet(models.QuerySet):
    def in_force_on(self, date):
        return self.filter(effective_from__lte=date).filter(
            models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=date)
        )

    def latest_versions(self):
        return self.filter(superseded_by__isnull=True)


class CriteriaSet(models.Model):
    code = models.SlugField("mã bộ tiêu chí", max_length=60)
    version = models.PositiveIntegerField("phiên bản", default=1)
    level = models.CharField("cấp công nhận", max_length=30, choices=Level.choices)
    name = models.CharField("tên", max_length=300)
    name_en = models.CharField("tên tiếng Anh", max_length=300, blank=True)
    legal_basis = models.CharField("căn cứ pháp lý", max_length=500)
    effective_from = models.DateField("hiệu lực từ")
    effective_to = models.DateField("hiệu lực đến", null=True, blank=True)
    province_code = models.CharField(
        "tỉnh ban hành", max_length=10, blank=True,
        help_text="A provincial set (e.g. the pilot «xã NTM hiện đại» criteria a province issues under Decision "
                  "51/2025/QĐ-TTg Phụ lục II): the GSO code of the province whose units it applies to; blank for a "
                  "national set.")
    threshold_dimension = models.CharField(max_length=20, choices=ThresholdDimension.choices,
                                           default=ThresholdDimension.REGION)
    region_override = models.JSONField(default=dict, blank=True,
                                       help_text='{"flags": ["dac_biet_kho_khan", "atk"], "region": "TDMNPB"}')
    requires = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="required_by", verbose_name="yêu cầu đạt trước bộ")
    superseded_by = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="supersedes", verbose_name="thay bằng phiên bản")
    source = models.TextField("nguồn", blank=True)
    verified = models.BooleanField("đã đối chiếu văn bản", default=False)
    spec_hash = models.CharField(max_length=64, editable=False, blank=True)
    updated_at = models.DateTimeField(auto_now=True, help_text="touched whenever a row of the set changes")

    objects = CriteriaSetQuerySet.as_manager()

    class Meta:
        ordering = ["effective_from", "code", "version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="criteria_set_code_version")]
        verbose_name = "bộ tiêu chí"
        verbose_name_plural = "bộ tiêu chí"

    def __str__(self):
        return f"{self.name} (v{self.version})"

    def is_in_use(self) -> bool:
        return self.assessments.exists()


class Criterion(models.Model):
    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField("mã", max_length=10)
    name = models.CharField("tên", max_length=300)
    name_en = models.CharField(max_length=300, blank=True)
    group = models.CharField("nhóm", max_length=200, blank=True)
    revocation_key = models.BooleanField(
        "tiêu chí then chốt khi thu hồi", default=False,
        help_text="Quyết định 18/2022/QĐ-TTg: failing it with 30-50% of criteria failing revokes recognition.",
    )
    condition = models.BooleanField(
        "điều kiện công nhận", default=False,
        help_text="A recognition condition (e.g. 100% of communes NTM): required for eligibility, not counted "
                  "among the criteria met.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["criteria_set", "position"]
        constraints = [models.UniqueConstraint(fields=["criteria_set", "code"], name="criterion_code_unique")]
        verbose_name = "tiêu chí"
        verbose_name_plural = "tiêu chí"

    def __str__(self):
        return f"{self.code}. {self.name}"


class Indicator(models.Model):
    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.CASCADE, related_name="indicators")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField("mã chỉ tiêu", max_length=10)
    name = models.TextField("tên")
    name_en = models.TextField(blank=True)
    unit = models.CharField("đơn vị tính", max_length=60, blank=True)
    value_type = models.CharField("kiểu giá trị", max_length=10, choices=ValueType.choices)
    comparator = models.CharField("so sánh", max_length=2, choices=Comparator.choices)
    categories = models.JSONField("các giá trị phân loại", default=list, blank=True)
    threshold_ref = models.JSONField(default=dict, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    source = models.TextField("nguồn", blank=True)
    verified = models.BooleanField("đã đối chiếu văn bản", default=False)

    class Meta:
        ordering = ["criteria_set", "position"]
        constraints = [models.UniqueConstraint(fields=["criteria_set", "code"], name="indicator_code_unique")]
        verbose_name = "chỉ tiêu"
        verbose_name_plural = "chỉ tiêu"

    def __str__(self):
        return f"{self.code} {self.name}"


class Threshold(models.Model):
    """A threshold row. Null region/group/year/province means "any"; the most specific row wins."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="thresholds")
    region = models.CharField("vùng", max_length=10, blank=True)
    commune_group = models.PositiveSmallIntegerField("nhóm xã", null=True, blank=True)
    year = models.PositiveSmallIntegerField("năm", null=True, blank=True)
    province_code = models.CharField(
        "tỉnh quy định", max_length=10, blank=True,
        help_text="Provincial override (UBND tỉnh quy định cụ thể); blank for the national value.",
    )
    value = models.JSONField("ngưỡng")
    source = models.TextField("nguồn", blank=True)
    provenance = models.CharField(
        "nguồn gốc", max_length=12, choices=Provenance.choices, default=Provenance.PLACEHOLDER,
        help_text="Trích từ chính văn bản (quoted), theo nguồn thứ cấp như báo chí, văn bản của tỉnh khác (secondary), "
                  "tạm đặt chưa có nguồn (placeholder), hoặc do tỉnh quy định (province). «verified» chỉ đúng khi "
                  "trích từ văn bản.")
    verified = models.BooleanField("đã đối chiếu văn bản", default=False)

    class Meta:
        ordering = ["indicator", "province_code", "region", "commune_group", "year"]
        verbose_name = "ngưỡng"
        verbose_name_plural = "ngưỡng"

    def __str__(self):
        return f"{self.indicator.code}: {self.value}"

    def clean(self):
        criteria_set = self.indicator.criteria_set
        if criteria_set.is_in_use():
            raise ValidationError(
                f"Bộ tiêu chí «{criteria_set}» đã được dùng cho các bản đánh giá nên không sửa trực tiếp được. "
                "Hãy tạo phiên bản mới (thao tác «Tạo phiên bản mới» trong danh sách bộ tiêu chí) rồi sửa ngưỡng "
                "ở phiên bản đó."
            )


class ThresholdConfirmation(models.Model):
    """A province office's check of a threshold row against the official text: where it is written (document,
    article, appendix, page), who confirmed it and when. A national set's rows are confirmed by each province for
    itself; a provincial set's (or a provincial override's) by its province only. The value confirmed is kept: when
    the row's value changes afterwards (a set not yet in use), the confirmation no longer backs it
    (``confirmations.py``)."""

    threshold = models.ForeignKey(Threshold, on_delete=models.CASCADE, related_name="confirmations",
                                  verbose_name="ngưỡng")
    province_code = models.CharField("tỉnh xác nhận", max_length=10,
                                     help_text="Mã GSO của tỉnh mà Văn phòng Điều phối NTM xác nhận ngưỡng.")
    value = models.JSONField("giá trị ngưỡng đã xác nhận")
    document = models.CharField("văn bản", max_length=300,
                                help_text="Số, ký hiệu và tên văn bản, ví dụ «Quyết định 318/QĐ-TTg ngày 8/3/2022».")
    article = models.CharField("điều, khoản, điểm", max_length=120, blank=True)
    appendix = models.CharField("phụ lục", max_length=120, blank=True)
    page = models.CharField("trang", max_length=20)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name="người xác nhận")
    confirmed_by_name = models.CharField("tên người xác nhận", max_length=300, blank=True)
    confirmed_at = models.DateTimeField("ngày xác nhận")

    class Meta:
        ordering = ["threshold", "province_code"]
        constraints = [models.UniqueConstraint(fields=["threshold", "province_code"],
                                               name="threshold_confirmation_unique")]
        verbose_name = "xác nhận ngưỡng theo văn bản"
        verbose_name_plural = "xác nhận ngưỡng theo văn bản"

    def __str__(self):
        return f"{self.threshold} — tỉnh {self.province_code}: {self.citation}"

    @property
    def citation(self) -> str:
        """«Quyết định 318/QĐ-TTg, Điều 1, Phụ lục I, trang 5» (the parts given)."""
        parts = [self.document, self.article, self.appendix, f"trang {self.page}" if self.page else ""]
        return ", ".join(p for p in parts if p)

    def to_dict(self) -> dict:
        """As the API and the exports give it."""
        return {"province_code": self.province_code, "value": self.value, "document": self.document,
                "article": self.article, "appendix": self.appendix, "page": self.page, "citation": self.citation,
                "confirmed_by": self.confirmed_by_name, "confirmed_at": self.confirmed_at}


class IndicatorMapping(models.Model):
    """An indicator of one set that corresponds to an indicator of a later set (2021-2025 → 2026-2030), so that a
    commune's new dossier can start from its latest values — each carried value marked until an officer confirms
    it. Data with provenance: loaded from ``catalogue/mappings/*.yaml``; ``verified`` only when the
    correspondence was read in the official text."""

    from_indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="mapped_to",
                                       verbose_name="chỉ tiêu giai đoạn trước")
    to_indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="mapped_from",
                                     verbose_name="chỉ tiêu giai đoạn sau")
    source = models.TextField("nguồn, căn cứ", blank=True)
    verified = models.BooleanField("đã đối chiếu văn bản", default=False)

    class Meta:
        ordering = ["to_indicator__criteria_set", "to_indicator__position"]
        constraints = [models.UniqueConstraint(fields=["from_indicator", "to_indicator"],
                                               name="indicator_mapping_unique")]
        verbose_name = "tương ứng chỉ tiêu giữa hai giai đoạn"
        verbose_name_plural = "tương ứng chỉ tiêu giữa hai giai đoạn"

    def __str__(self):
        return f"{self.from_indicator.code} → {self.to_indicator.code}"
