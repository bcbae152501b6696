"""Device cookies (referral.core.devices), the module finding 3 of issue 21 built for the
admin's login and the phone login to share."""

from datetime import timedelta

from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from referral.core import devices

USER = 7


def request_with(response: HttpResponse):
    request = RequestFactory().get("/")
    request.COOKIES[devices.DEVICE_COOKIE_NAME] = response.cookies[devices.DEVICE_COOKIE_NAME].value
    return request


def remembered(now, user_id=USER):
    response = HttpResponse()
    devices.remember_device(response, user_id, now=now)
    return request_with(response)


def test_a_remembered_device_is_known_for_its_account_only():
    now = timezone.now()
    request = remembered(now)

    assert devices.known_device(request, USER, now=now)
    assert not devices.known_device(request, USER + 1, now=now)
    assert not devices.known_device(RequestFactory().get("/"), USER, now=now)


def test_a_device_cookie_lives_its_days_and_no_longer(settings):
    now = timezone.now()
    request = remembered(now)
    days = settings.DEVICE_COOKIE_DAYS

    assert devices.known_device(request, USER, now=now + timedelta(days=days, seconds=-1))
    assert not devices.known_device(request, USER, now=now + timedelta(days=days))


def test_a_tampered_cookie_is_no_device():
    now = timezone.now()
    request = remembered(now)
    value = request.COOKIES[devices.DEVICE_COOKIE_NAME]
    request.COOKIES[devices.DEVICE_COOKIE_NAME] = value[:-1] + ("A" if value[-1] != "A" else "B")

    assert not devices.known_device(request, USER, now=now)
    assert not devices.claim_try(request, USER, now=now)


def test_finding_3_a_device_gets_its_own_few_tries_then_is_trusted_no_more(settings):
    """Issue 21, finding 3: tries are counted before the secret is compared; past the limit
    the device is a stranger, for `known_device` too."""
    now = timezone.now()
    request = remembered(now)

    claims = [devices.claim_try(request, USER, now=now) for _ in range(7)]

    limit = settings.DEVICE_FAILURES_LIMIT
    assert claims == [True] * limit + [False] * (7 - limit)
    assert not devices.known_device(request, USER, now=now)
    assert devices.known_device(remembered(now), USER, now=now)  # a new login, a new nonce


def test_a_device_that_is_not_known_counts_nothing():
    now = timezone.now()
    request = remembered(now, user_id=USER + 1)

    assert [devices.claim_try(request, USER, now=now) for _ in range(10)] == [False] * 10
    assert devices.known_device(request, USER + 1, now=now)
