from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "nongthonso.accounts"
    verbose_name = "Tài khoản và vai trò"
