"""Admin columns for the moments of a log (the SMS queue, webhook attempts): date and time to
the second, the same in every language. Django's DATETIME_FORMAT has no seconds, and in
English drops the minutes too when they are zero ("3 a.m.")."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db import models
from django.utils import formats, timezone

TO_THE_SECOND = "Y-m-d H:i:s"


def to_the_second(model: type[models.Model], field: str) -> Callable[[Any, Any], str | None]:
    """A ModelAdmin method for list_display or readonly_fields: `field` of `model` as
    2026-12-04 03:00:07 (in the admin's time zone), sorted by the field, titled with its
    verbose name. `sent = to_the_second(Message, "sent_at")` in the class, then "sent"."""
    moment = model._meta.get_field(field)
    if not isinstance(moment, models.DateTimeField):
        raise TypeError(f"{model.__name__}.{field} is not a DateTimeField")

    @admin.display(description=moment.verbose_name, ordering=field)
    def column(model_admin: Any, row: Any) -> str | None:
        value = getattr(row, field)
        if value is None:
            return None  # the admin's empty value
        return formats.date_format(timezone.localtime(value), TO_THE_SECOND)

    return column
