"""Phone numbers as people write them: formatted, masked, in the phone field, and refused."""

import functools
import re

import phonenumbers
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from phonenumbers import geocoder

_KEPT_NATIONAL_DIGITS = 3  # "+7 999 ***-**-67": the operator code shows, the subscriber's does not


def formatted(number) -> str:
    """+79991234567 (text or PhoneNumber) as "+7 999 123-45-67"; anything else unchanged."""
    parsed = _parsed(number)
    return _international(parsed) if parsed else str(number)


def masked(number) -> str:
    """The number formatted, all but its country and operator codes and last 2 digits hidden."""
    parsed = _parsed(number)
    if parsed is None:
        return ""
    shown, country = _international(parsed), len(str(parsed.country_code))
    digits = [i for i, c in enumerate(shown) if c.isdigit()]
    hidden = set(digits[country + _KEPT_NATIONAL_DIGITS : -2])
    return "".join("*" if i in hidden else c for i, c in enumerate(shown))


def _parsed(number) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(str(number))
    except phonenumbers.NumberParseException:
        return None


def _international(parsed: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@functools.cache
def _default_country() -> tuple[int, str]:
    """The default region's country code, and an example mobile number without it."""
    region = settings.PHONENUMBER_DEFAULT_REGION
    country = phonenumbers.country_code_for_region(region)
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:  # a region phonenumbers has no example for: no mask
        return country, ""
    return country, _international(example).removeprefix(f"+{country} ")


def field(typed: str) -> dict:
    """The phone field: the default country's code fixed beside it, its mask, and its value
    (a number of that country without its code, anything else as typed)."""
    country, example = _default_country()
    shown = formatted(typed) if typed.startswith("+") else typed
    return {
        "country": country,
        "example": example,  # "912 345-67-89"
        "mask": re.sub(r"[0-9]", "#", example),  # "### ###-##-##", for the as-you-type mask
        "value": shown.removeprefix(f"+{country} "),
    }


def problem(detail, code: str) -> str:
    """What the phone page says of a number the API refuses with `detail` and `code`: an
    empty field and a country that is not allowed are said in the page's own words (the
    example to follow, the countries that are), anything else as the API says it."""
    if code in ("blank", "required"):
        country, example = _default_country()
        if not example:
            return _("Enter your mobile phone number.")
        return _("Enter your mobile phone number, for example %(example)s.") % {
            "example": f"+{country} {example}"
        }
    if code == "region":
        return _("Numbers from this country are not supported. Supported: %(countries)s.") % {
            "countries": ", ".join(
                _country_name(region) for region in settings.PHONE_ALLOWED_REGIONS
            )
        }
    return str(detail)


def _country_name(region: str) -> str:
    """A region code's country in the page's language ("RU" → "Россия"), from phonenumbers."""
    example = phonenumbers.example_number(region)
    language = get_language() or settings.LANGUAGE_CODE
    name = geocoder.country_name_for_number(example, language) if example else ""
    return name or region
