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

        from .models import DOSSIER_ACTIONS, ROLES

        checks.register(role_codes_fit)
        registry.register(
            self,
            *DOSSIER_ACTIONS,
            *ROLES,
            registry.MenuEntry("handovers", _("Vai trò"), "handovers", order=900, visible=_may_hand_over),
        )
