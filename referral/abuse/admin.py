from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import dashboard, rules
from .models import Rule


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = ["kind", "value", "action", "expires_at", "reason"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("kind") and data.get("value"):
            try:
                data["value"] = rules.validate(data["kind"], data["value"].strip())
            except forms.ValidationError as error:
                self.add_error("value", error)
        return data


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    """Operators allow or deny a prefix or a source; automatic blocks show here too."""

    form = RuleForm
    list_display = ["kind", "value", "action", "automatic", "reason", "created_at", "expires_at"]
    list_filter = ["action", "kind", "automatic"]
    search_fields = ["value", "reason"]
    ordering = ["-created_at"]
    change_list_template = "admin/abuse/rule/change_list.html"

    def save_model(
        self, request: HttpRequest, obj: Rule, form: forms.ModelForm, change: bool
    ) -> None:
        obj.automatic = False  # an operator's edit makes the rule the operator's
        if not change:
            obj.created_at = timezone.now()
        super().save_model(request, obj, form, change)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.dashboard_view)
        return [path("dashboard/", view, name="abuse_dashboard"), *super().get_urls()]

    def dashboard_view(self, request: HttpRequest) -> TemplateResponse:
        now = timezone.now()
        periods = {
            label: dashboard.prefixes(since=now - length)
            for label, length in dashboard.PERIODS.items()
        }
        daily = dashboard.daily_totals(now=now)
        context = {
            **self.admin_site.each_context(request),
            "title": _("SMS pumping"),
            "opts": self.model._meta,
            "countries": {label: dashboard.countries(stats) for label, stats in periods.items()},
            "worst": {label: stats[:20] for label, stats in periods.items()},
            "daily": daily,
            "totals": {metric: (values[0], sum(values)) for metric, values in daily.items()},
            "metrics": [
                (dashboard.METRIC_NAMES[metric], values[0], sum(values))
                for metric, values in daily.items()
            ],
            "blocks": dashboard.blocks_in_force(now=now),
            "budgets": dashboard.budgets_used(now=now),
        }
        return TemplateResponse(request, "admin/abuse/dashboard.html", context)
