from django.contrib import admin

from .models import Decision, Registration


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ("number", "date", "authority", "kind", "level", "for_year", "synthetic")
    list_filter = ("kind", "level", "for_year", "synthetic")
    search_fields = ("number", "authority", "units__name")
    date_hierarchy = "date"
    raw_id_fields = ("units",)


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("unit", "target_level", "target_year", "registered_on", "synthetic")
    list_filter = ("target_level", "target_year")
    search_fields = ("unit__name", "unit__code")
    raw_id_fields = ("unit",)
