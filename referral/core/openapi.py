"""OpenAPI pieces shared by the API views: the error shape and its documented codes."""

from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import override
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers

from . import errors


class BearerScheme(SimpleJWTScheme):
    """Our JWTAuthentication, a subclass of simplejwt's, is documented as simplejwt's is."""

    target_class = "referral.accounts.authentication.JWTAuthentication"


ErrorSerializer = inline_serializer(
    "Error",
    {
        "detail": serializers.CharField(help_text="A message for people (Russian by default)."),
        "code": serializers.CharField(help_text="A stable machine code."),
        "field": serializers.CharField(required=False, help_text="The field at fault, if any."),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Every message per field, for field problems.",
        ),
    },
)

# Errors that are not domain errors: (status, code, the message the API really sends,
# as DRF or a field defines it; shown in Russian, as the API answers by default).
Documented = tuple[int, str, Any]


def field_error(field: type[serializers.Field], code: str = "invalid") -> Documented:
    return 400, code, field.default_error_messages[code]


REQUIRED = field_error(serializers.Field, "required")
NOT_AUTHENTICATED = (401, "not_authenticated", exceptions.NotAuthenticated.default_detail)
UNSUPPORTED_MEDIA = (
    415,
    "unsupported_media_type",
    format_lazy(exceptions.UnsupportedMediaType.default_detail, media_type="text/plain"),
)

BODY_ERRORS = [
    REQUIRED,
    errors.InvalidJSON,
    errors.NotAnObject,
    errors.BodyTooLarge,
    UNSUPPORTED_MEDIA,
]
AUTH_ERRORS = [
    NOT_AUTHENTICATED,
    errors.BadAuthorizationHeader,
    errors.TokenInvalid,
    errors.AccountDisabled,
]
# What any operation may answer: refused before any view saw it, a dependency down, a bug.
ANY_OPERATION = [
    errors.BadHost,
    errors.BadRequest,
    errors.ServerError,
    errors.CacheUnavailable,
    errors.DatabaseUnavailable,
]


def error_responses(*documented) -> dict[int, OpenApiResponse]:
    """Responses for the given errors (DomainError classes or tuples), grouped by status."""
    by_status: dict[int, list[OpenApiExample]] = {}
    for error in [*documented, *ANY_OPERATION]:
        status, code, message = _describe(error)
        by_status.setdefault(status, []).append(
            OpenApiExample(code, value={"detail": message, "code": code}, status_codes=[status])
        )
    return {
        status: OpenApiResponse(
            ErrorSerializer,
            description=", ".join(f"`{example.name}`" for example in examples),
            examples=examples,
        )
        for status, examples in sorted(by_status.items())
    }


def detail_example(name: str, message: Any) -> OpenApiExample:
    """A success answer `{"detail": message}` as the API says it by default (in Russian)."""
    with override("ru"):
        return OpenApiExample(name, value={"detail": str(message)})


def documented_body(error: type[errors.DomainError]) -> dict:
    """The error's JSON body as the API says it by default (in Russian)."""
    _, code, message = _describe(error)
    return {"detail": message, "code": code}


def _describe(error) -> tuple[int, str, str]:
    status, code, message = (
        error
        if isinstance(error, tuple)
        else (
            error.status,
            error.code,
            error.message,
        )
    )
    with override("ru"):
        return status, code, str(message)


# OpenAPI links let clients (and schemathesis' stateful tests) chain the calls.
_LINKS = {
    ("/api/auth/request_code/", "post"): {
        "VerifyCode": ("/api/auth/verify_code/", {"phone": "$request.body#/phone"}),
    },
    ("/api/auth/verify_code/", "post"): {
        "RefreshTokens": ("/api/auth/token/refresh/", {"refresh": "$response.body#/refresh"}),
        "LogOut": ("/api/auth/logout/", {"refresh": "$response.body#/refresh"}),
    },
    ("/api/auth/token/refresh/", "post"): {
        "RefreshAgain": ("/api/auth/token/refresh/", {"refresh": "$response.body#/refresh"}),
        "LogOut": ("/api/auth/logout/", {"refresh": "$response.body#/refresh"}),
    },
}


def add_links(result, generator, request, public):
    """drf-spectacular post-processing hook: adds the links of _LINKS to the 200 responses."""
    paths = result.get("paths", {})
    for (path, method), links in _LINKS.items():
        operation = paths.get(path, {}).get(method)
        if operation is None:
            continue
        operation["responses"]["200"]["links"] = {
            name: {
                "operationId": paths[target]["post"]["operationId"],
                "requestBody": body,
            }
            for name, (target, body) in links.items()
        }
    return result
