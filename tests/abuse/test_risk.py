"""Risk levels: from made-up signals (assess is pure), and through request_code with the clock
injected and real counters."""

import contextlib
import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from harness.challenge import solve
from harness.servers import code_from_sms
from referral.abuse import risk
from referral.abuse.models import Rule
from referral.abuse.risk import Ask, Level, Rate, Signals
from referral.abuse.rules import Active
from referral.accounts import services, sms
from referral.accounts.models import CodeMessage
from referral.core import errors

from ..factories import make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PHONE = "+79991234567"
IP = "203.0.113.7"
QUIET = Rate(0, 0)


def signals(**changes) -> Signals:
    fields = dict(
        prefix=QUIET, source=QUIET, network=QUIET, burst=0, unsolved=0, budget_used=0, rules=[]
    )
    return Signals(**{**fields, **changes})


def ask(*, returning=False, phone=PHONE, source=IP) -> Ask:
    return Ask(phone=phone, source=source, returning=returning, now=NOW)


def rule(kind, value, action="deny", *, automatic=False, minutes=30) -> Active:
    return Active(kind, value, action, automatic, NOW + timedelta(minutes=minutes))


# assess: one rule each


def test_quiet_traffic_is_normal():
    assert risk.assess(ask(), signals()) == risk.Assessment(Level.NORMAL)


def test_healthy_busy_prefix_and_source_are_normal():
    busy = Rate(sent=500, verified=400)

    assert risk.assess(ask(), signals(prefix=busy, source=busy, network=busy)).level == "normal"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"prefix": Rate(sent=6, verified=1)}, "prefix_conversion"),
        ({"burst": 3}, "sequential_numbers"),
        ({"unsolved": 4}, "unsolved_challenges"),
        ({"source": Rate(sent=6, verified=1)}, "source_conversion"),
        ({"network": Rate(sent=40, verified=5)}, "network_conversion"),
        ({"budget_used": 0.8}, "budget"),
    ],
)
def test_each_signal_alone_raises_a_new_number_to_a_challenge(changes, reason):
    result = risk.assess(ask(), signals(**changes))

    assert (result.level, result.reasons) == (Level.ELEVATED, (reason,))
    assert result.difficulty == 20_000


@pytest.mark.parametrize(
    "changes",
    [
        {"prefix": Rate(sent=3, verified=0)},  # too few to judge
        {"prefix": Rate(sent=6, verified=2)},  # a third converted
        {"burst": 2},
        {"unsolved": 3},
        {"budget_used": 0.79},
    ],
)
def test_just_below_each_threshold_is_normal(changes):
    assert risk.assess(ask(), signals(**changes)).level == Level.NORMAL


@pytest.mark.parametrize(
    "changes",
    [
        {"prefix": Rate(sent=11, verified=0)},
        {"prefix": Rate(sent=30, verified=0)},
        {"burst": 50},
        {"unsolved": 100},
        {"budget_used": 0.99},
        {"rules": [rule("prefix", "+7999", automatic=True)]},
    ],
)
def test_a_returning_number_gets_the_answer_a_new_one_gets_and_its_sms_behind_a_refusal(
    changes,
):
    """Issue 21, finding 14: the answer must not tell a registered number from a new one."""
    new = risk.assess(ask(), signals(**changes))
    returning = risk.assess(ask(returning=True), signals(**changes))

    assert new.level != Level.NORMAL
    assert (returning.level, returning.reasons, returning.difficulty) == (
        new.level,
        new.reasons,
        new.difficulty,
    )
    assert type(returning.refusal) is type(new.refusal)
    assert returning.sends_anyway is (new.refusal is not None and new.level == Level.BLOCKED)
    assert not new.sends_anyway


def test_difficulty_doubles_with_each_reason_up_to_the_cap():
    two = signals(burst=3, unsolved=6)
    four = signals(burst=3, unsolved=6, budget_used=0.9, prefix=Rate(6, 0))

    assert risk.assess(ask(), two).difficulty == 40_000
    assert risk.assess(ask(), four).difficulty == 100_000  # the cap


