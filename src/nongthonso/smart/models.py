"""Smart NTM: the digital-transformation programmes and their targets (data, with provenance), the figures entered
where no system feeds them, and the pilot smart communes and villages the province designates.

Nothing here is a result. A target says what is to be reached and *how its progress is computed* (``Target.kind``):
from the assessments' stored verdicts on one indicator (``indicator``), from the training rows (``training_coverage``),
from the pilots designated (``pilots``), or from the figures entered per unit and year (``entered``, a ``Figure``:
numerator and denominator with their source). ``progress`` computes every figure from these raw rows when asked.

Programmes and targets are loaded from ``smart/data/targets.yaml`` (``catalogue.load_targets``, run after every
``migrate``); a target's row is rewritten only when its entry in the file changed, so a correction made in the admin
stays until the file itself changes.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from nongthonso.training.models import Provenance
from nongthonso.units.models import Unit, UnitLevel

LEVELS = (("tinh", "Cấp tỉnh"), ("huyen", "Cấp huyện"), ("xa", "Cấp xã"))  # UnitLevel codes a target counts


def level_phrase(code: str) -> str:
    """A unit level in a sentence, from its data (``UnitLevel.name``): «cấp xã», «thôn, xóm»; the code if unknown."""
    name = UnitLevel.objects.filter(code=code).values_list("name", flat=True).first()
    return name[:1].lower() + name[1:] if name else code


def period_end(year: int, today: dt.date | None = None) -> dt.date:
    """The day a year's progress is read on: 31/12 of a past year, today in the current one (units in force then,
    pilots designated by then, courses held by then)."""
    today = today or timezone.localdate()
    return min(dt.date(year, 12, 31), max(today, dt.date(year, 1, 1)))


class Programme(models.Model):
    """A programme or plan setting digital-transformation targets: Decision 924/QĐ-TTg (national), a province's plan
    implementing it (``province_code``: Kế hoạch 154/KH-UBND of Thái Nguyên)."""

    code = models.SlugField("mã", max_length=60, unique=True)
    name = models.CharField("tên", max_length=500)
    short_name = models.CharField("tên ngắn", max_length=100, help_text="«QĐ 924/QĐ-TTg»")
    legal_basis = models.CharField("văn bản", max_length=300)
    issuer = models.CharField("cơ quan ban hành", max_length=200)
    issued_on = models.DateField("ngày ban hành")
    province_code = models.CharField("tỉnh (mã GSO)", max_length=10, blank=True,
                                     help_text="Để trống: chương trình quốc gia, áp dụng cho mọi tỉnh.")
    applies_from = models.DateField("áp dụng từ")
    applies_to = models.DateField("áp dụng đến", null=True, blank=True)
    source = models.TextField("nguồn")
    verified = models.BooleanField("đã đối chiếu nguyên văn", default=False)
    position = models.PositiveSmallIntegerField(default=0)
    file_hash = models.CharField(max_length=64, blank=True, editable=False,
                                 help_text="the hash of the programme's entry in targets.yaml when last loaded")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = "chương trình, kế hoạch chuyển đổi số"
        verbose_name_plural = "chương trình, kế hoạch chuyển đổi số"

    def __str__(self):
        return self.short_name

    def applies_on(self, date: dt.date) -> bool:
        return self.applies_from <= date and (self.applies_to is None or date <= self.applies_to)

    def applies_to_province(self, code: str) -> bool:
        return not self.province_code or self.province_code == code


class Pillar(models.TextChoices):
    """The three pillars of Decision 924/QĐ-TTg, and its pilots of smart NTM."""

    GOVERNMENT = "government", "Chính quyền số trong xây dựng nông thôn mới"
    ECONOMY = "economy", "Kinh tế số trong nông thôn"
    SOCIETY = "society", "Xã hội số trong nông thôn"
    PILOTS = "pilots", "Thí điểm nông thôn mới thông minh"


class Kind(models.TextChoices):
    """How a target's progress is computed (``progress``)."""

    INDICATOR = "indicator", "Từ kết quả đánh giá một chỉ tiêu của bộ tiêu chí"
    TRAINING = "training_coverage", "Từ số người đã dự tập huấn"
    PILOTS = "pilots", "Từ các mô hình thí điểm đã chọn"
    ENTERED = "entered", "Từ số liệu các đơn vị nhập"


class Aggregate(models.TextChoices):
    """How the entered figures of the units make the province's figure."""

    POOLED = "pooled", "Tổng tử số / tổng mẫu số của các đơn vị"
    MEAN = "mean", "Bình quân tỷ lệ của các đơn vị"
    UNITS_ANY = "units_any", "Tỷ lệ đơn vị có tử số > 0 trong các đơn vị có mẫu số > 0"


class Comparator(models.TextChoices):
    GE = ">=", "≥"
    LE = "<=", "≤"


class ValueUnit(models.TextChoices):
    PERCENT = "percent", "%"
    COUNT = "count", "số"


class PilotKind(models.TextChoices):
    COMMUNE = "commune", "Xã nông thôn mới thông minh"
    VILLAGE = "village", "Thôn (xóm) thông minh"


