from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .models import Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "unit", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__first_name", "user__last_name", "unit__name", "unit__code",
                     "unit__search_text")
    raw_id_fields = ("unit",)
    list_select_related = ("user", "unit")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("role", "unit", "note")
    raw_id_fields = ("unit",)


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserWithRolesAdmin(UserAdmin):
    """Django's user admin, with the user's roles beside the account."""

    inlines = [*UserAdmin.inlines, MembershipInline]
