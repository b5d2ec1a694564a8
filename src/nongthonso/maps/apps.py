from django.apps import AppConfig


class MapsConfig(AppConfig):
    """Maps: unit positions and boundaries per unit version, choropleths as of any date (layers registered by the
    apps that own the figures), on the dashboards and a page of their own."""

    name = "nongthonso.maps"
    verbose_name = "Bản đồ"

    def ready(self):
        from nongthonso.core import registry  # noqa: F401  (the registrations follow, one block per part)
