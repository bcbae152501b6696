"""The operator's side: rules in the admin, and the SMS-pumping page."""

import contextlib

import pytest
from django.utils import timezone

from harness.challenge import solve
from referral.abuse import rules
from referral.abuse.models import Rule
from referral.accounts import services
from referral.core import errors

pytestmark = pytest.mark.django_db

ADD = "/admin/abuse/rule/add/"


def test_an_operator_denies_a_prefix_and_the_next_request_is_refused(staff_client):
    response = staff_client.post(
        ADD, {"kind": "prefix", "value": " +7999555 ", "action": "deny", "reason": "premium"}
    )

    assert response.status_code == 302
    rule = Rule.objects.get()
    assert (rule.value, rule.automatic) == ("+7999555", False)
    with pytest.raises(errors.PrefixBlocked):
        services.request_code(phone="+79995550001", ip="192.0.2.1", now=rule.created_at)


def test_a_source_rule_takes_a_network_in_canonical_form(staff_client):
    staff_client.post(ADD, {"kind": "source", "value": "198.51.100.7/24", "action": "allow"})

    assert Rule.objects.get().value == "198.51.100.0/24"


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("prefix", "7999"),
        ("prefix", "+7 999"),
        ("prefix", "+"),
        ("source", "300.1.2.3"),
        ("source", "+7999"),
    ],
)
def test_a_malformed_target_is_refused_on_the_form(staff_client, kind, value):
    response = staff_client.post(ADD, {"kind": kind, "value": value, "action": "deny"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["value"]
    assert not Rule.objects.exists()


def test_an_operators_edit_of_an_automatic_block_makes_it_the_operators(
    staff_client, django_capture_on_commit_callbacks
):
    now = timezone.now()
    rules.block(kind="prefix", value="+7999555", reason="prefix_conversion", seconds=60, now=now)
    rule = Rule.objects.get()
    staff_client.post(
        f"/admin/abuse/rule/{rule.pk}/change/",
        {"kind": "prefix", "value": "+7999555", "action": "allow", "reason": "our partner"},
    )

    rule.refresh_from_db()
    assert (rule.action, rule.automatic) == ("allow", False)
    rules.block(kind="prefix", value="+7999555", reason="again", seconds=60, now=now)
    rule.refresh_from_db()
    assert (rule.action, rule.reason) == ("allow", "our partner")  # never overwritten


def test_the_sms_pumping_page_shows_what_happened(staff_client, django_capture_on_commit_callbacks):

    now = timezone.now()
    for n in range(28):  # a pumping run: numbers in a row, solving every challenge
        phone, ip = f"+7999555{n:04d}", f"198.51.{n}.1"
        with (
            django_capture_on_commit_callbacks(execute=True),
            contextlib.suppress(errors.DomainError),
        ):
            try:
                services.request_code(phone=phone, ip=ip, now=now)
            except errors.ChallengeRequired as challenged:
                answer = solve(challenged.extra["challenge"])
                services.request_code(phone=phone, ip=ip, now=now, altcha=answer)

    page = staff_client.get("/admin/abuse/rule/dashboard/")

    assert page.status_code == 200
    assert page.context["totals"]["challenge_shown"] == (17, 17)
    assert page.context["totals"]["challenge_solved"] == (17, 17)
    assert page.context["totals"]["prefix_blocked"] == (8, 8)
    worst = page.context["worst"]["24 h"][0]
    assert (worst.prefix, worst.country, worst.numbers, worst.verified) == ("+7999555", "RU", 20, 0)
    assert page.context["countries"]["14 days"] == {"RU": 20}
    assert [r.value for r in page.context["blocks"]] == ["+7999555"]
    assert ("RU", 20, 1000) in page.context["budgets"]
    assert b"+7999555" in page.content


def test_the_page_is_for_the_admin_only(client):
    assert client.get("/admin/abuse/rule/dashboard/").status_code == 302
