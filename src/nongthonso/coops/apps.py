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

        # --- production diaries, offline on a phone (coops/diary.py, sync.py, views_diary.py, api_diary.py) ---
        from . import views_diary
        from .api_diary import router as diary_router
        from .imports_diary import import_diary, may_import
        from .models import CropCycle, DiaryEntry

        registry.register(
            self,
            registry.Pages("coops_diary", "nongthonso.coops.urls_diary", order=150),
            # the service worker holds no data (the pages it caches are asked for with the user's session)
            registry.PublicPage("coops_diary_sw", "nhat-ky-san-xuat/sw.js", views_diary.service_worker),
            registry.ApiRouter("coops_diary", diary_router, order=260),
            registry.ImportKind(
                "diary", _("Nhật ký sản xuất"), import_diary,
                columns=_("ma_thua, vu, cong_viec, ngay; tùy chọn: vat_tu, lieu_luong, don_vi_lieu, cach_ly_ngay, "
                          "san_luong, don_vi_san_luong, ghi_chu, ma_dong"),
                who=_("người quản lý hợp tác xã, cán bộ được giao quản lý hợp tác xã"), may_use=may_import,
                order=950),
            registry.RevisionTable(DiaryEntry),
            registry.RevisionTable(CropCycle),
        )
