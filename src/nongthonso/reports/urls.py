from django.urls import path

from . import views

urlpatterns = [
    path("bang-dieu-khien/", views.dashboard, name="dashboard"),
    path("bao-cao/tong-hop.xlsx", views.report_download, {"fmt": "xlsx"}, name="report_xlsx"),
    path("bao-cao/tong-hop.docx", views.report_download, {"fmt": "docx"}, name="report_docx"),
    path("bao-cao/tong-hop.pdf", views.report_download, {"fmt": "pdf"}, name="report_pdf"),
]
