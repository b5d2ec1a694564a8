from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "nongthonso.notifications"
    verbose_name = "Thông báo"

    def ready(self):
        from . import receivers  # noqa: F401  (the next actor of a dossier is told of each step)
