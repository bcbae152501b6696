import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.utils import timezone

from harness.servers import code_from_sms
from referral.accounts import sms
from referral.accounts.models import Phone, User

from ..factories import PHONE, make_user, wrong_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def ask_code(client, django_capture_on_commit_callbacks):
    def ask(phone=PHONE, url="/ui/phone/"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"phone": phone})
        assert response.status_code == 302, response.content.decode()
        return code_from_sms(sms.outbox[-1].text)

    return ask


@pytest.fixture
def logged_in(client, ask_code):
    def log_in(phone=PHONE):
        code = ask_code(phone)
        response = client.post("/ui/code/", {"code": code})
        assert response.status_code == 302 and response["Location"] == "/ui/profile/"
        return User.objects.get(phone=phone)

    return log_in


def test_home_sends_a_visitor_to_the_phone_page(client):
    assert client.get("/")["Location"] == "/ui/phone/"


def test_home_sends_a_logged_in_user_to_the_profile(client, logged_in):
    logged_in()

    assert client.get("/")["Location"] == "/ui/profile/"


def test_phone_page_has_a_labelled_field_and_csrf(client):
    html = client.get("/ui/phone/").content.decode()

    assert '<label for="phone">Номер телефона</label>' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_phone_page_speaks_english_to_an_english_browser(client):
    html = client.get("/ui/phone/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()

    assert "Log in by phone" in html
    assert '<html lang="en">' in html


def test_an_invalid_phone_is_explained_next_to_the_field(client):
    response = client.post("/ui/phone/", {"phone": "+7800"})

    assert response.status_code == 400
    assert re.search(
        r'<p class="error" id="phone-error"[^>]*>Введите корректный номер',
        response.content.decode(),
    )


def test_sending_a_code_leads_to_the_code_page(client, ask_code):
    ask_code()

    html = client.get("/ui/code/").content.decode()
    assert '<strong class="nowrap">+7 999 123-45-67</strong>' in html
    assert 'inputmode="numeric"' in html and 'autocomplete="one-time-code"' in html
    assert "autofocus" in html


def test_the_code_page_shows_the_cooldown(client, ask_code):
    ask_code()

    html = client.get("/ui/code/").content.decode()

    assert re.search(r'data-countdown="(5\d|60)"', html)
    assert re.search(r"Отправить код ещё раз через (0:5\d|1:00)", html)
    assert re.search(r'<button class="link"[^>]*id="resend"[^>]*disabled', html)


def test_the_code_page_says_until_when_the_code_works(client, ask_code):
    ask_code()

    html = client.get("/ui/code/").content.decode()

    assert re.search(r"Код действует ещё (4:5\d|5:00)", html)


def test_a_wrong_code_says_how_many_attempts_are_left(client, ask_code):
    code = ask_code()

    response = client.post("/ui/code/", {"code": wrong_code(code)})

    assert "Осталось попыток: 4" in response.content.decode()


def test_after_five_wrong_codes_a_new_code_can_be_asked_for_at_once(
    client, ask_code, django_capture_on_commit_callbacks
):
    code = ask_code()
    for _ in range(5):
        response = client.post("/ui/code/", {"code": wrong_code(code)})
    resend = re.search(r'<button[^>]*id="resend"[^>]*>', response.content.decode())
    assert resend and "disabled" not in resend.group(0)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/ui/code/resend/", follow=True)

    assert "Код отправлен" in response.content.decode()
    assert len(sms.outbox) == 2
    new_code = code_from_sms(sms.outbox[-1].text)
    assert client.post("/ui/code/", {"code": new_code})["Location"] == "/ui/profile/"


def test_the_code_page_without_a_phone_goes_back(client):
    assert client.get("/ui/code/")["Location"] == "/ui/phone/"


def test_a_wrong_code_is_explained_next_to_the_field(client, ask_code):
    code = ask_code()

    response = client.post("/ui/code/", {"code": wrong_code(code)})

    assert response.status_code == 400
    assert "Неверный код. Проверьте его или запросите новый." in response.content.decode()


def test_asking_again_during_the_cooldown_says_so(client, ask_code):
    ask_code()

    response = client.post("/ui/code/resend/", follow=True)

    assert "Слишком много запросов. Попробуйте снова через" in response.content.decode()


def test_asking_for_a_phone_in_cooldown_goes_to_the_code_page(client, ask_code):
    ask_code()

    response = client.post("/ui/phone/", {"phone": PHONE})

    assert response["Location"] == "/ui/code/"


def test_logging_in_shows_the_profile(client, logged_in):
    user = logged_in()

    html = client.get("/ui/profile/").content.decode()

    assert f'<p class="invite-code" id="invite-code">{user.invite_code}</p>' in html
    assert f"http://testserver/r/{user.invite_code}/" in html
    assert 'id="invited-count">0<' in html


def test_the_session_cookie_is_http_only_and_lax(client, logged_in):
    logged_in()

    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 14 * 24 * 3600


def test_the_profile_refuses_an_anonymous_visitor(client):
    response = client.get("/ui/profile/")

    assert response.status_code == 302
    assert response["Location"].startswith("/ui/phone/")


def test_activating_a_code_on_the_profile(client, logged_in):
    logged_in()
    inviter = make_user()

    response = client.post(
        "/ui/profile/activate/", {"code": inviter.invite_code.lower()}, follow=True
    )

    html = response.content.decode()
    assert "Инвайт-код успешно активирован" in html
    assert inviter.invite_code in html
    assert 'name="code"' not in html  # the form is gone once a code is activated


def test_a_second_activation_from_a_stale_tab_says_why_it_failed(client, logged_in):
    """Issue 13: the error was printed only next to the form, which is gone once a code is
    activated, so a second tab's activation answered 400 with no message at all."""
    logged_in()
    first, second = make_user(), make_user()
    client.post("/ui/profile/activate/", {"code": first.invite_code})

    response = client.post("/ui/profile/activate/", {"code": second.invite_code})

    assert response.status_code == 400
    assert re.search(
        r'role="alert"[^>]*>Вы уже активировали инвайт-код\.', response.content.decode()
    )


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ZZZZZZ", "Такого инвайт-кода не существует."),
        ("own", "Нельзя активировать собственный инвайт-код."),
        ("!!", "Инвайт-код состоит из 6 букв и цифр."),
    ],
)
def test_activation_errors_show_next_to_the_field(client, logged_in, code, message):
    user = logged_in()
    if code == "own":
        code = user.invite_code

    response = client.post("/ui/profile/activate/", {"code": code})

    assert response.status_code == 400
    assert re.search(rf'id="invite-error"[^>]*>{re.escape(message)}', response.content.decode())


