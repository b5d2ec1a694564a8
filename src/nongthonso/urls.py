from django.contrib import admin
from django.urls import path

admin.site.site_header = "Nông thôn số — quản trị"
admin.site.site_title = "Nông thôn số"

urlpatterns = [
    path("admin/", admin.site.urls),
]
