"""Filters of the pages: phone numbers as people write them, and waits as a clock shows them."""

from django import template

from referral.web import phones

register = template.Library()
register.filter("phone", phones.formatted)
register.filter("masked_phone", phones.masked)


@register.filter
def clock(seconds) -> str:
    """A wait as a countdown shows it: 42 → "0:42", 300 → "5:00"."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"
