"""The rating pages (``registry.Pages("ocop_rating", …)``): dossiers, councils, rounds, score grids."""

from django.urls import path

from . import views_councils, views_rating

urlpatterns = [
    path("ocop/ho-so/", views_rating.rating_list, name="ocop_ratings"),
    path("ocop/ho-so/lap-moi/", views_rating.rating_new, name="ocop_rating_new"),
    path("ocop/ho-so/<int:pk>/", views_rating.rating_detail, name="ocop_rating"),
    path("ocop/ho-so/<int:pk>/buoc/<slug:action>/", views_rating.rating_step, name="ocop_rating_step"),
    path("ocop/giay-chung-nhan/<int:pk>/thu-hoi/", views_rating.certificate_revoke, name="ocop_certificate_revoke"),
    path("ocop/hoi-dong/", views_councils.council_list, name="ocop_councils"),
    path("ocop/hoi-dong/<int:pk>/", views_councils.council_detail, name="ocop_council"),
    path("ocop/dot-danh-gia/<int:pk>/", views_councils.round_detail, name="ocop_round"),
    path("ocop/cham-diem/<int:pk>/", views_councils.score_grid, name="ocop_score_grid"),
]
