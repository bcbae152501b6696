"""Filters of the pages: phone numbers as people write them, and waits as a clock shows them."""

import phonenumbers
from django import template

register = template.Library()

_KEPT_NATIONAL_DIGITS = 3  # "+7 999 ***-**-67": the operator code shows, the subscriber's does not


@register.filter
def phone(number) -> str:
    """+79991234567 (text or PhoneNumber) as "+7 999 123-45-67"; anything else unchanged."""
    try:
        parsed = phonenumbers.parse(str(number))
    except phonenumbers.NumberParseException:
        return str(number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.filter
def masked_phone(number) -> str:
    """The number formatted, all but its country and operator codes and last 2 digits hidden."""
    shown = phone(number)
    digits = [i for i, c in enumerate(shown) if c.isdigit()]
    country = len(str(phonenumbers.parse(shown).country_code))
    hidden = set(digits[country + _KEPT_NATIONAL_DIGITS : -2])
    return "".join("*" if i in hidden else c for i, c in enumerate(shown))


@register.filter
def clock(seconds) -> str:
    """A wait as a countdown shows it: 42 → "0:42", 300 → "5:00"."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"
