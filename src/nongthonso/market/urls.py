"""The board's signed-in pages (``registry.Pages("market", …)``); the public board and a listing's page are
``PublicPage`` entries (``apps.py``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("cho-nong-san/cua-toi/", views.mine, name="market_mine"),
    path("cho-nong-san/dang-tin/", views.listing_new, name="market_listing_new"),
    path("cho-nong-san/tin/<int:pk>/sua/", views.listing_edit, name="market_listing_edit"),
    path("cho-nong-san/tin/<int:pk>/dong/", views.listing_close, name="market_listing_close"),
    path("cho-nong-san/nguoi-mua/dang-ky/", views.buyer_new, name="market_buyer_new"),
]
