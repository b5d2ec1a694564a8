from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "nongthonso.notifications"
    verbose_name = "Thông báo"

    def ready(self):
        from nongthonso.core import registry

        from . import receivers  # noqa: F401  (the next actor of a dossier is told of each step)

        registry.register(
            self,
            registry.Pages("notifications", "nongthonso.notifications.urls", order=60),
            # the link shows the unread count (notifications/_menu_link.html)
            registry.MenuEntry("notifications", _("Thông báo"), "notifications", order=1000,
                               visible=registry.signed_in, template="notifications/_menu_link.html"),
        )
