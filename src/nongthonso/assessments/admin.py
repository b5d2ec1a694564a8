from django import forms
from django.contrib import admin
from django.db.models import F
from django.dispatch import receiver

from nongthonso.accounts.models import Action
from nongthonso.accounts.services import unit_phrase
from nongthonso.audit.admin import AuditedModelAdmin
from nongthonso.recognition.admin import Reference, references
from nongthonso.recognition.models import Decision

from .imports import MAX_YEAR, MIN_YEAR
from .models import Assessment, IndicatorValue, Workflow, WorkflowEvent, WorkflowStep
from .workflow import EDITABLE, WorkflowError, ensure_editable


class IndicatorValueInline(admin.TabularInline):
    model = IndicatorValue
    extra = 0
    fields = ("indicator", "value", "source", "note", "updated_at", "updated_by")
    readonly_fields = ("indicator", "value", "source", "note", "updated_at", "updated_by")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # values change through the services (validated, audited, re-evaluated)


class WorkflowEventInline(admin.TabularInline):
    model = WorkflowEvent
    extra = 0
    can_delete = False
    fields = ("timestamp", "action", "from_state", "to_state", "actor_name", "actor_role", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # steps happen through assessments.workflow.perform


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ("unit", "year", "criteria_set", "synthetic", "workflow")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None and self.has_changed():
            try:  # as the services: the row stays locked until the change commits, so no step slips in between
                ensure_editable(self.instance)
            except WorkflowError as exc:
                raise forms.ValidationError(exc.message) from None
        return cleaned

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise forms.ValidationError(f"Năm đánh giá {year} không hợp lệ: nhập năm có 4 chữ số từ {MIN_YEAR} đến "
                                        f"{MAX_YEAR}, ví dụ 2024.")
        return year


@admin.register(Assessment)
class AssessmentAdmin(AuditedModelAdmin):
    """Dossiers. What the services lock, the admin locks too: once submitted (``workflow.EDITABLE``: only a draft or
    returned dossier is open), a dossier's unit, year, criteria set and workflow are read-only here and it cannot be
    deleted; its values and steps change only through the services (the inlines are read-only). A dossier is opened
    only on the commune's page or through the API (``services.open_dossier``: the set must apply to the commune that
    year; the values carried from the earlier period are filled in), not added here."""

    form = AssessmentForm
    locked_fields = ("unit", "year", "criteria_set", "workflow", "synthetic")
    list_display = ("unit", "year", "criteria_set", "state", "criteria_met", "criteria_total", "eligible", "revoke")
    list_filter = ("state", "year", "criteria_set", "eligible", "revoke", "synthetic")
    search_fields = ("unit__name", "unit__code", "unit__search_text")
    readonly_fields = ("criteria_met", "criteria_failed", "criteria_unknown", "criteria_total", "eligible",
                       "revoke", "results", "evaluated_at", "version", "state")
    raw_id_fields = ("unit",)
    inlines = [IndicatorValueInline, WorkflowEventInline]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        """Only the fields the form changed, and a new version (a page opened before is then stale, as after any
        change): never the state, version or results the services may have written since the page was loaded."""
        if not change:
            return super().save_model(request, obj, form, change)
        if form.changed_data:  # the form's fields are columns of the assessment
            obj.version = F("version") + 1
            obj.save(update_fields=[*form.changed_data, "version"])
            obj.refresh_from_db(fields=["version"])

    def lock_reason(self, obj):
        if obj.state in EDITABLE:
            return None
        try:
            ensure_editable(obj)  # the services' refusal, in their words (who may reopen or return it)
        except WorkflowError as exc:
            reason = exc.message if exc.code == "locked" else (
                f"Hồ sơ «{obj}» đang ở trạng thái «{obj.get_state_display()}» nên đã khóa.")
        else:  # returned meanwhile: open again
            return None
        return (f"{reason} Ở trang quản trị, đơn vị, năm, bộ tiêu chí và quy trình của hồ sơ này chỉ xem được, và "
                "hồ sơ không xóa được.")

    def locked(self, queryset):
        return queryset.exclude(state__in=EDITABLE)


class WorkflowStepInline(admin.StackedInline):
    model = WorkflowStep
    extra = 0
    fields = ("position", "action", "sources", "target", "actors", "description", "reason_hint", "needs_decision",
              "requires")


@admin.register(Workflow)
class WorkflowAdmin(AuditedModelAdmin):
    """The province's dossier workflows (ADR 0007): the files under assessments/workflows/ are loaded by the
    migrations and by ``nongthonso workflows load``; an edit here applies from the next request."""

    list_display = ("code", "name", "parent_level", "valid_from", "valid_to", "successor", "verified")
    readonly_fields = ("updated_at",)
    inlines = [WorkflowStepInline]


@receiver(references, sender=Decision)
def decisions_recorded_by_the_workflow(sender, ids, **kwargs) -> list[Reference]:
    """The decisions a dossier's «record_decision» step recorded (``WorkflowEvent.details["decision"]``): the
    recognition admin keeps them as the dossiers' history names them."""
    events = (WorkflowEvent.objects.filter(action=Action.RECORD_DECISION, details__decision__id__in=list(ids))
              .select_related("assessment__unit").order_by("timestamp", "pk"))
    remedy = (f"đề nghị Văn phòng Điều phối NTM tỉnh mở lại hồ sơ (bước «{Action.REOPEN.label}», kèm lý do) rồi ghi "
              "quyết định đúng.")
    return [Reference(decision_id=e.details["decision"]["id"], unit_id=e.assessment.unit_id,
                      unit_name=unit_phrase(e.assessment.unit),
                      text=f"hồ sơ năm {e.assessment.year} của {unit_phrase(e.assessment.unit)}", remedy=remedy)
            for e in events]
