from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "nongthonso.units"
    verbose_name = "Đơn vị hành chính"
