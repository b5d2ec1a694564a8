from django.apps import AppConfig


class CriteriaConfig(AppConfig):
    name = "nongthonso.criteria"
    verbose_name = "Bộ tiêu chí"

    def ready(self):
        from . import signals  # noqa: F401
