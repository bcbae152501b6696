import pytest

from referral.web.phones import formatted as phone
from referral.web.phones import masked as masked_phone
from referral.web.templatetags.pages import clock


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("+79991234567", "+7 999 123-45-67"),
        ("+14155552671", "+1 415-555-2671"),
        ("not a number", "not a number"),
    ],
)
def test_numbers_are_shown_in_the_international_format(number, shown):
    assert phone(number) == shown


@pytest.mark.parametrize(
    ("number", "shown"),
    [("+79991234567", "+7 999 ***-**-67"), ("+14155552671", "+1 415-***-**71")],
)
def test_a_masked_number_shows_its_country_and_operator_codes_and_last_two_digits(number, shown):
    assert masked_phone(number) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0, "0:00"), (42, "0:42"), (60, "1:00"), (300, "5:00")]
)
def test_a_wait_is_shown_as_a_clock(seconds, shown):
    assert clock(seconds) == shown
