"""The signed-in map pages (``core.registry.Pages("maps", …)``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("ban-do/", views.map_page, name="maps_page"),
    path("ban-do/ranh-gioi/", views.upload_page, name="maps_upload"),
]
