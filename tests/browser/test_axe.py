"""axe-core (node_modules, pinned in package-lock.json) in a real Chromium over every state
the pages can be in today, in Russian and English, in the light and the dark theme.

Each (state, language, theme) is its own test, but the browser work is done once per
language: one walk brings a browser through all the states in order (the way a person
would: a wrong number, a wrong code, a login, a refused invite...) and scans each on
arrival in both themes (the page's prefers-color-scheme switched in place: the styles
have no transitions); the tests then read the walk's results. A state the walk could not
reach fails its tests with the reason, and so do the states after it that needed it.

axe is evaluated through the DevTools protocol (`page.evaluate` of its source), which the
pages' Content Security Policy does not apply to: `page.add_script_tag` is an inline script
that `script-src 'self'` blocks, and `bypass_csp` would test pages that are not the real ones.
"""

import functools
import json
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from harness.servers import ROOT, DevServer, post_json
from referral.web.views import INVITEES_PER_PAGE

from ..factories import new_phone, wrong_code

pytestmark = pytest.mark.live

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and Deque's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
LOCALES = {"ru": "ru-RU", "en": "en-US"}
THEMES = ["light", "dark"]
UNKNOWN_CODE = "ZZZZZZ"  # a well-formed invite code that nobody has (1 in 10^9 to be someone's)

# In the order the walk reaches them.
STATES = [
    "phone",  # the landing page
    "phone-error",  # a number that is no phone number
    "share-malformed",  # /r/<not a code>/: the plain phone page
    "share-valid",  # /r/<someone's code>/: the phone page saying the code will be activated
    "share-unknown",  # /r/<a code nobody has>/: the same note (checked only at sign-up)
    "code",  # the code page (the resend button counting down)
    "code-error",  # a wrong code
    "profile-invite-not-activated",  # signed up from the unknown share link: a warning
    "profile",  # no invitees, no invite activated, no message
    "profile-activation-error",  # an unknown code typed into the invite form
    "profile-activated",  # someone's code activated: a success message and "Invited by"
    "profile-activation-error-stale-tab",  # the form sent again from a second, older tab
    "logged-out",  # the phone page saying "you have logged out"
    "code-used-up",  # 5 wrong codes: one message and the primary new-code button, no field
    "profile-invitees",  # a full first page of invitees and the pager
    "profile-invitees-page-2",  # the last page of invitees
    "not-found",  # the 404 page (DEBUG off: with DEBUG on Django shows its own)
    "csrf-failure",  # a form sent without its CSRF cookie (cleared): Django's own 403 page
    "phone-challenge",  # the proof-of-work check the server asks of a risky number, solved
    "unavailable",  # the 503 page: a form sent while Redis is down
]

SUBMIT = "main form button[type=submit]"
ACTIVATE = "form[action$='/ui/profile/activate/'] button[type=submit]"
LOG_OUT = "header form[action$='/ui/logout/'] button"


@pytest.fixture(scope="module")
def challenging_server(tmp_path_factory):
    """A second dev server for the states the first cannot show: DEBUG off, so that a missing
    page gets our 404 page (runserver --insecure still serves the static files), every new
    number challenged (0: from the first SMS of the day's budget); the walk stops its Redis
    (`.redis`, its own, as every DevServer's) for a moment to see the 503 page."""
    env = {
        "DEBUG": "false",
        "SECRET_KEY": "axe-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "SMS_CONSOLE_DELAY_MIN": "0.1",
        "SMS_CONSOLE_DELAY_MAX": "0.2",
        "SMS_BUDGET_CHALLENGE_SHARE": "0",
        "TEST_PHONE_NUMBERS": "",
    }
    server = DevServer(tmp_path_factory.mktemp("axe-challenging"), **env)
    server.command.append("--insecure")
    with server as running:
        yield running


@dataclass
class Inviter:
    code: str
    session: dict  # Playwright storage state: the cookies of a logged-in browser


@pytest.fixture(scope="module")
def inviter(server, browser) -> Inviter:
    """Someone logged in through the pages, with one more invitee than a page shows (signed
    up through the API of the same server, with the invite code)."""
    context = browser.new_context(locale="ru-RU")
    try:
        page = context.new_page()
        phone = new_phone()
        page.goto(server.url + "/ui/phone/")
        page.fill("#phone", phone)
        page.click(SUBMIT)
        page.wait_for_url("**/ui/code/")
        page.fill("#code", server.sms_code(phone))  # the last digit sends the form
        page.wait_for_url("**/ui/profile/")
        code = page.inner_text("#invite-code")
        session = context.storage_state()
    finally:
        context.close()
    for _ in range(INVITEES_PER_PAGE + 1):  # one at a time: the SMS-pumping signals
        sign_up(server, code)  # would challenge numbers asked for but not yet logged in with
    return Inviter(code, session)


