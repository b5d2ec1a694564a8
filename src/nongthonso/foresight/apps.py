from django.apps import AppConfig


class ForesightConfig(AppConfig):
    """Foresight: which communes are closest to a standard and what closing the gaps costs, what-if scenarios,
    forecasts with their backtest, and the registration plan that follows from them."""

    name = "nongthonso.foresight"
    verbose_name = "Dự báo và kế hoạch"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from nongthonso.core import registry  # (the registrations follow, one block per part)

        # --- closest to the standard, unit costs, what-if scenarios (issue 15 items 2 and 3) -----------------------
        from . import api_gaps, costs, exports_gaps, scope

        registry.register(
            self,
            registry.Action(scope.MANAGE_COSTS, _("Đặt đơn giá khắc phục chỉ tiêu"), roles=("province_office",)),
            registry.Pages("foresight_gaps", "nongthonso.foresight.urls_gaps", order=210),
            registry.ApiRouter("foresight_gaps", api_gaps.router, order=210),
            registry.ImportKind(costs.KIND, _("Đơn giá khắc phục chỉ tiêu"), costs.import_costs, order=1100,
                                may_use=costs.may_import, who=_("Văn phòng Điều phối NTM tỉnh"),
                                columns=costs.COLUMNS_HELP),
            registry.ExportKind(exports_gaps.KIND, _("Xã gần đạt chuẩn: khoảng cách và chi phí"), exports_gaps.export,
                                exports_gaps.FILENAME, order=1100),
        )
