from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _may_review(request) -> bool:
    from .confirmations import may_review

    return may_review(request.user)


class CriteriaConfig(AppConfig):
    name = "nongthonso.criteria"
    verbose_name = "Bộ tiêu chí"

    def ready(self):
        from nongthonso.core import registry

        from . import signals  # noqa: F401

        registry.register(
            self,
            registry.Pages("criteria", "nongthonso.criteria.urls", order=50),
            # the province office's review of thresholds against the official text (confirmations, views)
            registry.MenuEntry("threshold_review", _("Ngưỡng"), "threshold_review", order=920, visible=_may_review),
        )
