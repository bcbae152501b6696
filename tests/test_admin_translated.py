"""The admin in Russian says everything in Russian: model and app names, columns, filters,
field labels and help, actions, messages, and the SMS-pumping page.

Every page of every model registered in the admin (changelist, add form, change form) is
opened as a staff member who reads Russian; each label a person sees there must hold
Cyrillic, unless it is a number, a phone number or one of the few names kept as they are.
"""

import re
from collections.abc import Iterator

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test.html import Element, parse_html
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from referral.abuse import rules
from referral.abuse.models import Rule
from referral.accounts.models import Phone, ReferralChange, WrongGuess
from referral.webhooks.models import EVENT_TYPES, Attempt, Delivery, Endpoint, Event

from .accounts import test_admin
from .accounts.test_admin import a_code
from .factories import make_user

# The admin tests' fixtures: a superuser, and a client logged in to the admin as them.
staff, staff_client = test_admin.staff, test_admin.staff_client

pytestmark = pytest.mark.django_db

RU = {"HTTP_ACCEPT_LANGUAGE": "ru"}
# Names and abbreviations said the same way in Russian; anything else in Latin letters fails.
KEPT = {"SMS", "IP", "IPv4", "IPv6", "ID", "UTC", "RU", "jti", "README", "SMS_BUDGETS"}
# Data, not labels: an automatic block's reason is the code of the signal that set it.
DATA = {"prefix_conversion"}
# Data too: a webhook's URL, event types and event ID (the webhooks fixture below).
HOOK_URL, HOOK_EVENT = "https://hooks.example.com/in", "evt_1"
DATA |= {HOOK_URL, HOOK_EVENT, *EVENT_TYPES}
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
LATIN_WORD = re.compile("[a-z]+[a-z0-9]*", re.IGNORECASE)


def children(element: Element) -> Iterator[Element]:
    for child in element.children:
        if isinstance(child, Element):
            yield child


def walk(element: Element, ancestors: tuple[Element, ...] = ()) -> Iterator[tuple]:
    yield element, ancestors
    for child in children(element):
        yield from walk(child, (*ancestors, element))


def text(element: Element) -> str:
    if element.name in {"script", "style"}:
        return ""
    parts = [c if isinstance(c, str) else text(c) for c in element.children]
    return " ".join(" ".join(parts).split())


def attr(element: Element, name: str) -> str:
    return dict(element.attributes).get(name) or ""


def classes(element: Element) -> set[str]:
    return set(attr(element, "class").split())


def is_label(element: Element, ancestors: tuple[Element, ...]) -> bool:
    """What the admin writes for people, as opposed to the data it shows."""
    names = {a.name for a in ancestors}
    inside = set().union(*(classes(a) for a in ancestors), {attr(a, "id") for a in ancestors})
    return (
        element.name in {"title", "caption", "label", "h1", "h3", "legend"}
        or (element.name == "h2" and "subtitle" not in classes(element))
        or (element.name == "th" and ("thead" in names or attr(element, "scope") == "row"))
        or (element.name == "option" and "actions" in inside)
        or (element.name == "a" and "changelist-filter" in inside)
        or (element.name == "a" and "object-tools" in inside)
        or (element.name == "li" and "messagelist" in inside)
        or "help" in classes(element)
        or bool(classes(element) & {"field-state", "field-kind", "field-action"})
        or (element.name == "div" and "readonly" in classes(element) and "field-last_day" in inside)
        or (element.name in {"p", "td"} and "content-main" in inside and "results" not in inside)
    )


def english_labels(html: str) -> list[str]:
    found = []
    for element, ancestors in walk(parse_html(html)):
        if not is_label(element, ancestors):
            continue
        label = text(element)
        if CYRILLIC.search(label) or label in DATA:
            continue
        if set(LATIN_WORD.findall(label)) - KEPT:
            found.append(label)
    return found