def test_a_cycle_is_refused_on_the_profile(client, logged_in):
    user = logged_in()
    invitee = make_user(invited_by=user)

    response = client.post("/ui/profile/activate/", {"code": invitee.invite_code})

    assert (
        "Нельзя активировать код пользователя, которого пригласили вы." in response.content.decode()
    )


def test_invitees_are_listed_newest_first_and_paginated(client, logged_in):
    user = logged_in()
    for n in range(25):
        invitee = make_user(f"+7999000{n:04d}")
        User.objects.filter(pk=invitee.pk).update(
            invited_by=user, invited_at=timezone.now() + timezone.timedelta(minutes=n)
        )

    first = client.get("/ui/profile/").content.decode()
    second = client.get("/ui/profile/", {"page": 2}).content.decode()

    assert 'id="invited-count">25<' in first
    assert first.index("+7 999 000-00-24") < first.index("+7 999 000-00-05")  # as people write
    assert "+7 999 000-00-04" not in first and "+7 999 000-00-04" in second
    assert "1 / 2" in first
    assert "Более ранние приглашённые →" in first and "Недавние приглашённые" not in first
    assert "← Недавние приглашённые" in second


def test_a_share_link_leads_to_the_phone_page_saying_who_invites(client):
    inviter = make_user("+79161234567")
    typed = inviter.invite_code.lower()

    response = client.get(f"/r/{typed}/", follow=True)

    assert response.redirect_chain[-1][0] == f"/ui/phone/?invite={typed}"
    html = response.content.decode()
    assert f"<strong>{inviter.invite_code}</strong>" in html
    assert re.search(r"\+7 916 \*\*\*-\*\*-67</span> приглашает вас", html)
    assert "1234567" not in html.replace(inviter.invite_code, "")


