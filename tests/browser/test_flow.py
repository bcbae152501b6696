"""The pages in a real Chromium against a real runserver."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from harness.browser import DESKTOP_SIZE, PHONE_SIZE
from harness.servers import DevServer
from referral.web.phones import formatted

from ..factories import new_phone as fresh_phone
from ..factories import wrong_code
from .conftest import csp_violations

pytestmark = pytest.mark.live


def ask_for_a_code(page, server, phone, start="/ui/phone/"):
    page.goto(server.url + start)
    page.fill("#phone", phone)
    page.click("text=Получить код")
    page.wait_for_url("**/ui/code/")


def log_in(page, server, phone, start="/ui/phone/"):
    ask_for_a_code(page, server, phone, start)
    page.fill("#code", server.sms_code(phone))  # the last digit sends the form
    page.wait_for_url("**/ui/profile/")


def test_the_whole_flow_in_two_browsers(server, new_page):
    alice, bob = new_page(viewport=DESKTOP_SIZE), new_page(viewport=PHONE_SIZE)
    alice_phone, bob_phone = fresh_phone(), fresh_phone()
    log_in(alice, server, alice_phone)
    log_in(bob, server, bob_phone)
    alice_code = alice.inner_text("#invite-code")

    bob.fill("#invite", alice_code.lower())
    bob.click("text=Активировать")

    assert bob.locator(".message.success").inner_text() == "Инвайт-код успешно активирован"
    assert alice_code in bob.inner_text("main")
    alice.reload()
    assert alice.inner_text("#invited-count") == "1"
    assert formatted(bob_phone) in alice.inner_text(".invitees")  # "+7 999 123-45-67"


def test_a_wrong_code_is_shown_next_to_the_field(server, new_page):
    page = new_page()
    phone = fresh_phone()
    ask_for_a_code(page, server, phone)
    code = server.sms_code(phone)

    with page.expect_navigation():
        page.fill("#code", wrong_code(code))  # the last digit sends the form

    assert page.inner_text("#code-error") == (
        "Неверный код. Проверьте его или запросите новый. Осталось попыток: 4."
    )
    assert page.get_attribute("#code", "aria-invalid") == "true"
    assert re.fullmatch(r"Код действует ещё [45]:\d\d", page.inner_text("#code-expiry"))


def test_the_resend_button_counts_down_then_sends_again(server, new_page):
    page = new_page()
    phone = fresh_phone()
    ask_for_a_code(page, server, phone)

    resend = page.locator("#resend")
    assert resend.is_disabled()
    first = resend.inner_text()
    assert re.fullmatch(r"Отправить код ещё раз через 0:0[1-3]", first)
    expect(resend).not_to_have_text(first)  # it counts down
    page.locator("#resend:not([disabled])").wait_for(timeout=6000)
    assert resend.inner_text() == "Отправить код ещё раз"
    resend.click()

    assert page.locator(".message.success").inner_text() == "Код отправлен"
    server.sms_code(phone, 2)


def test_a_share_link_activates_on_first_login(server, new_page):
    inviter, guest = new_page(), new_page()
    log_in(inviter, server, fresh_phone())
    share_url = inviter.inner_text("#share-link")
    inviter_code = inviter.inner_text("#invite-code")

    log_in(guest, server, fresh_phone(), start=share_url.removeprefix(server.url))

    assert guest.locator(".message.success").inner_text() == "Инвайт-код успешно активирован"
    assert inviter_code in guest.inner_text("main")


def test_logging_out_and_the_profile_refusing_an_anonymous_visitor(server, new_page):
    page = new_page()
    log_in(page, server, fresh_phone())

    page.click("text=Выйти")
    page.wait_for_url("**/ui/phone/")
    page.goto(server.url + "/ui/profile/")

    assert "/ui/phone/" in page.url
    assert page.locator("#phone").is_visible()


def test_the_copy_button_copies_the_code(server, new_page):
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    log_in(page, server, fresh_phone())

    page.click("text=Копировать код")

    assert page.evaluate("navigator.clipboard.readText()") == page.inner_text("#invite-code")
    assert page.inner_text("#copy-status") == "Скопировано ✓"  # read out by a screen reader
    assert page.get_attribute("#copy-status", "role") == "status"


def test_the_share_button_opens_the_share_sheet(server, new_page):
    page = new_page()
    page.add_init_script(
        "navigator.share = (data) => { window.shared = data; return Promise.resolve(); };"
    )
    log_in(page, server, fresh_phone())
    code = page.inner_text("#invite-code")

    page.click("#share")

    shared = page.evaluate("window.shared")
    assert shared["url"] == f"{server.url}/r/{code}/"
    assert code in shared["text"]


def test_without_a_share_sheet_the_share_button_copies_the_link(server, new_page):
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    page.add_init_script("delete Navigator.prototype.share; delete navigator.share;")
    log_in(page, server, fresh_phone())

    page.click("#share")

    assert page.evaluate("navigator.clipboard.readText()") == page.inner_text("#share-link")
    assert page.inner_text("#copy-status") == "Скопировано ✓"


def test_each_copy_button_sits_beside_what_it_copies(server, new_page):
    page = new_page(viewport=DESKTOP_SIZE, permissions=["clipboard-read", "clipboard-write"])
    log_in(page, server, fresh_phone())

    for target, button in [
        ("#invite-code", "Копировать код"),
        ("#share-link", "Копировать ссылку"),
    ]:
        field, copy = page.locator(target).bounding_box(), page.get_by_text(button).bounding_box()
        off = abs((field["y"] + field["height"] / 2) - (copy["y"] + copy["height"] / 2))
        assert off < max(field["height"], copy["height"]) / 2, (target, field, copy)  # one line


def test_english_browsers_get_english_pages(server, browser):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(server.url + "/ui/phone/")

    assert page.inner_text("h1") == "Log in by phone"
    context.close()


def test_the_resend_link_stays_on_one_line_and_smaller_than_the_main_button(server, new_page):
    page = new_page(viewport=PHONE_SIZE)
    ask_for_a_code(page, server, fresh_phone())

    resend = page.locator("#resend").bounding_box()
    main = page.get_by_role("button", name="Войти", exact=True).bounding_box()
    line_height = page.evaluate(
        "parseFloat(getComputedStyle(document.getElementById('resend')).lineHeight)"
    )
    assert resend["height"] < line_height * 2  # one line
    assert resend["height"] < main["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SIZE["width"]


def test_web_otp_fills_in_the_code_from_the_sms_and_logs_in(server, new_page):
    """Chromium reads the SMS on a phone; here navigator.credentials.get is given it."""
    page = new_page()
    phone = fresh_phone()
    page.add_init_script(
        """
        window.OTPCredential = function () {};
        window.otpAsked = null;
        navigator.credentials.get = (options) => {
          window.otpAsked = options.otp;
          return new Promise((resolve) => { window.deliverSms = (code) => resolve({ code }); });
        };
        """
    )
    ask_for_a_code(page, server, phone)
    assert page.evaluate("window.otpAsked") == {"transport": ["sms"]}

    page.evaluate("(code) => window.deliverSms(code)", server.sms_code(phone))

    page.wait_for_url("**/ui/profile/")


@pytest.mark.parametrize(
    ("width", "text_size"),
    [
        pytest.param(360, "100%", id="360 px"),
        pytest.param(360, "200%", id="360 px at 200 % text"),  # the browser's or system's text size
        pytest.param(180, "100%", id="360 px at 200 % zoom"),  # 180 CSS pixels are left
    ],
)
@pytest.mark.parametrize("path", ["/ui/phone/", "/ui/code/", "/ui/profile/"])
def test_pages_fit_a_phone_with_no_sideways_scroll(server, new_page, path, width, text_size):
    page = new_page(viewport={"width": width, "height": 780})
    if path == "/ui/profile/":
        log_in(page, server, fresh_phone())
    if path == "/ui/code/":
        ask_for_a_code(page, server, fresh_phone())
    page.goto(server.url + path)

    page.evaluate(f"document.documentElement.style.fontSize = '{text_size}'")

    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if path == "/ui/profile/":  # the invite code itself, whole on the screen
        box = page.locator("#invite-code").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width


def test_pages_run_no_inline_script_and_break_no_csp_rule(server, new_page):
    page = new_page()
    violations = csp_violations(page)
    log_in(page, server, fresh_phone())

    assert violations == []


def test_back_after_logout_never_shows_the_profile_again(server, bfcache_browser):
    """Issue 9, finding 6: with the back/forward cache on, Back after logout showed the
    whole profile again (phone, invite code, invitees)."""
    context = bfcache_browser.new_context(locale="ru-RU")
    page = context.new_page()
    log_in(page, server, fresh_phone())
    invite_code = page.inner_text("#invite-code")
    page.click("text=Выйти")
    page.wait_for_url("**/ui/phone/")

    page.go_back(wait_until="commit")  # a page from the bfcache fires no load event
    page.wait_for_url(re.compile(r"/ui/phone/\?next="), timeout=5000)

    assert page.locator("#phone").is_visible()
    assert invite_code not in page.content()
    context.close()


def test_without_javascript_the_copy_buttons_stay_hidden(server, new_page):
    """Issue 13: `button { display: inline-block }` beat the `hidden` attribute, so the copy
    buttons, which only work with JavaScript, showed without it."""
    page = new_page(java_script_enabled=False)
    phone = fresh_phone()
    ask_for_a_code(page, server, phone)
    page.fill("#code", server.sms_code(phone))
    page.click("main form:not(.resend) button[type=submit]")  # no script sends it for us
    page.wait_for_url("**/ui/profile/")

    copy_buttons = page.locator("[data-copy]")
    assert copy_buttons.count() == 2
    assert not copy_buttons.first.is_visible() and not copy_buttons.last.is_visible()


def test_the_code_sends_itself_when_its_last_digit_is_typed(server, new_page):
    page = new_page()
    phone = fresh_phone()
    ask_for_a_code(page, server, phone)

    page.locator("#code").press_sequentially(server.sms_code(phone))

    page.wait_for_url("**/ui/profile/")  # no click


def test_a_second_click_while_the_form_is_in_flight_sends_nothing(server, new_page):
    page = new_page()
    posts = []

    def no_answer_yet(route):  # 204: the page stays as it is while "in flight"
        if route.request.method == "POST":
            posts.append(route.request.url)
            route.fulfill(status=204)
        else:
            route.continue_()

    page.route("**/ui/phone/", no_answer_yet)
    page.goto(server.url + "/ui/phone/")
    page.evaluate(  # the browser fires `submit` within the click that sends a form
        """() => { window.submits = 0; document.querySelector("main form")
            .addEventListener("submit", () => window.submits++); }"""
    )
    page.fill("#phone", fresh_phone())
    button = page.locator("main form button[type=submit]")

    with page.expect_request(lambda request: request.method == "POST"):
        button.click()
    expect(button).to_be_disabled()
    expect(button).to_have_attribute("aria-busy", "true")
    button.click(force=True)  # the browser gives a disabled button no click

    assert page.evaluate("window.submits") == 1
    assert len(posts) == 1


def test_a_dark_system_theme_gets_dark_pages(server, new_page):
    page = new_page(color_scheme="dark")
    page.goto(server.url + "/ui/phone/")

    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    text = page.evaluate("getComputedStyle(document.body).color")

    dark = [int(n) for n in re.findall(r"\d+", background)[:3]]
    light = [int(n) for n in re.findall(r"\d+", text)[:3]]
    assert max(dark) < 60 and min(light) > 180


def test_pasting_the_whole_sms_logs_in(server, new_page):
    page = new_page()
    phone = fresh_phone()
    ask_for_a_code(page, server, phone)
    code = server.sms_code(phone)

    page.fill("#code", f"Код для входа: {code}\n\n@localhost #{code}")  # as the SMS reads

    page.wait_for_url("**/ui/profile/")


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("9991234567", "999 123-45-67"),
        ("89991234567", "999 123-45-67"),
        ("+7 (999) 123 45 67", "999 123-45-67"),
        ("79991234567", "999 123-45-67"),
    ],
)
def test_the_phone_mask_shapes_any_form_of_a_number(server, new_page, typed, shown):
    page = new_page()
    page.goto(server.url + "/ui/phone/")

    page.locator("#phone").press_sequentially(typed)

    assert page.input_value("#phone") == shown
    assert page.is_visible("#phone-country")


def test_the_phone_mask_leaves_another_countrys_number_as_typed(server, new_page):
    page = new_page()
    page.goto(server.url + "/ui/phone/")

    page.fill("#phone", "+1 415 555 2671")  # a paste

    assert page.input_value("#phone") == "+1 415 555 2671"
    assert not page.is_visible("#phone-country")


def test_a_second_activation_from_a_stale_tab_shows_why(server, new_page):
    page = new_page()
    log_in(page, server, fresh_phone())
    inviter = new_page()
    log_in(inviter, server, fresh_phone())
    code = inviter.inner_text("#invite-code")
    stale = page.context.new_page()
    stale.goto(server.url + "/ui/profile/")

    page.fill("#invite", code)
    page.click("text=Активировать")
    stale.fill("#invite", code)
    stale.click("text=Активировать")

    assert stale.inner_text(".error[role=alert]") == "Вы уже активировали инвайт-код."


def style_of(page, selector: str) -> dict:
    return page.eval_on_selector(
        selector,
        """element => {
            const style = getComputedStyle(element);
            return {color: style.color, background: style.backgroundColor, cursor: style.cursor,
                    decoration: style.textDecorationLine};
        }""",
    )


def test_finding_18_a_waiting_resend_link_looks_different_from_a_ready_one(server, new_page):
    """Issue 21, finding 18: `button.link` overrode `button[disabled]`, so "Отправить код ещё
    раз через 0:59" looked exactly like the link it becomes."""
    page = new_page()
    ask_for_a_code(page, server, fresh_phone())
    waiting = style_of(page, "#resend[disabled]")

    page.locator("#resend:not([disabled])").wait_for(timeout=6000)  # OTP_RESEND_SECONDS=3
    ready = style_of(page, "#resend")

    assert waiting["color"] != ready["color"]
    assert waiting["decoration"] != ready["decoration"]
    assert (waiting["cursor"], ready["cursor"]) == ("not-allowed", "pointer")


