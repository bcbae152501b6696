"""/metrics: Prometheus text for loopback clients or a bearer token; a 404 for anyone else."""

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