def test_a_collapsed_prefix_is_blocked_and_the_block_recorded():
    assert risk.assess(ask(), signals(prefix=Rate(sent=19, verified=1))).level == Level.ELEVATED

    result = risk.assess(ask(), signals(prefix=Rate(sent=24, verified=1)))

    assert result.level == Level.BLOCKED
    assert isinstance(result.refusal, errors.PrefixBlocked)
    assert result.refusal.retry_after == 3600
    assert result.block == ("prefix", "+7999123")


def test_a_collapsed_source_is_blocked_for_every_number_and_a_returning_one_gets_its_sms():
    bad = signals(source=Rate(sent=12, verified=0))

    blocked = risk.assess(ask(), bad)
    returning = risk.assess(ask(returning=True), bad)

    assert isinstance(blocked.refusal, errors.SourceBlocked)
    assert blocked.block == returning.block == ("source", IP)
    assert isinstance(returning.refusal, errors.SourceBlocked) and returning.sends_anyway


def test_a_collapsed_network_is_challenged_never_blocked():
    result = risk.assess(ask(), signals(network=Rate(sent=500, verified=0)))

    assert (result.level, result.reasons) == (Level.ELEVATED, ("network_conversion",))


def test_an_automatic_block_answers_with_its_own_time_left():
    result = risk.assess(ask(), signals(rules=[rule("prefix", "+79991", automatic=True)]))

    assert isinstance(result.refusal, errors.PrefixBlocked)
    assert result.refusal.retry_after == 30 * 60
    assert result.block is None  # in force, half of it left


@pytest.mark.parametrize("kind", ["prefix", "source"])
def test_an_automatic_block_still_hit_past_its_half_is_renewed(kind):
    value = "+79991" if kind == "prefix" else "203.0.113.7"
    result = risk.assess(ask(), signals(rules=[rule(kind, value, automatic=True, minutes=29)]))

    assert result.block == (kind, value)
    assert result.reasons == (f"{kind}_blocked",)


def test_an_expired_rule_is_ignored():
    expired = rule("source", "203.0.113.0/24", minutes=-1)

    assert risk.assess(ask(), signals(rules=[expired])).level == Level.NORMAL


@pytest.mark.parametrize("returning", [False, True])
@pytest.mark.parametrize(
    ("target", "error"),
    [
        (("prefix", "+799912"), errors.PrefixBlocked),
        (("source", "203.0.113.0/24"), errors.SourceBlocked),
    ],
)
def test_an_operators_deny_refuses_everyone_it_covers(target, error, returning):
    result = risk.assess(ask(returning=returning), signals(rules=[rule(*target)]))

    assert isinstance(result.refusal, error)
    assert result.reasons == ("operator",)


def test_an_operators_deny_of_another_prefix_or_network_does_not_apply():
    others = [rule("prefix", "+7999124"), rule("source", "203.0.114.0/24"), rule("source", "::/0")]

    assert risk.assess(ask(), signals(rules=others)).level == Level.NORMAL


def test_an_operators_allow_silences_the_signals_of_its_kind():
    bad_prefix = signals(prefix=Rate(40, 0), burst=9, rules=[rule("prefix", "+7999", "allow")])
    bad_source = signals(source=Rate(40, 0), rules=[rule("source", IP, "allow")])

    assert risk.assess(ask(), bad_prefix).level == Level.NORMAL
    assert risk.assess(ask(), bad_source).level == Level.NORMAL


def test_a_spent_budget_refuses_a_network_past_its_ration_until_midnight_utc():
    assert risk.assess(ask(), signals(budget_used=1.0, past_budget=2)).level == Level.ELEVATED

    result = risk.assess(ask(), signals(budget_used=1.0, past_budget=3))

    assert isinstance(result.refusal, errors.SmsBudgetExhausted)
    assert result.refusal.retry_after == 12 * 3600


