from django.urls import path

from . import views, views_units

urlpatterns = [
    path("don-vi/tim/", views_units.unit_search, name="unit_search"),
    path("vai-tro/giao-lai/", views.handovers, name="handovers"),
    path("vai-tro/giao-lai/tat-ca/", views.hand_over_all, name="hand_over_all"),
    path("vai-tro/giao-lai/<int:pk>/", views.hand_over, name="hand_over"),
]
