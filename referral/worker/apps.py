from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkerConfig(AppConfig):
    """The background work: SMS delivery, webhook delivery and the housekeeping.

    It stands above every app (it may import any of them; none imports it), and brings
    `manage.py worker` and the development `runserver` that runs the same threads."""

    name = "referral.worker"
    label = "worker"
    verbose_name = _("Worker")
