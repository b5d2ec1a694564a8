"""Recognition decisions, registrations and model hamlets. Status is derived from decisions."""

import datetime as dt

from django.db import models

from nongthonso.criteria.choices import Level
from nongthonso.units.models import Unit, UnitFacts


class Decision(models.Model):
    class Kind(models.TextChoices):
        RECOGNITION = "recognition", "Công nhận"
        REVOCATION = "revocation", "Thu hồi"

    number = models.CharField("số, ký hiệu", max_length=60, help_text="ví dụ 567/QĐ-TTg")
    date = models.DateField("ngày ban hành")
    authority = models.CharField("cơ quan ban hành", max_length=200)
    kind = models.CharField("loại", max_length=20, choices=Kind.choices, default=Kind.RECOGNITION)
    level = models.CharField("mức", max_length=30, choices=Level.choices)
    for_year = models.PositiveSmallIntegerField("công nhận cho năm", null=True, blank=True)
    units = models.ManyToManyField(Unit, related_name="decisions", verbose_name="đơn vị")
    note = models.TextField("ghi chú", blank=True)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        ordering = ["-date", "number"]
        verbose_name = "quyết định"
        verbose_name_plural = "quyết định"

    def __str__(self):
        return f"Quyết định {self.number} ngày {self.date.day}/{self.date.month}/{self.date.year}"


class Registration(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="registrations",
                             verbose_name="đơn vị")
    target_level = models.CharField("mức đăng ký", max_length=30, choices=Level.choices)
    target_year = models.PositiveSmallIntegerField("năm phấn đấu đạt chuẩn")
    registered_on = models.DateField("ngày đăng ký")
    note = models.TextField("ghi chú", blank=True)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        ordering = ["-target_year", "unit__sort_key"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "target_level", "target_year"], name="registration_unique"),
        ]
        verbose_name = "đăng ký đạt chuẩn"
        verbose_name_plural = "đăng ký đạt chuẩn"

    def __str__(self):
        return f"{self.unit} — {self.get_target_level_display()} — {self.target_year}"


class Spell(UnitFacts):
    """A span of days during which ``unit`` holds ``level`` by a decision: from ``start`` (the date of the recognition
    decision that opened it) to ``end`` (exclusive; the date of the next decision deciding the same unit and level;
    ``OPEN`` — 31/12/9999 — when none, so that "in force on a day" is one range on the index, ``start <= day <
    end``, with no test for a missing end). *Derived*, never edited: ``recognition.spells`` rebuilds a unit's spells
    from its decisions whenever a decision of the unit changes (in the same transaction), so that "who holds which
    level on a date" is a range test on one small table instead of finding the latest decision per unit. The same
    rule as ``services.statuses_on`` (the latest decision dated on or before the date decides; the merger rule is
    not part of it)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="spells")
    level = models.CharField(max_length=30, choices=Level.choices)
    start = models.DateField()
    end = models.DateField(default=dt.date.max)
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="+")

    OPEN = dt.date.max

    class Meta(UnitFacts.Meta):
        indexes = [
            # the spells in force on a date of the units in force then, read from the index alone (held_spells)
            models.Index(fields=["level", "end", "start", "unit_type", "unit_from", "unit_to", "unit"],
                         name="spell_in_force"),
        ]
        # spells of a unit and level never overlap (also the index of a unit's spells): a second copy (two
        # refreshes racing) is refused, not counted
        constraints = [models.UniqueConstraint(fields=["unit", "level", "start"], name="spell_unique")]

    def __str__(self):
        return f"{self.unit_id} {self.level} {self.start}–{'' if self.end == self.OPEN else self.end}"
