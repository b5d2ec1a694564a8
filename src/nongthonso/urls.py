from django.contrib import admin
from django.urls import path

from nongthonso.reports import views as report_views

admin.site.site_header = "Nông thôn số — quản trị"
admin.site.site_title = "Nông thôn số"

urlpatterns = [
    path("", report_views.summary_page, name="home"),
    path("admin/", admin.site.urls),
]
