"""The smart-NTM rows in the admin (every write audited: ``AuditedModelAdmin``). A programme's targets are corrected
here; the targets file (``data/targets.yaml``) rewrites a programme only when its own entry changes (``catalogue``)."""

from django.contrib import admin

from nongthonso.audit.admin import AuditedModelAdmin

from .models import Figure, Measure, Pilot, PilotValue, Programme, Target


@admin.register(Programme)
class ProgrammeAdmin(AuditedModelAdmin):
    list_display = ("short_name", "name", "province_code", "applies_from", "applies_to", "verified")
    readonly_fields = ("file_hash",)


@admin.register(Target)
class TargetAdmin(AuditedModelAdmin):
    list_display = ("code", "programme", "level", "comparator", "value", "deadline", "kind", "provenance")
    list_filter = ("programme", "kind", "provenance", "level")
    search_fields = ("code", "label")


@admin.register(Measure)
class MeasureAdmin(AuditedModelAdmin):
    list_display = ("code", "label", "levels")


@admin.register(Figure)
class FigureAdmin(AuditedModelAdmin):
    list_display = ("measure", "unit", "year", "numerator", "denominator", "source", "synthetic")
    list_filter = ("measure", "year", "synthetic")
    search_fields = ("unit__code", "unit__name")
    raw_id_fields = ("unit", "entered_by")


@admin.register(Pilot)
class PilotAdmin(AuditedModelAdmin):
    list_display = ("__str__", "kind", "decision_number", "decision_date", "recognition_number", "recognised_on")
    list_filter = ("kind", "synthetic")
    raw_id_fields = ("commune", "village", "created_by")


@admin.register(PilotValue)
class PilotValueAdmin(AuditedModelAdmin):
    list_display = ("pilot", "indicator_code", "year", "value")
    raw_id_fields = ("pilot", "updated_by")
