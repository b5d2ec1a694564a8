"""The training reports' pages (``core.registry.Pages("training_reports", …)``, ordered before the course pages so
that ``/tap-huan/do-bao-phu/`` is not read as a course code)."""

from django.urls import path

from . import views_reports as views

urlpatterns = [
    path("tap-huan/do-bao-phu/", views.coverage_page, name="training_coverage"),
    path("tap-huan/do-bao-phu.xlsx", views.coverage_download, {"fmt": "xlsx"}, name="training_coverage_xlsx"),
    path("tap-huan/do-bao-phu.docx", views.coverage_download, {"fmt": "docx"}, name="training_coverage_docx"),
    path("tap-huan/<slug:code>/bao-cao/", views.course_report_page, name="training_report"),
    path("tap-huan/<slug:code>/bao-cao.xlsx", views.course_report_download, {"fmt": "xlsx"},
         name="training_report_xlsx"),
    path("tap-huan/<slug:code>/bao-cao.docx", views.course_report_download, {"fmt": "docx"},
         name="training_report_docx"),
]
