import logging
import logging.config

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
        ("203.0.113.9:4711", 1, "203.0.113.9"),  # a proxy that appends the port
        ("[2001:db8::1]:4711", 1, "2001:db8::/64"),
        ("2001:db8::1", 1, "2001:db8::/64"),
        ("::ffff:203.0.113.9", 1, "203.0.113.9"),  # IPv4-mapped
        # Fewer entries than trusted proxies: none of them was written by a proxy we trust.
        ("203.0.113.9", 2, "10.0.0.5"),
        ("not-an-ip", 1, "10.0.0.5"),
        ("", 1, "10.0.0.5"),
    ],
)
def test_the_client_is_what_the_trusted_proxies_saw(settings, forwarded, count, expected):
    settings.TRUSTED_PROXY_COUNT = count

    assert client_ip(request_from("10.0.0.5", forwarded)) == expected


def test_ipv6_clients_are_keyed_by_their_64_bit_prefix(settings):
    """Issue 9, finding 4: one /64 is one client, however many addresses it uses."""
    settings.TRUSTED_PROXY_COUNT = 0

    first = client_ip(request_from("2001:db8:1:2::5"))
    other = client_ip(request_from("2001:db8:1:2:ffff:ffff:ffff:1"))

    assert first == other == "2001:db8:1:2::/64"
    assert client_ip(request_from("2001:db8:1:3::5")) != first
    assert client_ip(request_from("::ffff:198.51.100.4")) == "198.51.100.4"


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_counters_only")
def test_sixty_addresses_of_one_ipv6_64_share_one_sending_limit(api, settings):
    """Issue 9, finding 4: 60 addresses of one /64 no longer pass a 50-an-hour limit."""
    settings.OTP_PER_IP_PER_HOUR = 50
    statuses = [
        api.post(
            "/api/auth/request_code/",
            {"phone": f"+7999700{n:04d}"},
            REMOTE_ADDR=f"2001:db8:77:1::{n + 1:x}",
        ).status_code
        for n in range(60)
    ]

    assert statuses.count(200) == 50
    assert statuses[50:] == [429] * 10


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


@pytest.mark.django_db
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_newline_in_the_path_cannot_forge_a_log_line(client, caplog, settings, log_format):
    """Issue 9, finding 9: %0A in the URL path is escaped in both log formats."""
    caplog.set_level(logging.INFO, logger="referral.request")

    client.get("/ui/x%0A2026-01-01 INFO referral.request GET /forged 200")

    [record] = [r for r in caplog.records if r.name == "referral.request"]
    config = dict(settings.LOGGING["formatters"][log_format])
    line = logging.config.DictConfigurator({}).configure_formatter(config).format(record)
    assert "\n" not in line
    assert "\n" not in record.path
    assert "/ui/x\\n2026" in line.replace("\\\\", "\\")
