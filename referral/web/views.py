"""The pages: the same services as the JSON API, with session login instead of tokens."""

import json
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from referral.accounts import services
from referral.accounts.invite_codes import normalize_invite_code
from referral.accounts.selectors import CodeState, code_state
from referral.accounts.serializers import RequestCodeSerializer, VerifyCodeSerializer
from referral.core import devices, ratelimit
from referral.core.errors import (
    ChallengeRequired,
    CodeExpired,
    CodeInvalid,
    DomainError,
    InviteNotNewUser,
    PrefixBlocked,
    SmsBudgetExhausted,
    SourceBlocked,
    Throttled,
    TooManyAttempts,
)
from referral.core.http import client_ip
from referral.core.serializers import first_error
from referral.invites import selectors, signup
from referral.invites.serializers import ActivateInviteSerializer
from referral.invites.services import activate_invite
from referral.web import phones

PHONE_KEY = "login_phone"
INVITE_KEY = "invite_code"
INVITEES_PER_PAGE = 20
LANDING_LOOKUPS_PER_IP_PER_HOUR = 300
_CODE_REFUSALS = (CodeInvalid, CodeExpired, TooManyAttempts)  # of the code, not the number


def home(request):
    return redirect("web:profile" if request.user.is_authenticated else "web:phone")


def share(request, code):
    return redirect(reverse("web:phone") + _invite_query(code))


# The refusals behind which a number with an account still gets its SMS (abuse.risk).
SENT_IF_REGISTERED = (PrefixBlocked, SourceBlocked, SmsBudgetExhausted)


@require_http_methods(["GET", "POST"])
def phone(request):
    # The pending invite rides in the query string (the form posts back to this URL):
    # a visit stores nothing on the server until a code is actually requested.
    typed_invite = request.GET.get("invite", "")
    invite = normalize_invite_code(typed_invite)
    if request.user.is_authenticated:
        return redirect(_profile_url(invite))

    error: str | None = None
    may_type_code = False
    if request.method == "POST":
        serializer = RequestCodeSerializer(data=request.POST)
        if serializer.is_valid():
            number = serializer.validated_data["phone"]
            ip = client_ip(request)
            try:
                services.request_code(
                    phone=number,
                    ip=ip,
                    now=timezone.now(),
                    altcha=serializer.validated_data.get("altcha"),
                    language=get_language(),
                    device=devices.device_of(request, now=timezone.now()),
                )
            except ChallengeRequired as challenged:
                return _challenge(request, challenged, phone=request.POST["phone"], invite=invite)
            except Throttled as throttled:
                if not code_state(phone=number, ip=ip, now=timezone.now()).resend_in:
                    error = str(throttled.message)
                else:  # a code was sent moments ago: let them type it
                    messages.info(request, _("A code was already sent to this number."))
                    return _start_login(request, number, invite)
            except DomainError as refused:
                error = str(refused.message)
                if isinstance(refused, SENT_IF_REGISTERED):
                    # A number that logged in before got its SMS behind this refusal
                    # (the answer tells no one which): it may go on and type it.
                    _start_login(request, number, invite)
                    may_type_code = True
            else:
                return _start_login(request, number, invite)
        else:
            error = phones.problem(*first_error(serializer.errors))
    context = {
        "error": error,
        "may_type_code": may_type_code,
        # "Change number" comes back here: the number asked for is still in the field.
        "field": phones.field(request.POST.get("phone") or request.session.get(PHONE_KEY, "")),
        **_landing(request, typed_invite, invite),
    }
    return render(request, "web/phone.html", context, status=400 if error else 200)


def _landing(request, typed: str, invite: str | None) -> dict:
    """A share link's landing: who invites (their number masked), or why the link is no good.

    A link with no such code is said so at once, and its form carries the code no further.
    """
    if not typed:
        return {}
    try:  # lookups are counted, so that the page is no cheap way to try codes
        ratelimit.hit(
            f"landing:ip:{client_ip(request)}",
            limit=LANDING_LOOKUPS_PER_IP_PER_HOUR,
            window=3600,
            now=timezone.now(),
        )
    except Throttled:
        return {"invite": invite}  # unchecked: the login will say if it is no good
    inviter = selectors.inviter_phone(code=invite) if invite else None
    if inviter is None:
        return {"unknown_invite": invite or typed[:32], "action": reverse("web:phone")}
    return {"invite": invite, "inviter": inviter}


def _challenge(request, challenged: ChallengeRequired, *, phone: str, invite: str | None):
    """The phone form again, with a proof-of-work check that solves itself and sends it."""
    action = reverse("web:phone") + _invite_query(invite)
    strings = {
        "label": _("I am not a robot"),
        "verifying": _("Checking…"),
        "verified": _("Checked"),
        "error": _("The check failed. Send the form again."),
        "expired": _("The check has expired. Send the form again."),
        "verificationRequired": _("Wait for the check to finish."),
        "waitAlert": _("Checking… please wait."),
    }
    context = {
        "field": phones.field(phone),
        "invite": invite,
        "action": action,
        "challenge": json.dumps(challenged.extra["challenge"]),
        "altcha_strings": json.dumps(strings, ensure_ascii=False),
        "message": challenged.message,
    }
    return render(request, "web/phone.html", context, status=challenged.status)


def _start_login(request, number: str, invite: str | None):
    request.session[PHONE_KEY] = number
    if invite:
        request.session[INVITE_KEY] = invite
    return redirect("web:code")