def sign_up(server, invite_code: str) -> None:
    phone = new_phone()
    status, body = post_json(
        server.url + "/api/auth/request_code/", json.dumps({"phone": phone}).encode()
    )
    assert status == 200, body
    login = {"phone": phone, "code": server.sms_code(phone), "invite_code": invite_code}
    status, body = post_json(server.url + "/api/auth/verify_code/", json.dumps(login).encode())
    assert status == 200 and "invite_error" not in json.loads(body), body


@functools.cache
def axe_source() -> str:
    """axe-core's script, read when a scan first needs it: collecting needs no node_modules."""
    return AXE.read_text()


def axe_violations(page, context: dict | None = None, *, own_styles: bool = True) -> list[dict]:
    """What axe finds on `page` as it is now, in `context` (axe's include/exclude)."""
    page.wait_for_load_state("load")
    if own_styles:  # contrast is only measured if app.css applies
        styled = page.evaluate(
            """() => [...document.styleSheets].some(
                sheet => (sheet.href || "").endsWith("/web/app.css") && sheet.cssRules.length)"""
        )
        assert styled, f"app.css did not load on {page.url}"
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(
        """([context, tags]) => axe.run(context || document, {
            runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
        }).then(results => results.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
        })))""",
        [context, AXE_TAGS],
    )