def test_with_the_signals_off_only_rules_and_budgets_apply(settings):
    settings.SMS_RISK = False

    assert (
        risk.assess(ask(), signals(prefix=Rate(99, 0), burst=9, budget_used=0.9)).level == "normal"
    )
    assert risk.assess(ask(), signals(budget_used=1, past_budget=3)).level == Level.BLOCKED
    assert risk.assess(ask(), signals(budget_used=1)) == risk.Assessment(
        Level.NORMAL, past_budget=True
    )
    assert risk.assess(ask(), signals(rules=[rule("prefix", "+7")])).level == Level.BLOCKED


def test_ipv6_sources_are_grouped_by_48_for_the_network_signal():
    assert ask(source="2001:db8:1:2::/64").network == "2001:db8:1::/48"
    assert ask(source="198.51.100.77").network == "198.51.100.0/24"


# Through request_code, with real counters and the clock injected


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def send(phone, *, now=NOW, ip=IP, altcha=None):
        with django_capture_on_commit_callbacks(execute=True):
            services.request_code(phone=phone, ip=ip, now=now, altcha=altcha)

    return send


def pump(send, numbers, *, now=NOW, ip=lambda n: f"198.51.{n % 200}.{n % 250 + 1}"):
    """A pumping bot: every number once, from many addresses, solving every challenge."""
    outcomes = []
    for n, phone in enumerate(numbers):
        try:
            send(phone, now=now + timedelta(seconds=n), ip=ip(n))
            outcomes.append("sent")
        except errors.ChallengeRequired as challenged:
            answer = solve(challenged.extra["challenge"])
            try:
                send(phone, now=now + timedelta(seconds=n), ip=ip(n), altcha=answer)
                outcomes.append("solved")
            except errors.DomainError as refused:
                outcomes.append(refused.code)
        except errors.DomainError as refused:
            outcomes.append(refused.code)
    return outcomes


def test_numbers_in_a_row_are_challenged_from_the_fourth_and_the_prefix_blocked_at_twenty(send):
    outcomes = pump(send, [f"+7999555{n:04d}" for n in range(40)])

    assert outcomes[:3] == ["sent"] * 3
    assert outcomes[3:20] == ["solved"] * 17
    assert outcomes[20:] == ["prefix_blocked"] * 20
    assert CodeMessage.objects.count() == 20
    block = Rule.objects.get()
    assert (block.kind, block.value, block.action, block.automatic) == (
        "prefix",
        "+7999555",
        "deny",
        True,
    )
    assert block.expires_at == NOW + timedelta(seconds=20 + 3600)


def test_a_block_expires_by_itself_and_a_returning_number_gets_its_sms_behind_it(send):
    pump(send, [f"+7999555{n:04d}" for n in range(30)])
    make_user(phone="+79995559999")

    with pytest.raises(errors.PrefixBlocked):  # answered as any number, and served
        send("+79995559999", now=NOW + timedelta(minutes=1))
    with pytest.raises(errors.PrefixBlocked):
        send("+79995550100", now=NOW + timedelta(minutes=59))
    later = NOW + timedelta(hours=3)  # the block and the window are over
    send("+79995550101", now=later)

    assert [m.phone for m in sms.outbox][-2:] == ["+79995559999", "+79995550101"]


def test_real_users_who_type_their_codes_keep_their_prefix_unchallenged(send):
    for n in range(60):
        phone, moment, ip = f"+7999666{n:02d}00", NOW + timedelta(minutes=n), f"192.0.2.{n}"
        send(phone, now=moment, ip=ip)
        code = code_from_sms(sms.outbox[-1].text)
        services.log_in(phone=phone, code=code, ip=ip, now=moment + timedelta(seconds=30))

    assert CodeMessage.objects.count() == 60  # not one challenge: each request sent at once


def test_asking_for_one_number_again_and_again_spoils_nothing_but_the_askers_address(send):
    """A stranger cannot get a victim's prefix blocked by pumping the victim's number."""
    for minute in range(0, 90, 6):  # ten SMS: the most one address gets for one number a day
        with contextlib.suppress(errors.DomainError):
            send(PHONE, now=NOW + timedelta(minutes=minute), ip=IP)
    later = NOW + timedelta(minutes=90)

    send("+79991234500", now=later, ip="192.0.2.1")  # the same prefix, a new person
    assert sms.outbox[-1].phone == "+79991234500"
    assert 4 <= [m.phone for m in sms.outbox].count(PHONE) < 10  # challenged before its limit


