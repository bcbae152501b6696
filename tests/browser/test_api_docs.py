"""Swagger UI and ReDoc render in a real browser from the app's own files, under our CSP."""

from urllib.parse import urlparse

import pytest

from .conftest import csp_violations

pytestmark = pytest.mark.live

DOCS = [("/api/docs/", ".opblock-summary-path"), ("/api/redoc/", "[data-section-id^='operation/']")]


@pytest.mark.parametrize(("path", "rendered"), DOCS)
def test_api_docs_render_offline_under_the_csp(server, new_page, path, rendered):
    page = new_page()
    responses, failed = [], []
    page.on("response", lambda response: responses.append(response.url))
    page.on("requestfailed", lambda request: failed.append(request.url))
    violations = csp_violations(page)

    page.goto(server.url + path)
    page.locator(rendered).first.wait_for(timeout=15000)
    page.wait_for_load_state("networkidle")

    assert page.locator(rendered).count() >= 7
    assert "request_code" in page.content()
    origin = urlparse(server.url).netloc
    assert {urlparse(url).netloc for url in responses if url.startswith("http")} == {origin}
    assert failed == []  # nothing asked of another host (ReDoc's logo came from its CDN)
    assert violations == []


@pytest.mark.parametrize("path", [path for path, _ in DOCS])
@pytest.mark.parametrize("locale", ["ru-RU", "en-US"])
def test_api_docs_say_their_language(server, browser, path, locale):
    """English in every browser: the UI and the API's descriptions are (only examples are not)."""
    context = browser.new_context(locale=locale)  # Accept-Language follows it
    page = context.new_page()

    page.goto(server.url + path)

    assert page.locator("html").get_attribute("lang") == "en"
    context.close()
