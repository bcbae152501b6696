"""The proof-of-work check on the pages, in a real Chromium: it appears only when the server
asks for one, solves itself and sends the form, and can be followed without a mouse."""

import pytest

from harness.servers import DevServer

from ..factories import new_phone
from .conftest import csp_violations

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Every new number is challenged (0: from the first SMS of the day's budget)."""
    env = {
        "SMS_CONSOLE_DELAY_MIN": "0.1",
        "SMS_CONSOLE_DELAY_MAX": "0.2",
        "SMS_BUDGET_CHALLENGE_SHARE": "0",
        "TEST_PHONE_NUMBERS": "",
    }
    with DevServer(tmp_path_factory.mktemp("challenge"), **env) as running:
        yield running


def test_the_check_solves_itself_and_sends_the_code(server, new_page):
    page = new_page()
    violations = csp_violations(page)
    phone = new_phone()
    page.goto(server.url + "/ui/phone/")
    page.fill("#phone", phone)
    page.click("text=Получить код")

    status = page.get_by_role("status")
    assert "не робот" in status.inner_text()
    page.wait_for_url("**/ui/code/", timeout=30_000)  # solved in the background, then sent
    assert server.sms_code(phone)
    assert violations == []  # the widget's script, worker and styles are our own files


def test_the_check_can_be_followed_with_the_keyboard_and_a_screen_reader(server, new_page):
    page = new_page()
    solved = []

    def hold_the_solved_form(route):  # 204: the page stays, so its final state can be read
        if "altcha=" in (route.request.post_data or ""):
            solved.append(route.request.post_data)
            route.fulfill(status=204)
        else:
            route.continue_()

    page.route("**/ui/phone/", hold_the_solved_form)
    page.goto(server.url + "/ui/phone/")
    page.keyboard.type(new_phone())  # the field has the focus: no mouse at all
    with page.expect_request(lambda request: "altcha=" in (request.post_data or "")):
        page.keyboard.press("Enter")  # then the check solves itself and sends the form

    assert page.locator("#phone").input_value()  # the number is kept
    assert "не робот" in page.get_by_role("status").inner_text()  # announced politely
    check = page.get_by_role("checkbox", name="Проверено")  # the widget's own control
    assert check.is_checked()
    assert len(solved) == 1


def test_pages_without_a_check_load_no_widget(server, new_page):
    page = new_page()
    loaded = []
    page.on("request", lambda request: loaded.append(request.url))
    page.goto(server.url + "/ui/phone/")

    assert not [url for url in loaded if "altcha" in url]
    assert page.locator("altcha-widget").count() == 0
