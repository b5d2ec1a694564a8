"""Assessments: one per unit × year × criteria set, holding raw indicator values and the engine's results.

``results`` and the summary columns are *derived*: ``evaluation.evaluate_assessments`` recomputes them
from the values whenever a value changes, in the same transaction.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from nongthonso.accounts.models import Action
from nongthonso.accounts.services import restrict
from nongthonso.criteria.models import CriteriaSet, Indicator
from nongthonso.units.models import Unit, UnitFacts

# The order that picks a unit's latest assessment: the latest year, then the latest version of the set (then
# the set in force latest, then the latest row, so that the choice is the same on every database).
LATEST_ORDER = ("-year", "-criteria_set__version", "-criteria_set__effective_from", "-pk")


class AssessmentQuerySet(models.QuerySet):
    def for_year(self, year: int):
        return self.filter(year=year)

    def restrict(self, user, action: str = "view"):
        """Only the assessments whose unit lies in ``user``'s scope for ``action`` (see accounts.services)."""
        return restrict(self, user, action)


class State(models.TextChoices):
    """Where a dossier is in its workflow (``Workflow``: commune → district → province before 1/7/2025, commune →
    province since). A workflow may name a state in its own words (``Workflow.state_labels``)."""

    DRAFT = "draft", "Đang nhập số liệu"
    SUBMITTED = "submitted", "Đã gửi, chờ huyện xác nhận"
    RETURNED = "returned", "Bị trả lại, chờ xã sửa"
    VERIFIED = "verified", "Huyện đã xác nhận, chờ tỉnh thẩm định"
    APPROVED = "approved", "Tỉnh đã thẩm định"
    RECOGNISED = "recognised", "Đã có quyết định công nhận"


