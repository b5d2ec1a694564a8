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

        # --- the supply–demand board: listings, matching, notices, public board, API (c-market) ---------------------
        # Listings and matches bump the data revision the public board is cached under; matches are derived rows.
        from . import api, public, services
        from .models import Listing, Match

        registry.register(
            self,
            registry.PublicPage("market_board", "cho-nong-san/", public.board),
            registry.PublicPage("market_listing", "cho-nong-san/tin/<int:pk>/", public.listing_page),
            registry.Pages("market", "nongthonso.market.urls", order=140),
            registry.MenuEntry("market_board", _("Chợ nông sản"), "market_board", order=330),
            registry.ApiRouter("market", api.router, order=220),
            registry.DerivedTable("market_matches", "cặp cung cầu phù hợp", refresh=services.refresh_listings,
                                  rebuild=services.rebuild, check=services.check, counted="cặp cung cầu phù hợp",
                                  order=90),
            registry.RevisionTable(Listing),
            registry.RevisionTable(Match),
        )
