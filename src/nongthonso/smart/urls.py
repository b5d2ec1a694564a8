from django.urls import path

from . import views

urlpatterns = [
    path("nong-thon-thong-minh/", views.targets, name="smart_targets"),
    path("nong-thon-thong-minh/tien-do.xlsx", views.targets_xlsx, name="smart_targets_xlsx"),
    path("nong-thon-thong-minh/thi-diem/", views.pilots, name="smart_pilots"),
    path("nong-thon-thong-minh/thi-diem/<int:pk>/", views.pilot, name="smart_pilot"),
    path("nong-thon-thong-minh/<slug:code>/", views.target, name="smart_target"),
]
