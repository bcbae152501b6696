"""Every route refuses a disabled and a deleted account (issue 22, item 4).

The routes are read from the URLconf, so a new one is walked without anyone listing it. Each
is asked with every method three ways: with no credentials, and with the access token and the
page session of an account that an operator then disabled, or deleted. The account's
credentials must open nothing that no credentials open: a route that refuses an anonymous
caller's token (401 not_authenticated) refuses the account's with the documented errors
(README, Errors), and every other route (the pages, the admin, the public API) answers the
account exactly as it answers nobody. The same credentials of an active account do open the
routes that refuse an anonymous caller, so the walk is no walk past doors closed to all.
"""

import re
from dataclasses import dataclass, replace
from importlib import import_module

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern
from rest_framework_simplejwt.tokens import RefreshToken

from referral.accounts.models import User
from referral.core.admin_site import PASSWORD_LOGIN

from .factories import make_user, new_phone

pytestmark = pytest.mark.django_db

API_METHODS = ("get", "head", "options", "post", "put", "patch", "delete")
# The pages and the admin (85 routes): the methods a form or a link sends.
PAGE_METHODS = ("get", "post")
SAMPLE = {
    "int": "1",
    "str": "A1B2C3",
    "path": "1",
    "slug": "a",
    "uuid": "0" * 8 + "-0000" * 3 + "-" + "0" * 12,
}


