from django.urls import path

from . import views, views_scorecard

urlpatterns = [
    path("bang-dieu-khien/", views.dashboard, name="dashboard"),
    path("bao-cao/tong-hop.xlsx", views.report_download, {"fmt": "xlsx"}, name="report_xlsx"),
    path("bao-cao/tong-hop.docx", views.report_download, {"fmt": "docx"}, name="report_docx"),
    path("bao-cao/tong-hop.pdf", views.report_download, {"fmt": "pdf"}, name="report_pdf"),
    path("xa/<int:unit_id>/ket-qua.pdf", views_scorecard.scorecard_pdf, name="scorecard_pdf"),
]
