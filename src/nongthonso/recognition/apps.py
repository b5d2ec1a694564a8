from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecognitionConfig(AppConfig):
    name = "nongthonso.recognition"
    verbose_name = "Công nhận"

    def ready(self):
        from nongthonso.core import registry

        from . import spells  # keeps the spells in step with the decisions
        from .group_imports import import_commune_groups
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
            registry.ImportKind(
                "commune_groups", _("Nhóm xã"), import_commune_groups, order=40, who=_("Văn phòng Điều phối NTM tỉnh"),
                columns=_("unit_code, group (1, 2 hoặc 3 theo Quyết định 51/2025/QĐ-TTg), valid_from, decision_number, "
                          "decision_date, thêm được valid_to, authority, note. Quyết định mới kết thúc nhóm cũ của xã "
                          "vào ngày liền trước ngày áp dụng.")),
            registry.DerivedTable("spells", "thời kỳ đạt chuẩn", refresh=spells.refresh, rebuild=spells.rebuild,
                                  check=spells.check, order=10),
            *(registry.RevisionTable(m) for m in (Decision, Decision.units.through, Registration)),
        )
