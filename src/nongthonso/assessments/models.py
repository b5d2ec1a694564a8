"""Assessments: one per unit × year × criteria set, holding raw indicator values and the engine's results.

``results`` and the summary columns are *derived*: ``services.evaluate_assessment`` recomputes them
from the values whenever a value changes, in the same transaction.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from nongthonso.criteria.models import CriteriaSet, Indicator
from nongthonso.units.models import Unit, UnitFacts


class AssessmentQuerySet(models.QuerySet):
    def for_year(self, year: int):
        return self.filter(year=year)

    def restrict(self, user, action: str = "view"):
        """Only the assessments whose unit lies in ``user``'s scope for ``action`` (see accounts.services)."""
        from nongthonso.accounts.services import restrict

        return restrict(self, user, action)


class State(models.TextChoices):
    """Where a dossier is in the commune → district → province workflow (see ``workflow.TRANSITIONS``)."""

    DRAFT = "draft", "Đang nhập số liệu"
    SUBMITTED = "submitted", "Đã gửi, chờ huyện xác nhận"
    RETURNED = "returned", "Bị trả lại, chờ xã sửa"
    VERIFIED = "verified", "Huyện đã xác nhận, chờ tỉnh thẩm định"
    APPROVED = "approved", "Tỉnh đã thẩm định"
    RECOGNISED = "recognised", "Đã có quyết định công nhận"


class Assessment(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assessments",
                             verbose_name="đơn vị")
    year = models.PositiveSmallIntegerField("năm đánh giá")
    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.PROTECT, related_name="assessments",
                                     verbose_name="bộ tiêu chí")
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)
    # derived from the values by the engine
    criteria_met = models.PositiveSmallIntegerField("số tiêu chí đạt", default=0)
    criteria_failed = models.PositiveSmallIntegerField("số tiêu chí chưa đạt", default=0)
    criteria_unknown = models.PositiveSmallIntegerField("số tiêu chí chưa xác định", default=0)
    criteria_total = models.PositiveSmallIntegerField("tổng số tiêu chí", default=0)
    eligible = models.BooleanField("đạt chuẩn (theo số liệu)", default=False)
    revoke = models.BooleanField("thuộc diện thu hồi (QĐ 18/2022)", default=False)
    results = models.JSONField("kết quả", default=dict, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0, help_text="bumped on every change (optimistic locking)")
    state = models.CharField("trạng thái hồ sơ", max_length=20, choices=State.choices, default=State.DRAFT,
                             db_index=True, help_text="changed only through assessments.workflow.perform")

    State = State
    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "unit__sort_key"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "criteria_set"], name="assessment_unique"),
        ]
        indexes = [models.Index(fields=["criteria_set", "year"])]
        verbose_name = "bản đánh giá"
        verbose_name_plural = "bản đánh giá"

    def __str__(self):
        return f"{self.unit} — {self.year} — {self.criteria_set.code}"


