from django.urls import path

from . import views

urlpatterns = [
    path("bang-dieu-khien/", views.dashboard, name="dashboard"),
    path("cong-khai/xa-dat-chuan/", views.public_recognised, name="public_recognised"),
]
