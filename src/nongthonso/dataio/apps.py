from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _may_import(request) -> bool:
    from .services import may_import

    return may_import(request.user)


def _may_export(request) -> bool:
    from .services import may_export

    return may_export(request.user)


class DataioConfig(AppConfig):
    name = "nongthonso.dataio"
    verbose_name = "Nhập, xuất dữ liệu và dữ liệu mở"

    def ready(self):
        from nongthonso.core import registry

        from . import exports, views

        registry.register(
            self,
            registry.Pages("dataio", "nongthonso.dataio.urls", order=30),
            registry.ExportKind("values", _("Giá trị chỉ tiêu (theo năm)"), exports.values_export, "gia-tri",
                                order=10),
            registry.ExportKind("decisions", _("Quyết định công nhận"), exports.decisions_export, "quyet-dinh",
                                order=20),
            registry.ExportKind("registrations", _("Đăng ký đạt chuẩn"), exports.registrations_export, "dang-ky",
                                order=30),
            registry.ExportKind("commune_groups", _("Nhóm xã"), exports.commune_groups_export, "nhom-xa",
                                by_year=False, order=40),
            registry.ExportKind("units", _("Đơn vị hành chính"), exports.units_export, "don-vi", by_year=False,
                                order=50),
            registry.PublicPage("open_data", "du-lieu-mo/", views.open_data),
            registry.PublicPage("open_data_file", "du-lieu-mo/<slug:slug>.<str:fmt>", views.open_data_file),
            registry.MenuEntry("open_data", _("Dữ liệu mở"), "open_data", order=300),
            registry.MenuEntry("data_import", _("Nhập dữ liệu"), "data_import", order=700, visible=_may_import),
            registry.MenuEntry("data_export", _("Xuất dữ liệu"), "data_export", order=800, visible=_may_export),
        )