def test_finding_18_a_used_up_code_leaves_one_message_and_a_primary_new_code_button(
    server, new_page
):
    """Issue 21, finding 18: after 5 wrong codes the field, «Войти» and the countdown stayed,
    and asking for a new code was a small link."""
    page = new_page(viewport=PHONE_SIZE)
    phone = fresh_phone()
    ask_for_a_code(page, server, phone)
    code = server.sms_code(phone)
    primary = style_of(page, "main form:not(.resend) button[type=submit]")
    for _ in range(5):
        with page.expect_navigation():
            page.fill("#code", wrong_code(code))  # the last digit sends the form

    main = page.locator("main")
    expect(main.get_by_role("alert")).to_have_text(
        "Слишком много неверных попыток для этого кода. Запросите новый."
    )
    assert page.locator("#code").count() == 0 and "Код действует" not in main.inner_text()
    new_code = page.get_by_role("button", name="Получить новый код", exact=True)
    assert style_of(page, "#resend")["background"] == primary["background"]
    new_code.click()

    assert page.locator(".message.success").inner_text() == "Код отправлен"
    page.fill("#code", server.sms_code(phone, 2))
    page.wait_for_url("**/ui/profile/")


@pytest.fixture(scope="module")
def short_lived_codes(tmp_path_factory):
    """A dev server whose codes expire after 30 s (the shortest OTP_TTL_SECONDS allows)."""
    env = {
        "SMS_CONSOLE_DELAY_MIN": "0.1",
        "SMS_CONSOLE_DELAY_MAX": "0.2",
        "OTP_TTL_SECONDS": "30",
        "SMS_MIN_VALIDITY_SECONDS": "0",
        "OTP_RESEND_SECONDS": "3",
    }
    with DevServer(tmp_path_factory.mktemp("short-lived"), **env) as running:
        yield running


