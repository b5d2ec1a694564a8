from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from nongthonso.core import registry
from nongthonso.core import views as core_views

admin.site.site_header = "Nông thôn số — quản trị"
admin.site.site_title = "Nông thôn số"

urlpatterns = [
    *registry.public_urlpatterns(),  # the pages apps register as reachable without login (core.registry.PublicPage)
    *registry.page_urlpatterns(),  # each app's signed-in pages (core.registry.Pages)
    path("dang-nhap/", auth_views.LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("nongthonso.api.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=static("nongthonso/favicon.svg"), permanent=True)),
]
