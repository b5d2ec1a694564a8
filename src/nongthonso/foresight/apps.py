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

        # --- forecast: the page /du-bao/du-bao/, the REST endpoint /api/foresight/forecast (i15-forecast) ----------
        # (the commands ``forecast`` and ``backtest`` are this app's management commands; the menu entry is left to
        # the merge, where the foresight pages' entries meet the menu list of ``tests/test_registry.py``)
        from nongthonso.accounts.models import Action
        from nongthonso.accounts.services import scope_paths

        from . import api_forecast

        registry.register(
            self,
            registry.Pages("foresight_forecast", "nongthonso.foresight.urls_forecast", order=240),
            # one entry for the app's pages (closest to the standard, forecast, what-if: they link to each other),
            # for whoever sees some unit's dossiers (memberships are read once per request: no query)
            registry.MenuEntry("foresight", _("Dự báo"), "foresight_ranking", order=650,
                               visible=lambda request: scope_paths(request.user, Action.VIEW) != []),
            registry.ApiRouter("foresight_forecast", api_forecast.router, order=240),
        )

        # --- registration plan: /du-bao/ke-hoach/ (suggest, then the province office decides) (i15-plan) ---------
        from . import api_plan, exports_plan

        registry.register(
            self,
            registry.Pages("foresight_plan", "nongthonso.foresight.urls_plan", order=250),
            registry.ApiRouter("foresight_plan", api_plan.router, order=250),
            registry.ExportKind(exports_plan.KIND, _("Kế hoạch đăng ký đạt chuẩn: các đề xuất"), exports_plan.export,
                                exports_plan.FILENAME, order=1110),
        )