def test_finding_18_a_code_that_expires_on_the_page_gives_way_to_a_new_code_button(
    short_lived_codes, new_page
):
    """Issue 21, finding 18: the countdown's end put "Срок действия кода истёк" under a field
    and «Войти» that still looked usable; the page now shows the expired state the server
    renders: one message, and the new-code button."""
    page = new_page()
    phone = fresh_phone()
    ask_for_a_code(page, short_lived_codes, phone)
    expect(page.locator("#code-expiry")).to_contain_text("Код действует ещё 0:")

    new_code = page.get_by_role("button", name="Получить новый код", exact=True)
    expect(new_code).to_be_visible(timeout=45_000)

    main = page.locator("main")
    expect(main.get_by_role("alert")).to_have_text("Срок действия кода истёк. Запросите новый.")
    assert page.locator("#code").count() == 0 and "Код действует" not in main.inner_text()


def test_finding_19_the_share_link_shows_its_code_on_a_phone(server, new_page):
    """Issue 21, finding 19: at 360 px the share link's field cut off its end: the code."""
    page = new_page(viewport=PHONE_SIZE)
    log_in(page, server, fresh_phone())
    code = page.inner_text("#invite-code")

    link = page.locator("#share-link")
    whole = link.evaluate("element => element.scrollWidth <= element.clientWidth")
    box = link.bounding_box()

    assert link.inner_text().endswith(f"/r/{code}/") and whole
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_SIZE["width"]


