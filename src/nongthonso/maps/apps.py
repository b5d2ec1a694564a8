from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    """Maps: unit positions and boundaries per unit version, choropleths as of any date (layers registered by the
    apps that own the figures), on the dashboards and a page of their own."""

    name = "nongthonso.maps"
    verbose_name = "Bản đồ"

    def ready(self):
        from nongthonso.core import registry

        # --- maps (issue 15 item 1): boundaries, the map pages and data, the dashboards' map, the layers ----------
        from . import imports, layers, views
        from .models import UnitShape

        registry.register(
            self,
            registry.Action(imports.MANAGE, _("Tải lên ranh giới đơn vị hành chính"), roles=("province_office",)),
            registry.ImportKind(imports.KIND, _("Ranh giới đơn vị (GeoJSON)"), imports.import_boundaries, order=60,
                                formats=("geojson",), may_use=views.may_upload, columns=imports.COLUMNS_HELP,
                                who=_("Văn phòng Điều phối NTM tỉnh, quản trị hệ thống")),
            registry.Pages("maps", "nongthonso.maps.urls", order=150),
            registry.PublicPage("maps_public", "cong-khai/ban-do/", views.public_map_page),
            registry.PublicPage("maps_data", "ban-do/du-lieu/", views.map_data),
            # signed in, the map is reached from the dashboard's map panel (the menu has no room for one more entry
            # at 1366 px: tests/browser/test_layout_in_browser.py); the public menu has its own entry
            registry.MenuEntry("maps_public", _("Bản đồ"), "maps_public", order=315,
                               visible=lambda request: not request.user.is_authenticated),
            registry.DashboardPanel("maps", "maps/_dashboard_panel.html", order=100),
            registry.RevisionTable(UnitShape),
            registry.MapLayer("level", _("Mức đạt chuẩn đang giữ"), layers.level_held, legend=layers.level_legend(),
                              text=layers.level_text, public=True, order=10),
            registry.MapLayer("criteria_met", _("Tỷ lệ tiêu chí đạt (bản đánh giá mới nhất)"), layers.criteria_met,
                              kind="number", legend_for=lambda request: layers.share_legend(), public=True, order=20),
            registry.MapLayer("indicator", _("Một chỉ tiêu: đạt / chưa đạt"), layers.indicator_status,
                              legend=layers.status_legend(), text=layers.status_text, choices=layers.indicator_choices,
                              public=True, order=30),
            registry.MapLayer("registration", _("Mức đăng ký đạt chuẩn trong năm"), layers.registration_target,
                              legend=layers.registration_legend(), text=layers.level_text, order=40),
        )

        # --- the maps over the REST API: /api/maps/layers, a layer's GeoJSON, a unit's boundary (i15-api) ----------
        from . import api

        registry.register(
            self,
            registry.ApiRouter("maps", api.router, order=150),
        )