@pytest.fixture
def one_of_each(staff):
    """A row of every model in the admin, so that every changelist has a row to show."""
    phone = Phone.objects.create(number="+79991234567")
    code = a_code(phone, state="failed", delivery_tries=3, delivery_error="HTTP 503")
    WrongGuess.objects.create(code=code, source="198.51.100.9", at=timezone.now())
    now = code.created_at
    rules.block(kind="prefix", value="+7999555", reason="prefix_conversion", seconds=60, now=now)
    Rule.objects.create(kind="source", value="203.0.113.0/24", action="allow", created_at=now)
    RefreshToken.for_user(staff).blacklist()
    Group.objects.create(name="операторы")
    endpoint = Endpoint.objects.create(
        url=HOOK_URL, events=EVENT_TYPES, secret="whsec_x", created_at=now
    )
    event = Event.objects.create(id=HOOK_EVENT, type="user.signed_up", body="{}", created_at=now)
    delivery = Delivery.objects.create(
        event=event, endpoint=endpoint, next_try_at=now, created_at=now
    )
    Attempt.objects.create(delivery=delivery, at=now, status=500, duration_ms=12)
    inviter, invitee = make_user(), make_user()
    ReferralChange.objects.create(
        user=invitee, inviter=inviter, changed_by=staff, reason="обращение 1", at=now
    )
    assert {m for m in admin.site._registry if not m.objects.exists()} == set()


def admin_pages() -> Iterator[str]:
    yield "/admin/"
    yield "/admin/abuse/rule/dashboard/"
    for model in admin.site._registry:
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        yield base
        yield f"{base}add/"
        yield f"{base}{model.objects.order_by('pk').first().pk}/change/"


@pytest.mark.usefixtures("one_of_each")
def test_every_admin_page_speaks_russian(staff_client):
    untranslated = {}
    for url in admin_pages():
        response = staff_client.get(url, **RU)
        if url.endswith("/add/") and response.status_code == 403:
            continue  # a read-only record (SMS, wrong codes) has no add form
        assert response.status_code == 200, url
        assert response["Content-Language"] == "ru"
        if found := english_labels(response.content.decode()):
            untranslated[url] = found

    assert untranslated == {}


def test_the_inviter_form_and_its_refusal_speak_russian(staff_client):
    """Issue 21, finding 11: the operator's way to change the tree, in Russian."""
    user = make_user()
    invitee = make_user()
    invitee.invited_by, invitee.invited_at = user, timezone.now()
    invitee.save()
    url = f"/admin/accounts/user/{user.pk}/inviter/"

    form = staff_client.get(url, **RU)
    refused = staff_client.post(url, {"code": invitee.invite_code, "reason": "тест"}, **RU)
    change_page = staff_client.get(f"/admin/accounts/user/{user.pk}/change/", **RU)

    assert form.status_code == 200 and refused.status_code == 400
    for page in (form, refused, change_page):
        assert english_labels(page.content.decode()) == []
    assert "Указать пригласившего…" in change_page.content.decode()


def test_the_admin_login_speaks_russian(client):
    page = client.get("/admin/login/", **RU).content.decode()

    assert english_labels(page) == []
    assert "Телефон" in page  # the username field is the phone


def test_admin_actions_report_in_russian(staff_client):
    phone = Phone.objects.create(number="+79991234567")

    locked = staff_client.post(
        "/admin/accounts/phone/",
        {"action": "lock", "_selected_action": [phone.pk]},
        follow=True,
        **RU,
    )
    unlocked = staff_client.post(
        "/admin/accounts/phone/",
        {"action": "unlock", "_selected_action": [phone.pk]},
        follow=True,
        **RU,
    )

    assert english_labels(locked.content.decode()) == []
    assert english_labels(unlocked.content.decode()) == []
    messages = [str(m) for r in (locked, unlocked) for m in r.context["messages"]]
    assert any("1" in m and "заблокирован" in m.lower() for m in messages), messages


def test_the_admin_still_speaks_english_to_who_asks(staff_client):
    Phone.objects.create(number="+79991234567")

    page = staff_client.get("/admin/accounts/phone/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Phones" in page and "Locked at" in page
    assert "Телефон" not in page
