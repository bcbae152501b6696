"""Every API error becomes {"detail": message, "code": machine_code} (+ "field"/"errors")."""

from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import BodyTooLarge, DomainError, TokenInvalid
from .http import error_body, error_headers
from .serializers import first_error


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):  # Django checks Content-Length when DRF reads the body
        exc = BodyTooLarge()
    if isinstance(exc, DomainError):
        return error_response(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: let Django log it and answer 500
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc.detail)
    else:
        message, code = first_error(exc.detail)
        if code == "token_not_valid":
            message = TokenInvalid.message
        response.data = {"detail": str(message), "code": code}
    return response


def error_response(error: DomainError) -> Response:
    headers = error_headers(error)
    if error.status == 401:  # as DRF does for its own 401s (RFC 9110 requires it)
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return Response(error_body(error), status=error.status, headers=headers)


def _validation_body(detail) -> dict:
    if not isinstance(detail, dict):
        detail = {"non_field_errors": detail if isinstance(detail, list) else [detail]}
    errors = {field: [str(m) for m in _flatten(messages)] for field, messages in detail.items()}
    field, messages = next(iter(detail.items()))
    message, code = first_error(messages)
    body = {"detail": str(message), "code": code}
    if field != "non_field_errors":
        body["field"] = field
    body["errors"] = errors
    return body


def _flatten(messages):
    if isinstance(messages, dict):
        for value in messages.values():
            yield from _flatten(value)
    elif isinstance(messages, list):
        for value in messages:
            yield from _flatten(value)
    else:
        yield messages
