"""OpenAPI pieces shared by the API views: the error shape and its documented codes."""

from django.utils.translation import override
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers

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

# Errors that are not domain errors: (status, code, message as the API really says it).
VALIDATION = (
    400,
    "invalid",
    "Введите корректный номер мобильного телефона, например +79991234567.",
)
REQUIRED = (400, "required", "Обязательное поле.")
PARSE_ERROR = (400, "parse_error", "JSON parse error - Expecting value: line 1 column 1 (char 0)")
NOT_AUTHENTICATED = (401, "not_authenticated", "Учетные данные не были предоставлены.")
TOKEN_NOT_VALID = (401, "token_not_valid", "Токен недействителен, истёк или отозван.")
NOT_FOUND = (404, "not_found", "Не корректный курсор")  # a tampered pagination cursor
BAD_LIMIT = (400, "invalid", "Положительное целое число.")
UNSUPPORTED_MEDIA = (
    415,
    "unsupported_media_type",
    'Неподдерживаемый тип данных "text/plain" в запросе.',
)
CACHE_UNAVAILABLE = (503, "cache_unavailable", "Сервис временно недоступен.")
DATABASE_UNAVAILABLE = (503, "database_unavailable", "Сервис временно недоступен.")

BODY_ERRORS = [VALIDATION, REQUIRED, PARSE_ERROR, UNSUPPORTED_MEDIA]
AUTH_ERRORS = [NOT_AUTHENTICATED, TOKEN_NOT_VALID]
OUTAGES = [CACHE_UNAVAILABLE, DATABASE_UNAVAILABLE]


def error_responses(*documented) -> dict[int, OpenApiResponse]:
    """Responses for the given errors (DomainError classes or tuples), grouped by status."""
    by_status: dict[int, list[OpenApiExample]] = {}
    for error in [*documented, *OUTAGES]:
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


def _describe(error) -> tuple[int, str, str]:
    if isinstance(error, tuple):
        return error
    with override("ru"):
        return error.status, error.code, str(error.message)


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
