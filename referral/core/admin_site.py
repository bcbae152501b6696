"""The Django admin: opened only by its own password login, which slows down after failures.

A page login by SMS code gives a staff member a session too, but never the admin:
the admin asks for the mark that only its password login sets.
"""

import hashlib
import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import cast

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Field
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import counters, devices
from .http import client_ip
from .logs import printable

logger = logging.getLogger("referral.admin")

PASSWORD_LOGIN = "admin_password_login"  # noqa: S105 - a session key, set by the admin's login
FIRST_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 3600
FAILURES_KEPT_SECONDS = 24 * 3600
TURN_SECONDS = 30  # how long a login's turn holds its keys at most (a crashed process)


class AdminSite(admin.AdminSite):
    site_header = site_title = gettext_lazy("Referral admin")

    def has_permission(self, request):
        return super().has_permission(request) and request.session.get(PASSWORD_LOGIN) is True

    def login(self, request, extra_context=None):
        if request.method != "POST":
            return super().login(request, extra_context)
        now = timezone.now()
        username = request.POST.get("username", "")
        user_id, account = login_account(username)
        # A browser that logged in to this account before is not held by the account's
        # throttle (a stranger's failures fill it), only by its own limit and its address's.
        known = user_id is not None and devices.claim_try(request, user_id, now=now)
        throttle = LoginThrottle(
            ip=client_ip(request), account=account, checked=not known, name=username
        )
        try:
            with throttle.turn(now=now):
                response = super().login(request, extra_context)
                succeeded = response.status_code == 302 and request.user.is_authenticated
                if succeeded:
                    throttle.succeeded()
                else:
                    throttle.failed(now=now)
        except TryLater as later:
            return HttpResponse(
                later.message, status=429, headers={"Retry-After": str(later.seconds)}
            )
        if succeeded:
            request.session[PASSWORD_LOGIN] = True
            devices.remember_device(response, request.user.pk, now=now)
        return response


def login_account(username: str) -> tuple[int | None, str]:
    """The account a login names, as the login itself finds it: the user's id (None: no
    such user) and a key for its failures. The key is the user's id, or else the username
    as the lookup compares it (a phone normalised to E.164), so that every spelling of one
    number is one account."""
    model = get_user_model()
    field = cast(Field, model._meta.get_field(model.USERNAME_FIELD))
    compared = str(field.get_prep_value(username))
    found = None
    if "\x00" not in compared:  # the login form refuses it (no database stores it)
        users = model._default_manager.filter(**{field.name: compared})
        found = users.values_list("pk", flat=True).first()
    if found is not None:
        return found, f"user:{found}"
    return None, "name:" + hashlib.sha256(compared.encode()).hexdigest()[:32]


class TryLater(Exception):
    def __init__(self, seconds: int, message: str):
        super().__init__(message)
        self.seconds, self.message = seconds, message


class LoginThrottle:
    """Failed admin logins counted per client address and per account (in the cache).

    After ADMIN_LOGIN_FAILURES_BEFORE_DELAY failures, each further try waits 30 s after
    the last failure, doubling with every failure up to an hour; failures are forgotten a
    day after the first. A try is checked and its password compared in a *turn* that holds
    its keys (cache.add, Redis's SET NX): a second try on a key while one is being
    compared is told to retry in a second, so parallel tries never act on a stale count.

    `checked=False` (a known device): the account's failures are still counted, but do not
    hold this try back; only the address's do.
    """

    def __init__(self, *, ip: str, account: str, checked: bool, name: str):
        self.ip_key, self.account_key = f"admin-login:ip:{ip}", f"admin-login:account:{account}"
        self.checked = [self.ip_key, self.account_key] if checked else [self.ip_key]
        self.ip, self.name = ip, printable(name[:64])

    @contextmanager
    def turn(self, *, now: datetime) -> Iterator[None]:
        """Hold the checked keys, and raise TryLater if one of them must wait."""
        held = []
        try:
            for key in self.checked:
                if not cache.add(f"{key}:turn", 1, timeout=TURN_SECONDS):
                    raise TryLater(1, _("Another login is being checked. Try again in a second."))
                held.append(key)
            wait = self.seconds_to_wait(now=now)
            if wait:
                message = _("Too many failed logins. Try again in %(seconds)s s.")
                raise TryLater(wait, message % {"seconds": wait})
            yield
        finally:
            cache.delete_many([f"{key}:turn" for key in held])

    def seconds_to_wait(self, *, now: datetime) -> int:
        found = counters.read(
            [f"{key}:{part}" for key in self.checked for part in ("failures", "last")]
        )
        waits = [
            found[f"{key}:last"] + _delay(found[f"{key}:failures"]) - now.timestamp()
            for key in self.checked
            if f"{key}:failures" in found and f"{key}:last" in found
        ]
        return max([0, *(math.ceil(wait) for wait in waits)])

    def failed(self, *, now: datetime) -> None:
        keys = [self.ip_key, self.account_key]
        counters.bump({f"{key}:failures": FAILURES_KEPT_SECONDS for key in keys})
        cache.set_many({f"{key}:last": now.timestamp() for key in keys}, FAILURES_KEPT_SECONDS)
        logger.warning("admin login failed for %r from %s", self.name, self.ip)

    def succeeded(self) -> None:
        """Forget the checked keys' failures: an address or account that proved itself."""
        cache.delete_many(
            [f"{key}:{part}" for key in self.checked for part in ("failures", "last")]
        )


def _delay(failures: int) -> int:
    over = failures - settings.ADMIN_LOGIN_FAILURES_BEFORE_DELAY
    return 0 if over < 0 else min(FIRST_DELAY_SECONDS * 2**over, MAX_DELAY_SECONDS)