def test_finding_19_copied_keeps_each_copy_button_its_size_and_place(server, new_page):
    """Issue 21, finding 19: «Скопировано» made the copy button grow onto a new line."""
    page = new_page(viewport=PHONE_SIZE, permissions=["clipboard-read", "clipboard-write"])
    log_in(page, server, fresh_phone())
    page.clock.install()  # the label comes back after a timer: this test decides when
    page.reload()

    for name in ["Копировать код", "Копировать ссылку"]:
        button = page.get_by_role("button", name=name, exact=True)
        before = button.bounding_box()
        button.click()
        copied = page.get_by_role("button", name="Скопировано ✓", exact=True)
        expect(copied).to_be_visible()

        assert copied.bounding_box() == before, name
        page.clock.run_for(2000)
        expect(button).to_be_visible()


def test_finding_19_list_numbers_stay_inside_the_card_on_a_desktop(server, new_page):
    """Issue 21, finding 19: the invitees' numbers hung left of the card's text, and long
    ones out of the card. Here the numbering of an inviter with 100,000 invitees (page 5,000)
    is set in place on a real list; nothing may be drawn left of the card's text."""
    inviter, guest = new_page(viewport=DESKTOP_SIZE), new_page()
    log_in(inviter, server, fresh_phone())
    log_in(guest, server, fresh_phone(), start=f"/r/{inviter.inner_text('#invite-code')}/")
    inviter.reload()
    inviter.eval_on_selector(".invitees", "list => { list.start = 100000; }")
    inviter.locator(".invitees").scroll_into_view_if_needed()

    card = inviter.locator("main").bounding_box()
    content_left = inviter.eval_on_selector(  # where the card's text starts
        "main",
        "m => m.getBoundingClientRect().left + m.clientLeft"
        " + parseFloat(getComputedStyle(m).paddingLeft)",
    )
    rows = inviter.locator(".invitees").bounding_box()
    outside = {"x": card["x"] - 40, "width": 40}  # the page left of the card
    padding = {"x": card["x"] + 2, "width": content_left - card["x"] - 2}  # the card's margin
    for strip in (outside, padding):
        clip = {**strip, "y": rows["y"], "height": rows["height"]}
        image = Image.open(io.BytesIO(inviter.screenshot(clip=clip)))
        assert len(image.getcolors()) == 1, (strip, image.getcolors())  # blank: one colour


