from django.urls import path

from . import views

urlpatterns = [
    path("du-bao/gan-dat-chuan/", views.ranking_page, name="foresight_ranking"),
    path("du-bao/chi-phi/", views.costs_page, name="foresight_costs"),
    path("du-bao/kich-ban/", views.whatif_page, name="foresight_whatif"),
    path("du-bao/kich-ban/so-sanh/", views.compare_page, name="foresight_compare"),
    path("du-bao/kich-ban/<int:pk>/", views.scenario_page, name="foresight_scenario"),
]
