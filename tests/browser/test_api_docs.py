"""Swagger UI and ReDoc render in a real browser from the app's own files, under our CSP."""

from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.live

# ReDoc's bundle shows its vendor's logo from a CDN; the CSP (img-src 'self') blocks it.
BLOCKED_BY_DESIGN = "cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.mark.parametrize(
    ("path", "rendered"),
    [("/api/docs/", ".opblock-summary-path"), ("/api/redoc/", "[data-section-id^='operation/']")],
)
def test_api_docs_render_offline_under_the_csp(server, new_page, path, rendered):
    page = new_page()
    responses, violations = [], []
    page.on("response", lambda response: responses.append(response.url))
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    page.goto(server.url + path)
    page.locator(rendered).first.wait_for(timeout=15000)

    assert page.locator(rendered).count() >= 7
    assert "request_code" in page.content()
    origin = urlparse(server.url).netloc
    assert {urlparse(url).netloc for url in responses if url.startswith("http")} == {origin}
    assert [v for v in violations if BLOCKED_BY_DESIGN not in v] == []
