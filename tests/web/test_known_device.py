"""Issue 21, finding 12 on the pages: the browser that logged in before is a known device of
the account, and passes the phone's pause that strangers set off."""

import pytest
from django.test import Client
from django.utils import timezone

from harness.servers import code_from_sms
from referral.abuse import rules
from referral.accounts import services, sms
from referral.core import devices, errors

from ..factories import PHONE, make_user, wrong_code

pytestmark = pytest.mark.django_db


def page_login(client, capture):
    with capture(execute=True):
        assert client.post("/ui/phone/", {"phone": PHONE}).status_code == 302
    return client.post("/ui/code/", {"code": code_from_sms(sms.outbox[-1].text)})


def pause_the_phone():
    """Ten /24s type 50 wrong codes at the phone's current code: everyone else waits a day."""
    now = timezone.now()
    code = code_from_sms(sms.outbox[-1].text)
    for n in range(10):
        for _ in range(5):
            with pytest.raises(errors.DomainError):
                services.verify_code(
                    phone=PHONE, code=wrong_code(code), ip=f"198.51.{n}.7", now=now
                )


def test_finding_12_a_login_on_the_pages_makes_the_browser_a_known_device(
    client, django_capture_on_commit_callbacks
):
    response = page_login(client, django_capture_on_commit_callbacks)

    cookie = response.cookies[devices.DEVICE_COOKIE_NAME]
    assert response["Location"] == "/ui/profile/"
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["max-age"]


def test_finding_12_the_known_browser_logs_in_while_the_phone_is_paused_for_others(
    client, django_capture_on_commit_callbacks
):
    page_login(client, django_capture_on_commit_callbacks)
    client.post("/ui/logout/")
    stranger = Client()
    with django_capture_on_commit_callbacks(execute=True):
        assert stranger.post("/ui/phone/", {"phone": PHONE}).status_code == 302
    pause_the_phone()
    code = code_from_sms(sms.outbox[-1].text)

    refused = stranger.post("/ui/code/", {"code": code})
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/ui/phone/", {"phone": PHONE})
    known = client.post("/ui/code/", {"code": code})

    assert refused.status_code == 400
    assert known.status_code == 302 and known["Location"] == "/ui/profile/"


@pytest.mark.parametrize("registered", [True, False])
def test_finding_14_a_refused_number_may_still_type_a_code_if_it_logged_in_before(
    client, settings, registered, django_capture_on_commit_callbacks
):
    """Issue 21, finding 14: behind a refusal, a number that logged in before gets its SMS
    anyway (the answer is the same for every number): the page says so and lets it type it."""
    if registered:
        make_user(phone=PHONE)
    rules.block(kind="prefix", value=PHONE[:8], reason="prefix_conversion", seconds=3600,
                now=timezone.now())  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post("/ui/phone/", {"phone": PHONE}, HTTP_ACCEPT_LANGUAGE="en")

    html = page.content.decode()
    assert page.status_code == 400
    assert "Logged in with this number before?" in html and 'href="/ui/code/"' in html
    assert client.get("/ui/code/").status_code == 200
    assert [m.phone for m in sms.outbox] == ([PHONE] if registered else [])
