"""Django-level error pages: JSON under /api/, Django's defaults elsewhere."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


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
