from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


def _may_hand_over(request) -> bool:
    from .services import may_hand_over

    return may_hand_over(request.user)


def role_codes_fit(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every registered role's code fits ``Membership.role``, where it is stored."""
    from nongthonso.core import registry

    from .models import Membership

    width = Membership._meta.get_field("role").max_length
    return [checks.Error(f"The role code «{role.code}» is longer than {width} characters, the length of "
                         "accounts.Membership.role.", hint="Register the role under a shorter code.",
                         id="nongthonso.accounts.E001")
            for role in registry.entries(registry.Role) if len(role.code) > width]


class AccountsConfig(AppConfig):
    name = "nongthonso.accounts"
    verbose_name = "Tài khoản và vai trò"

    def ready(self):
        from nongthonso.core import registry

        from . import views_password
        from .models import DOSSIER_ACTIONS, ROLES

        checks.register(role_codes_fit)
        registry.register(
            self,
            registry.Pages("accounts", "nongthonso.accounts.urls", order=40),
            *DOSSIER_ACTIONS,
            *ROLES,
            # password reset by e-mail (views_password), for users who cannot log in
            registry.PublicPage("password_reset", "quen-mat-khau/", views_password.PasswordResetView.as_view()),
            registry.PublicPage("password_reset_done", "quen-mat-khau/da-gui/",
                                views_password.PasswordResetDoneView.as_view()),
            registry.PublicPage("password_reset_confirm", "dat-mat-khau/<uidb64>/<token>/",
                                views_password.PasswordResetConfirmView.as_view()),
            registry.PublicPage("password_reset_complete", "dat-mat-khau/xong/",
                                views_password.PasswordResetCompleteView.as_view()),
            registry.MenuEntry("handovers", _("Vai trò"), "handovers", order=900, visible=_may_hand_over),
            # the accounts page, for the same offices (a province office, a superuser)
            registry.MenuEntry("accounts", _("Tài khoản"), "accounts", order=910, visible=_may_hand_over),
        )
