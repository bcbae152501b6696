"""Domain errors: each has a stable machine `code`, an HTTP status and a human message.

Services raise them; `exception_handler` (API) and the pages turn them into responses.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "error"
    status = 400
    message = _("The request cannot be completed.")

    def __init__(self, message=None, *, retry_after: int | None = None):
        super().__init__(self.code)
        if message is not None:
            self.message = message
        self.retry_after = retry_after


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


class PhoneLocked(DomainError):
    code = "phone_locked"
    status = 403
    message = _("This number is locked after too many wrong codes. Contact support.")


class Throttled(DomainError):
    code = "throttled"
    status = 429
    message = _("Too many requests. Try again later.")


class SmsBudgetExhausted(DomainError):
    code = "sms_unavailable"
    status = 503
    message = _("Sending codes is paused for now. Try again later.")


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


class TokenInvalid(DomainError):
    code = "token_not_valid"
    status = 401
    message = _("The token is invalid, expired or revoked.")
