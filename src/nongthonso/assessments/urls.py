from django.urls import path

from . import views

urlpatterns = [
    path("xa/", views.commune_list, name="communes"),
    path("xa/<int:unit_id>/", views.scorecard, name="scorecard"),
]
