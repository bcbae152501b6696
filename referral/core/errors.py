"""Domain errors: each has a stable machine `code`, an HTTP status and a human message.

Services raise them; `exception_handler` (API) and the pages turn them into responses.
"""

import math
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # django-stubs, a development dependency
    from django_stubs_ext import StrOrPromise


class DomainError(Exception):
    code = "error"
    status = 400
    message: "StrOrPromise" = _("The request cannot be completed.")
    waited_message: "StrOrPromise | None" = None  # the message with the wait: "… in %(wait)s."
    retry_after: int | None = None  # seconds, sent as Retry-After
    extra: dict = {}  # more fields of the JSON body (ChallengeRequired's challenge)

    def __init__(self, message=None, *, retry_after: int | None = None):
        super().__init__(self.code)
        if retry_after is not None:
            self.retry_after = retry_after
            if self.waited_message is not None:
                self.message = self.waited_message % {"wait": wait_text(retry_after)}
        if message is not None:
            self.message = message


def wait_text(seconds: int) -> str:
    """A wait as people say it, rounded up: "42 s" up to two minutes, then minutes, then hours."""
    if seconds < 120:
        return _("%(n)s s") % {"n": seconds}
    if seconds < 7200:
        return _("%(n)s min") % {"n": math.ceil(seconds / 60)}
    return _("%(n)s h") % {"n": math.ceil(seconds / 3600)}


class CodeInvalid(DomainError):
    code = "code_invalid"
    message = _("The code is wrong. Check it or request a new one.")


class CodeExpired(DomainError):
    code = "code_expired"
    message = _("The code has expired. Request a new one.")


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    message = _("Too many wrong attempts for this code. Request a new one.")


class PhonePaused(DomainError):
    code = "phone_paused"
    status = 429
    message = _("Too many wrong codes for this number. Try again later.")
    waited_message = _("Too many wrong codes for this number. Try again in %(wait)s.")


class PhoneLocked(DomainError):
    code = "phone_locked"
    status = 403
    message = _("This number is blocked. Contact support.")


class AccountDisabled(DomainError):
    code = "account_disabled"
    status = 403
    message = _("This account is disabled. Contact support.")


class Throttled(DomainError):
    code = "throttled"
    status = 429
    message = _("Too many requests. Try again later.")
    waited_message = _("Too many requests. Try again in %(wait)s.")


class SmsBudgetExhausted(DomainError):
    code = "sms_unavailable"
    status = 503
    message = _("Sending codes is paused for now. Try again later.")


class ChallengeRequired(DomainError):
    code = "challenge_required"
    status = 428
    message = _("Confirm that you are not a robot: solve the challenge and send the request again.")
    retried_message = _("The challenge was not solved or has expired. Solve this new one.")

    def __init__(self, challenge: dict, *, retried: bool = False):
        super().__init__(self.retried_message if retried else None)
        self.extra = {"challenge": challenge}


class PrefixBlocked(DomainError):
    code = "prefix_blocked"
    status = 429
    message = _("Codes to numbers like this one are paused for now. Try again later.")


class SourceBlocked(DomainError):
    code = "source_blocked"
    status = 429
    message = _("Too many codes from your network were never used. Try again later.")


class InviteNotFound(DomainError):
    code = "invite_not_found"
    status = 404
    message = _("There is no such invite code.")


class InviteOwn(DomainError):
    code = "invite_own"
    message = _("You cannot activate your own invite code.")


class InviteAlreadyActivated(DomainError):
    code = "invite_already_activated"
    status = 409
    message = _("You have already activated an invite code.")


class InviteCycle(DomainError):
    code = "invite_cycle"
    message = _("You cannot activate the code of someone you invited.")


class InviteInvalid(DomainError):
    """Only in a login's invite_error: the activation endpoint reports a field error instead."""

    code = "invite_invalid"
    message = _("An invite code is 6 letters and digits.")


class InviteNotNewUser(DomainError):
    """Only in a login's invite_error: an invite code counts at sign-up, not at a later login."""

    code = "invite_not_new_user"
    status = 409
    message = _(
        "An invite code given at login is only used at sign-up. Activate it in the profile."
    )


class TokenInvalid(DomainError):
    code = "token_not_valid"
    status = 401
    message = _("The token is invalid, expired or revoked.")


class BadAuthorizationHeader(DomainError):
    code = "bad_authorization_header"
    status = 401
    message = _("The Authorization header must be 'Bearer <token>'.")


class InvalidJSON(DomainError):
    code = "parse_error"
    message = _("The request body is not valid JSON.")


class NotAnObject(DomainError):
    code = "not_an_object"
    message = _("The request body must be a JSON object.")


class BodyTooLarge(DomainError):
    code = "body_too_large"
    status = 413
    message = _("The request body is too large.")


class BadHost(DomainError):
    code = "bad_host"
    message = _("Unknown host name.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    message = _("Not found.")


class BadRequest(DomainError):
    """A request Django itself refused before any view saw it."""

    code = "bad_request"
    message = _("Malformed request.")


class ServerError(DomainError):
    code = "server_error"
    status = 500
    message = _("Server error.")


class CacheUnavailable(DomainError):
    code = "cache_unavailable"
    status = 503
    message = _("The service is temporarily unavailable.")
    retry_after = 5


class DatabaseUnavailable(DomainError):
    code = "database_unavailable"
    status = 503
    message = _("The service is temporarily unavailable.")
    retry_after = 5
