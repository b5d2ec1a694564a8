from django.apps import AppConfig


class ForesightConfig(AppConfig):
    """Foresight: which communes are closest to a standard and what closing the gaps costs, what-if scenarios,
    forecasts with their backtest, and the registration plan that follows from them."""

    name = "nongthonso.foresight"
    verbose_name = "Dự báo và kế hoạch"

    def ready(self):
        # --- forecast: the page /du-bao/du-bao/, the REST endpoint /api/foresight/forecast (i15-forecast) ----------
        # (the commands ``forecast`` and ``backtest`` are management commands of this app)
        from django.utils.translation import gettext_lazy as _

        from nongthonso.core import registry

        from . import api_forecast

        registry.register(
            self,
            registry.Pages("foresight_forecast", "nongthonso.foresight.urls_forecast", order=240),
            registry.ApiRouter("foresight_forecast", api_forecast.router, order=240),
            registry.MenuEntry("foresight_forecast", _("Dự báo đạt chuẩn"), "foresight_forecast", order=640,
                               visible=lambda request: request.user.is_authenticated),
        )
