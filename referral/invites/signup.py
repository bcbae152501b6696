"""Logging in with an invite code: accounts' login, then at sign-up the activation.

It stands here, above both, since accounts knows nothing of invites. Each step is its own
transaction: an activation that fails never undoes the login.
"""

from dataclasses import dataclass
from datetime import datetime

from referral.accounts import services as accounts
from referral.accounts.invite_codes import normalize_invite_code
from referral.accounts.models import User
from referral.core import devices
from referral.core.errors import DomainError, InviteInvalid, InviteNotNewUser

from .services import activate_invite


@dataclass(frozen=True)
class Login:
    user: User
    created: bool
    invite_error: DomainError | None = None


def log_in(
    *,
    phone: str,
    code: str,
    ip: str,
    now: datetime,
    invite_code: str | None = None,
    channel: str = "api",
    device: devices.Device | None = None,
) -> Login:
    """Verify the code; at sign-up also activate `invite_code` (its failure keeps the login).

    `channel` is where the invite code came from (api, or share_link on the pages).

    `invite_code` is what the person typed: a malformed one, or one given at a later
    login, is reported in `invite_error` and never fails the login itself.
    """
    user, created = accounts.log_in(
        phone=phone, code=code, ip=ip, now=now, with_invite=bool(invite_code), device=device
    )
    if not invite_code:
        return Login(user=user, created=created)
    if not created:
        return Login(user=user, created=created, invite_error=InviteNotNewUser())
    canonical = normalize_invite_code(invite_code)
    if canonical is None:
        return Login(user=user, created=created, invite_error=InviteInvalid())
    try:
        activate_invite(user_id=user.pk, code=canonical, now=now, channel=channel)
    except DomainError as error:
        return Login(user=user, created=created, invite_error=error)
    return Login(user=user, created=created)
