from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The actions this app registers (codes read by accounts.services; never rename one).
VIEW = "view_coops"  # read the co-operatives of the units in scope, their members, plots, diaries, lots
MANAGE = "manage_coops"  # register and update the co-operatives of the units in scope (the state's registry)


class CoopsConfig(AppConfig):
    """Agricultural co-operatives: the registry, plots and certifications, production diaries, traceability."""

    name = "nongthonso.coops"
    verbose_name = "Hợp tác xã nông nghiệp"

    def ready(self):
        from nongthonso.core import registry

        registry.register(
            self,
            registry.Action(VIEW, _("Xem hợp tác xã"),
                            roles=("province_office", "district_office", "commune_officer", "viewer")),
            registry.Action(MANAGE, _("Quản lý danh sách hợp tác xã"),
                            roles=("province_office", "district_office", "commune_officer")),
        )

        # --- traceability: lots, EPCIS events, the public lot page, QR codes, labels, EPCIS export (c-trace) --------
        # Lots and events bump the data revision the public lot page is cached under.
        from . import api_trace, epcis, public_trace
        from .models import Lot, TraceEvent

        registry.register(
            self,
            registry.Pages("coops_trace", "nongthonso.coops.urls_trace", order=310),
            registry.ApiRouter("coops_trace", api_trace.router, order=310),
            registry.ReportKind("epcis", _("Sự kiện truy xuất EPCIS 2.0 (JSON-LD) của một lô"), epcis.command_report,
                                options=(registry.ReportOption(
                                    "lot", _("số id hoặc mã truy xuất của lô"), required=True),),
                                formats=("json",)),
            registry.PublicPage("coops_trace_public", "truy-xuat/<str:identifier>/", public_trace.lot_view),
            registry.PublicPage("coops_trace_qr", "truy-xuat/<str:identifier>/qr.<str:fmt>", public_trace.qr_view),
            registry.PublicPage("coops_trace_image", "truy-xuat/<str:identifier>/anh/", public_trace.image_view),
            registry.PublicPage("coops_trace_digital_link", "01/<str:gtin>/10/<path:lot>",
                                public_trace.digital_link_view),
            registry.RevisionTable(Lot),
            registry.RevisionTable(TraceEvent),
        )
