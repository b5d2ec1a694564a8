from django.urls import path

from . import views, views_password

urlpatterns = [
    path("vai-tro/giao-lai/", views.handovers, name="handovers"),
    path("vai-tro/giao-lai/tat-ca/", views.hand_over_all, name="hand_over_all"),
    path("vai-tro/giao-lai/<int:pk>/", views.hand_over, name="hand_over"),
    # password reset by e-mail (views_password)
    path("quen-mat-khau/", views_password.PasswordResetView.as_view(), name="password_reset"),
    path("quen-mat-khau/da-gui/", views_password.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("dat-mat-khau/<uidb64>/<token>/", views_password.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("dat-mat-khau/xong/", views_password.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
