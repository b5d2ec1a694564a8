from django.contrib import admin

from nongthonso.audit.admin import AuditedModelAdmin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedModelAdmin):
    """Tokens are created with ``nongthonso api_token USERNAME NAME`` (the token is printed once);
    here they can be seen and revoked (set «ngày thu hồi») or deleted."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at", "expires_at")
    search_fields = ("name", "user__username", "prefix")
    readonly_fields = ("user", "prefix", "created_at", "last_used_at", "expires_at")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False
