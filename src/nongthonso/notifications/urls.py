from django.urls import path

from . import views

urlpatterns = [
    path("thong-bao/", views.notification_list, name="notifications"),
    path("thong-bao/da-doc/", views.notification_read_all, name="notifications_read_all"),
    path("thong-bao/<int:pk>/", views.notification_open, name="notification_open"),
]
