import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from harness.servers import code_from_sms
from referral.accounts import services, sms

from .factories import PHONE


@pytest.fixture(autouse=True)
def _clean_state():
    cache.clear()
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def fixed_counters_only(settings):
    """For tests of the fixed limits alone, whose traffic the SMS-pumping signals would
    challenge first (many numbers from one address, or numbers in a row)."""
    settings.SMS_RISK = False


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def send_code(api, django_capture_on_commit_callbacks):
    """Ask the API for a code and return the code the SMS carried."""

    def send(phone=PHONE, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post("/api/auth/request_code/", {"phone": phone}, format="json", **extra)
        assert response.status_code == 200, response.json()
        return code_from_sms(sms.outbox[-1].text)

    return send


@pytest.fixture
def log_in(api, send_code):
    """Log in through the API; return the verify_code response body."""

    def log_in(phone=PHONE, **body):
        code = send_code(phone)
        response = api.post(
            "/api/auth/verify_code/", {"phone": phone, "code": code, **body}, format="json"
        )
        assert response.status_code == 200, response.json()
        return response.json()

    return log_in


@pytest.fixture
def client_of():
    """An API client holding a real access token for `user`, made without the SMS flow."""

    def make(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
        return client

    return make


@pytest.fixture
def authed(log_in):
    """An API client logged in as a fresh user, with `.user_body` holding the login response."""

    def make(phone=PHONE):
        body = log_in(phone)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
        client.user_body = body
        return client

    return make


@pytest.fixture
def now():
    """The present to the second, for services that take the clock."""
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def request_code(django_capture_on_commit_callbacks):
    """request_code through the service (from an address of the test's choosing); the code
    its SMS carried."""

    def request(phone=PHONE, *, now, ip="203.0.113.7", altcha=None, device=None):
        with django_capture_on_commit_callbacks(execute=True):
            services.request_code(phone=phone, ip=ip, now=now, altcha=altcha, device=device)
        return code_from_sms(sms.outbox[-1].text)

    return request
