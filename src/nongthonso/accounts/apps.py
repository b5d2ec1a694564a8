from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _may_hand_over(request) -> bool:
    from .services import may_hand_over

    return may_hand_over(request.user)


class AccountsConfig(AppConfig):
    name = "nongthonso.accounts"
    verbose_name = "Tài khoản và vai trò"

    def ready(self):
        from nongthonso.core import registry

        from .models import DOSSIER_ACTIONS, ROLES

        registry.register(
            self,
            *DOSSIER_ACTIONS,
            *ROLES,
            registry.MenuEntry("handovers", _("Vai trò"), "handovers", order=900, visible=_may_hand_over),
        )
