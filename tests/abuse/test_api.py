"""The challenge and the blocks as API clients see them."""

import json

import pytest

from harness.challenge import solve
from referral.abuse.models import Rule
from referral.accounts import sms

from ..core.test_bad_input import BAD_VALUES, assert_clean_client_error

pytestmark = pytest.mark.django_db

URL = "/api/auth/request_code/"
NEW = "+79997770001"


@pytest.fixture
def challenge_everyone(settings):
    settings.SMS_BUDGET_CHALLENGE_SHARE = 0  # every new number is challenged


def post(api, body, **extra):
    return api.post(URL, body, format="json", **extra)


@pytest.mark.usefixtures("challenge_everyone")
def test_a_challenge_is_a_428_with_everything_needed_to_solve_it(
    api, django_capture_on_commit_callbacks
):
    refused = post(api, {"phone": NEW})

    assert refused.status_code == 428
    body = refused.json()
    assert body["code"] == "challenge_required"
    assert body["detail"].startswith("Подтвердите, что вы не робот")
    assert set(body["challenge"]) == {"algorithm", "challenge", "maxNumber", "salt", "signature"}
    assert "no-store" in refused["Cache-Control"]
    assert sms.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        sent = post(api, {"phone": NEW, "altcha": solve(body["challenge"])})

    assert sent.status_code == 200
    assert [m.phone for m in sms.outbox] == [NEW]


@pytest.mark.usefixtures("challenge_everyone")
def test_the_challenge_speaks_english_too(api):
    body = post(api, {"phone": NEW}, HTTP_ACCEPT_LANGUAGE="en").json()

    assert body["detail"].startswith("Confirm that you are not a robot")


@pytest.mark.usefixtures("challenge_everyone")
@pytest.mark.parametrize("value", [*BAD_VALUES, "A" * 2001], ids=range(len(BAD_VALUES) + 1))
def test_a_bad_solution_is_a_4xx_never_a_500(api, value):
    body = json.dumps({"phone": NEW, "altcha": value})
    response = api.post(URL, body, content_type="application/json")

    assert_clean_client_error(response)
    assert sms.outbox == []


def test_a_blocked_prefix_is_a_429_with_retry_after(api, settings):
    Rule.objects.create(
        kind="prefix",
        value="+7999777",
        action="deny",
        reason="test",
        created_at="2026-01-01T00:00Z",
    )

    response = post(api, {"phone": NEW})
    english = post(api, {"phone": NEW}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 429
    assert response.json()["code"] == "prefix_blocked"
    assert int(response["Retry-After"]) == settings.SMS_RISK_BLOCK_SECONDS
    assert (
        english.json()["detail"]
        == "Codes to numbers like this one are paused for now. Try again later."
    )


def test_a_blocked_source_is_a_429_and_another_address_is_served(
    api, django_capture_on_commit_callbacks
):
    Rule.objects.create(
        kind="source", value="198.51.100.0/24", action="deny", created_at="2026-01-01T00:00Z"
    )

    refused = post(api, {"phone": NEW}, REMOTE_ADDR="198.51.100.20")
    with django_capture_on_commit_callbacks(execute=True):
        served = post(api, {"phone": NEW}, REMOTE_ADDR="198.51.101.20")

    assert (refused.status_code, refused.json()["code"]) == (429, "source_blocked")
    assert served.status_code == 200
