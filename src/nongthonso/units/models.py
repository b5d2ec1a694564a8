"""Administrative units with history.

A ``Unit`` row is one *version* of a unit: a GSO code, name, type and parent that held from
``valid_from`` to ``valid_to`` (inclusive; open-ended when null). GSO reuses codes (05569 was "Xã
Bảo Cường", then "Thị trấn Chợ Chu"), so a code alone does not identify a unit across time; a
version does. Versions are linked through ``LineageEvent`` rows (merge, split, rename …) that carry
their legal basis.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Substr

from nongthonso.core.text import fold, format_date, vi_sort_key

from .choices import CommuneGroup, LineageKind, Region
from .collation import vi_name_order


class UnitLevel(models.Model):
    """A tier of the tree, held as data: tỉnh (1), huyện (2), xã (3), xóm (4)."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)
    depth = models.PositiveSmallIntegerField(unique=True)

    class Meta:
        ordering = ["depth"]
        verbose_name = "cấp đơn vị"
        verbose_name_plural = "cấp đơn vị"

    def __str__(self):
        return self.name


class UnitType(models.Model):
    """A kind of unit at a level: Tỉnh, Thành phố trực thuộc TW, Huyện, Thị xã, Xã, Phường, Thị trấn, Xóm …"""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)
    level = models.ForeignKey(UnitLevel, on_delete=models.PROTECT, related_name="types")
    is_rural = models.BooleanField(
        default=False, help_text="Xã (rural commune) — the units the NTM commune criteria apply to."
    )

    class Meta:
        ordering = ["level__depth", "code"]
        verbose_name = "loại đơn vị"
        verbose_name_plural = "loại đơn vị"

    def __str__(self):
        return self.name


class UnitQuerySet(models.QuerySet):
    def valid_on(self, date: dt.date):
        """Versions in force on ``date``."""
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=date), valid_from__lte=date)

    def at_level(self, level_code: str):
        return self.filter(unit_type__level__code=level_code)

    def rural_communes(self):
        return self.filter(unit_type__is_rural=True)

    def within(self, unit: "Unit"):
        """Descendants of ``unit`` (the version given, not later versions of it). ``path__startswith`` uses the
        index on ``path`` on either engine (``units.lookups``)."""
        return self.filter(path__startswith=unit.path).exclude(pk=unit.pk)

    def with_ancestors(self):
        return self.select_related(
            "unit_type__level", "parent__unit_type", "parent__parent__unit_type", "parent__parent__parent"
        )

    def in_vietnamese_order(self):
        """By name in Vietnamese order (ICU ``vi_icu`` on PostgreSQL, ``sort_key`` on SQLite), then code."""
        return self.order_by(vi_name_order(using=self.db), "code")


