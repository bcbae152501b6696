import logging

import pytest
from django.test import RequestFactory

from referral.core.http import client_ip


def request_from(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_x_forwarded_for_is_ignored_by_default(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(request_from("10.0.0.5", "203.0.113.9")) == "10.0.0.5"


@pytest.mark.parametrize(
    ("forwarded", "count", "expected"),
    [
        ("203.0.113.9", 1, "203.0.113.9"),
        ("1.2.3.4, 203.0.113.9", 1, "203.0.113.9"),  # the client's own claim is ignored
        ("1.2.3.4, 203.0.113.9, 10.0.0.7", 2, "203.0.113.9"),
        ("203.0.113.9", 2, "203.0.113.9"),
        ("not-an-ip", 1, "10.0.0.5"),
        ("", 1, "10.0.0.5"),
    ],
)
def test_the_client_is_what_the_trusted_proxies_saw(settings, forwarded, count, expected):
    settings.TRUSTED_PROXY_COUNT = count

    assert client_ip(request_from("10.0.0.5", forwarded)) == expected


@pytest.mark.django_db
def test_each_request_is_logged_once_with_its_id(client, caplog):
    caplog.set_level(logging.INFO, logger="referral.request")

    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")

    assert response["X-Request-ID"] == "abc-123"
    [record] = [r for r in caplog.records if r.name == "referral.request"]
    assert (record.request_id, record.status, record.path) == ("abc-123", 200, "/healthz")
    assert record.duration_ms >= 0


@pytest.mark.django_db
def test_a_malformed_request_id_is_replaced(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")

    assert len(response["X-Request-ID"]) == 32
