from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The actions this app registers (codes read by accounts.services; never rename one).
VIEW = "view_coops"  # read the co-operatives of the units in scope, their members, plots, diaries, lots
MANAGE = "manage_coops"  # register and update the co-operatives of the units in scope (the state's registry)


class CoopsConfig(AppConfig):
    """Agricultural co-operatives: the registry, plots and certifications, production diaries, traceability."""

    name = "nongthonso.coops"
    verbose_name = "Hợp tác xã nông nghiệp"

    def ready(self):
        from nongthonso.core import registry

        registry.register(
            self,
            registry.Action(VIEW, _("Xem hợp tác xã"),
                            roles=("province_office", "district_office", "commune_officer", "viewer")),
            registry.Action(MANAGE, _("Quản lý danh sách hợp tác xã"),
                            roles=("province_office", "district_office", "commune_officer")),
        )

        # --- plots and certifications: pages, the plots import, the API, expiry notices (c-plots) ----------------
        # Plots and certifications bump the data revision (the public traceability pages show them).
        from . import api_plots, imports_plots
        from .models import Certification, Plot

        registry.register(
            self,
            registry.Pages("coops_plots", "nongthonso.coops.urls_plots", order=141),
            registry.ImportKind(
                imports_plots.KIND, _("Thửa đất, vùng sản xuất của hợp tác xã"), imports_plots.run, order=820,
                may_use=imports_plots.may_import, who=_("Tài khoản quản lý hợp tác xã, cơ quan quản lý hợp tác xã"),
                columns=imports_plots.COLUMNS_HELP),
            registry.ApiRouter("coops_plots", api_plots.router, order=310),
            registry.RevisionTable(Plot),
            registry.RevisionTable(Certification),
        )
