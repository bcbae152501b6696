"""Django-level error pages: JSON under /api/, Django's defaults elsewhere."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from .errors import BadRequest, BodyTooLarge, NotFound, ServerError
from .http import is_api_request, json_error

logger = logging.getLogger(__name__)


def bad_request(request, exception):
    if not is_api_request(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return json_error(BodyTooLarge())
    return json_error(BadRequest())


def not_found(request, exception):
    if not is_api_request(request):
        return defaults.page_not_found(request, exception)
    return api_not_found(request)


@csrf_exempt  # the API takes no cookies: a POST to a wrong path is a 404, not a CSRF 403
def api_not_found(request, *args, **kwargs):
    """Every unknown path under /api/ (also under DEBUG, where Django would answer HTML).

    A path that lacks only its final slash is not redirected, as pages are (a POST
    cannot follow a redirect): the answer names the right path.
    """
    try:
        with_slash = resolve(f"{request.path_info}/")
    except Resolver404:
        with_slash = None
    if request.path_info.endswith("/") or with_slash is None or with_slash.func is api_not_found:
        return json_error(NotFound())
    hint = _("Not found. The right path is %(path)s") % {"path": f"{request.path}/"}
    return json_error(NotFound(hint))


def server_error(request):
    if is_api_request(request):
        return json_error(ServerError())
    return defaults.server_error(request)


def healthz(request):
    """The process is up and serving."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """The database and the cache answer; 503 names the one that does not.

    While the database answers, the body also carries READINESS_DETAILS (the SMS
    queue's depth and age): for the operator, not a reason to take the process out.
    """
    checks = {"database": _check_database, "cache": _check_cache}
    results = {name: _run(check) for name, check in checks.items()}
    ready = all(result == "ok" for result in results.values())
    body: dict[str, object] = {"status": "ok" if ready else "unavailable", **results}
    if results["database"] == "ok":
        now = timezone.now()
        for name, path in settings.READINESS_DETAILS.items():
            body[name] = import_string(path)(now=now)
    return JsonResponse(body, status=200 if ready else 503)


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