def test_finding_19_the_skip_link_is_the_first_stop_and_shows_on_focus(server, new_page):
    """Issue 21, finding 19: there was no skip link past the header."""
    page = new_page(viewport=PHONE_SIZE)
    log_in(page, server, fresh_phone())
    page.goto(server.url + "/ui/profile/")  # a page whose focus starts at the top (no autofocus)
    skip = page.get_by_role("link", name="Перейти к содержимому", exact=True)
    assert skip.bounding_box()["width"] <= 1  # out of sight until it has the focus

    page.keyboard.press("Tab")

    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["width"] > 50 and box["y"] >= 0 and box["x"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")  # past the header


def test_the_profile_keeps_its_layout_when_the_script_shows_its_buttons(server, browser):
    """The copy and share buttons need the script; they showed only once it ran, so a page
    painted before it moved down by their height (Lighthouse saw a layout shift of 0.12 on
    a 412 px phone, a Performance score of 97). Their room is kept from the first paint: the
    profile is laid out the same with the script and without it."""
    tops = {}
    for script in (True, False):
        phone = fresh_phone()
        context = browser.new_context(
            locale="ru-RU", viewport={"width": 412, "height": 823}, java_script_enabled=script
        )
        page = context.new_page()
        ask_for_a_code(page, server, phone)
        page.fill("#code", server.sms_code(phone))
        if not script:
            page.click("main form:not(.resend) button[type=submit]")
        page.wait_for_url("**/ui/profile/")
        tops[script] = page.eval_on_selector_all(
            "main > *, main section > *",
            "elements => elements.map(e => e.getBoundingClientRect().top)",
        )
        context.close()

    assert tops[True] == tops[False]
