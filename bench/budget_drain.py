"""The budget-drain attack of `make abuse-sim` (issue 21, finding 2): spend a country's daily
SMS budget from many networks, then see whether real new users are refused.

A botnet of IPv4 addresses, each in a /24 of its own, asks for new numbers in random
prefixes (so no prefix signal sees it), solves every challenge and never types a code;
each address goes on until it is refused. While it runs, a real new user (a new number,
from an address in a /24 no one else uses, solving its challenge) asks for a code every
half second, and five more times once the botnet is done. Played on the production stack
on loopback, in real time, twice: with SMS_BUDGET_OVERFLOW_PER_NETWORK=0 (a spent budget
refuses every network without converting history: what a spent budget did before) and at
the defaults.
"""

import json
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import phonenumbers

from harness.challenge import solve
from harness.fake_smsru import FakeSmsRu
from harness.servers import free_port, post_json
from harness.stack import Stack


@dataclass
class Tally:
    addresses: int = 0
    requests: int = 0
    sms: int = 0
    solves: int = 0
    refusals: Counter = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)
    probes: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def play(*, budget: int, networks: int, overflow: int | None, seed: int = 21) -> dict:
    """One run; `overflow` None keeps the default SMS_BUDGET_OVERFLOW_PER_NETWORK."""
    env = {
        "SMS_BUDGETS": f"RU:{budget}",
        "SMS_DAILY_BUDGET": str(budget * 10),
        "TRUSTED_PROXY_COUNT": "1",
        "LOG_LEVEL": "WARNING",
        "SMS_GATEWAY": "referral.accounts.sms.SmsRuGateway",
        "SMSRU_API_ID": "budget-drain",
    }
    if overflow is not None:
        env["SMS_BUDGET_OVERFLOW_PER_NETWORK"] = str(overflow)
    rng = random.Random(seed)  # noqa: S311 - simulation
    numbers = _numbers(rng)
    provider = FakeSmsRu(port=free_port())
    with provider, Stack(SMSRU_URL=provider.url, **env) as stack:
        url = stack.app_server(workers=4).url + "/api/auth/request_code/"
        tally = Tally()
        done = threading.Event()
        prober = threading.Thread(target=_prober, args=(url, numbers, tally, done))
        prober.start()
        with ThreadPoolExecutor(8) as pool:
            for future in [
                pool.submit(_bot, url, f"45.{n // 256}.{n % 256}.7", numbers, tally)
                for n in range(networks)
            ]:
                future.result()
        done.set()
        prober.join()
    refused = [probe for probe in tally.probes if probe["status"] != 200]
    return {
        "budget": budget,
        "botnet_networks": networks,
        "botnet_addresses_used": tally.addresses,
        "botnet_requests": tally.requests,
        "botnet_sms": tally.sms,
        "botnet_solves": tally.solves,
        "botnet_refusals": dict(tally.refusals),
        "seconds": round(time.monotonic() - tally.started, 1),
        "real_users": len(tally.probes),
        "real_refused": len(refused),
        "first_refusal": refused[0] if refused else None,
    }


def _bot(url: str, ip: str, numbers, tally: Tally) -> None:
    with tally.lock:
        tally.addresses += 1
    for _ in range(12):  # more than an address gets before it is blocked (8 SMS)
        status, solves = ask(url, next(numbers), ip)
        with tally.lock:
            tally.requests += 1
            tally.solves += solves
            tally.sms += status == 200
            if status != 200:
                tally.refusals[status] += 1
        if status != 200:
            return


def _prober(url: str, numbers, tally: Tally, done: threading.Event) -> None:
    """A real new user every half second while the botnet runs, and five after it."""
    after = 0
    while after < 5:
        n = len(tally.probes)
        status, _ = ask(url, next(numbers), f"81.{n // 256}.{n % 256}.10")
        with tally.lock:
            tally.probes.append(
                {
                    "status": status,
                    "botnet_addresses": tally.addresses,
                    "botnet_sms": tally.sms,
                    "botnet_solves": tally.solves,
                    "seconds": round(time.monotonic() - tally.started, 1),
                }
            )
        after += done.is_set()
        time.sleep(0.5)


def ask(url: str, phone: str, ip: str) -> tuple[int, int]:
    """request_code as a client that solves its challenges: the last status, and the solves."""
    body, solves = {"phone": phone}, 0
    for _ in range(3):
        status, raw = post_json(url, json.dumps(body).encode(), {"X-Forwarded-For": ip})
        if status != 428:
            return status, solves
        body = {"phone": phone, "altcha": solve(json.loads(raw)["challenge"])}
        solves += 1
    return status, solves


def _numbers(rng: random.Random):
    """New Russian mobile numbers in random prefixes, never the same twice (thread-safe)."""
    lock, used = threading.Lock(), set()

    def draw() -> str:
        while True:
            number = "+79" + "".join(rng.choice("0123456789") for _ in range(9))
            parsed = phonenumbers.parse(number)
            if number not in used and (
                phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
            ):
                used.add(number)
                return number

    class Numbers:
        def __next__(self) -> str:
            with lock:
                return draw()

    return Numbers()
