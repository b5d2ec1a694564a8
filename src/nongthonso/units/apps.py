from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "nongthonso.units"
    verbose_name = "Đơn vị hành chính"

    def ready(self):
        from .lookups import register

        register()  # path__startswith served by the index on SQLite too (units/lookups.py)
        from . import signals  # noqa: F401  (a saved unit announces itself: units_changed)
