"""The organiser's import of a session's attendance from a video platform's report (``views_import``), registered as
its own signed-in pages (``core.registry.Pages("training_import", …)``)."""

from django.urls import path

from . import views_import

PREFIX = "tap-huan/<str:code>/buoi/<int:session>/nhap-diem-danh/"

urlpatterns = [
    path(PREFIX, views_import.attendance_import, name="training_attendance_import"),
    path(PREFIX + "xac-nhan/", views_import.attendance_import_confirm, name="training_attendance_import_confirm"),
    path(PREFIX + "huy/", views_import.attendance_import_cancel, name="training_attendance_import_cancel"),
    path(PREFIX + "tep-mau.csv", views_import.attendance_template, name="training_attendance_template"),
]