def test_a_challenge_is_required_again_for_a_wrong_replayed_or_foreign_solution(send):
    numbers = [f"+7999555{n:04d}" for n in range(5)]
    pump(send, numbers[:3])
    with pytest.raises(errors.ChallengeRequired) as first:
        send(numbers[3])
    answer = solve(first.value.extra["challenge"])

    for wrong in ["", "not base64!", answer[:-4] + "AAAA"]:  # more: test_challenge.py
        with pytest.raises(errors.ChallengeRequired):
            send(numbers[3], altcha=wrong)
    with pytest.raises(errors.ChallengeRequired) as foreign:
        send(numbers[4], altcha=answer)  # solved for another number
    send(numbers[3], altcha=answer)
    with pytest.raises(errors.ChallengeRequired) as replayed:
        send(numbers[3], now=NOW + timedelta(seconds=61), altcha=answer)

    assert foreign.value.message == errors.ChallengeRequired.retried_message
    assert replayed.value.message == errors.ChallengeRequired.retried_message
    assert sms.outbox[-1].phone == numbers[3]


def test_an_expired_solution_is_refused(send, settings):
    pump(send, [f"+7999555{n:04d}" for n in range(3)])
    with pytest.raises(errors.ChallengeRequired) as challenged:
        send("+79995550003")
    answer = solve(challenged.value.extra["challenge"])

    with pytest.raises(errors.ChallengeRequired):
        send("+79995550003", now=NOW + timedelta(seconds=300), altcha=answer)


def test_a_challenge_is_signed_for_the_number_and_difficulty(send):
    pump(send, [f"+7999555{n:04d}" for n in range(3)])
    with pytest.raises(errors.ChallengeRequired) as challenged:
        send("+79995550003")

    challenge = challenged.value.extra["challenge"]
    assert set(challenge) == {"algorithm", "challenge", "maxNumber", "salt", "signature"}
    assert challenge["algorithm"] == "SHA-256" and challenge["maxNumber"] == 20_000
    assert "phone=%2B79995550003" in challenge["salt"] and "difficulty=20000" in challenge["salt"]


# Budgets


@pytest.fixture
def small_budget(settings):
    settings.SMS_BUDGETS = {"RU": 10, "+7999777": 100}
    settings.ADMINS = [("ops", "ops@example.com")]


def test_a_country_budget_challenges_at_80_percent_and_hardest_past_100(send, small_budget):
    spread = [f"+7999{n}12{n}456" for n in range(1, 10)] + ["+79990120456"]
    outcomes = pump(send, spread, ip=lambda n: f"192.0.{n}.1")
    make_user(phone="+79998887766")

    assert outcomes == ["sent"] * 8 + ["solved"] * 2
    for phone in ["+79993334455", "+79998887766"]:  # new or logged in before: one answer
        with pytest.raises(errors.ChallengeRequired) as challenged:
            send(phone, ip="192.0.2.99")
        assert challenged.value.extra["challenge"]["maxNumber"] == 100_000


def test_budget_alerts_fire_once_at_50_80_and_100_percent(send, small_budget, caplog):
    caplog.set_level(logging.WARNING, logger="referral.abuse.budgets")
    make_user(phone="+79998887766")
    pump(send, ["+79998887766"] * 10, ip=lambda n: f"192.0.2.{n}")  # the most in an hour

    alerts = [r.getMessage() for r in caplog.records]
    assert alerts == [
        "SMS budget RU at 50%: 5 of 10 today",
        "SMS budget RU at 80%: 8 of 10 today",
        "SMS budget RU at 100%: 10 of 10 today",
    ]
    assert [m.subject for m in mail.outbox] == [
        "[Django] SMS budget RU at 50%",
        "[Django] SMS budget RU at 80%",
        "[Django] SMS budget RU at 100%",
    ]
    assert mail.outbox[0].to == ["ops@example.com"]


