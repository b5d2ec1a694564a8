"""The lots pages of a co-operative (``registry.Pages("coops_trace", …)``); other pages link to these URL names."""

from django.urls import path

from . import views_trace as views

LOT = "hop-tac-xa/<int:coop_id>/lo-hang/<int:lot_id>/"

urlpatterns = [
    path("hop-tac-xa/<int:coop_id>/lo-hang/", views.lots, name="coops_lots"),
    path(LOT + "tem.pdf", views.labels, name="coops_lot_labels"),
    path(LOT + "epcis.jsonld", views.epcis_json, name="coops_lot_epcis"),
]
