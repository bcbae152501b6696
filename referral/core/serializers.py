"""Serializer pieces shared by the API and the pages of every app."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers instead of turning them into text."""

    default_error_messages = {"not_text": _("Must be a string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text")
        return super().to_internal_value(data)


class DetailSerializer(serializers.Serializer):
    """A success answer's shape: one human `detail` (for the OpenAPI schema)."""

    detail = serializers.CharField()


def first_error(detail):
    """The first ErrorDetail in a nested detail (or serializer.errors), with its code."""
    if isinstance(detail, dict):
        detail = detail.get("detail", next(iter(detail.values()), ""))
        return first_error(detail)
    if isinstance(detail, list):
        return first_error(detail[0] if detail else "")
    return detail, getattr(detail, "code", "error")
