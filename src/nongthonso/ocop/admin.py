"""OCOP in the admin: every model, audited (``audit.admin.AuditedModelAdmin``).

A scoring sheet a council has scored with is locked (``catalogue.in_use``): its points, minimum requirements, bands
and council rule are read-only and its rows cannot be deleted — a new sheet version is made instead, so a stored
score keeps the meaning it was given. An evaluation's result (total, parts, stars, minimum requirements failed,
completeness) is the engine's output, read-only here; a member's score edited here refreshes it in the same
transaction (``scoring``'s signals).
"""

from __future__ import annotations

from django.contrib import admin

from nongthonso.audit.admin import AuditedModelAdmin

from .catalogue import in_use
from .models import (
    Certificate,
    Council,
    CouncilMember,
    Evaluation,
    MemberScore,
    Producer,
    Product,
    ProductGroup,
    ProductImage,
    Rating,
    RatingEvent,
    Registration,
    Round,
    ScoringSheet,
    SheetCriterion,
    SheetPart,
    StarBand,
    SubGroup,
)

SHEET_IN_USE = ("Phiếu này đã được hội đồng dùng để chấm điểm nên không sửa điểm, yêu cầu tối thiểu, ngưỡng hạng sao "
                "hay cách tính điểm được nữa. Muốn đổi, tạo phiếu mới (mã và phiên bản mới, ngày áp dụng mới).")


class SheetRowAdmin(AuditedModelAdmin):
    """A row of a scoring sheet: locked once the sheet is in use."""

    def sheet_of(self, obj) -> ScoringSheet:
        return obj.sheet

    def lock_reason(self, obj):
        return SHEET_IN_USE if in_use(self.sheet_of(obj)) else None

    def locked(self, queryset):
        field = "pk" if queryset.model is ScoringSheet else "sheet"
        used = MemberScore.objects.values("criterion__sheet")
        return queryset.filter(**{f"{field}__in": used})


@admin.register(ProductGroup)
class ProductGroupAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "provenance", "order")
    list_filter = ("provenance",)
    search_fields = ("code", "name")


@admin.register(SubGroup)
class SubGroupAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "group", "lead_ministry", "provenance")
    list_filter = ("group", "provenance")
    search_fields = ("code", "name")


@admin.register(ScoringSheet)
class ScoringSheetAdmin(SheetRowAdmin):
    list_display = ("code", "name", "version", "valid_from", "valid_to", "total_points", "provenance", "verified")
    list_filter = ("provenance", "verified")
    search_fields = ("code", "name", "legal_basis")
    filter_horizontal = ("subgroups",)
    locked_fields = ("council_rule", "total_points")

    def sheet_of(self, obj):
        return obj


@admin.register(SheetPart)
class SheetPartAdmin(SheetRowAdmin):
    list_display = ("sheet", "code", "name", "max_points", "order")
    list_filter = ("sheet",)
    locked_fields = ("sheet", "code", "max_points")


@admin.register(SheetCriterion)
class SheetCriterionAdmin(SheetRowAdmin):
    list_display = ("sheet", "code", "name", "part", "max_points", "bonus", "minimum_points", "minimum_stars",
                    "provenance")
    list_filter = ("sheet", "bonus", "provenance")
    search_fields = ("code", "name")
    locked_fields = ("sheet", "part", "code", "max_points", "bonus", "minimum_points", "minimum_stars")


@admin.register(StarBand)
class StarBandAdmin(SheetRowAdmin):
    list_display = ("sheet", "stars", "min_points", "provenance", "verified")
    list_filter = ("sheet", "provenance", "verified")
    locked_fields = ("sheet", "stars", "min_points")


@admin.register(Producer)
class ProducerAdmin(AuditedModelAdmin):
    list_display = ("name", "kind", "unit", "registration_number", "cooperative_key", "synthetic")
    list_filter = ("kind", "synthetic")
    search_fields = ("name", "registration_number", "tax_code", "cooperative_key")
    raw_id_fields = ("unit",)
    filter_horizontal = ("members",)


@admin.register(Product)
class ProductAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "producer", "subgroup", "unit", "synthetic")
    list_filter = ("subgroup__group", "synthetic")
    search_fields = ("code", "search")
    raw_id_fields = ("producer", "unit")


@admin.register(ProductImage)
class ProductImageAdmin(AuditedModelAdmin):
    list_display = ("product", "caption", "content_type", "size", "uploaded_at")
    raw_id_fields = ("product", "uploaded_by")
    readonly_fields = ("content_type", "size", "uploaded_by", "uploaded_at")


@admin.register(Registration)
class RegistrationAdmin(AuditedModelAdmin):
    list_display = ("title", "year", "kind", "producer", "status", "submitted_on")
    list_filter = ("year", "kind", "status")
    search_fields = ("title",)
    raw_id_fields = ("producer", "product", "unit")


class CouncilMemberInline(admin.TabularInline):
    model = CouncilMember
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Council)
class CouncilAdmin(AuditedModelAdmin):
    list_display = ("name", "unit", "year", "decision_number", "synthetic")
    list_filter = ("year", "synthetic")
    search_fields = ("name", "decision_number")
    raw_id_fields = ("unit",)
    inlines = (CouncilMemberInline,)


@admin.register(CouncilMember)
class CouncilMemberAdmin(AuditedModelAdmin):
    list_display = ("full_name", "position", "council", "user")
    search_fields = ("full_name",)
    raw_id_fields = ("council", "user")


@admin.register(Round)
class RoundAdmin(AuditedModelAdmin):
    list_display = ("name", "council", "date", "synthetic")
    list_filter = ("synthetic",)
    search_fields = ("name",)
    filter_horizontal = ("members",)


@admin.register(Rating)
class RatingAdmin(AuditedModelAdmin):
    list_display = ("product", "year", "sheet", "workflow", "state", "stage", "proposed_stars")
    list_filter = ("year", "state", "stage", "workflow")
    search_fields = ("product__code", "product__search")
    raw_id_fields = ("product", "previous")


@admin.register(RatingEvent)
class RatingEventAdmin(AuditedModelAdmin):
    list_display = ("rating", "action", "from_state", "to_state", "actor_name", "timestamp")
    list_filter = ("action",)
    raw_id_fields = ("rating", "actor")


@admin.register(Evaluation)
class EvaluationAdmin(AuditedModelAdmin):
    list_display = ("rating", "round", "total", "stars", "complete")
    list_filter = ("complete", "stars")
    raw_id_fields = ("rating", "round")
    readonly_fields = ("total", "parts", "stars", "gates_failed", "complete")


@admin.register(MemberScore)
class MemberScoreAdmin(AuditedModelAdmin):
    list_display = ("evaluation", "member", "criterion", "points")
    raw_id_fields = ("evaluation", "member", "criterion")


@admin.register(Certificate)
class CertificateAdmin(AuditedModelAdmin):
    list_display = ("decision_number", "product", "stars", "decision_date", "valid_until", "issuing_level",
                    "revoked_on")
    list_filter = ("stars", "issuing_level", "synthetic")
    search_fields = ("decision_number", "product__code", "product__search")
    raw_id_fields = ("product", "rating", "issuing_unit")
