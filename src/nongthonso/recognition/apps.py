from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecognitionConfig(AppConfig):
    name = "nongthonso.recognition"
    verbose_name = "Công nhận"

    def ready(self):
        from nongthonso.core import registry

        from . import spells  # keeps the spells in step with the decisions
        from .imports import import_decisions, import_registrations
        from .models import Decision, Registration

        registry.register(
            self,
            registry.ImportKind(
                "decisions", _("Quyết định công nhận"), import_decisions, order=20,
                columns=_("number, date, authority, kind (Công nhận/Thu hồi), level, for_year, unit_codes (nhiều mã "
                          "cách nhau bằng «;»), thêm được note.")),
            registry.ImportKind(
                "registrations", _("Đăng ký đạt chuẩn"), import_registrations, order=30,
                columns=_("unit_code, target_level, target_year, registered_on, thêm được note.")),
            registry.DerivedTable("spells", "thời kỳ đạt chuẩn", refresh=spells.refresh, rebuild=spells.rebuild,
                                  check=spells.check, order=10),
            *(registry.RevisionTable(m) for m in (Decision, Decision.units.through, Registration)),
        )
