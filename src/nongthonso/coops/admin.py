"""Co-operatives in the admin: every model, audited (``audit.admin.AuditedModelAdmin``). The pages (``/hop-tac-xa/``)
are where offices and co-operatives keep these rows; the admin is the system administrator's fallback. A member's
capital is the sum of its capital movements, never typed in; a diary entry's phone-made id and a trace event's id are
read-only (other records point at them)."""

from __future__ import annotations

from django.contrib import admin

from nongthonso.audit.admin import AuditedModelAdmin

from .models import (
    Certification,
    Contribution,
    Cooperative,
    CropCycle,
    DiaryEntry,
    DiaryPhoto,
    Lot,
    Member,
    Officer,
    Plot,
    ServiceUse,
    TraceEvent,
    YearFigures,
)


@admin.register(Cooperative)
class CooperativeAdmin(AuditedModelAdmin):
    list_display = ("name", "registration_code", "legal_form", "sector", "unit", "ceased_on", "synthetic")
    list_filter = ("legal_form", "sector", "synthetic")
    search_fields = ("name", "registration_code", "tax_code", "search")
    raw_id_fields = ("unit",)
    filter_horizontal = ("managers",)


@admin.register(Officer)
class OfficerAdmin(AuditedModelAdmin):
    list_display = ("full_name", "position", "cooperative", "start_on", "end_on")
    search_fields = ("full_name", "cooperative__name")
    raw_id_fields = ("cooperative",)


@admin.register(Member)
class MemberAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "kind", "status", "cooperative", "joined_on", "left_on", "synthetic")
    list_filter = ("kind", "status", "synthetic")
    search_fields = ("code", "name", "cooperative__name", "cooperative__registration_code")
    raw_id_fields = ("cooperative", "unit")


@admin.register(Contribution)
class ContributionAdmin(AuditedModelAdmin):
    list_display = ("member", "date", "amount", "note")
    search_fields = ("member__name", "member__code", "member__cooperative__name")
    raw_id_fields = ("member",)


@admin.register(ServiceUse)
class ServiceUseAdmin(AuditedModelAdmin):
    list_display = ("member", "year", "service", "value")
    list_filter = ("year",)
    search_fields = ("member__name", "service")
    raw_id_fields = ("member",)


@admin.register(YearFigures)
class YearFiguresAdmin(AuditedModelAdmin):
    list_display = ("cooperative", "year", "revenue", "profit", "distributed", "employees", "synthetic")
    list_filter = ("year", "synthetic")
    search_fields = ("cooperative__name", "cooperative__registration_code")
    raw_id_fields = ("cooperative",)


@admin.register(Plot)
class PlotAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "cooperative", "crop", "area_m2", "growing_area_code", "synthetic")
    search_fields = ("code", "name", "crop", "growing_area_code", "cooperative__name")
    raw_id_fields = ("cooperative", "member", "unit")


@admin.register(Certification)
class CertificationAdmin(AuditedModelAdmin):
    list_display = ("number", "kind", "cooperative", "certifier", "issued_on", "valid_until", "synthetic")
    list_filter = ("kind", "synthetic")
    search_fields = ("number", "certifier", "cooperative__name")
    raw_id_fields = ("cooperative", "ocop_product")
    filter_horizontal = ("plots",)
    readonly_fields = ("expiry_notice_sent_at",)


@admin.register(CropCycle)
class CropCycleAdmin(AuditedModelAdmin):
    list_display = ("name", "crop", "plot", "started_on", "ended_on", "synthetic")
    search_fields = ("name", "crop", "plot__code", "plot__cooperative__name")
    raw_id_fields = ("plot",)


@admin.register(DiaryEntry)
class DiaryEntryAdmin(AuditedModelAdmin):
    list_display = ("date", "kind", "cycle", "input_name", "quantity", "recorded_at", "synthetic")
    list_filter = ("kind", "synthetic")
    search_fields = ("input_name", "note", "cycle__plot__cooperative__name")
    raw_id_fields = ("cycle", "recorded_by")
    readonly_fields = ("client_id", "received_at", "version")


@admin.register(DiaryPhoto)
class DiaryPhotoAdmin(AuditedModelAdmin):
    list_display = ("entry", "content_type", "size", "uploaded_at")
    raw_id_fields = ("entry",)
    readonly_fields = ("content_type", "size", "uploaded_at")


@admin.register(Lot)
class LotAdmin(AuditedModelAdmin):
    list_display = ("identifier", "product_name", "cooperative", "gtin", "lot_number", "produced_on", "synthetic")
    list_filter = ("synthetic",)
    search_fields = ("identifier", "product_name", "gtin", "lot_number", "cooperative__name")
    raw_id_fields = ("cooperative", "ocop_product", "harvests")
    readonly_fields = ("identifier",)


@admin.register(TraceEvent)
class TraceEventAdmin(AuditedModelAdmin):
    list_display = ("event_id", "event_type", "biz_step", "cooperative", "event_time", "synthetic")
    list_filter = ("event_type", "synthetic")
    search_fields = ("event_id", "biz_step", "cooperative__name")
    raw_id_fields = ("cooperative", "biz_location", "inputs", "outputs", "source_entry")
    readonly_fields = ("event_id",)
