from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "nongthonso.audit"
    verbose_name = "Nhật ký thay đổi"
