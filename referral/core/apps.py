from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "referral.core"
    label = "core"
