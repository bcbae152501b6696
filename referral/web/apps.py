from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "referral.web"
    label = "web"
