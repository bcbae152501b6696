"""The Django admin: opened only by its own password login, which slows down after failures.

A page login by SMS code gives a staff member a session too, but never the admin:
the admin asks for the mark that only its password login sets.
"""

import hashlib
import logging
import math
from datetime import datetime

from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .http import client_ip
from .logs import printable

logger = logging.getLogger("referral.admin")

PASSWORD_LOGIN = "admin_password_login"  # noqa: S105 - a session key, set by the admin's login
FIRST_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 3600
FAILURES_KEPT_SECONDS = 24 * 3600


class AdminSite(admin.AdminSite):
    site_header = site_title = gettext_lazy("Referral admin")

    def has_permission(self, request):
        return super().has_permission(request) and request.session.get(PASSWORD_LOGIN) is True

    def login(self, request, extra_context=None):
        if request.method != "POST":
            return super().login(request, extra_context)
        throttle = LoginThrottle(ip=client_ip(request), account=request.POST.get("username", ""))
        wait = throttle.seconds_to_wait(now=timezone.now())
        if wait:
            message = _("Too many failed logins. Try again in %(seconds)s s.") % {"seconds": wait}
            return HttpResponse(message, status=429, headers={"Retry-After": str(wait)})
        response = super().login(request, extra_context)
        if response.status_code == 302 and request.user.is_authenticated:
            request.session[PASSWORD_LOGIN] = True
            throttle.succeeded()
        else:
            throttle.failed(now=timezone.now())
        return response


class LoginThrottle:
    """Failed admin logins counted per client address and per account (in the cache).

    After ADMIN_LOGIN_FAILURES_BEFORE_DELAY failures, each further try waits 30 s after
    the last failure, doubling with every failure up to an hour; a day without
    failures forgets them. Only the tries in flight at one moment can slip past it.
    """

    def __init__(self, *, ip: str, account: str):
        digest = hashlib.sha256(account.encode()).hexdigest()[:32]
        self.keys = [f"admin-login:ip:{ip}", f"admin-login:account:{digest}"]
        self.ip, self.account = ip, printable(account[:64])

    def seconds_to_wait(self, *, now: datetime) -> int:
        waits = [
            last + _delay(failures) - now.timestamp()
            for failures, last in cache.get_many(self.keys).values()
        ]
        return max([0, *(math.ceil(wait) for wait in waits)])

    def failed(self, *, now: datetime) -> None:
        for key in self.keys:
            failures, _ = cache.get(key, (0, 0.0))
            cache.set(key, (failures + 1, now.timestamp()), timeout=FAILURES_KEPT_SECONDS)
        logger.warning("admin login failed for %r from %s", self.account, self.ip)

    def succeeded(self) -> None:
        cache.delete_many(self.keys)


def _delay(failures: int) -> int:
    over = failures - settings.ADMIN_LOGIN_FAILURES_BEFORE_DELAY
    return 0 if over < 0 else min(FIRST_DELAY_SECONDS * 2**over, MAX_DELAY_SECONDS)
