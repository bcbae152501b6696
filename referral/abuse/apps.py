from django.apps import AppConfig


class AbuseConfig(AppConfig):
    name = "referral.abuse"
    label = "abuse"
    verbose_name = "SMS pumping defence"

    def ready(self) -> None:
        from . import rules  # noqa: F401 - connects the cache invalidation
