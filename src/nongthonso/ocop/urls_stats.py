"""The OCOP statistics pages (``core.registry.Pages("ocop_stats", …)``, signed in)."""

from django.urls import path

from . import views_stats as views

urlpatterns = [
    path("ocop/thong-ke/", views.statistics_page, name="ocop_statistics"),
    path("ocop/thong-ke.xlsx", views.statistics_download, name="ocop_statistics_xlsx"),
]
