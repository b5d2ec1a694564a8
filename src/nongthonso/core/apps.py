from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "nongthonso.core"
    verbose_name = "Nông thôn số"
