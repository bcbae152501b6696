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
        "challenge": inline_serializer(
            "Challenge",
            {
                "algorithm": serializers.CharField(),
                "challenge": serializers.CharField(),
                "maxNumber": serializers.IntegerField(),
                "salt": serializers.CharField(),
                "signature": serializers.CharField(),
            },
            required=False,
            help_text="Only with 428 challenge_required: an ALTCHA proof-of-work challenge. "
            "Find n in 0..maxNumber with SHA-256(salt + n) == challenge, then send the request "
            "again with altcha = base64(JSON {algorithm, challenge, number: n, salt, signature}).",
        ),
    },
)
# The fields an error adds to its body, as examples in the schema.
EXTRA_EXAMPLES = {
    errors.ChallengeRequired.code: {
        "challenge": {
            "algorithm": "SHA-256",
            "challenge": "2e0a6c1c1f1b0e8c2b0b5b0ff2b1b7e0f6e3e1b0a1c8c1d8e7f4a2b3c4d5e6f7",
            "maxNumber": 20000,
            "salt": "8a3b1c2d4e5f6a7b8c9d0e1f?expires=1795000000&phone=%2B79991234567"
            "&difficulty=20000&",
            "signature": "5b7a0e2f9c3d4b1a6e8f0c2d4b6a8e0f1c3d5b7a9e1f3c5d7b9a1e3f5c7d9b1a",
        }
    }
}

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
        body = {"detail": message, "code": code, **EXTRA_EXAMPLES.get(code, {})}
        by_status.setdefault(status, []).append(
            OpenApiExample(code, value=body, status_codes=[status])
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
