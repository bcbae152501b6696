import io
import logging
import re
import time
import uuid

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import InterfaceError, OperationalError
from django.middleware import common
from django.shortcuts import render
from django.views import defaults
from redis.exceptions import RedisError

from . import metrics
from .errors import BadHost, CacheUnavailable, DatabaseUnavailable, DomainError
from .http import error_headers, is_api_request, json_error
from .logs import printable

logger = logging.getLogger("referral.request")
security_logger = logging.getLogger("referral.security")
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
        seconds = time.perf_counter() - started
        metrics.observe(request, response, seconds)
        path = printable(request.path)  # %0A in a URL must not start a forged line
        logger.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "request_id": request.id,
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
        return response


class AllowedHostMiddleware:
    """A Host outside ALLOWED_HOSTS is a 400 with one WARNING line.

    Django would log an ERROR with a traceback (anyone could flood the logs), and
    answer HTML under DEBUG.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.get_host()
        except DisallowedHost as refused:
            host = printable(request.META.get("HTTP_HOST", ""))
            security_logger.warning("refused a request for an unknown host: %s", host)
            if is_api_request(request):
                return json_error(BadHost())
            return defaults.bad_request(request, refused)
        return self.get_response(request)


class CommonMiddleware(common.CommonMiddleware):
    """Django's, but API paths are never redirected to add a slash (a POST cannot follow).

    referral.core.views.api_not_found answers them with a JSON 404 naming the right path.
    """

    def should_redirect_with_slash(self, request):
        return not is_api_request(request) and super().should_redirect_with_slash(request)


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
            error: DomainError = CacheUnavailable()
        elif isinstance(exception, (OperationalError, InterfaceError)):
            error = DatabaseUnavailable()
        else:
            return None
        logger.error("dependency down: %s (%s)", error.code, type(exception).__name__)
        if is_api_request(request):
            return json_error(error)
        response = render(request, "503.html", {"detail": error.message}, status=error.status)
        for name, value in error_headers(error).items():
            response[name] = value
        return response


class ChunkedBodyMiddleware:
    """WSGI middleware: a body sent with Transfer-Encoding: chunked reaches Django.

    Django reads a request without Content-Length as having no body ("phone: required").
    gunicorn decodes the chunks (and says so with wsgi.input_terminated); this reads them,
    up to one byte past DATA_UPLOAD_MAX_MEMORY_SIZE, and gives Django their length, so a
    body over it is the usual 413 body_too_large. runserver, which passes the chunks on
    undecoded, decodes them in its own handler (referral.core's runserver).
    """

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        decoded = environ.get("wsgi.input_terminated")  # by the server: gunicorn
        length = environ.get("CONTENT_LENGTH")
        if decoded and is_chunked(environ.get("HTTP_TRANSFER_ENCODING", ""), length):
            body = environ["wsgi.input"].read(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        return self.application(environ, start_response)


def is_chunked(transfer_encoding: str, content_length: str | None) -> bool:
    return "chunked" in transfer_encoding.lower() and not content_length
