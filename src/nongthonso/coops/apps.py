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

        # --- the registry: pages, manager accounts, imports coops|members, the yearly update, API (c-registry) -------
        from . import api, exports, imports, scope
        from .models import Cooperative, Member, YearFigures

        registry.register(
            self,
            registry.Pages("coops_registry", "nongthonso.coops.urls", order=140),
            registry.MenuEntry("coops", _("Hợp tác xã"), "coops_list", order=670,
                               visible=lambda request: scope.may_view(request.user)),
            registry.RevisionTable(Cooperative),
            registry.RevisionTable(Member),
            registry.RevisionTable(YearFigures),
            registry.ApiRouter("coops_registry", api.router, order=210),
            registry.ImportKind(imports.COOPS, _("Hợp tác xã"), imports.run_coops, order=820,
                                may_use=imports.may_import_coops, columns=imports.COOPS_HELP,
                                who=_("Văn phòng Điều phối NTM, cán bộ xã được giao quản lý hợp tác xã")),
            registry.ExportKind(exports.CODE, _("Cập nhật hằng năm của hợp tác xã (biểu VII-1, VII-2, VII-3)"),
                                exports.yearly_update, exports.FILENAME, formats=("xlsx",), order=850,
                                may_use=exports.may_export),
            registry.ImportKind(imports.MEMBERS, _("Thành viên hợp tác xã"), imports.run_members, order=830,
                                may_use=imports.may_import_members, columns=imports.MEMBERS_HELP,
                                who=_("Hợp tác xã (tài khoản quản lý), cán bộ quản lý hợp tác xã")),
        )

        # --- plots and certifications: pages, the plots import, the API, expiry notices (c-plots) ----------------
        # Plots and certifications bump the data revision (the public traceability pages show them).
        from . import api_plots, imports_plots
        from .models import Certification, Plot

        registry.register(
            self,
            registry.Pages("coops_plots", "nongthonso.coops.urls_plots", order=141),
            registry.ImportKind(
                imports_plots.KIND, _("Thửa đất, vùng sản xuất của hợp tác xã"), imports_plots.run, order=825,
                may_use=imports_plots.may_import, who=_("Tài khoản quản lý hợp tác xã, cơ quan quản lý hợp tác xã"),
                columns=imports_plots.COLUMNS_HELP),
            registry.ApiRouter("coops_plots", api_plots.router, order=310),
            registry.RevisionTable(Plot),
            registry.RevisionTable(Certification),
        )

        # --- traceability: lots, EPCIS events, the public lot page, QR codes, labels, EPCIS export (c-trace) --------
        # Lots and events bump the data revision the public lot page is cached under.
        from . import api_trace, epcis, public_trace
        from .models import Lot, TraceEvent

        registry.register(
            self,
            registry.Pages("coops_trace", "nongthonso.coops.urls_trace", order=310),
            registry.ApiRouter("coops_trace", api_trace.router, order=200),
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

        # --- production diaries, offline on a phone (coops/diary.py, sync.py, views_diary.py, api_diary.py) ---
        from . import views_diary
        from .api_diary import router as diary_router
        from .imports_diary import import_diary, may_import
        from .models import CropCycle, DiaryEntry

        registry.register(
            self,
            registry.Pages("coops_diary", "nongthonso.coops.urls_diary", order=150),
            # the service worker holds no data (the pages it caches are asked for with the user's session)
            registry.PublicPage("coops_diary_sw", "nhat-ky-san-xuat/sw.js", views_diary.service_worker),
            registry.ApiRouter("coops_diary", diary_router, order=260),
            registry.ImportKind(
                "diary", _("Nhật ký sản xuất"), import_diary,
                columns=_("cooperative, plot, cycle, kind, date; tùy chọn: input_name, dose, dose_unit, phi_days, "
                          "quantity, quantity_unit, note, client_id"),
                who=_("người quản lý hợp tác xã, cán bộ được giao quản lý hợp tác xã"), may_use=may_import,
                order=950),
            registry.RevisionTable(DiaryEntry),
            registry.RevisionTable(CropCycle),
        )

        # --- the maps (issue 15): co-operatives in operation per commune as of the map's date -----------------------
        from . import map_layers

        registry.register(
            self,
            registry.MapLayer("cooperatives", _("Hợp tác xã đang hoạt động"), map_layers.active_cooperatives,
                              kind="number", legend=registry.count_legend(1, 2, 3, 5, unit=_("HTX")),
                              text=map_layers.cooperatives_text, order=60, rural_only=False),
        )
