from django.urls import path

from . import views_gaps

urlpatterns = [
    path("du-bao/gan-dat-chuan/", views_gaps.ranking_page, name="foresight_ranking"),
    path("du-bao/chi-phi/", views_gaps.costs_page, name="foresight_costs"),
    path("du-bao/kich-ban/", views_gaps.whatif_page, name="foresight_whatif"),
    path("du-bao/kich-ban/so-sanh/", views_gaps.compare_page, name="foresight_compare"),
    path("du-bao/kich-ban/<int:pk>/", views_gaps.scenario_page, name="foresight_scenario"),
]
