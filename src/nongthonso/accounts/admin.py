from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import router, transaction

from nongthonso.audit.admin import AuditedModelAdmin

from .models import Membership


@admin.register(Membership)
class MembershipAdmin(AuditedModelAdmin):
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
admin.site.unregister(Group)


@admin.register(User)
class UserWithRolesAdmin(AuditedModelAdmin, UserAdmin):
    """Django's user admin, with the user's roles beside the account; audited (the password hash never shown)."""

    inlines = [*UserAdmin.inlines, MembershipInline]

    def user_change_password(self, request, id, form_url=""):
        # the password form saves the user itself (no save_model): audited here, in one transaction with the change
        with transaction.atomic(using=router.db_for_write(User)), \
                self.audited_change(request, self.get_object(request, unquote(id))):
            return super().user_change_password(request, id, form_url)


@admin.register(Group)
class AuditedGroupAdmin(AuditedModelAdmin, GroupAdmin):
    """Django's group admin, audited."""


# django-axes' pages of sign-in attempts (a lockout is lifted by deleting its attempt): audited like every admin.
# Importing axes.admin here registers its admins first (this module is discovered before axes'), so they are swapped.
def _audited_axes_admins() -> None:
    from axes import admin as axes_admin
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model, base in ((AccessAttempt, axes_admin.AccessAttemptAdmin), (AccessLog, axes_admin.AccessLogAdmin),
                        (AccessFailureLog, axes_admin.AccessFailureLogAdmin)):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
            admin.site.register(model, type(base.__name__, (AuditedModelAdmin, base), {"__module__": __name__}))


_audited_axes_admins()