def test_a_broken_notifier_never_refuses_the_code(send, small_budget, settings, caplog):
    settings.SMS_BUDGET_NOTIFIER = "no.such.module.notify"
    for n in range(6):
        send(f"+7999{n}12{n}456", ip=f"192.0.{n}.1")

    assert len(sms.outbox) == 6
    assert "SMS budget notifier no.such.module.notify failed" in caplog.text


def test_a_prefix_budget_counts_only_its_numbers(send, settings):
    settings.SMS_BUDGETS = {"RU": 1000, "+7999777": 2}
    pump(send, ["+79997770001", "+79997770102"], ip=lambda n: f"192.0.{n}.1")

    with pytest.raises(errors.ChallengeRequired) as past_budget:
        send("+79997770203", ip="192.0.2.50")
    send("+79997780304", ip="192.0.2.51")
    assert past_budget.value.extra["challenge"]["maxNumber"] == 100_000


# Issue 21: the second attack round


def test_finding_17_one_solved_challenge_is_enough_though_its_own_showing_raised_the_count(
    send, settings
):
    """Issue 21, finding 17: the widget solved, sent again and got a second 428: its own
    challenge had made the prefix's unsolved challenges four, which raised the difficulty."""
    settings.SMS_BUDGET_CHALLENGE_SHARE = 0  # every new number is challenged (one reason)
    for n in range(3):  # three challenges in the prefix, never solved
        with pytest.raises(errors.ChallengeRequired):
            send(f"+7999555{n:04d}", ip=f"192.0.2.{n}")
    with pytest.raises(errors.ChallengeRequired) as challenged:
        send("+79995550003")

    send("+79995550003", altcha=solve(challenged.value.extra["challenge"]))

    assert challenged.value.extra["challenge"]["maxNumber"] == 20_000
    assert sms.outbox[-1].phone == "+79995550003"
    with pytest.raises(errors.ChallengeRequired):  # a fourth unsolved one, for others
        send("+79995550004", ip="192.0.2.9")
    with pytest.raises(errors.ChallengeRequired) as next_one:
        send("+79995550005", ip="192.0.2.10")
    assert next_one.value.extra["challenge"]["maxNumber"] == 40_000


def test_finding_15_eight_unconverted_numbers_from_eight_addresses_block_no_prefix(send):
    """Issue 21, finding 15: 8 SMS from 8 addresses blocked +7925111 (10,000 numbers) for an
    hour. A block now takes SMS_RISK_BLOCK_MIN_SENT (20) numbers."""
    outcomes = pump(send, [f"+7925111{n:04d}" for n in range(9)], ip=lambda n: f"198.51.{n}.1")

    assert outcomes == ["sent"] * 3 + ["solved"] * 6 and not Rule.objects.exists()
    more = pump(send, [f"+7925111{n:04d}" for n in range(9, 30)])
    assert more == ["solved"] * 11 + ["prefix_blocked"] * 10


@pytest.mark.parametrize(
    ("changes", "renewed"),
    [({}, True), ({"returning": True}, False), ({"asked_before": True}, False)],
)
def test_finding_15_a_block_is_renewed_by_new_numbers_never_by_returning_ones_or_retries(
    changes, renewed
):
    in_force = [rule("prefix", "+79991", automatic=True, minutes=29)]  # past its half
    returning = changes.get("returning", False)
    asked_before = changes.get("asked_before", False)

    result = risk.assess(
        ask(returning=returning), signals(rules=in_force, asked_before=asked_before)
    )

    assert isinstance(result.refusal, errors.PrefixBlocked)
    assert (result.block is not None) is renewed


def test_finding_14_registered_and_new_numbers_get_one_answer_after_four_sms_in_a_prefix(send):
    """Issue 21, finding 14: after 4 SMS in a prefix, a registered number got 200 and a new
    one 428, which told them apart."""
    pump(send, [f"+7999555{n:04d}" for n in range(4)])
    make_user(phone="+79995559999")

    answers = []
    for phone in ["+79995559999", "+79995559998"]:
        with pytest.raises(errors.DomainError) as caught:
            send(phone, ip="192.0.2.200")
        answers.append((caught.value.code, caught.value.status))

    assert answers[0] == answers[1] == ("challenge_required", 428)


