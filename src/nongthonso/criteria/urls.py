from django.urls import path

from . import views

urlpatterns = [
    path("tieu-chi/doi-chieu-nguong/", views.threshold_review, name="threshold_review"),
]