class Standing(UnitFacts):
    """A unit's latest assessment against the sets of ``level`` as seen from the years ``from_year`` to ``to_year``
    (exclusive; ``OPEN`` — 9999 — when no later year has an assessment, so that "covering a year" is one range on
    the index, ``from_year <= year < to_year``): the one ``services.LATEST_ORDER`` picks among the assessments of
    year ≤ the year asked. *Derived*, never edited: ``assessments.standings`` rebuilds a unit's rows from its
    assessments whenever one of them is created, re-evaluated or deleted (in the same transaction), so that the
    criteria distribution over 10,000 communes is one join, not a search for the latest assessment per unit."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="standings")
    level = models.CharField(max_length=30)
    from_year = models.PositiveSmallIntegerField()
    to_year = models.PositiveSmallIntegerField(default=9999)
    assessment = models.ForeignKey("Assessment", on_delete=models.CASCADE, related_name="+")
    criteria_met = models.PositiveSmallIntegerField()

    OPEN = 9999

    class Meta(UnitFacts.Meta):
        indexes = [
            # the rows covering a year, read from the index alone (criteria_met_distribution)
            models.Index(fields=["level", "to_year", "from_year", "unit_type", "unit_from", "unit_to", "unit",
                                 "criteria_met"], name="standing_covering"),
        ]
        # one row per unit, level and first year (also the index of a unit's rows): a second copy (two refreshes
        # racing) is refused, not counted
        constraints = [models.UniqueConstraint(fields=["unit", "level", "from_year"], name="standing_unique")]

    def __str__(self):
        until = "" if self.to_year == self.OPEN else self.to_year
        return f"{self.unit_id} {self.level} {self.from_year}–{until}: {self.criteria_met}"


class IndicatorValue(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    value = models.JSONField("giá trị", null=True, blank=True, help_text="number, true/false or a category")
    source = models.CharField("nguồn số liệu", max_length=300, blank=True)
    note = models.TextField("ghi chú", blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["assessment", "indicator__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator"], name="indicator_value_unique"),
        ]
        verbose_name = "giá trị chỉ tiêu"
        verbose_name_plural = "giá trị chỉ tiêu"

    def __str__(self):
        return f"{self.indicator.code} = {self.value}"


class WorkflowEvent(models.Model):
    """One step of a dossier's workflow: who moved it from which state to which, when and why.

    Never edited or deleted by the application: a returned and resubmitted dossier keeps every step.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="workflow_events",
                                   verbose_name="bản đánh giá")
    action = models.CharField("thao tác", max_length=30)
    from_state = models.CharField("từ trạng thái", max_length=20, choices=State.choices)
    to_state = models.CharField("sang trạng thái", max_length=20, choices=State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name="người thực hiện")
    actor_name = models.CharField("tên người thực hiện", max_length=150, blank=True)
    actor_role = models.CharField("với vai trò", max_length=300, blank=True)
    reason = models.TextField("lý do, ghi chú", blank=True)
    details = models.JSONField("chi tiết", default=dict, blank=True,
                               help_text="e.g. the decision recorded, the results at the time of the step")
    version = models.PositiveIntegerField("phiên bản hồ sơ sau bước này", default=0)
    timestamp = models.DateTimeField("thời điểm", default=timezone.now, db_index=True)

    class Meta:
        ordering = ["assessment", "timestamp", "pk"]
        verbose_name = "bước xử lý hồ sơ"
        verbose_name_plural = "bước xử lý hồ sơ"

    def __str__(self):
        return (f"{self.timestamp:%d/%m/%Y %H:%M} {self.actor_name}: {self.get_from_state_display()} → "
                f"{self.get_to_state_display()}")


def _evidence_path(instance: "Evidence", filename: str) -> str:
    # never the uploader's file name in the path: a random name under the assessment's folder
    return f"evidence/{instance.assessment_id}/{instance.stored_name}"


class Evidence(models.Model):
    """A file (PDF or image) supporting a dossier or one of its indicators. Served only through
    ``views_dossier.evidence_file`` to users allowed to view the dossier; never deleted by the app."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence",
                                   verbose_name="bản đánh giá")
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="evidence", verbose_name="chỉ tiêu")
    file = models.FileField("tệp", upload_to=_evidence_path, max_length=255)
    stored_name = models.CharField(max_length=80, editable=False)
    original_name = models.CharField("tên tệp gốc", max_length=255)
    content_type = models.CharField("loại tệp", max_length=60)
    size = models.PositiveIntegerField("dung lượng (byte)")
    sha256 = models.CharField(max_length=64)
    description = models.CharField("mô tả", max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="người tải lên")
    uploaded_at = models.DateTimeField("thời điểm tải lên", default=timezone.now)

    class Meta:
        ordering = ["assessment", "uploaded_at", "pk"]
        verbose_name = "tài liệu minh chứng"
        verbose_name_plural = "tài liệu minh chứng"

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("evidence_file", args=[self.pk])