class Unit(models.Model):
    code = models.CharField("mã", max_length=20, db_index=True, help_text="Mã GSO (Tổng cục Thống kê)")
    name = models.CharField("tên", max_length=200)
    unit_type = models.ForeignKey(UnitType, on_delete=models.PROTECT, related_name="units",
                                  verbose_name="loại")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children", verbose_name="cấp trên")
    valid_from = models.DateField("hiệu lực từ")
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)
    region = models.CharField("vùng", max_length=10, choices=Region.choices, blank=True)
    dac_biet_kho_khan = models.BooleanField("xã đặc biệt khó khăn", default=False)
    atk = models.BooleanField("xã an toàn khu (ATK) thuộc huyện nghèo", default=False)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False,
                                    help_text="Created by the demo, not from an official list.")
    # the unit's position (WGS84 degrees) as the unit data gives it; empty when it does not (then the centroid of
    # the version's boundary, ``maps.services.positions``). ``units.services.position`` / ``distance_km`` read it.
    lat = models.FloatField("vĩ độ", null=True, blank=True, help_text="WGS84, độ thập phân (ví dụ 21.5942)")
    lon = models.FloatField("kinh độ", null=True, blank=True, help_text="WGS84, độ thập phân (ví dụ 105.8482)")
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    sort_key = models.CharField(max_length=255, editable=False, db_index=True, default="")
    search_text = models.CharField(max_length=255, editable=False, default="")

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["sort_key", "code"]
        verbose_name = "đơn vị hành chính"
        verbose_name_plural = "đơn vị hành chính"
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="unit_code_valid_from_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_to_after_valid_from",
            ),
        ]
        indexes = [
            # Counts that join a unit from a derived row (spells, standings) to test its type and dates read this
            # index, not the unit's row (wide: names, path, search text): three times fewer pages for the country.
            models.Index(fields=["id", "unit_type", "valid_from", "valid_to"], name="unit_in_force"),
            # how many units of a type are in force on a day (the communes of the country), from the index alone
            models.Index(fields=["unit_type", "valid_from", "valid_to"], name="unit_type_in_force"),
        ]

    def __str__(self):
        return self.name

    @transaction.atomic
    def save(self, *args, **kwargs):
        """Saved with its derived fields: sort key, search text, and the materialised path — its descendants'
        paths too when the unit moved under another parent (one statement)."""
        self.sort_key = vi_sort_key(self.name)
        self.search_text = fold(f"{self.name} {self.code}")
        super().save(*args, **kwargs)
        path = (self.parent.path if self.parent_id else "/") + f"{self.pk}/"
        if path != self.path:
            old, self.path = self.path, path
            type(self).objects.filter(pk=self.pk).update(path=path)
            if old:
                repath_descendants(old, path)

    @property
    def level(self) -> UnitLevel:
        return self.unit_type.level

    def is_valid_on(self, date: dt.date) -> bool:
        return self.valid_from <= date and (self.valid_to is None or self.valid_to >= date)

    def ancestors(self) -> list["Unit"]:
        """Parents from the top of the tree down (excluding self)."""
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]

    def threshold_region(self) -> str:
        return self.region or (self.parent.threshold_region() if self.parent_id else "")



class LineageEvent(models.Model):
    """A change that ends some unit versions and starts others, with its legal basis."""

    kind = models.CharField("loại thay đổi", max_length=20, choices=LineageKind.choices)
    effective_date = models.DateField("ngày hiệu lực")
    legal_basis = models.CharField("căn cứ pháp lý", max_length=300)
    note = models.TextField("ghi chú", blank=True)
    verified = models.BooleanField(
        "đã đối chiếu văn bản", default=False,
        help_text="True when the wording of the act was seen; false when inferred from GSO code changes.",
    )
    predecessors = models.ManyToManyField(Unit, related_name="ending_events", blank=True,
                                          verbose_name="đơn vị trước")
    successors = models.ManyToManyField(Unit, related_name="starting_events", blank=True,
                                        verbose_name="đơn vị sau")

    class Meta:
        ordering = ["effective_date", "pk"]
        verbose_name = "biến động đơn vị"
        verbose_name_plural = "biến động đơn vị"

    def __str__(self):
        return f"{self.get_kind_display()} {self.effective_date:%d/%m/%Y} ({self.legal_basis})"


class CommuneGroupQuerySet(models.QuerySet):
    def in_force_on(self, date: dt.date):
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=date), valid_from__lte=date)


