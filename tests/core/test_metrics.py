"""/metrics: Prometheus text for loopback clients or a bearer token; a 404 for anyone else."""

import random
import string

import pytest

pytestmark = pytest.mark.django_db


def test_loopback_gets_the_request_and_sms_pumping_metrics(client):
    client.get("/healthz")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'referral_http_requests_total{method="GET",route="healthz",status="200"}' in text
    assert 'referral_sms_budget_limit{budget="RU"} 1000.0' in text
    assert 'referral_sms_risk_events_today{event="challenge_shown"} 0.0' in text


def test_another_address_gets_a_404_json(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_token_opens_it_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "a-long-random-metrics-token"

    allowed = client.get(
        "/metrics",
        REMOTE_ADDR="203.0.113.9",
        HTTP_AUTHORIZATION="Bearer a-long-random-metrics-token",
    )
    refused = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong")

    assert (allowed.status_code, refused.status_code) == (200, 404)


def test_a_forwarded_loopback_address_is_not_trusted(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1")

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("forwarded", "status"),
    [
        ("203.0.113.9", 404),  # a stranger, through the proxy on this host
        ("198.51.100.7, 203.0.113.9", 404),  # a forged first entry changes nothing
        ("127.0.0.1", 200),  # a scraper on this host, through the proxy
        ("::1", 200),  # the same over IPv6: the whole address, not its /64
    ],
)
def test_finding_4_metrics_not_public_behind_proxy(client, settings, forwarded, status):
    """Finding 4: behind a proxy on the same host, REMOTE_ADDR is the proxy's loopback;
    the allowed networks are matched against the client as the app resolves it."""
    settings.TRUSTED_PROXY_COUNT = 1

    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert response.status_code == status


def test_finding_4_the_token_still_opens_metrics_behind_a_proxy(client, settings):
    """Finding 4: METRICS_TOKEN (compared in constant time) opens it for any client."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.METRICS_TOKEN = "a-long-random-metrics-token"
    through_proxy = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}

    allowed = client.get(
        "/metrics", HTTP_AUTHORIZATION="Bearer a-long-random-metrics-token", **through_proxy
    )
    refused = client.get("/metrics", HTTP_AUTHORIZATION="Bearer a-long-random", **through_proxy)

    assert (allowed.status_code, refused.status_code) == (200, 404)


def _series(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_finding_5_random_methods_and_paths_do_not_grow_the_metrics(client):
    """Finding 5: unknown methods and unmatched paths fold into `other`, so 2,000 random
    methods (and as many random paths) add at most one label set."""
    generator = random.Random(21)
    methods = {"".join(generator.choices(string.ascii_uppercase, k=10)) for _ in range(2000)}
    client.generic("BREW", "/healthz")  # the `other` series exist before counting
    client.get("/no-such-page-at-all")
    client.get("/metrics")
    before = client.get("/metrics").content.decode()

    for method in methods:
        client.generic(method, "/healthz")
        client.get(f"/{method.lower()}")
    after = client.get("/metrics").content.decode()

    print(
        f"\n/metrics after 2,000 random methods and paths: {len(before)} -> {len(after)} bytes, "
        f"{len(_series(before))} -> {len(_series(after))} series"
    )
    assert len(_series(after)) == len(_series(before))
    assert not any(method in after or method.lower() in after for method in methods)
    assert 'method="other",route="healthz",status="200"' in after
    assert 'method="GET",route="other",status="404"' in after
