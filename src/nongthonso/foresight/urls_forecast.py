"""The forecast page (``core.registry.Pages("foresight_forecast", …)``, signed in)."""

from django.urls import path

from . import views_forecast as views

urlpatterns = [
    path("du-bao/du-bao/", views.forecast_page, name="foresight_forecast"),
]