def report(where: str, violations: list[dict]) -> str:
    """Every violation with its rule, impact and help, and each failing element."""
    lines = [f"{len(violations)} axe violation(s) on {where}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            target = " ".join(t if isinstance(t, str) else json.dumps(t) for t in node["target"])
            lines.append(f"    at {target}: {node['html']}")
            summary = (node["summary"] or "").replace("\n", "\n        ")
            lines.append(f"        {summary}")
    return "\n".join(lines)


def walk(server, challenging_server, browser, inviter, language: str) -> dict:
    """Every state in STATES, in order, in browser contexts of `language`:
    {state: {theme: its violations} or why it was not reached}."""
    results: dict[str, dict[str, list[dict]] | str] = {}
    options = {"locale": LOCALES[language]}

    @contextmanager
    def state(name: str, page, reached: str):
        """The block brings `page` to state `name`; `reached` is an element that shows it
        did. Then axe scans the page in each theme. A failure is recorded; the walk goes on."""
        try:
            yield
            page.locator(reached).first.wait_for(timeout=10_000)
            scans = {}
            for theme in THEMES:
                page.emulate_media(color_scheme=theme)
                query = f"matchMedia('(prefers-color-scheme: {theme})').matches"
                assert page.evaluate(query), f"the page is not in the {theme} theme"
                scans[theme] = axe_violations(page)
            results[name] = scans
        except Exception as error:  # the test of this state reports it
            results[name] = f"not reached: {type(error).__name__}: {error}"

    contexts = []

    def new_page(**extra):
        context = browser.new_context(**options, **extra)
        contexts.append(context)
        context.set_default_timeout(10_000)
        return context, context.new_page()

    try:
        person, page = new_page()
        with state("phone", page, "#phone"):
            page.goto(server.url + "/ui/phone/")
        with state("phone-error", page, "#phone-error"):
            page.fill("#phone", "+7 999")
            page.click(SUBMIT)
        with state("share-malformed", page, ".note.error"):
            page.goto(server.url + "/r/not-a-code/")
        with state("share-valid", page, ".note"):
            page.goto(f"{server.url}/r/{inviter.code}/")
        with state("share-unknown", page, ".note.error"):
            page.goto(f"{server.url}/r/{UNKNOWN_CODE}/")
        # A landing page shown before its inviter left: its form still carries the code on,
        # and the login then reports it (as test_a_share_link_that_cannot_be_used_still_logs_in).
        page.evaluate("document.querySelector('main form').action = location.href")
        phone, code = new_phone(), ""
        with state("code", page, "#code"):
            page.fill("#phone", phone)
            page.click(SUBMIT)
            page.wait_for_url("**/ui/code/")
            code = server.sms_code(phone)
        with state("code-error", page, "#code-error"), page.expect_navigation():
            page.fill("#code", wrong_code(code))  # the last digit sends the form
        with state("profile-invite-not-activated", page, ".message.warning"):
            page.fill("#code", code)
            page.wait_for_url("**/ui/profile/")
        with state("profile", page, "#invite"):
            page.goto(server.url + "/ui/profile/")
            assert page.locator(".messages, .invitees").count() == 0
        with state("profile-activation-error", page, "#invite-error"):
            page.fill("#invite", UNKNOWN_CODE)
            page.click(ACTIVATE)
        stale = person.new_page()  # a second tab, opened before the code is activated
        stale.goto(server.url + "/ui/profile/")
        with state("profile-activated", page, ".message.success"):
            page.fill("#invite", inviter.code)
            page.click(ACTIVATE)
        with state("profile-activation-error-stale-tab", stale, ".error[role=alert]"):
            stale.fill("#invite", inviter.code)
            stale.click(ACTIVATE)
        with state("logged-out", page, ".messages"):
            page.click(LOG_OUT)
            page.wait_for_url("**/ui/phone/")

        with state("code-used-up", page, "#resend:not(.link)"):
            phone = new_phone()
            page.fill("#phone", phone)
            page.click(SUBMIT)
            page.wait_for_url("**/ui/code/")
            code = server.sms_code(phone)
            for _ in range(5):
                with page.expect_navigation():
                    page.fill("#code", wrong_code(code))  # the last digit sends the form

        _, page = new_page(storage_state=inviter.session)
        with state("profile-invitees", page, "nav.pages"):
            page.goto(server.url + "/ui/profile/")
            assert page.locator(".invitees li").count() == INVITEES_PER_PAGE
        with state("profile-invitees-page-2", page, "nav.pages"):
            page.goto(server.url + "/ui/profile/?page=2")
            assert page.locator(".invitees li").count() >= 1

        stranger, page = new_page()
        with state("not-found", page, "h1"):
            response = page.goto(challenging_server.url + "/no-such-page/")
            assert response is not None and response.status == 404
        with state("csrf-failure", page, "h1"):
            page.goto(challenging_server.url + "/ui/phone/")
            stranger.clear_cookies()
            page.fill("#phone", new_phone())
            with page.expect_response(lambda response: response.status == 403):
                page.click(SUBMIT)
        # The check solves itself and sends the form: that POST is answered 204, so the page
        # stays as it is once solved (as in test_challenge.py).
        page.route(
            "**/ui/phone/",
            lambda route: (
                route.fulfill(status=204)
                if "altcha=" in (route.request.post_data or "")
                else route.continue_()
            ),
        )
        with state("phone-challenge", page, "altcha-widget input[type=checkbox]:checked"):
            page.goto(challenging_server.url + "/ui/phone/")
            page.fill("#phone", new_phone())
            page.click(SUBMIT)
        with state("unavailable", page, "h1"):
            page.goto(challenging_server.url + "/ui/phone/")
            page.fill("#phone", new_phone())
            challenging_server.redis.stop()
            try:
                with page.expect_response(lambda response: response.status == 503):
                    page.click(SUBMIT)
                page.wait_for_load_state("load")
            finally:
                challenging_server.redis.start()  # on its port again, empty
    except Exception as error:  # outside any state: the states not reached say so
        results["walk"] = f"{type(error).__name__}: {error}"
    finally:
        for context in contexts:
            context.close()
    return results


@pytest.fixture(scope="module")
def walks(server, challenging_server, browser, inviter):
    """walks(language): the results of that language's walk, walked on first use."""
    done: dict[str, dict] = {}

    def results(language: str) -> dict:
        if language not in done:
            done[language] = walk(server, challenging_server, browser, inviter, language)
        return done[language]

    return results


@pytest.mark.parametrize(
    ("state", "language", "theme"),
    [
        pytest.param(state, language, theme, id=f"{state}-{language}-{theme}")
        for language in LOCALES
        for theme in THEMES
        for state in STATES
    ],
)
def test_no_axe_violations(walks, state, language, theme):
    results = walks(language)
    default = "not reached: an earlier step failed" + (
        f" ({results['walk']})" if "walk" in results else ""
    )
    scans = results.get(state, default)
    if isinstance(scans, str):
        pytest.fail(f"{state} ({language}): {scans}")
    violations = scans[theme]
    assert violations == [], report(f"{state} ({language}, {theme} theme)", violations)


# Swagger UI and ReDoc are third-party bundles (drf-spectacular-sidecar) that draw the whole
# documentation inside one root element of the page: <div id="swagger-ui"> and <redoc>.
# Those subtrees are excluded from the scan (axe's `exclude`), because what is in them is the
# vendors' markup and styling, which we cannot change short of patching their bundles. When
# this was written they held, in Swagger UI: color-contrast (grey version badges, the schema
# URL), heading-order (h3 tags after the h2 title), nested-interactive (buttons inside the
# operation rows' role=button), region and target-size (the small path links); in ReDoc:
# heading-order (h5 "Authorizations:" after h2) and region (its menu, outside landmarks).
# What stays checked is ours: the page around the root (the template we serve, ReDoc's in
# referral/core/templates, Swagger UI's drf-spectacular's as we ship it) and the page-level
# rules axe runs on <html> (document language, title, one main landmark, viewport, ...).
VENDOR_DOCS = [
    ("/api/docs/", "#swagger-ui", ".opblock-summary-path"),
    ("/api/redoc/", "redoc", "[data-section-id^='operation/']"),
]


@pytest.mark.parametrize(
    ("path", "vendor_root", "rendered"), VENDOR_DOCS, ids=[path for path, *_ in VENDOR_DOCS]
)
def test_api_docs_have_no_axe_violations_of_our_making(
    server, browser, path, vendor_root, rendered
):
    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        page.goto(server.url + path)
        page.locator(rendered).first.wait_for(timeout=15_000)  # the vendor's UI has drawn

        violations = axe_violations(page, {"exclude": [[vendor_root]]}, own_styles=False)
    finally:
        context.close()

    assert violations == [], report(path, violations)
