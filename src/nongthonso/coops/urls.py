"""The co-operative registry pages (``registry.Pages("coops_registry", …)``). Other parts link to ``coops_list`` and
``coops_detail``: keep these names."""

from django.urls import path

from . import views_registry as views

COOP = "hop-tac-xa/<int:pk>/"

urlpatterns = [
    path("hop-tac-xa/", views.coop_list, name="coops_list"),
    path("hop-tac-xa/moi/", views.coop_new, name="coops_new"),
    path(COOP, views.coop_detail, name="coops_detail"),
    path(COOP + "sua/", views.coop_edit, name="coops_edit"),
    path(COOP + "tai-khoan/", views.coop_managers, name="coops_managers"),
    path(COOP + "can-bo/moi/", views.officer_new, name="coops_officer_new"),
    path(COOP + "can-bo/<int:officer>/", views.officer_edit, name="coops_officer_edit"),
    path(COOP + "thanh-vien/moi/", views.member_new, name="coops_member_new"),
    path(COOP + "thanh-vien/<int:member>/", views.member_edit, name="coops_member_edit"),
    path(COOP + "thanh-vien/<int:member>/gop-von/", views.contribution_new, name="coops_contribution_new"),
    path(COOP + "thanh-vien/<int:member>/dich-vu/", views.service_new, name="coops_service_new"),
    path(COOP + "so-lieu-nam/moi/", views.year_new, name="coops_year_new"),
    path(COOP + "so-lieu-nam/<int:year>/", views.year_edit, name="coops_year_edit"),
]
