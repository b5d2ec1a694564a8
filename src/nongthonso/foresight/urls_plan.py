"""The registration plan's pages (``core.registry.Pages("foresight_plan", …)``, signed in)."""

from django.urls import path

from . import views_plan as views

urlpatterns = [
    path("du-bao/ke-hoach/", views.plans_page, name="foresight_plans"),
    path("du-bao/ke-hoach/<int:pk>/", views.plan_page, name="foresight_plan"),
    path("du-bao/ke-hoach/<int:pk>/de-xuat/<int:suggestion>/", views.decide_view, name="foresight_plan_decide"),
]
