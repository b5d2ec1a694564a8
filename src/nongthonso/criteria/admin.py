from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from .catalogue import new_version
from .models import CriteriaSet, Criterion, Indicator, Threshold


class LockedIfInUseFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        indicator = self.instance
        if self.has_changed() and indicator.pk and indicator.criteria_set.is_in_use():
            raise ValidationError(
                f"Bộ tiêu chí «{indicator.criteria_set}» đã được dùng cho các bản đánh giá nên không sửa trực "
                "tiếp được. Dùng thao tác «Tạo phiên bản mới» ở danh sách bộ tiêu chí rồi sửa ở phiên bản mới.")


class ThresholdInline(admin.TabularInline):
    model = Threshold
    formset = LockedIfInUseFormSet
    extra = 0
    fields = ("province_code", "region", "commune_group", "year", "value", "verified", "source")


@admin.register(CriteriaSet)
class CriteriaSetAdmin(admin.ModelAdmin):
    list_display = ("code", "version", "name", "level", "effective_from", "effective_to", "verified", "in_use")
    list_filter = ("level", "verified")
    search_fields = ("code", "name", "legal_basis")
    readonly_fields = ("spec_hash", "updated_at", "superseded_by")
    actions = ["make_new_version"]

    @admin.display(boolean=True, description="đang được dùng")
    def in_use(self, obj):
        return obj.is_in_use()

    @admin.action(description="Tạo phiên bản mới (để sửa ngưỡng của bộ đã được dùng)")
    def make_new_version(self, request, queryset):
        for cset in queryset:
            copy = new_version(cset, actor=request.user.get_username())
            self.message_user(request, f"Đã tạo {copy} từ {cset}.", messages.SUCCESS)


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "criteria_set", "revocation_key")
    list_filter = ("criteria_set",)
    search_fields = ("name", "code")


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "criteria_set", "value_type", "comparator", "unit", "verified")
    list_filter = ("criteria_set", "value_type", "verified")
    search_fields = ("code", "name")
    inlines = [ThresholdInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.criteria_set.is_in_use():
            return ("criteria_set", "criterion", "code", "value_type", "comparator", "categories", "threshold_ref")
        return ()
