"""The plots and certifications pages of a co-operative (``registry.Pages("coops_plots", …)``)."""

from django.urls import path

from . import views_plots as views

COOP = "hop-tac-xa/<int:pk>/"

urlpatterns = [
    path(COOP + "thua-dat/", views.plot_list, name="coops_plots"),
    path(COOP + "thua-dat/moi/", views.plot_form, name="coops_plot_new"),
    path(COOP + "thua-dat/<int:plot_id>/", views.plot_form, name="coops_plot_edit"),
    path(COOP + "chung-nhan/", views.certification_list, name="coops_certifications"),
    path(COOP + "chung-nhan/moi/", views.certification_form, name="coops_certification_new"),
    path(COOP + "chung-nhan/<int:certification_id>/", views.certification_form, name="coops_certification_edit"),
    path(COOP + "chung-nhan/<int:certification_id>/ban-chup/", views.certification_scan,
         name="coops_certification_scan"),
]
