from django.urls import path

from . import views, views_dossier

urlpatterns = [
    path("xa/", views.commune_list, name="communes"),
    path("xa/<int:unit_id>/", views.scorecard, name="scorecard"),
    path("xa/<int:unit_id>/mo-ho-so/", views_dossier.dossier_open, name="dossier_open"),
    path("ho-so/", views_dossier.dossier_list, name="dossiers"),
    path("ho-so/<int:pk>/", views_dossier.dossier, name="dossier"),
    path("ho-so/<int:pk>/gia-tri/<str:code>/", views_dossier.dossier_value, name="dossier_value"),
    path("ho-so/<int:pk>/xac-nhan/", views_dossier.dossier_confirm, name="dossier_confirm"),
    path("ho-so/<int:pk>/kiem-tra/<str:code>/", views_dossier.dossier_check, name="dossier_check"),
    path("ho-so/<int:pk>/buoc/<str:action>/", views_dossier.dossier_step, name="dossier_step"),
    path("ho-so/<int:pk>/minh-chung/", views_dossier.dossier_evidence, name="dossier_evidence"),
    path("minh-chung/<int:pk>/", views_dossier.evidence_file, name="evidence_file"),
]
