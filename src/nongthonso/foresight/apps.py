from django.apps import AppConfig


class ForesightConfig(AppConfig):
    """Foresight: which communes are closest to a standard and what closing the gaps costs, what-if scenarios,
    forecasts with their backtest, and the registration plan that follows from them."""

    name = "nongthonso.foresight"
    verbose_name = "Dự báo và kế hoạch"

    def ready(self):
        from nongthonso.core import registry  # the registrations follow, one block per part

        # --- forecast: the page /du-bao/du-bao/, the REST endpoint /api/foresight/forecast (i15-forecast) ----------
        # (the commands ``forecast`` and ``backtest`` are this app's management commands; the menu entry is left to
        # the merge, where the foresight pages' entries meet the menu list of ``tests/test_registry.py``)
        from . import api_forecast

        registry.register(
            self,
            registry.Pages("foresight_forecast", "nongthonso.foresight.urls_forecast", order=240),
            registry.ApiRouter("foresight_forecast", api_forecast.router, order=240),
        )
