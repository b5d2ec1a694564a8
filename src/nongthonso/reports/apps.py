from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "nongthonso.reports"
    verbose_name = "Báo cáo"

    def ready(self):
        from django.contrib.admin.models import LogEntry

        from nongthonso.audit.models import AuditEntry
        from nongthonso.core import registry

        from . import views

        registry.register(
            self,
            registry.Pages("reports", "nongthonso.reports.urls", order=10),
            # the dashboards' revision also moves with every write through the app's services (each writes an audit
            # entry) and every add, change or delete in the admin; the apps register the raw tables they own
            registry.RevisionTable(AuditEntry),
            registry.RevisionTable(LogEntry),
            registry.PublicPage("home", "", views.summary_page),
            registry.PublicPage("public_recognised", "cong-khai/xa-dat-chuan/", views.public_recognised),
            registry.MenuEntry("home", _("Tổng hợp"), "home", order=100),
            registry.MenuEntry("public_recognised", _("Xã đạt chuẩn"), "public_recognised", order=200),
            registry.MenuEntry("dashboard", _("Bảng điều khiển"), "dashboard", order=400, visible=registry.signed_in),
        )
        # this app has no models, so migrate sends it no signal of its own: the first app's does (made once per run)
        post_migrate.connect(_revision_function, dispatch_uid="nongthonso.reports.revision_function")


def _revision_function(sender, using="default", **kwargs):
    """On PostgreSQL, the function the data revision is read through (``reports.selectors``), made or remade after
    every migrate."""
    from .selectors import ensure_revision_function

    ensure_revision_function(using, once=True)
