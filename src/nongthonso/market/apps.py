from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

VIEW = "view_market"  # read the board's listings with their contacts, within the units in scope


class MarketConfig(AppConfig):
    """The supply–demand board: offers and requests, their matches and notices."""

    name = "nongthonso.market"
    verbose_name = "Kết nối cung cầu"

    def ready(self):
        from nongthonso.core import registry

        registry.register(
            self,
            registry.Action(VIEW, _("Xem tin cung cầu và liên hệ"),
                            roles=("province_office", "district_office", "commune_officer", "viewer")),
        )