class TraineeFlag(models.TextChoices):
    """Target groups chosen by what they are rather than by code (``training.TargetGroup``'s flags)."""

    FULL_TIME = "full_time_ntm", "Cán bộ chuyên trách NTM các cấp"
    GRASSROOTS = "grassroots", "Cán bộ cơ sở"


class Measure(models.Model):
    """Something the units enter per year as a numerator and a denominator where no system of the platform feeds it
    (records processed online, co-operatives applying digital technology …)."""

    code = models.SlugField("mã", max_length=60, unique=True)
    label = models.CharField("tên", max_length=300)
    numerator_label = models.CharField("tử số", max_length=300)
    denominator_label = models.CharField("mẫu số", max_length=300)
    levels = models.JSONField("cấp đơn vị nhập", default=list, help_text='Mã cấp đơn vị: ["xa"], ["tinh", "huyen"] …')
    note = models.TextField("hướng dẫn", blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = "số liệu nhập"
        verbose_name_plural = "số liệu nhập"

    def __str__(self):
        return self.label


class Target(models.Model):
    """One target of a programme, and how its progress is computed (``kind`` and the fields of that kind)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="targets",
                                  verbose_name="chương trình")
    code = models.SlugField("mã", max_length=60, unique=True, help_text="in the page's address: never rename one")
    pillar = models.CharField("trụ cột", max_length=20, choices=Pillar.choices)
    label = models.CharField("mục tiêu", max_length=500)
    level = models.CharField("cấp", max_length=10, choices=LEVELS)
    comparator = models.CharField("so sánh", max_length=2, choices=Comparator.choices, default=Comparator.GE)
    value = models.DecimalField("chỉ tiêu", max_digits=7, decimal_places=2)
    value_unit = models.CharField("đơn vị chỉ tiêu", max_length=10, choices=ValueUnit.choices,
                                  default=ValueUnit.PERCENT)
    deadline = models.DateField("thời hạn")
    provenance = models.CharField("nguồn", max_length=20, choices=Provenance.choices)
    source = models.TextField("trích nguồn")
    kind = models.CharField("cách tính", max_length=20, choices=Kind.choices)
    # kind «indicator»: the latest assessment of each unit against the set, and its verdict on the indicator
    set_code = models.CharField("bộ tiêu chí", max_length=60, blank=True)
    indicator_code = models.CharField("chỉ tiêu", max_length=20, blank=True)
    # kind «entered»
    measure = models.ForeignKey(Measure, null=True, blank=True, on_delete=models.PROTECT, related_name="targets",
                                verbose_name="số liệu nhập")
    aggregate = models.CharField("cách tổng hợp", max_length=20, choices=Aggregate.choices, blank=True)
    # kind «pilots»
    pilot_kind = models.CharField("loại mô hình", max_length=20, choices=PilotKind.choices, blank=True)
    # kind «training_coverage»: the target groups by code, or by flag
    trainee_groups = models.JSONField("nhóm đối tượng (mã)", default=list, blank=True)
    trainee_flag = models.CharField("nhóm đối tượng (loại)", max_length=20, choices=TraineeFlag.choices, blank=True)
    # «indicator» and «entered»: only the units of these types (UnitType codes; empty: every unit of the level;
    # the commune level counts rural communes, xã, only)
    unit_types = models.JSONField("loại đơn vị", default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["programme__position", "position", "code"]
        verbose_name = "mục tiêu"
        verbose_name_plural = "mục tiêu"

    def __str__(self):
        return f"{self.programme.short_name}: {self.label}"

    def clean(self):
        """Each kind names what it is computed from (the loader checks the same, with the file's row)."""
        problems = self.problems()
        if problems:
            raise ValidationError("; ".join(problems))

    def problems(self) -> list[str]:
        needs = {
            Kind.INDICATOR: [("set_code", "mã bộ tiêu chí"), ("indicator_code", "mã chỉ tiêu")],
            Kind.ENTERED: [("measure_id", "số liệu nhập"), ("aggregate", "cách tổng hợp")],
            Kind.PILOTS: [("pilot_kind", "loại mô hình thí điểm")],
        }.get(self.kind, [])
        problems = [f"mục tiêu tính «{self.get_kind_display().lower()}» cần {what}" for field, what in needs
                    if not getattr(self, field)]
        if self.kind == Kind.TRAINING and not (self.trainee_groups or self.trainee_flag):
            problems.append("mục tiêu tính theo tập huấn cần nhóm đối tượng (mã nhóm hoặc loại cán bộ)")
        if self.kind == Kind.PILOTS and self.value_unit != ValueUnit.COUNT:
            problems.append("mục tiêu về số mô hình thí điểm là một số (value_unit: count), không phải tỷ lệ")
        if self.kind != Kind.PILOTS and self.value_unit != ValueUnit.PERCENT:
            problems.append("mục tiêu này là một tỷ lệ (value_unit: percent)")
        if self.value_unit == ValueUnit.PERCENT and not 0 <= self.value <= 100:
            problems.append(f"tỷ lệ {self.value}% phải từ 0 đến 100")
        return problems


class Figure(models.Model):
    """A figure entered for a unit and a year: numerator over denominator («2.169 hồ sơ giải quyết trực tuyến trên
    2.180 hồ sơ»), with where it comes from. One per measure, unit (version) and year; audited."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="figures", verbose_name="số liệu")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="đơn vị")
    year = models.PositiveSmallIntegerField("năm")
    numerator = models.PositiveIntegerField("tử số")
    denominator = models.PositiveIntegerField("mẫu số")
    source = models.CharField("nguồn số liệu", max_length=300)
    note = models.TextField("ghi chú", blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="người nhập")
    entered_at = models.DateTimeField("thời điểm nhập", default=timezone.now)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        ordering = ["measure", "year", "unit__sort_key"]
        verbose_name = "số liệu chuyển đổi số"
        verbose_name_plural = "số liệu chuyển đổi số"
        constraints = [
            models.UniqueConstraint(fields=["measure", "unit", "year"], name="smart_figure_unique"),
            models.CheckConstraint(condition=Q(numerator__lte=F("denominator")), name="smart_figure_within"),
        ]

    def __str__(self):
        return f"{self.measure.code} · {self.unit} · {self.year}: {self.numerator}/{self.denominator}"

    @property
    def share(self) -> float | None:
        return 100 * self.numerator / self.denominator if self.denominator else None


class Pilot(models.Model):
    """A smart commune or smart village the province designates as a pilot (by a decision), and its recognition
    once it meets the province's criteria. A village is a unit of the tree (``village``, a xóm) or, where the tree
    holds no villages, a name within its commune (``village_name``)."""

    kind = models.CharField("loại mô hình", max_length=20, choices=PilotKind.choices)
    commune = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="xã")
    village = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name="thôn, xóm")
    village_name = models.CharField("tên thôn, xóm", max_length=200, blank=True,
                                    help_text="Khi danh mục đơn vị chưa có thôn, xóm này: «Xóm Khe Cốc».")
    decision_number = models.CharField("số quyết định chọn thí điểm", max_length=60)
    decision_date = models.DateField("ngày quyết định")
    authority = models.CharField("cơ quan ban hành", max_length=200)
    recognition_number = models.CharField("số quyết định công nhận", max_length=60, blank=True)
    recognised_on = models.DateField("ngày công nhận", null=True, blank=True)
    recognition_authority = models.CharField("cơ quan công nhận", max_length=200, blank=True)
    note = models.TextField("ghi chú", blank=True)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "commune__sort_key", "village__sort_key", "village_name", "pk"]
        verbose_name = "mô hình thí điểm thông minh"
        verbose_name_plural = "mô hình thí điểm thông minh"
        constraints = [
            models.CheckConstraint(name="smart_pilot_village_named", condition=(
                Q(kind=PilotKind.COMMUNE, village__isnull=True, village_name="")
                | (Q(kind=PilotKind.VILLAGE) & (Q(village__isnull=False, village_name="")
                                                | (Q(village__isnull=True) & ~Q(village_name="")))))),
            models.CheckConstraint(name="smart_pilot_recognition_whole", condition=(
                Q(recognised_on__isnull=True, recognition_number="")
                | Q(recognised_on__isnull=False) & ~Q(recognition_number=""))),
            models.UniqueConstraint(fields=["commune"], condition=Q(kind=PilotKind.COMMUNE),
                                    name="smart_pilot_commune_once"),
            models.UniqueConstraint(fields=["village"], condition=Q(village__isnull=False),
                                    name="smart_pilot_village_once"),
            models.UniqueConstraint(fields=["commune", "village_name"], condition=~Q(village_name=""),
                                    name="smart_pilot_named_village_once"),
        ]

    def __str__(self):
        if self.kind == PilotKind.COMMUNE:
            return self.commune.name
        return f"{self.village_label} ({self.commune.name})"

    @property
    def village_label(self) -> str:
        return self.village.name if self.village_id else self.village_name

    def recognised_by(self, date: dt.date) -> bool:
        return self.recognised_on is not None and self.recognised_on <= date


class PilotValue(models.Model):
    """A pilot village's value on an indicator of the province's smart-village criteria for a year (raw input; the
    engine evaluates it against the set's thresholds when the page is read). Kept by the indicator's code, not its
    row, so that a new version of the set (the province's own text replacing the examples) keeps the values of the
    indicators it still has."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="values")
    indicator_code = models.CharField("mã chỉ tiêu", max_length=20)
    year = models.PositiveSmallIntegerField("năm")
    value = models.JSONField("giá trị", help_text="số hoặc true/false")
    source = models.CharField("nguồn số liệu", max_length=300, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    synthetic = models.BooleanField("dữ liệu minh họa", default=False)

    class Meta:
        ordering = ["pilot", "year", "indicator_code"]
        verbose_name = "giá trị tiêu chí thôn thông minh"
        verbose_name_plural = "giá trị tiêu chí thôn thông minh"
        constraints = [models.UniqueConstraint(fields=["pilot", "indicator_code", "year"],
                                               name="smart_pilot_value_unique")]

    def __str__(self):
        return f"{self.pilot} · {self.indicator_code} · {self.year}: {self.value}"

