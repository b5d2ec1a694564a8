from django.apps import AppConfig


class CriteriaConfig(AppConfig):
    name = "nongthonso.criteria"
    verbose_name = "Bộ tiêu chí"

    def ready(self):
        from nongthonso.core import registry

        from . import signals  # noqa: F401
        from .models import CriteriaSet, Criterion

        registry.register(self, registry.RevisionTable(CriteriaSet), registry.RevisionTable(Criterion))