def _paths(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _paths(pattern.url_patterns, prefix + _sample(pattern.pattern))
        else:
            assert isinstance(pattern, URLPattern)
            yield prefix + _sample(pattern.pattern), pattern


def _sample(pattern) -> str:
    """A path the pattern matches: each converter or named group filled with a sample value."""
    text = str(pattern)
    if isinstance(pattern, RegexPattern):
        text = text.removeprefix("^").removesuffix("$")
        # (?P<app_label>auth|accounts|…): its first choice; (?P<url>.*): anything
        return re.sub(
            r"\(\?P<\w+>([^)]*)\)",
            lambda group: group[1].split("|")[0] if re.fullmatch(r"[\w|]+", group[1]) else "x",
            text,
        )
    return re.sub(r"<(?:(\w+):)?\w+>", lambda group: SAMPLE[group[1] or "str"], text)


def routes() -> list[str]:
    """One path for each URL pattern that a request can reach (an earlier pattern may take
    a sample: ^api/ after the API's own routes)."""
    found = {}
    for path, pattern in _paths(get_resolver().url_patterns):
        if resolve(f"/{path}").func is pattern.callback:
            found.setdefault(f"/{path}", pattern)
    return sorted(found)


@dataclass(frozen=True)
class Answer:
    status: int
    location: str | None
    code: str | None  # the API's error code

    def __str__(self):
        return f"{self.status} {self.code or self.location or ''}".strip()


def answer(client: Client, method: str, path: str, body=None, **headers) -> Answer:
    if body is None:
        response = getattr(client, method)(path, **headers)
    else:
        response = getattr(client, method)(path, body, content_type="application/json", **headers)
    code = None
    if response.get("Content-Type", "").startswith("application/json") and response.content:
        body = response.json()
        code = body.get("code") if isinstance(body, dict) else None
    return Answer(response.status_code, response.get("Location"), code)


def methods(path: str) -> tuple[str, ...]:
    return API_METHODS if path.startswith("/api/") else PAGE_METHODS


@dataclass
class Account:
    user: User
    session: dict  # its page session, as logging in left it
    headers: dict  # its access token

    def ask(self, method, path, body=None):
        """Each request in its own copy of the session as logging in left it: a logout on
        the way (the pages', the admin's) ends that copy only."""
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store.update(self.session)
        store.create()
        client = Client(raise_request_exception=False)
        client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
        return answer(client, method, path, body, **self.headers)


def account() -> Account:
    """An operator's account (the admin's pages are walked too), logged in to the pages and to
    the API."""
    user = User.objects.create_superuser(phone=new_phone(), password=None)
    client = Client()
    client.force_login(user)
    session = dict(client.session.items())
    session[PASSWORD_LOGIN] = True  # the admin's own login says so (referral.core.admin_site)
    token = RefreshToken.for_user(user).access_token
    return Account(user, session, {"HTTP_AUTHORIZATION": f"Bearer {token}"})


def disable(user):
    User.objects.filter(pk=user.pk).update(is_active=False)


def delete(user):
    User.objects.filter(pk=user.pk).delete()


# What a token of a disabled or a deleted account gets where a token is needed (README, Errors).
REFUSED = {
    disable: Answer(403, None, "account_disabled"),
    delete: Answer(401, None, "token_not_valid"),
}
REFUSAL_CODES = {refused.code for refused in REFUSED.values()}


# A body that an active account's request succeeds with, for each route that needs a token
# and takes a body: the walk's refusals must be for the account, not for a missing body
# (a body is checked first). The last test fails for such a route that is not here.
BODIES = {
    "/api/profile_back/activate_invite/": lambda: {"code": make_user().invite_code},
}
BODY_METHODS = ("post", "put", "patch")


def body_for(method: str, path: str):
    return BODIES[path]() if method in BODY_METHODS and path in BODIES else None


def needs_a_token(anonymous: Answer) -> bool:
    """401 not_authenticated (a HEAD's answer has no body, so no code)."""
    return anonymous.status == 401 and anonymous.code in ("not_authenticated", None)


def needs_a_session(anonymous: Answer) -> bool:
    login_pages = (reverse(settings.LOGIN_URL), reverse("admin:login"))
    location = anonymous.location or ""
    return anonymous.status == 302 and location.startswith(login_pages) and "next=" in location


@pytest.mark.parametrize("operator_action", [disable, delete])
def test_no_route_acts_for_a_disabled_or_deleted_account(operator_action):
    gone = account()
    operator_action(gone.user)
    nobody = Client(raise_request_exception=False)

    wrong = []
    for path in routes():
        for method in methods(path):
            anonymous = answer(nobody, method, path)
            got = gone.ask(method, path, body_for(method, path))
            expected = anonymous
            if needs_a_token(anonymous):
                expected = REFUSED[operator_action]
                if method == "head":  # no body
                    expected = replace(expected, code=None)
                if got.status == 405:  # a method the route does not take: it does not act
                    continue
            if got != expected or got.status >= 500:
                wrong.append(f"{method.upper()} {path}: {got}, not {expected}")
    assert not wrong, "\n".join(wrong)


def test_an_active_accounts_credentials_open_what_they_close_to_nobody():
    """The walk's credentials work: where nobody is sent to log in or asked for a token,
    the active account gets through (so above, the disabled one was refused for being
    disabled). The routes everyone knows need an account are among them."""
    active = account()
    nobody = Client(raise_request_exception=False)

    closed, still_closed = set(), []
    for path in routes():
        for method in methods(path):
            anonymous = answer(nobody, method, path)
            if needs_a_token(anonymous) or needs_a_session(anonymous):
                closed.add((method, path))
                got = active.ask(method, path)
                if got == anonymous or needs_a_token(got) or got.code in REFUSAL_CODES:
                    still_closed.append(f"{method.upper()} {path}: {got}")
    assert not still_closed, "\n".join(still_closed)
    assert {
        ("get", "/api/profile_back/"),
        ("get", "/api/profile_back/invited_users/"),
        ("post", "/api/profile_back/activate_invite/"),
        ("get", "/ui/profile/"),
        ("post", "/ui/profile/activate/"),
        ("get", "/admin/"),
    } <= closed


def test_every_route_that_needs_a_token_and_takes_a_body_has_one_that_works():
    """Otherwise the walk above meets the body's 400 or 415 before the account's refusal."""
    active = account()
    nobody = Client(raise_request_exception=False)

    missing, failing = [], []
    for path in routes():
        for method in BODY_METHODS if path.startswith("/api/") else ():
            if not needs_a_token(answer(nobody, method, path)):
                continue
            if active.ask(method, path).status == 405:  # the route does not take the method
                continue
            if path not in BODIES:
                missing.append(f"{method.upper()} {path}")
                continue
            got = active.ask(method, path, body_for(method, path))
            if not 200 <= got.status < 300:
                failing.append(f"{method.upper()} {path}: {got}")
    assert not missing, f"no working body in BODIES: {missing}"
    assert not failing, "\n".join(failing)


# The API routes that take an account's credential in the body instead of an access token:
# what the body is, and what a disabled and a deleted account get. The test below fails for
# a route that takes a body and no token and is not here.
IN_THE_BODY = {
    "/api/auth/request_code/": {
        "body": lambda user, code, refresh: {"phone": str(user.phone)},
        disable: Answer(403, None, "account_disabled"),
        delete: Answer(200, None, None),  # the number is free again: a code for a new sign-up
    },
    "/api/auth/verify_code/": {
        "sends_a_code": True,  # first, while the account is active
        "body": lambda user, code, refresh: {"phone": str(user.phone), "code": code},
        disable: Answer(403, None, "account_disabled"),
        delete: Answer(200, None, None),  # a new account (asserted below), not the deleted one
    },
    "/api/auth/token/refresh/": {
        "body": lambda user, code, refresh: {"refresh": refresh},
        **REFUSED,
    },
    # Giving a token up is never refused: a disabled account's token that stayed unrevoked
    # would work again once an operator enables the account.
    "/api/auth/logout/": {
        "body": lambda user, code, refresh: {"refresh": refresh},
        disable: Answer(200, None, None),
        delete: Answer(200, None, None),
    },
}


def test_every_route_that_takes_a_body_and_no_token_is_in_the_table():
    nobody = Client(raise_request_exception=False)
    takes_a_body = {
        path
        for path in routes()
        if path.startswith("/api/")
        and answer(nobody, "post", path, {}).status not in (401, 404, 405)
    }

    assert takes_a_body == set(IN_THE_BODY)


@pytest.mark.parametrize("operator_action", [disable, delete])
@pytest.mark.parametrize("path", sorted(IN_THE_BODY))
def test_a_disabled_or_deleted_accounts_credential_in_the_body(path, operator_action, send_code):
    route = IN_THE_BODY[path]
    user = make_user()
    code = send_code(str(user.phone)) if route.get("sends_a_code") else None
    refresh = str(RefreshToken.for_user(user))
    operator_action(user)

    got = answer(Client(), "post", path, route["body"](user, code, refresh))

    assert got == route[operator_action]
    if path == "/api/auth/verify_code/" and operator_action is delete:
        assert User.objects.get(phone=user.phone).pk != user.pk
