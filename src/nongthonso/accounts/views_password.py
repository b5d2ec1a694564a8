"""Password reset by e-mail, with Django's views and tokens (a link valid ``PASSWORD_RESET_TIMEOUT``, used once):
«Quên mật khẩu» on the login page asks for the address and mails a link; the link's page sets the new password.
The same link page serves the welcome mail of a new account (``users.send_password_mail``).

Templates live under ``accounts/password/`` (the admin app ships ``registration/password_reset_*`` ones that would
win over ours). Setting the password is audited and lifts the account's login lockout (the person proved they read
the account's mail)."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from nongthonso.audit.services import record

from .throttling import unlock


class ResetForm(PasswordResetForm):
    """Django's form, for every active account with that address — also one not given a password yet (created on
    the accounts page, whose welcome link expired): every account here logs in with a password of its own."""

    email = forms.EmailField(label=_("Thư điện tử của tài khoản"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
                             error_messages={"invalid": _("Địa chỉ thư điện tử không hợp lệ; ví dụ "
                                                          "ten@thainguyen.gov.vn.")})

    def get_users(self, email):
        return get_user_model()._default_manager.filter(email__iexact=email, is_active=True)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ResetForm
    template_name = "accounts/password/reset_form.html"
    email_template_name = "accounts/mail/reset_body.txt"
    subject_template_name = "accounts/mail/reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password/reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password/reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        record("update", user, after={"password": "đặt mới"}, user=user, note="Đặt mật khẩu qua liên kết gửi thư")
        unlock(user, by=user, note="Mở khóa đăng nhập khi đặt mật khẩu qua thư")
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password/reset_complete.html"
