"""The import and export pages (signed-in users). The open-data pages are public: registered in ``apps.py``
(``core.registry.PublicPage``) and served by ``nongthonso.urls``."""

from django.urls import path

from . import views

urlpatterns = [
    path("nhap-du-lieu/", views.data_import, name="data_import"),
    path("nhap-du-lieu/xac-nhan/", views.data_import_confirm, name="data_import_confirm"),
    path("nhap-du-lieu/huy/", views.data_import_cancel, name="data_import_cancel"),
    path("nhap-du-lieu/tien-do/<str:token>/", views.data_import_progress, name="data_import_progress"),
    path("xuat-du-lieu/", views.data_export, name="data_export"),
    path("xuat-du-lieu/tai/", views.data_export_file, name="data_export_file"),
    path("xuat-du-lieu/mau/", views.data_export_template, name="data_export_template"),
]
