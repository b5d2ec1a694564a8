from django.urls import path

from . import views, views_users

urlpatterns = [
    path("vai-tro/giao-lai/", views.handovers, name="handovers"),
    path("vai-tro/giao-lai/tat-ca/", views.hand_over_all, name="hand_over_all"),
    path("vai-tro/giao-lai/<int:pk>/", views.hand_over, name="hand_over"),
    # the province office's accounts page (views_users)
    path("tai-khoan/", views_users.account_list, name="accounts"),
    path("tai-khoan/them/", views_users.account_create, name="account_create"),
    path("tai-khoan/<int:pk>/", views_users.account_detail, name="account"),
    path("tai-khoan/<int:pk>/thong-tin/", views_users.account_profile, name="account_profile"),
    path("tai-khoan/<int:pk>/trang-thai/", views_users.account_active, name="account_active"),
    path("tai-khoan/<int:pk>/vai-tro/", views_users.account_grant, name="account_grant"),
    path("tai-khoan/<int:pk>/vai-tro/<int:membership_pk>/thu-hoi/", views_users.account_revoke,
         name="account_revoke"),
    path("tai-khoan/<int:pk>/gui-thu-mat-khau/", views_users.account_password, name="account_password"),
    path("tai-khoan/<int:pk>/mo-khoa-dang-nhap/", views_users.account_unlock, name="account_unlock"),
    # the password reset pages are public: registered in apps.py (core.registry.PublicPage)
]
