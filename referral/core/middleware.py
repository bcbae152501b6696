import logging
import re
import time
import uuid

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

logger = logging.getLogger("referral.request")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestLogMiddleware:
    """One log line per request: id, method, path, status, duration. No bodies, no headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        given = request.headers.get("X-Request-ID", "")
        request.id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.id
        logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": request.id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response


class DependencyFailureMiddleware:
    """The database or Redis being down is a 503 that says which, not a 500.

    Nothing here retries or switches a limit off: the request fails, the next one
    tries again, and the service recovers by itself when the dependency is back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RedisError):
            code = "cache_unavailable"
        elif isinstance(exception, (OperationalError, InterfaceError)):
            code = "database_unavailable"
        else:
            return None
        detail = _("The service is temporarily unavailable.")
        logger.error("dependency down: %s (%s)", code, type(exception).__name__)
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": detail, "code": code}, status=503)
        else:
            response = render(request, "503.html", {"detail": detail}, status=503)
        response["Retry-After"] = "5"
        return response
