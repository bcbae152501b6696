from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "referral.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from referral.abuse import dashboard

        from . import selectors

        dashboard.read_sms_with(selectors.sms_per_prefix)  # the SMS-pumping page's figures