def _typed_code(raw: str) -> str:
    """The code in what was typed, pasted or autofilled: " 4125", or a whole SMS."""
    runs = re.findall(r"[0-9]+", raw)
    exact = [run for run in runs if len(run) == settings.OTP_LENGTH]
    return exact[-1] if exact else "".join(runs) or raw


def _profile_url(invite: str | None = None) -> str:
    return reverse("web:profile") + _invite_query(invite)


def _invite_query(invite: str | None) -> str:
    """The pending invite rides in the query string of the page it leads to."""
    return f"?{urlencode({'invite': invite})}" if invite else ""


@never_cache  # the phone number and, after Back, nothing of a session that has ended
@require_http_methods(["GET", "POST"])
def code(request):
    number = request.session.get(PHONE_KEY)
    if not number:
        return redirect("web:phone")

    error: str | None = None
    refusal: DomainError | None = None
    if request.method == "POST":
        serializer = VerifyCodeSerializer(
            data={"phone": number, "code": _typed_code(request.POST.get("code", ""))}
        )
        if serializer.is_valid():
            invite = request.session.get(INVITE_KEY)
            try:
                login = signup.log_in(
                    phone=number,
                    code=serializer.validated_data["code"],
                    invite_code=invite,
                    channel="share_link",  # the pages' invite at sign-up comes from a link
                    ip=client_ip(request),
                    now=timezone.now(),
                    device=devices.device_of(request, now=timezone.now()),
                )
            except DomainError as refused:
                error, refusal = str(refused.message), refused
            else:
                auth_login(request, login.user, backend="django.contrib.auth.backends.ModelBackend")
                request.session.pop(PHONE_KEY, None)
                request.session.pop(INVITE_KEY, None)
                response = redirect("web:profile")
                if login.invite_error is not None:
                    messages.warning(
                        request,
                        _("The invite code %(code)s was not activated: %(reason)s")
                        % {"code": invite, "reason": login.invite_error.message},
                    )
                    if isinstance(login.invite_error, InviteNotNewUser):
                        response = redirect(_profile_url(invite))  # the form, filled in
                elif login.created and invite:
                    messages.success(request, _("Invite code activated"))
                # This browser is a known device of the account from now on (finding 12).
                devices.remember_device(response, login.user.pk, now=timezone.now())
                return response
        else:
            error = str(first_error(serializer.errors)[0])
    state = code_state(phone=number, ip=client_ip(request), now=timezone.now())
    context = {
        "phone": number,
        "state": state,
        "length": settings.OTP_LENGTH,
        "error": error,
        "wrong_code": isinstance(refusal, CodeInvalid),  # then the attempts left are said
        "spent": _spent(state, refusal),
    }
    return render(request, "web/code.html", context, status=400 if error else 200)


def _spent(state: CodeState, refusal: DomainError | None) -> str | None:
    """Why the code can no longer log in, if it cannot: the page then says only that and
    offers a new code. A refusal of another kind (the number paused or blocked) is said
    instead, as it is what a new code would meet too."""
    if state.expires_in and state.attempts_left:
        return None
    if refusal is not None and not isinstance(refusal, _CODE_REFUSALS):
        return str(refusal.message)
    return str((TooManyAttempts if state.expires_in else CodeExpired).message)


@require_POST
def resend(request):
    number = request.session.get(PHONE_KEY)
    if not number:
        return redirect("web:phone")
    try:
        services.request_code(
            phone=number,
            ip=client_ip(request),
            now=timezone.now(),
            language=get_language(),
            device=devices.device_of(request, now=timezone.now()),
        )
    except ChallengeRequired as challenged:
        invite = request.session.get(INVITE_KEY)
        return _challenge(request, challenged, phone=number, invite=invite)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Code sent"))
    return redirect("web:code")


@never_cache
@login_required
def profile(request):
    return _profile(request)


@never_cache
@login_required
@require_POST
def activate(request):
    serializer = ActivateInviteSerializer(data=request.POST)
    if not serializer.is_valid():
        return _profile(request, error=str(first_error(serializer.errors)[0]))
    try:
        activate_invite(
            user_id=request.user.pk,
            code=serializer.validated_data["code"],
            now=timezone.now(),
            channel="page",
        )
    except DomainError as refused:
        return _profile(request, error=refused.message)
    messages.success(request, _("Invite code activated"))
    return redirect("web:profile")


@require_POST
def logout(request):
    auth_logout(request)
    messages.info(request, _("You have logged out."))
    return redirect("web:phone")


def _profile(request, *, error=None):
    user = request.user
    page = Paginator(selectors.invitees_newest_first(user_id=user.pk), INVITEES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    share_path = reverse("web:share", args=[user.invite_code])
    share_url = request.build_absolute_uri(share_path)
    context = {
        "invited_by_code": selectors.invited_by_code(user=user),
        "share_url": share_url,
        "share_parts": (share_url.removesuffix(share_path), share_path),  # shown apart if need be
        "page": page,
        "error": error,
        "typed_code": request.POST.get("code") or request.GET.get("invite", ""),
        "from_share_link": "invite" in request.GET,
    }
    return render(request, "web/profile.html", context, status=400 if error else 200)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent without its cookie or token (an old tab, cookies off)."""
    return render(request, "403_csrf.html", status=403)
