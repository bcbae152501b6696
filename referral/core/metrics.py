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
from .http import json_error

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
    route = match.route if match is not None else "unmatched"
    REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    DURATION.labels(request.method, route).observe(seconds)


def metrics(request):
    """The metrics, for METRICS_TOKEN or a client in METRICS_ALLOWED_NETWORKS; else a 404."""
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
    try:  # the connection's own address: a proxy's X-Forwarded-For is not trusted here
        client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(client in network for network in settings.METRICS_ALLOWED_NETWORKS)