class Workflow(models.Model):
    """A dossier workflow as data: which steps, who (role at a unit level) takes each, what each requires, and which
    dossiers it applies to — units whose parent is at ``parent_level`` (``huyen``: the three-tier flow commune →
    district → province; ``tinh``: the two-tier flow commune → province), in force from ``valid_from`` to
    ``valid_to``. When it ends, the dossiers still in progress move to ``successor`` (``workflow.transfer``), their
    states mapped by ``transfer_states``, with ``transfer_reason`` recorded on each. Loaded from
    ``assessments/workflows/*.yaml`` (``nongthonso workflows load``); editable in the admin."""

    code = models.SlugField("mã quy trình", max_length=60, unique=True)
    name = models.CharField("tên", max_length=300)
    legal_basis = models.CharField("căn cứ", max_length=500, blank=True)
    parent_level = models.CharField(
        "áp dụng cho đơn vị trực thuộc cấp", max_length=20,
        help_text="UnitLevel code of the parent of the units whose dossiers follow this workflow: huyen, tinh …")
    valid_from = models.DateField("áp dụng từ")
    valid_to = models.DateField("áp dụng đến", null=True, blank=True)
    successor = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  verbose_name="quy trình kế tiếp")
    transfer_states = models.JSONField(
        "chuyển trạng thái khi sang quy trình kế tiếp", default=dict, blank=True,
        help_text='{"draft": "draft", "verified": "submitted"}: the states in which a dossier moves to the successor '
                  "when this workflow ends, and the state it has there")
    transfer_reason = models.TextField("lý do chuyển hồ sơ sang quy trình kế tiếp", blank=True)
    separation = models.JSONField(
        "tách bạch nhiệm vụ", default=dict, blank=True,
        help_text='{"approve": ["submit", "verify"]}: who took one of the listed steps in the current round may not '
                  "take the step named")
    state_labels = models.JSONField("tên trạng thái trong quy trình", default=dict, blank=True,
                                    help_text='{"submitted": "Đã gửi, chờ tỉnh thẩm định"}')
    source = models.TextField("nguồn", blank=True)
    verified = models.BooleanField("đã đối chiếu văn bản", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["valid_from", "code"]
        verbose_name = "quy trình hồ sơ"
        verbose_name_plural = "quy trình hồ sơ"

    def __str__(self):
        return self.name


class WorkflowStep(models.Model):
    """One step of a workflow: ``action`` moves a dossier from one of ``sources`` to ``target``; ``actors`` say who
    may take it (``[{"role": "province_office", "level": "tinh"}]``: the role, granted on a unit of that level that
    covers the dossier's unit); ``requires`` names what must hold first (``workflow.REQUIREMENTS``)."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField("thao tác", max_length=30, choices=Action.choices)
    sources = models.JSONField("từ trạng thái", default=list)
    target = models.CharField("sang trạng thái", max_length=20, choices=State.choices)
    actors = models.JSONField("người thực hiện (vai trò, cấp)", default=list)
    description = models.CharField("bước, diễn đạt", max_length=200,
                                   help_text="as a clause: «tỉnh thẩm định, phê duyệt hồ sơ»")
    reason_hint = models.TextField("yêu cầu ghi lý do", blank=True,
                                   help_text="non-empty: a reason is required, and this says what to write")
    needs_decision = models.BooleanField("kèm quyết định công nhận", default=False)
    requires = models.JSONField("điều kiện trước", default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["workflow", "position"]
        constraints = [models.UniqueConstraint(fields=["workflow", "action"], name="workflow_step_unique")]
        verbose_name = "bước quy trình"
        verbose_name_plural = "bước quy trình"

    def __str__(self):
        return f"{self.workflow.code}: {self.action}"

    def clean(self):
        """The checks a workflow file gets (``definitions.check_step``), for an edit in the admin."""
        from django.core.exceptions import ValidationError

        from .definitions import DefinitionError, check_step

        try:
            check_step({"action": self.action, "sources": self.sources, "target": self.target,
                        "actors": self.actors, "requires": self.requires}, f"Bước «{self.action}»")
        except DefinitionError as exc:
            raise ValidationError(str(exc)) from None


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
    workflow = models.ForeignKey(
        Workflow, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments",
        verbose_name="quy trình",
        help_text="set at the first step (or by a transfer); empty: the workflow the unit's structure selects")

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

    def revocation_due(self, status) -> bool:
        """Whether the dossier puts its unit under review for revocation (Decision 18/2022/QĐ-TTg): the engine's
        revocation test failed (``revoke``) *and* the unit holds the level of the set — ``status``, its
        ``recognition.services.Status`` on the date considered. Revocation concerns a level held: a unit never
        recognised (or no longer) has nothing to revoke, whatever its results."""
        return self.revoke and status.holds(self.criteria_set.level)


class Standing(UnitFacts):
    """A unit's latest assessment against the sets of ``level`` as seen from the years ``from_year`` to ``to_year``
    (exclusive; ``OPEN`` — 9999 — when no later year has an assessment, so that "covering a year" is one range on
    the index, ``from_year <= year < to_year``): the one ``LATEST_ORDER`` picks among the assessments of
    year ≤ the year asked. *Derived*, never edited: ``assessments.standings`` rebuilds a unit's rows from its
    assessments whenever one of them is created, re-evaluated or deleted (in the same transaction), so that the
    criteria distribution over 10,000 communes is one join, not a search for the latest assessment per unit."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="standings")
    level = models.CharField(max_length=30)
    from_year = models.PositiveSmallIntegerField()
    to_year = models.PositiveSmallIntegerField(default=9999)
    assessment = models.ForeignKey("Assessment", on_delete=models.CASCADE, related_name="+")
    criteria_met = models.PositiveSmallIntegerField()
    # copies of the assessment's set and its number of criteria: the summary averages per set (19 criteria in
    # 2021-2025, 10 in 2026-2030) from this index alone, no assessment joined
    criteria_set = models.ForeignKey(CriteriaSet, null=True, on_delete=models.CASCADE, related_name="+",
                                     db_index=False)
    criteria_total = models.PositiveSmallIntegerField(default=0)

    OPEN = 9999

    class Meta(UnitFacts.Meta):
        indexes = [
            # the rows covering a year, read from the index alone (criteria_met_distribution)
            models.Index(fields=["level", "to_year", "from_year", "unit_type", "unit_from", "unit_to", "unit",
                                 "criteria_met", "criteria_set", "criteria_total"], name="standing_covering_sets"),
        ]
        # one row per unit, level and first year (also the index of a unit's rows): a second copy (two refreshes
        # racing) is refused, not counted
        constraints = [models.UniqueConstraint(fields=["unit", "level", "from_year"], name="standing_unique")]

    def __str__(self):
        until = "" if self.to_year == self.OPEN else self.to_year
        return f"{self.unit_id} {self.level} {self.from_year}–{until}: {self.criteria_met}"


class IndicatorValueQuerySet(models.QuerySet):
    def awaiting_confirmation(self):
        """Values carried from the previous period that no officer has confirmed or changed yet (``carry``)."""
        return self.filter(carried__isnull=False, confirmed_at__isnull=True)

    def codes(self) -> list[str]:
        """The indicator codes of these values, in the set's order."""
        return list(self.order_by("indicator__position").values_list("indicator__code", flat=True))


class IndicatorValue(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    value = models.JSONField("giá trị", null=True, blank=True, help_text="number, true/false or a category")
    source = models.CharField("nguồn số liệu", max_length=300, blank=True)
    note = models.TextField("ghi chú", blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    carried = models.JSONField(
        "mang sang từ giai đoạn trước", null=True, blank=True,
        help_text="where a pre-filled value came from: the rule and each source (unit, year, indicator, value)")
    confirmed_at = models.DateTimeField("xác nhận lúc", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name="người xác nhận")

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "indicator__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator"], name="indicator_value_unique"),
        ]
        verbose_name = "giá trị chỉ tiêu"
        verbose_name_plural = "giá trị chỉ tiêu"

    def __str__(self):
        return f"{self.indicator.code} = {self.value}"

    @property
    def needs_confirmation(self) -> bool:
        """A value carried from the previous period that no one has confirmed or changed yet."""
        return self.carried is not None and self.confirmed_at is None


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
