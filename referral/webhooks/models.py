"""Webhooks: endpoints, the events written with the change they report (an outbox), their
deliveries to each endpoint, and every attempt at one."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

EVENT_TYPES = ["user.signed_up", "invite.activated", "user.deactivated"]
TEST_EVENT = "webhook.test"  # sent by `manage.py webhooks send-test` and the admin, to one endpoint


class Endpoint(models.Model):
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("event types"), default=list)
    secret = models.CharField(_("secret"), max_length=100)  # whsec_…, shown once
    previous_secret = models.CharField(_("previous secret"), max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(
        _("previous secret signs until"), null=True, blank=True
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=200, blank=True)
    failing_since = models.DateTimeField(
        _("failing since"), null=True, blank=True, help_text=_("Since its last success.")
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url


class Event(models.Model):
    id = models.CharField(_("ID"), primary_key=True, max_length=40)  # evt_…
    type = models.CharField(_("type"), max_length=40)
    # The exact bytes sent (the signature covers them): JSON with its keys in their order.
    body = models.TextField(_("body"))
    # The endpoints it goes to ("1,4"), written with it; the worker turns them into
    # deliveries (fans it out), so that the change's transaction writes one row, not two.
    targets = models.CharField(_("endpoints"), max_length=500)
    fanned_out = models.BooleanField(_("fanned out"), default=False)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        indexes = [
            models.Index(fields=["created_at"]),
            models.Index(
                fields=["created_at"], condition=Q(fanned_out=False), name="events_to_fan_out"
            ),
        ]

    def __str__(self) -> str:
        return self.id


class Delivery(models.Model):
    """One event to one endpoint: a row of the queue, like accounts.CodeMessage."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event")
    )
    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_try_at = models.DateTimeField(_("next try at"))
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="one_delivery_per_endpoint")
        ]
        indexes = [models.Index(fields=["state", "next_try_at"])]

    def __str__(self) -> str:
        return _("%(event)s to endpoint %(endpoint)s") % {
            "event": self.event_id,
            "endpoint": self.endpoint_id,
        }


class Attempt(models.Model):
    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="log", verbose_name=_("delivery")
    )
    at = models.DateTimeField(_("at"))
    status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration, ms"))
    response = models.CharField(_("response excerpt"), max_length=300, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        indexes = [models.Index(fields=["at"])]

    def __str__(self) -> str:
        return _("%(outcome)s in %(ms)s ms") % {
            "outcome": self.status or self.error,
            "ms": self.duration_ms,
        }
