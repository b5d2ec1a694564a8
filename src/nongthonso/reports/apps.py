from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "nongthonso.reports"
    verbose_name = "Báo cáo"