@pytest.mark.parametrize("code", ["ZZZZZZ", "nonsense", "<script>"])
def test_a_share_link_with_an_unknown_code_says_so_before_sign_up(client, code):
    response = client.get("/r/ZZZZZZ/" if code == "ZZZZZZ" else "/ui/phone/", {"invite": code})
    if code == "ZZZZZZ":
        response = client.get(response["Location"])

    html = response.content.decode()
    assert re.search(r'<p class="note error" role="alert">[^<]*Инвайт-кода', html)
    assert "<script>" not in html.split("<main")[1]
    assert 'action="/ui/phone/"' in html  # the form carries no invite on


def test_a_share_link_opened_when_logged_in_says_why_the_code_is_filled_in(client, logged_in):
    logged_in()
    inviter = make_user()

    response = client.get(f"/r/{inviter.invite_code}/", follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/ui/profile/?invite={inviter.invite_code}"
    assert f'value="{inviter.invite_code}"' in html
    assert "Вы открыли ссылку-приглашение" in html


def test_signing_up_from_a_share_link_activates_the_code(client, ask_code):
    inviter = make_user()
    page = client.get(f"/r/{inviter.invite_code}/", follow=True)
    code = ask_code(url=page.redirect_chain[-1][0])  # the form posts back to its own URL

    response = client.post("/ui/code/", {"code": code}, follow=True)

    assert "Инвайт-код успешно активирован" in response.content.decode()
    assert User.objects.get(phone=PHONE).invited_by == inviter


def test_a_share_link_that_cannot_be_used_still_logs_in(client, ask_code):
    code = ask_code(url="/ui/phone/?invite=ZZZZZZ")  # say, its inviter left since the landing

    response = client.post("/ui/code/", {"code": code}, follow=True)

    html = response.content.decode()
    assert "Инвайт-код ZZZZZZ не активирован: Такого инвайт-кода не существует." in html
    assert response.redirect_chain[-1][0] == "/ui/profile/"


def test_logging_out_ends_the_session(client, logged_in):
    logged_in()

    response = client.post("/ui/logout/")

    assert response["Location"] == "/ui/phone/"
    assert client.get("/ui/profile/").status_code == 302


def test_logging_out_needs_a_post(client, logged_in):
    logged_in()

    assert client.get("/ui/logout/").status_code == 405


def test_unknown_pages_get_a_friendly_404(client):
    response = client.get("/nowhere/")

    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()


def test_pages_send_security_headers(client):
    response = client.get("/ui/phone/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_forms_refuse_a_post_without_csrf():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    assert strict.post("/ui/phone/", {"phone": PHONE}).status_code == 403


def test_a_share_link_visit_stores_nothing_on_the_server(client):
    """Issue 9, finding 11: every cookie-less visit to /r/CODE created a django_session row."""
    from django.contrib.sessions.models import Session

    for code in ["ZZZZZZ", "C0AL3D", "nonsense"]:
        client.cookies.clear()
        client.get(f"/r/{code}/", follow=True)

    assert not Session.objects.exists()


def test_an_invite_at_a_later_login_on_the_pages_fills_in_the_form(client, logged_in, ask_code):
    """Issue 9, finding 12, on the pages: the code is not silently dropped."""
    logged_in()
    client.post("/ui/logout/")
    inviter = make_user()

    code = ask_code(url=f"/ui/phone/?invite={inviter.invite_code}")
    response = client.post("/ui/code/", {"code": code}, follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/ui/profile/?invite={inviter.invite_code}"
    assert "учитывается только при регистрации" in html
    assert f'value="{inviter.invite_code}"' in html


def test_the_code_and_profile_pages_are_never_stored(client, logged_in, ask_code):
    """Issue 9, finding 6 (the pages): Back after logout showed the profile from the cache."""
    ask_code()
    code_page = client.get("/ui/code/")
    logged_in()
    profile = client.get("/ui/profile/")

    assert "no-store" in code_page["Cache-Control"] and "no-store" in profile["Cache-Control"]
    assert "data-private" in profile.content.decode()


# Issue 13: state handling and the code step


def test_logging_out_says_so(client, logged_in):
    logged_in()

    response = client.post("/ui/logout/", follow=True)

    assert "Вы вышли из аккаунта." in response.content.decode()


@pytest.mark.parametrize(
    ("path", "data"),
    [("/ui/phone/", {"phone": "12"}), ("/ui/code/", {"code": "1"})],
)
def test_a_page_with_an_error_says_so_in_its_title(client, ask_code, path, data):
    ask_code()

    response = client.post(path, data)

    assert response.status_code == 400
    assert re.search(r"<title>Ошибка: ", response.content.decode())


def test_the_whole_sms_pasted_into_the_code_field_logs_in(client, ask_code, settings):
    settings.WEB_OTP_HOST = "referral.example"  # its last line repeats the code: "@host #1234"
    ask_code()

    response = client.post("/ui/code/", {"code": f" {sms.outbox[-1].text} "})

    assert response.status_code == 302 and response["Location"] == "/ui/profile/"


def test_the_code_field_cuts_nothing_off_a_paste(client, ask_code):
    ask_code()

    html = client.get("/ui/code/").content.decode()

    assert 'id="code"' in html and "maxlength" not in html.split('id="code"')[1].split(">")[0]


def test_change_number_keeps_the_number_in_the_field(client, ask_code):
    ask_code()

    html = client.get("/ui/phone/").content.decode()

    assert 'value="999 123-45-67"' in html  # beside its fixed "+7"


def test_the_second_page_of_invitees_continues_the_numbering(client, logged_in):
    user = logged_in()
    for _ in range(21):
        make_user(invited_by=user)

    html = client.get("/ui/profile/?page=2").content.decode()

    assert '<ol class="invitees" start="21">' in html


def test_a_shared_link_has_a_preview_for_messengers(client):
    """Issue 13: Open Graph and description tags, so that Telegram or WhatsApp show a card."""
    html = client.get("/r/C0A13D/", follow=True).content.decode()

    assert re.search(r'<meta name="description" content="[^"]{20,}">', html)
    assert re.search(r'<meta property="og:title" content="[^"]+">', html)
    assert re.search(r'<meta property="og:description" content="[^"]{20,}">', html)
    assert '<meta property="og:type" content="website">' in html
    assert re.search(
        r'<meta property="og:url" content="http://testserver/ui/phone/\?invite=C0A13D">', html
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("+7 495 123-45-67", "На этот номер не приходят SMS"),
        ("позвоните мне", "Введите корректный номер мобильного телефона"),
        ("+1 415 555 2671", "Номера этой страны не поддерживаются"),
    ],
)
def test_a_landline_and_a_non_number_get_different_messages(client, typed, message):
    response = client.post("/ui/phone/", {"phone": typed})

    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize("typed", ["999 123-45-67", "8 (999) 123-45-67", "+7 999 123 45 67"])
def test_the_phone_field_takes_the_number_with_or_without_its_country_code(
    client, typed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/ui/phone/", {"phone": typed})

    assert response["Location"] == "/ui/code/"
    assert sms.outbox[-1].phone == PHONE


def test_the_phone_field_has_the_default_countrys_code_fixed_and_its_mask(client):
    html = client.get("/ui/phone/").content.decode()

    assert re.search(r'<span class="prefix"[^>]*>\+7</span>', html)
    assert 'data-mask="### ###-##-##"' in html and 'data-country="7"' in html


def test_messages_are_announced_from_a_status_wrapper_not_the_list(client, logged_in):
    logged_in()

    html = client.post("/ui/logout/", follow=True).content.decode()

    assert re.search(r'<div role="status">\s*<ul class="messages">', html)
    assert '<ul class="messages" role' not in html


def test_every_page_links_its_favicon(client):
    html = client.get("/ui/phone/").content.decode()

    icon = re.search(r'<link rel="icon" href="/static/([^"]+)" type="image/svg\+xml">', html)
    assert icon and finders.find(icon.group(1))


def test_the_language_switcher_sets_the_language_cookie(client):
    html = client.get("/ui/phone/").content.decode()
    assert re.search(r'<form[^>]*action="/i18n/setlang/"', html)
    assert 'name="next" value="/ui/phone/"' in html
    assert 'name="language" value="en" lang="en">English<' in html  # in its own language

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/ui/phone/"})

    assert response["Location"] == "/ui/phone/"
    assert response.cookies["django_language"].value == "en"
    assert "Log in by phone" in client.get("/ui/phone/").content.decode()


def test_a_failed_activation_puts_the_focus_on_its_field(client, logged_in):
    logged_in()

    response = client.post("/ui/profile/activate/", {"code": "ZZZZZZ"})

    field = re.search(r'<input id="invite"[^>]*>', response.content.decode()).group(0)
    assert "autofocus" in field and 'aria-invalid="true"' in field


def test_a_form_without_its_csrf_cookie_gets_our_own_page_in_its_language():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")

    response = strict.post("/ui/phone/", {"phone": PHONE})

    html = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="en">' in html and "<main" in html
    assert "Reload the page" in html


def _spent_code_page_says_one_thing(html: str, message: str) -> None:
    """A code that can no longer log in: its one message, and asking for a new one as the
    one thing to do (a primary button), with nothing of a code that still works."""
    assert html.count(message) == 1, html
    assert len(re.findall(r'role="alert"', html)) == 1
    assert "Код действует ещё" not in html and "Осталось попыток" not in html
    assert 'id="code"' not in html and ">Войти<" not in html  # no field, no «Войти»
    button = re.search(
        r'<form method="post" action="/ui/code/resend/"[^>]*>.*?(<button[^>]*>)\s*([^<]*?)\s*<',
        html,
        re.S,
    )
    assert button and button.group(2) == "Получить новый код", html
    assert 'class="link"' not in button.group(1)  # the page's main button, not a quiet link


def test_finding_18_a_code_used_up_by_wrong_guesses_shows_one_message_and_a_new_code_button(
    client, ask_code
):
    """Issue 21, finding 18: after 5 wrong codes the page still counted the code's life down
    ("Код действует ещё 4:56"), kept the field and «Войти», and offered a small link."""
    code = ask_code()
    for _ in range(5):
        response = client.post("/ui/code/", {"code": wrong_code(code)})

    assert response.status_code == 400
    message = "Слишком много неверных попыток для этого кода. Запросите новый."
    _spent_code_page_says_one_thing(response.content.decode(), message)
    _spent_code_page_says_one_thing(client.get("/ui/code/").content.decode(), message)


def test_finding_18_an_expired_code_shows_its_message_once_and_no_attempts_left(client, ask_code):
    """Issue 21, finding 18: an expired code showed "Срок действия кода истёк" twice (the
    error and the countdown's end) plus "Attempts left: 5"."""
    code = ask_code()

    with time_machine.travel(timedelta(minutes=6)):
        response = client.post("/ui/code/", {"code": code})
        later = client.get("/ui/code/")

    assert response.status_code == 400
    message = "Срок действия кода истёк. Запросите новый."
    _spent_code_page_says_one_thing(response.content.decode(), message)
    _spent_code_page_says_one_thing(later.content.decode(), message)


def test_finding_18_a_wrong_code_with_attempts_left_keeps_the_form_and_a_quiet_resend(
    client, ask_code
):
    """Issue 21, finding 18: while the code still works, the field and «Войти» stay, and
    sending it again is the quiet link."""
    code = ask_code()

    html = client.post("/ui/code/", {"code": wrong_code(code)}).content.decode()

    assert html.count("Неверный код. Проверьте его или запросите новый.") == 1
    assert "Осталось попыток: 4." in html and 'id="code"' in html and ">Войти<" in html
    assert re.search(r'<button class="link"[^>]*id="resend"', html)


def test_finding_18_a_refusal_of_the_number_is_not_followed_by_attempts_left(client, ask_code):
    """Issue 21, finding 18: "Attempts left" belongs to a wrong code only, not to a refusal
    of another kind (an operator's block here)."""
    ask_code()
    Phone.objects.filter(number=PHONE).update(locked_at=timezone.now())

    html = client.post("/ui/code/", {"code": "0000"}).content.decode()

    assert "Этот номер заблокирован. Обратитесь в поддержку." in html
    assert "Осталось попыток" not in html


def test_finding_19_invitee_pages_link_to_the_list_not_the_top_of_the_page(client, logged_in):
    """Issue 21, finding 19: the pager's links had no fragment, so a phone showed the top of
    the profile after each page."""
    user = logged_in()
    for _ in range(21):
        make_user(invited_by=user)

    first = client.get("/ui/profile/").content.decode()
    second = client.get("/ui/profile/?page=2").content.decode()

    assert 'id="invitees"' in first
    assert 'href="?page=2#invitees"' in first and 'href="?page=1#invitees"' in second


def test_finding_19_invitation_dates_are_unambiguous_in_english(client, logged_in):
    """Issue 21, finding 19: English dates read 12/04/2026 (December or April?)."""
    user = logged_in()
    invitee = make_user(invited_by=user)
    moment = timezone.make_aware(datetime(2026, 12, 4, 12, 0))
    User.objects.filter(pk=invitee.pk).update(invited_at=moment)

    english = client.get("/ui/profile/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    russian = client.get("/ui/profile/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert "12/04/2026" not in english and ">Dec. 4, 2026</time>" in english
    assert ">4 декабря 2026 г.</time>" in russian


def test_finding_19_every_page_starts_with_a_skip_link_to_the_content(client):
    """Issue 21, finding 19: there was no skip link past the header."""
    for language, text in [("ru", "Перейти к содержимому"), ("en", "Skip to content")]:
        html = client.get("/ui/phone/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        body = html.split("<body", 1)[1]
        first = re.search(r"<(a|button|input)\b[^>]*>", body)
        assert first and 'href="#content"' in first.group(0), first
        assert re.search(rf'href="#content"[^>]*>{text}</a>', body)
        assert re.search(r'<main [^>]*id="content"', body)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("ru", "Введите номер мобильного телефона, например +7 912 345-67-89."),
        ("en", "Enter your mobile phone number, for example +7 912 345-67-89."),
    ],
)
@pytest.mark.parametrize("typed", ["", "   "])
def test_finding_19_an_empty_phone_gets_a_phone_message_not_a_blank_field_one(
    client, language, message, typed
):
    """Issue 21, finding 19: an empty number (or letters only, which the mask empties) got
    the generic "This field may not be blank."."""
    response = client.post("/ui/phone/", {"phone": typed}, HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 400
    assert re.search(rf'id="phone-error"[^>]*>{re.escape(message)}</p>', response.content.decode())


@pytest.mark.parametrize(
    ("language", "regions", "supported"),
    [
        ("ru", ["RU"], "Поддерживаются: Россия."),
        ("en", ["RU"], "Supported: Russia."),
        ("ru", ["RU", "KZ"], "Поддерживаются: Россия, Казахстан."),
        ("en", ["RU", "KZ"], "Supported: Russia, Kazakhstan."),
    ],
)
def test_finding_19_a_foreign_number_is_told_which_countries_are_supported(
    client, settings, language, regions, supported
):
    """Issue 21, finding 19: a foreign number got "not supported" without the countries that
    are (PHONE_ALLOWED_REGIONS, named in the page's language)."""
    settings.PHONE_ALLOWED_REGIONS = regions

    response = client.post(
        "/ui/phone/", {"phone": "+1 415 555 2671"}, HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 400
    assert supported in response.content.decode()


@pytest.mark.parametrize(
    ("phone", "code", "detail"),
    [
        ("", "blank", "Это поле не может быть пустым."),
        ("+1 415 555 2671", "region", "Номера этой страны не поддерживаются."),
    ],
)
def test_finding_19_the_pages_phone_messages_leave_the_api_answer_as_it_was(
    client, phone, code, detail
):
    """Issue 21, finding 19: the pages say more, the API's codes and details stay."""
    response = client.post(
        "/api/auth/request_code/", {"phone": phone}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["detail"] == detail


def test_finding_19_the_share_link_is_shown_whole_with_its_code(client, logged_in):
    """Issue 21, finding 19: the share link was an input that cut off its end, the code."""
    user = logged_in()

    html = client.get("/ui/profile/").content.decode()

    assert 'id="share-link" type="text"' not in html
    assert (
        '<p class="share-link mono" id="share-link">http://testserver<wbr>'
        f'<span class="nowrap">/r/{user.invite_code}/</span></p>'
    ) in html


def test_no_template_comment_shows_on_a_page(client, logged_in, ask_code):
    """A {# #} comment ends on its own line; one spread over two was printed on the profile."""
    ask_code("+79990001122")
    pages = [client.get("/ui/phone/"), client.get("/ui/code/")]
    logged_in()
    pages.append(client.get("/ui/profile/"))

    for page in pages:
        html = page.content.decode()
        assert "{#" not in html and "{%" not in html, page.wsgi_request.path
