from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "nongthonso.api"
    label = "api"
    verbose_name = "API"
