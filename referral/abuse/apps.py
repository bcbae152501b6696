from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AbuseConfig(AppConfig):
    name = "referral.abuse"
    label = "abuse"
    verbose_name = _("SMS pumping defence")

    def ready(self) -> None:
        from . import rules  # noqa: F401 - connects the cache invalidation
