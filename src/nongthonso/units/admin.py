from django.contrib import admin

from nongthonso.audit.admin import AuditedModelAdmin
from nongthonso.core.text import fold

from .models import CommuneGroupAssignment, LineageEvent, Unit, UnitLevel, UnitType
from .signals import groups_changed


@admin.register(UnitLevel)
class UnitLevelAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "name_en", "depth")
    ordering = ("depth",)


@admin.register(UnitType)
class UnitTypeAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "name_en", "level", "is_rural")
    list_filter = ("level", "is_rural")
    search_fields = ("code", "name", "name_en")


class ValidOnFilter(admin.SimpleListFilter):
    """Versions in force now, or ended."""

    title = "hiệu lực"
    parameter_name = "hieu_luc"

    def lookups(self, request, model_admin):
        return [("con", "Còn hiệu lực (không có ngày kết thúc)"), ("het", "Đã hết hiệu lực")]

    def queryset(self, request, queryset):
        if self.value() == "con":
            return queryset.filter(valid_to__isnull=True)
        if self.value() == "het":
            return queryset.filter(valid_to__isnull=False)
        return queryset


@admin.register(Unit)
class UnitAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "unit_type", "parent", "valid_from", "valid_to")
    list_filter = (ValidOnFilter, "unit_type__level", "unit_type", "region", "dac_biet_kho_khan", "atk",
                   "synthetic")
    search_fields = ("search_text", "code")
    list_select_related = ("unit_type", "parent")
    raw_id_fields = ("parent",)
    readonly_fields = ("path", "sort_key", "search_text")
    date_hierarchy = "valid_from"
    ordering = ("sort_key", "code", "valid_from")

    def get_search_results(self, request, queryset, search_term):
        # search_text is diacritic-free ("dai tu"): fold the term the same way
        return super().get_search_results(request, queryset, fold(search_term))


@admin.register(LineageEvent)
class LineageEventAdmin(AuditedModelAdmin):
    list_display = ("effective_date", "kind", "legal_basis", "verified")
    list_filter = ("kind", "verified", "effective_date")
    search_fields = ("legal_basis", "note", "predecessors__search_text", "successors__search_text")
    filter_horizontal = ("predecessors", "successors")
    date_hierarchy = "effective_date"


@admin.register(CommuneGroupAssignment)
class CommuneGroupAssignmentAdmin(AuditedModelAdmin):
    """Commune groups by decision; the usual way in is the import (Nhập dữ liệu → Nhóm xã), which ends the previous
    assignment and checks overlaps. A change here re-evaluates the commune's assessments (``groups_changed``)."""

    list_display = ("unit", "unit_code", "group", "valid_from", "valid_to", "decision_number", "decision_date",
                    "authority", "synthetic")
    list_filter = ("group", "synthetic", "decision_date")
    search_fields = ("unit__search_text", "unit__code", "decision_number")
    raw_id_fields = ("unit",)
    list_select_related = ("unit",)
    date_hierarchy = "valid_from"
    ordering = ("unit__sort_key", "unit__code", "valid_from")

    @admin.display(description="mã xã", ordering="unit__code")
    def unit_code(self, obj):
        return obj.unit.code

    def get_search_results(self, request, queryset, search_term):
        # the commune's search_text is diacritic-free ("dai tu"); decision numbers are as written ("QĐ-UBND"):
        # match either way
        plain, plain_dupes = super().get_search_results(request, queryset, search_term)
        folded, folded_dupes = super().get_search_results(request, queryset, fold(search_term))
        return plain | folded, plain_dupes or folded_dupes

    def save_model(self, request, obj, form, change):
        before = CommuneGroupAssignment.objects.filter(pk=obj.pk).values_list("unit_id", flat=True).first()
        super().save_model(request, obj, form, change)
        # the commune it is on now, and the one it was on (a change of commune re-evaluates both)
        groups_changed.send(sender=CommuneGroupAssignment, unit_ids={obj.unit_id} | ({before} if before else set()))

    def delete_model(self, request, obj):
        unit_id = obj.unit_id
        super().delete_model(request, obj)
        groups_changed.send(sender=CommuneGroupAssignment, unit_ids={unit_id})

    def delete_queryset(self, request, queryset):
        unit_ids = set(queryset.values_list("unit_id", flat=True))
        super().delete_queryset(request, queryset)
        groups_changed.send(sender=CommuneGroupAssignment, unit_ids=unit_ids)