@pytest.fixture
def spent_budget(send, settings):
    """RU's budget of 10 spent by ten networks that never converted."""
    settings.SMS_BUDGETS = {"RU": 10}
    pump(send, [f"+7999{n}12{n}456" for n in range(1, 10)] + ["+79990120456"],
         ip=lambda n: f"192.0.{n}.1")  # fmt: skip
    assert CodeMessage.objects.count() == 10


def drain(send, *, ip, numbers):
    """New numbers from one address past the budget: the answers."""
    return pump(send, numbers, ip=lambda n: ip)


def test_finding_2_a_spent_budget_serves_a_new_network_behind_the_hardest_challenge(
    send, spent_budget
):
    """Issue 21, finding 2: a spent country budget refused every new number until midnight."""
    with pytest.raises(errors.ChallengeRequired) as challenged:
        send("+79261234567", ip="203.0.113.50")
    assert challenged.value.extra["challenge"]["maxNumber"] == 100_000

    send("+79261234567", ip="203.0.113.50", altcha=solve(challenged.value.extra["challenge"]))

    assert sms.outbox[-1].phone == "+79261234567"


def test_finding_2_past_the_budget_a_network_without_conversions_gets_three_more(
    send, spent_budget
):
    numbers = [f"+7926{n:03d}4567" for n in range(5)]

    outcomes = drain(send, ip="203.0.113.50", numbers=numbers)

    assert outcomes == ["solved"] * 3 + ["sms_unavailable"] * 2
    with pytest.raises(errors.ChallengeRequired):  # another network is not refused
        send("+79269994567", ip="203.0.114.50")


def test_finding_2_past_the_budget_a_network_that_converts_is_never_refused(send, spent_budget):
    numbers = [f"+7926{n:03d}4567" for n in range(6)]
    for n, phone in enumerate(numbers):  # a real office: people who type their codes
        with pytest.raises(errors.ChallengeRequired) as challenged:
            send(phone, ip=f"203.0.113.{n}")
        send(phone, ip=f"203.0.113.{n}", altcha=solve(challenged.value.extra["challenge"]))
        code = code_from_sms(sms.outbox[-1].text)
        services.log_in(phone=phone, code=code, ip=f"203.0.113.{n}", now=NOW)

    assert [m.phone for m in sms.outbox][-6:] == numbers


def test_finding_2_and_14_a_refused_registered_number_still_gets_its_code(send, spent_budget):
    """Past the budget, a network that spent its share is refused whatever the number, so the
    answer tells no registered number from a new one; a registered one's SMS goes out."""
    drain(send, ip="203.0.113.50", numbers=[f"+7926{n:03d}4567" for n in range(3)])
    make_user(phone="+79998887766")

    answers = []
    for phone in ["+79998887766", "+79998887755"]:
        with pytest.raises(errors.DomainError) as caught:
            send(phone, ip="203.0.113.50")
        answers.append(caught.value.code)

    assert answers == ["sms_unavailable", "sms_unavailable"]
    assert [m.phone for m in sms.outbox][-1] == "+79998887766"


def test_finding_2_the_global_budget_never_refuses_a_returning_number(send, settings):
    """With a small global budget, 6 registered numbers x 10 SMS refused a returning user.
    Past the budget they are answered as new numbers would be, and get their SMS."""
    settings.SMS_DAILY_BUDGET = 5
    settings.SMS_BUDGETS = {}
    registered = [f"+7999888770{n}" for n in range(10)]
    for phone in registered:
        make_user(phone=phone)

    outcomes = pump(send, registered, ip=lambda n: f"192.0.2.{n + 1}")  # one network

    assert outcomes == ["sent"] * 4 + ["solved"] * 4 + ["sms_unavailable"] * 2  # 80 %: a challenge
    assert [m.phone for m in sms.outbox] == registered
