"""Prometheus metrics at /metrics: the requests (counted per process; under gunicorn in
prometheus_client's multiprocess mode) and the collectors of METRICS_COLLECTORS, which
read shared state (the cache, the database) when scraped."""

import ipaddress
import os

from django.conf import settings
from django.http import HttpResponse
from django.utils.crypto import constant_time_compare
from django.utils.module_loading import import_string
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from .errors import NotFound
from .http import client_address, json_error

# Label values come only from these and from the URL patterns: anything else is "other",
# or a client could add a series per request (2,000 made-up methods made 30,000).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER = "other"

REQUESTS = Counter(
    "referral_http_requests", "HTTP requests answered", ["method", "route", "status"]
)
DURATION = Histogram(
    "referral_http_request_duration_seconds",
    "Time to answer a request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def observe(request, response, seconds: float) -> None:
    """Count one answered request, by its URL pattern (never the raw path: unbounded)."""
    match = getattr(request, "resolver_match", None)
    route = match.route if match is not None else OTHER
    method = request.method if request.method in METHODS else OTHER
    REQUESTS.labels(method, route, str(response.status_code)).inc()
    DURATION.labels(method, route).observe(seconds)


def metrics(request):
    """The metrics, for METRICS_TOKEN or a client in METRICS_ALLOWED_NETWORKS (the client as
    the app resolves it behind TRUSTED_PROXY_COUNT proxies); else a 404."""
    if not _allowed(request):
        return json_error(NotFound())
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # gunicorn: the files of every worker
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(DURATION)
    for path in settings.METRICS_COLLECTORS:
        registry.register(import_string(path)())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def _allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and constant_time_compare(given, f"Bearer {token}"):
        return True
    # Both must be allowed: the client as the app resolves it (behind a proxy on this
    # host, the connection is the proxy's loopback whoever the client is), and the
    # connection (a proxy elsewhere forwarding "127.0.0.1" speaks of its own host).
    return _in_allowed_networks(client_address(request)) and _in_allowed_networks(
        _parsed(request.META.get("REMOTE_ADDR", ""))
    )


def _parsed(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _in_allowed_networks(address) -> bool:
    return address is not None and any(
        address in network for network in settings.METRICS_ALLOWED_NETWORKS
    )
