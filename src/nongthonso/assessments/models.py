"""Assessments: one per unit × year × criteria set, holding raw indicator values and the engine's results.

``results`` and the summary columns are *derived*: ``services.evaluate_assessment`` recomputes them
from the values whenever a value changes, in the same transaction.
"""

from django.conf import settings
from django.db import models

from nongthonso.criteria.models import CriteriaSet, Indicator
from nongthonso.units.models import Unit


class AssessmentQuerySet(models.QuerySet):
    def for_year(self, year: int):
        return self.filter(year=year)


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
