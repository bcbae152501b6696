"""The webhooks in the admin: endpoints (added, disabled, secrets rotated, tests sent), and
the log of every event, delivery and attempt, with replay."""

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from referral.core.admin_columns import to_the_second

from . import delivery, endpoints, events, safety
from .models import EVENT_TYPES, Attempt, Delivery, Endpoint, Event


class EndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("event types"),
        choices=[(t, t) for t in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        initial=EVENT_TYPES,
    )

    class Meta:
        model = Endpoint
        fields = ["url", "events"]

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        try:
            safety.check(url)
        except safety.UnsafeURL as error:
            raise forms.ValidationError(str(error)) from error
        return url


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["url", "events", "enabled", "failing_since", "disabled_reason", "created_at"]
    list_filter = ["enabled"]
    readonly_fields = ["enabled", "disabled_reason", "failing_since", "created_at"]
    actions = ["disable", "enable", "rotate_secret", "send_test"]

    def get_fields(self, request: HttpRequest, obj: Endpoint | None = None) -> tuple[str, ...]:
        return ("url", "events") if obj is None else ("url", "events", *self.readonly_fields)

    def save_model(
        self, request: HttpRequest, obj: Endpoint, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = endpoints.add(url=obj.url, events=obj.events, now=timezone.now())
        obj.pk, obj.secret = created.pk, created.secret
        messages.warning(
            request,
            _("The secret of this endpoint, shown only now: %(secret)s")
            % {"secret": created.secret},
        )

    @admin.action(description=_("Disable"))
    def disable(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            endpoints.set_enabled(endpoint=endpoint, enabled=False, reason="by an operator")

    @admin.action(description=_("Enable"))
    def enable(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            endpoints.set_enabled(endpoint=endpoint, enabled=True)

    @admin.action(description=_("Rotate the secret (the old one signs for the overlap)"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        overlap = timedelta(hours=settings.WEBHOOKS_SECRET_OVERLAP_HOURS)
        for endpoint in queryset:
            secret = endpoints.rotate_secret(endpoint=endpoint, overlap=overlap, now=timezone.now())
            messages.warning(
                request,
                _("The new secret of %(url)s, shown only now: %(secret)s")
                % {"url": endpoint.url, "secret": secret},
            )

    @admin.action(description=_("Send a test event"))
    def send_test(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            events.send_test(endpoint_id=endpoint.pk, now=timezone.now())


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = readonly_fields = ("endpoint", "state", "attempts", "next_try")
    next_try = to_the_second(Delivery, "next_try_at")
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = readonly_fields = ("tried_at", "status", "duration_ms", "response", "error")
    tried_at = to_the_second(Attempt, "at")
    extra = 0
    can_delete = False
    ordering = ["at", "id"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _replay(request: HttpRequest, deliveries: QuerySet[Delivery]) -> None:
    count = delivery.replay(deliveries, now=timezone.now())
    messages.success(
        request,
        ngettext("%(count)s delivery queued again.", "%(count)s deliveries queued again.", count)
        % {"count": count},
    )


@admin.register(Event)
class EventAdmin(ReadOnly):
    list_display = ["id", "type", "created"]
    list_filter = ["type"]
    search_fields = ["id"]
    date_hierarchy = "created_at"
    fields = readonly_fields = ("id", "type", "created", "body")
    created = to_the_second(Event, "created_at")
    inlines = [DeliveryInline]
    actions = ["replay"]

    @admin.action(description=_("Send again to every endpoint it went to"))
    def replay(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        _replay(request, Delivery.objects.filter(event__in=queryset))


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly):
    """The log per endpoint (filter by it) and per event; failed ones in a time range are
    replayed by filtering on state and date, selecting all, and "Send again"."""

    list_display = [
        "event",
        "event_type",
        "endpoint",
        "state",
        "attempts",
        "next_try",
        "created",
    ]
    list_filter = ["state", "endpoint"]
    date_hierarchy = "created_at"
    list_select_related = ["event", "endpoint"]
    fields = readonly_fields = (
        "event",
        "endpoint",
        "state",
        "attempts",
        "next_try",
        "created",
    )
    next_try = to_the_second(Delivery, "next_try_at")
    created = to_the_second(Delivery, "created_at")
    inlines = [AttemptInline]
    actions = ["replay"]

    @admin.display(description=_("type"), ordering="event__type")
    def event_type(self, row: Delivery) -> str:
        return row.event.type

    @admin.action(description=_("Send again"))
    def replay(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        _replay(request, queryset)
