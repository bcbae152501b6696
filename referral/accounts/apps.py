from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "referral.accounts"
    label = "accounts"
    verbose_name = "Accounts"
