from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "nongthonso.audit"
    verbose_name = "Nhật ký thay đổi"

    def ready(self):
        from django.contrib.admin.models import LogEntry

        from nongthonso.core import registry

        from .models import AuditEntry

        # every write through the app's services, and every add, change or delete in the admin
        registry.register(self, registry.RevisionTable(AuditEntry), registry.RevisionTable(LogEntry))
