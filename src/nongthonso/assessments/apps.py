from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "nongthonso.assessments"
    verbose_name = "Đánh giá tiêu chí"

    def ready(self):
        from nongthonso.core import registry

        from . import receivers, standings  # noqa: F401  (standings and results kept in step with what they use)
        from .imports import import_values, may_import
        from .models import Assessment

        registry.register(
            self,
            registry.Pages("assessments", "nongthonso.assessments.urls", order=20),
            registry.ImportKind(
                "values", _("Giá trị chỉ tiêu"), import_values, order=10, may_use=may_import,
                who=_("cán bộ phụ trách NTM cấp xã"),
                columns=_("unit_code, year, indicator_code, value (thêm được note, source, set). Chỉ tiêu đạt/không "
                          "đạt: «Đạt» hoặc «Không đạt»; số: dấu phẩy thập phân, ví dụ 85,7.")),
            registry.DerivedTable("standings", "bản đánh giá mới nhất", counted="dòng bản đánh giá mới nhất",
                                  refresh=standings.refresh, rebuild=standings.rebuild, check=standings.check,
                                  order=20),
            registry.RevisionTable(Assessment),
            registry.MenuEntry("communes", _("Danh sách xã"), "communes", order=500, visible=registry.signed_in),
            registry.MenuEntry("dossiers", _("Hồ sơ"), "dossiers", order=600, visible=registry.signed_in),
        )
