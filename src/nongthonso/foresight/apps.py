from django.apps import AppConfig


class ForesightConfig(AppConfig):
    """Foresight: which communes are closest to a standard and what closing the gaps costs, what-if scenarios,
    forecasts with their backtest, and the registration plan that follows from them."""

    name = "nongthonso.foresight"
    verbose_name = "Dự báo và kế hoạch"

    def ready(self):
        from nongthonso.core import registry  # noqa: F401  (the registrations follow, one block per part)
