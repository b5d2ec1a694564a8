"""Foresight's stored rows: the province's unit costs of closing an indicator's gap (data with provenance) and the
named what-if scenarios. Forecasts store nothing (``forecast*.py`` computes them from the values)."""

from django.conf import settings
from django.db import models

from nongthonso.core.choices import Provenance
from nongthonso.criteria.choices import Level
from nongthonso.criteria.models import Indicator
from nongthonso.units.models import Unit

CURRENCY = "VND"


class IndicatorCostQuerySet(models.QuerySet):
    def valid_on(self, date):
        return self.filter(valid_from__lte=date).filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=date))


class IndicatorCost(models.Model):
    """What closing one unit of an indicator's gap costs in a province (``cost_per_unit`` VND per ``unit_of_measure``:
    «1 điểm phần trăm», «1 km đường»; for a yes/no or category indicator, the whole indicator), from ``valid_from``
    to ``valid_to``, with where the figure comes from (``source``, ``provenance``). Set by the province office
    (page /du-bao/chi-phi/, import kind ``indicator-costs``); every edit audited."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+", verbose_name="chỉ tiêu")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="tỉnh")
    cost_per_unit = models.DecimalField("chi phí cho một đơn vị khoảng cách (đồng)", max_digits=18, decimal_places=0)
    currency = models.CharField("tiền tệ", max_length=3, default=CURRENCY, editable=False)
    unit_of_measure = models.CharField("đơn vị khoảng cách", max_length=80,
                                       help_text="«1 điểm phần trăm», «1 km đường»; chỉ tiêu Đạt/Không: «cả chỉ tiêu»")
    source = models.TextField("nguồn số liệu")
    provenance = models.CharField("nguồn gốc", max_length=20, choices=Provenance.choices)
    valid_from = models.DateField("áp dụng từ")
    valid_to = models.DateField("áp dụng đến", null=True, blank=True)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = IndicatorCostQuerySet.as_manager()

    class Meta:
        ordering = ["province", "indicator__criteria_set", "indicator__position", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "province", "valid_from"], name="indicator_cost_unique"),
            models.CheckConstraint(condition=models.Q(cost_per_unit__gte=0), name="indicator_cost_not_negative"),
            models.CheckConstraint(condition=models.Q(valid_to__isnull=True)
                                   | models.Q(valid_to__gte=models.F("valid_from")), name="indicator_cost_dates"),
        ]
        verbose_name = "đơn giá khắc phục chỉ tiêu"
        verbose_name_plural = "đơn giá khắc phục chỉ tiêu"

    def __str__(self):
        return f"{self.indicator.code}: {self.cost_per_unit} {self.currency}/{self.unit_of_measure}"


class Scenario(models.Model):
    """A named what-if (``foresight.whatif``): changes applied to the values of a province's communes as of
    ``as_of`` for the level ``level``, never to the stored values. ``changes``: a list validated by
    ``whatif.parse_changes`` (docs/foresight.md «What-if»)."""

    name = models.CharField("tên kịch bản", max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                              verbose_name="người lập")
    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="tỉnh")
    as_of = models.DateField("tính theo ngày")
    level = models.CharField("mức đạt chuẩn", max_length=30, choices=Level.choices, default=Level.XA_NTM)
    grouping = models.CharField("cách nhóm xã", max_length=20, blank=True,
                                help_text="units.groupings: huyen-cu or nhom-xa (the groups «trend» changes name)")
    changes = models.JSONField("các thay đổi", default=list)
    note = models.TextField("ghi chú", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = "kịch bản giả định"
        verbose_name_plural = "kịch bản giả định"

    def __str__(self):
        return self.name
