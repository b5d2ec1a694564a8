"""The OCOP management pages (``registry.Pages("ocop_manage", …)``): the index ``ocop_home`` (the «OCOP» menu entry
points there), producers, products and their photos, the annual cycle's registrations. Other pages of the app link to
these URL names: keep them."""

from django.urls import path

from . import views_manage as views

PRODUCT = "ocop/san-pham/<int:pk>/"

urlpatterns = [
    path("ocop/", views.home, name="ocop_home"),
    path("ocop/chu-the/", views.producer_list, name="ocop_producers"),
    path("ocop/chu-the/moi/", views.producer_new, name="ocop_producer_new"),
    path("ocop/chu-the/<int:pk>/", views.producer_detail, name="ocop_producer"),
    path("ocop/chu-the/<int:pk>/sua/", views.producer_edit, name="ocop_producer_edit"),
    path("ocop/san-pham/", views.product_list, name="ocop_products"),
    path("ocop/san-pham/moi/", views.product_new, name="ocop_product_new"),
    path(PRODUCT, views.product_detail, name="ocop_product"),
    path(PRODUCT + "sua/", views.product_edit, name="ocop_product_edit"),
    path(PRODUCT + "anh/", views.image_upload, name="ocop_product_image_upload"),
    path(PRODUCT + "anh/<int:image>/", views.image_file, name="ocop_product_image"),
    path(PRODUCT + "anh/<int:image>/xoa/", views.image_delete, name="ocop_product_image_delete"),
    path("ocop/dang-ky/", views.registration_list, name="ocop_registrations"),
    path("ocop/dang-ky/moi/", views.registration_new, name="ocop_registration_new"),
    path("ocop/dang-ky/<int:pk>/", views.registration_edit, name="ocop_registration_edit"),
    path("ocop/dang-ky/<int:pk>/tinh-trang/", views.registration_status, name="ocop_registration_status"),
]
