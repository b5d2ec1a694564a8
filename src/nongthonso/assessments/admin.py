from django.contrib import admin

from .models import Assessment, IndicatorValue, Workflow, WorkflowEvent, WorkflowStep


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


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("unit", "year", "criteria_set", "state", "criteria_met", "criteria_total", "eligible", "revoke")
    list_filter = ("state", "year", "criteria_set", "eligible", "revoke", "synthetic")
    search_fields = ("unit__name", "unit__code", "unit__search_text")
    readonly_fields = ("criteria_met", "criteria_failed", "criteria_unknown", "criteria_total", "eligible",
                       "revoke", "results", "evaluated_at", "version", "state")
    raw_id_fields = ("unit",)
    inlines = [IndicatorValueInline, WorkflowEventInline]


class WorkflowStepInline(admin.StackedInline):
    model = WorkflowStep
    extra = 0
    fields = ("position", "action", "sources", "target", "actors", "description", "reason_hint", "needs_decision",
              "requires")


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    """The province's dossier workflows (ADR 0007): the files under assessments/workflows/ are loaded by the
    migrations and by ``nongthonso workflows load``; an edit here applies from the next request."""

    list_display = ("code", "name", "parent_level", "valid_from", "valid_to", "successor", "verified")
    readonly_fields = ("updated_at",)
    inlines = [WorkflowStepInline]
