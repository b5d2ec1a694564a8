from django.urls import path

from . import views

urlpatterns = [
    path("vai-tro/giao-lai/", views.handovers, name="handovers"),
    path("vai-tro/giao-lai/tat-ca/", views.hand_over_all, name="hand_over_all"),
    path("vai-tro/giao-lai/<int:pk>/", views.hand_over, name="hand_over"),
]
