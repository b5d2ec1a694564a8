from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# The actions this app registers (codes read by accounts.services; never rename one).
VIEW = "view_smart"  # read the progress of the targets and the pilots
ENTER = "enter_smart_figures"  # enter the figures of the units in scope (records processed online …)
MANAGE = "manage_smart_pilots"  # designate pilot smart communes and villages, record their recognition and values


def _may_view(request) -> bool:
    from .scope import may_view

    return may_view(request.user)


def _may_export(user) -> bool:
    from .scope import may_view

    return may_view(user)


def _load(sender, using="default", **kwargs) -> None:
    """After ``migrate``: the targets file and the smart-village criteria sets, loaded (unchanged entries are left
    as they are), so that every installation has them — with the demo or without."""
    from django.db import connections

    from .catalogue import load
    from .models import Programme

    if Programme._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated backwards past this app
    load(actor="nongthonso migrate")


class SmartConfig(AppConfig):
    """Smart NTM: the digital-transformation targets of Decision 924/QĐ-TTg and the province's plan, their progress,
    and the pilot smart communes and villages."""

    name = "nongthonso.smart"
    verbose_name = "Nông thôn mới thông minh"

    def ready(self):
        from nongthonso.core import registry

        from . import api, exports, imports
        from .models import Figure, Pilot

        post_migrate.connect(_load, sender=self, dispatch_uid="nongthonso.smart.load")
        ntm_roles = ("province_office", "district_office", "commune_officer", "viewer")
        registry.register(
            self,
            registry.Action(VIEW, _("Xem tiến độ nông thôn mới thông minh"), roles=ntm_roles),
            registry.Action(ENTER, _("Nhập số liệu chuyển đổi số"),
                            roles=("province_office", "district_office", "commune_officer")),
            registry.Action(MANAGE, _("Chọn, công nhận mô hình thí điểm thông minh"), roles=("province_office",)),
            registry.Pages("smart", "nongthonso.smart.urls", order=60),
            registry.ApiRouter("smart", api.router, order=60),
            registry.MenuEntry("smart_targets", _("NTM thông minh"), "smart_targets", order=620, visible=_may_view),
            registry.ImportKind(
                "smart_figures", _("Số liệu chuyển đổi số"), imports.import_figures, order=60,
                may_use=imports.may_import, who=_("Cán bộ phụ trách NTM xã, Văn phòng Điều phối NTM huyện, tỉnh"),
                columns=_("measure (ho-so-truc-tuyen, htx-ung-dung-cds, chuoi-gia-tri-so, dich-vu-thiet-yeu-so, "
                          "lay-y-kien-truc-tuyen), unit_code, year, numerator, denominator, source, thêm được note.")),
            registry.ExportKind("smart_targets", _("Tiến độ nông thôn mới thông minh"), exports.targets_export,
                                "tien-do-ntm-thong-minh", may_use=_may_export, formats=("xlsx", "csv"), order=60),
            registry.ExportKind("smart_figures", _("Số liệu chuyển đổi số"), exports.figures_export,
                                "so-lieu-chuyen-doi-so", may_use=_may_export, order=61),
            registry.RevisionTable(Figure),
            registry.RevisionTable(Pilot),
        )
