import pytest
from playwright.sync_api import sync_playwright

from harness.browser import launch
from harness.servers import DevServer


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {
        "SMS_CONSOLE_DELAY_MIN": "0.1",
        "SMS_CONSOLE_DELAY_MAX": "0.2",
        "OTP_RESEND_SECONDS": "3",
        "OTP_PER_IP_PER_HOUR": "1000",
        "VERIFY_PER_IP_PER_HOUR": "1000",
    }
    with DevServer(tmp_path_factory.mktemp("browser"), **env) as running:
        yield running


@pytest.fixture(scope="module")
def playwright():
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright):
    browser = launch(playwright)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def bfcache_browser(playwright):
    """Chromium with the back/forward cache on, as Chrome ships it."""
    browser = launch(playwright, back_forward_cache=True)
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser):
    contexts = []

    def make(**options):
        context = browser.new_context(locale="ru-RU", **options)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def csp_violations(page) -> list[str]:
    """The Content Security Policy violations `page` reports from now on (filled as they come)."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations
