from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from nongthonso.audit.admin import AuditedModelAdmin

from .catalogue import new_version
from .models import CriteriaSet, Criterion, Indicator, Threshold


def in_use_message(cset: CriteriaSet) -> str | None:
    """Why the rules of ``cset`` cannot be edited in place (as ``catalogue.load_set`` makes a new version rather than
    change a set in use): None while no assessment uses it."""
    if not cset.is_in_use():
        return None
    return (f"Bộ tiêu chí «{cset}» đã được dùng cho các bản đánh giá nên không sửa trực tiếp được. Dùng thao tác «Tạo "
            "phiên bản mới» ở danh sách bộ tiêu chí rồi sửa ở phiên bản mới.")


class LockedIfInUseFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        indicator = self.instance
        message = in_use_message(indicator.criteria_set) if self.has_changed() and indicator.pk else None
        if message:
            raise ValidationError(message)


class ThresholdInline(admin.TabularInline):
    model = Threshold
    formset = LockedIfInUseFormSet
    extra = 0
    fields = ("province_code", "region", "commune_group", "year", "value", "provenance", "verified", "source")


@admin.register(CriteriaSet)
class CriteriaSetAdmin(AuditedModelAdmin):
    """Criteria sets. A set in use keeps its rules (what decides a dossier's results); its name, legal basis, source
    and verification can still be corrected."""

    locked_fields = ("code", "version", "level", "effective_from", "effective_to", "province_code",
                     "threshold_dimension", "region_override", "requires")
    list_display = ("code", "version", "name", "level", "effective_from", "effective_to", "verified", "in_use")
    list_filter = ("level", "verified")
    search_fields = ("code", "name", "legal_basis")
    readonly_fields = ("spec_hash", "updated_at", "superseded_by")
    actions = ["make_new_version"]

    @admin.display(boolean=True, description="đang được dùng")
    def in_use(self, obj):
        return obj.is_in_use()

    def lock_reason(self, obj):
        return in_use_message(obj)

    def locked(self, queryset):
        return queryset.filter(assessments__isnull=False).distinct()

    @admin.action(description="Tạo phiên bản mới (để sửa ngưỡng của bộ đã được dùng)")
    def make_new_version(self, request, queryset):
        for cset in queryset:
            copy = new_version(cset, actor=request.user.get_username())
            self.message_user(request, f"Đã tạo {copy} từ {cset}.", messages.SUCCESS)


class RowOfASetAdmin(AuditedModelAdmin):
    """A row of a criteria set (criterion, indicator): its rules are locked while the set is in use."""

    def lock_reason(self, obj):
        return in_use_message(obj.criteria_set)

    def locked(self, queryset):
        return queryset.filter(criteria_set__assessments__isnull=False).distinct()


@admin.register(Criterion)
class CriterionAdmin(RowOfASetAdmin):
    locked_fields = ("criteria_set", "code", "revocation_key", "condition")
    list_display = ("code", "name", "criteria_set", "revocation_key")
    list_filter = ("criteria_set",)
    search_fields = ("name", "code")


@admin.register(Indicator)
class IndicatorAdmin(RowOfASetAdmin):
    list_display = ("code", "name", "criteria_set", "value_type", "comparator", "unit", "verified")
    list_filter = ("criteria_set", "value_type", "verified")
    search_fields = ("code", "name")
    inlines = [ThresholdInline]
    locked_fields = ("criteria_set", "criterion", "code", "value_type", "comparator", "categories", "threshold_ref")
