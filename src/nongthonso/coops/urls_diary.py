"""The production diary pages (``registry.Pages("coops_diary", …)``), all under ``nhat-ky-san-xuat/`` so that the
service worker served there (``coops_diary_sw``, a public page: ``nhat-ky-san-xuat/sw.js``) covers every one of them
and the diary works offline."""

from django.urls import path

from . import views_diary as views

BASE = "nhat-ky-san-xuat/"

urlpatterns = [
    path(BASE, views.home, name="coops_diary_home"),
    path(BASE + "htx/<int:coop>/", views.cooperative, name="coops_diary"),
    path(BASE + "vu/<int:pk>/", views.cycle, name="coops_diary_cycle"),
    path(BASE + "dong-bo/", views.sync_view, name="coops_diary_sync"),
    path(BASE + "anh/<uuid:client_id>/", views.photo_upload, name="coops_diary_photo_upload"),
    path(BASE + "anh/xem/<int:pk>/", views.photo_file, name="coops_diary_photo"),
]
