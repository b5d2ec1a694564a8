from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "nongthonso.units"
    verbose_name = "Đơn vị hành chính"

    def ready(self):
        from .lookups import register

        register()  # path__startswith served by the index on SQLite too (units/lookups.py)
        from nongthonso.core import registry

        from . import signals  # noqa: F401  (a saved unit announces itself: units_changed)
        from .imports import import_units, may_import
        from .models import LineageEvent, Unit

        registry.register(
            self,
            registry.ImportKind(
                "units", _("Đơn vị hành chính"), import_units, order=50, may_use=may_import,
                who=_("quản trị hệ thống"),
                columns=_("code, name, type, parent_code, valid_from, valid_to, thêm được region, dac_biet_kho_khan, "
                          "atk, lat, lon (tọa độ WGS84) (nhóm xã nhập riêng, xem trên).")),
            *(registry.RevisionTable(m) for m in (Unit, LineageEvent, LineageEvent.predecessors.through,
                                                   LineageEvent.successors.through)),
        )