class CommuneGroupAssignment(models.Model):
    """A commune's group under Decision 51/2025/QĐ-TTg (the 2026-2030 thresholds differ by group), as a dated fact
    set by a provincial decision: which group, from when to when, by which decision. History is kept: a new
    decision ends the previous assignment and starts another; nothing is overwritten. ``units.groups`` reads
    them (the group a commune is assessed in for a year) and writes them (import, with audit)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="group_assignments",
                             verbose_name="xã")
    group = models.PositiveSmallIntegerField("nhóm xã", choices=CommuneGroup.choices)
    valid_from = models.DateField("áp dụng từ")
    valid_to = models.DateField("áp dụng đến", null=True, blank=True)
    decision_number = models.CharField("số quyết định", max_length=60, blank=True,
                                       help_text="Quyết định của UBND tỉnh xếp nhóm xã, ví dụ 1234/QĐ-UBND")
    decision_date = models.DateField("ngày quyết định", null=True, blank=True)
    authority = models.CharField("cơ quan ban hành", max_length=200, blank=True)
    note = models.TextField("ghi chú", blank=True)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    objects = CommuneGroupQuerySet.as_manager()

    class Meta:
        ordering = ["unit", "valid_from"]
        verbose_name = "xếp nhóm xã (QĐ 51/2025)"
        verbose_name_plural = "xếp nhóm xã (QĐ 51/2025)"
        constraints = [
            models.UniqueConstraint(fields=["unit", "valid_from"], name="commune_group_unit_from_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="commune_group_to_after_from",
            ),
        ]

    def __str__(self):
        return f"{self.unit} — {self.get_group_display()} (từ {self.valid_from:%d/%m/%Y})"

    def clean(self):
        """An edit in the admin keeps the import's rule: two assignments of one commune never overlap."""
        if not self.unit_id or self.valid_from is None:
            return
        others = CommuneGroupAssignment.objects.filter(unit_id=self.unit_id).exclude(pk=self.pk)
        end = self.valid_to or dt.date.max
        clash = others.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from), valid_from__lte=end).first()
        if clash is not None:
            until = format_date(clash.valid_to) if clash.valid_to else "nay"
            raise ValidationError(
                f"{self.unit} đã được xếp {clash.get_group_display().lower()} từ {format_date(clash.valid_from)} đến "
                f"{until} (quyết định {clash.decision_number or 'không ghi số'}); hai lần xếp nhóm của một xã không "
                "được trùng thời gian. Sửa ngày áp dụng, hoặc kết thúc lần xếp nhóm trước (ngày «áp dụng đến»).")


class UnitFacts(models.Model):
    """What a count over the whole country asks of a unit — its type and the days it is in force — copied onto a
    derived row (``recognition.Spell``, ``assessments.Standing``), so that the count reads one table's index
    instead of joining 80,000 units. Kept in step by the owners of those rows: when a unit is saved, or a loader
    sends ``units_changed`` after a bulk write, they copy the unit's facts again. ``unit_to`` is ``OPEN``
    (31/12/9999) for a unit still in force, so that "in force on a day" is two comparisons."""

    unit_type = models.ForeignKey(UnitType, on_delete=models.CASCADE, related_name="+", db_index=False)
    unit_from = models.DateField()
    unit_to = models.DateField(default=dt.date.max)

    OPEN = dt.date.max

    class Meta:
        abstract = True

    @staticmethod
    def in_force(date: dt.date, type_ids: list[int]) -> Q:
        """The rows of units of ``type_ids`` in force on ``date`` (``Unit.objects.valid_on``), from the copy."""
        return Q(unit_type_id__in=type_ids, unit_from__lte=date, unit_to__gte=date)


def unit_facts(unit_ids=None, unit_model=None, *, lock: bool = False) -> dict[int, dict]:
    """{unit id: the ``UnitFacts`` fields} of ``unit_ids`` (default every unit). ``lock`` (inside a transaction):
    the units' rows locked until it ends (``FOR NO KEY UPDATE`` on PostgreSQL, in id order; SQLite has one
    writer at a time anyway), so that two transactions rewriting the rows derived from the same unit take
    turns — the second then reads what the first committed instead of adding a second copy."""
    qs = (unit_model or Unit).objects.all()
    if unit_ids is not None:
        qs = qs.filter(pk__in=list(unit_ids))
    if lock:
        qs = qs.select_for_update(no_key=True).order_by("pk")
    return {pk: {"unit_type_id": kind, "unit_from": start, "unit_to": end or dt.date.max}
            for pk, kind, start, end in (qs if lock else qs.order_by())
            .values_list("pk", "unit_type_id", "valid_from", "valid_to")}


def repath_descendants(old_path: str, new_path: str) -> None:
    """Rewrite the paths under a unit whose own path changed from ``old_path`` to ``new_path``."""
    (Unit.objects.filter(path__startswith=old_path).exclude(path=old_path)
     .update(path=Concat(Value(new_path), Substr("path", len(old_path) + 1))))
