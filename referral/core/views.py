"""Django-level error pages: JSON under /api/, Django's defaults elsewhere."""

import logging

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)


def bad_request(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": _("Malformed request."), "code": "bad_request"}, status=400)
    return defaults.bad_request(request, exception)


def not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": _("Server error."), "code": "server_error"}, status=500)
    return defaults.server_error(request)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def healthz(request):
    """The process is up and serving."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """The database and the cache answer; 503 names the one that does not."""
    checks = {"database": _check_database, "cache": _check_cache}
    results = {name: _run(check) for name, check in checks.items()}
    ready = all(result == "ok" for result in results.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", **results}, status=200 if ready else 503
    )


def _run(check) -> str:
    try:
        check()
    except Exception as error:
        logger.warning("readiness check failed: %s", type(error).__name__)
        return "unavailable"
    return "ok"


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    cache.set("readyz", "1", timeout=5)
    if cache.get("readyz") != "1":
        raise RuntimeError("cache did not keep a value")
