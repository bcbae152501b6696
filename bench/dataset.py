"""Data for the benchmark: bulk rows with PostgreSQL COPY, request data with the app's code.

Contract:

- `load_users(url, count, influencers)` fills an empty database. User `i` (ids 1..count)
  has phone `user_phone(i)`, invite code `invite_code(i)`, joined `i` steps into the
  past year, and has a Phone row and one used login code, as if they had signed up.
  Users 1..len(influencers) were invited by exactly `influencers[k]` others each;
  every other user has 0-10 invitees (earlier users more). `invited_by_id` always
  points to a lower id, so the tree has no cycles. Returns the `Population` and the
  seconds each step took.
- `reset(url)` empties every table the benchmark fills or the app writes to.
- `use_app(env)` sets Django up in this process with the server's settings, so that
  tokens and code hashes come from the app's own code (no database access through it).
- `Fixtures` makes wrk items (see bench/wrk.py) for each endpoint; single-use things
  (login codes, refresh tokens, activations, phones that may ask for a code) are
  never handed out twice.
"""

import json
import os
import random
import time
from array import array
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import psycopg

from bench.wrk import item
from harness.servers import get

MAX_ORDINARY_INVITEES = 10
NULL = "\\N"
USER_COLUMNS = (
    "id", "password", "last_login", "is_superuser", "phone", "invite_code",
    "invited_by_id", "invited_at", "date_joined", "is_active", "is_staff",
)  # fmt: skip


def invite_code(user_id: int) -> str:
    """A unique, random-looking code: an odd multiplier permutes 0..32**6-1.

    In the app's own alphabet (use_app() first), as the app draws them.
    """
    from django.conf import settings

    alphabet = settings.INVITE_CODE_ALPHABET
    n = (user_id * 0x2545F491) % 32**6
    return "".join(alphabet[(n >> shift) & 31] for shift in range(25, -1, -5))


def user_phone(user_id: int) -> str:
    return f"+7900{user_id:07d}"


@dataclass
class Population:
    """Who invited whom: indexes are user ids; 0 in `invited_by` means nobody."""

    count: int
    influencers: tuple[int, ...]
    invited_by: array
    invitees: array
    first_ordinary: int
    timings: dict = field(default_factory=dict)

    def ordinary(self) -> range:
        return range(self.first_ordinary, self.count + 1)


def plan(count: int, influencers: tuple[int, ...] = (), seed: int = 1) -> Population:
    invited_by = array("l", [0]) * (count + 1)
    invitees = array("l", [0]) * (count + 1)
    next_id = len(influencers) + 1
    for inviter, n in enumerate(influencers, start=1):
        invited_by[next_id : next_id + n] = array("l", [inviter]) * n
        invitees[inviter] = n
        next_id += n
    if next_id > count:
        raise ValueError("not enough users for the influencers' invitees")
    rng = random.Random(seed)  # noqa: S311 - a repeatable data set, not secrets
    for user in range(next_id + 1, count + 1):
        if rng.random() < 0.5:  # about half the users signed up with someone's code
            inviter = rng.randrange(next_id, user)
            if invitees[inviter] < MAX_ORDINARY_INVITEES:
                invited_by[user] = inviter
                invitees[inviter] += 1
    return Population(count, tuple(influencers), invited_by, invitees, next_id)


def load_users(url: str, count: int, influencers: tuple[int, ...] = ()) -> Population:
    started = time.monotonic()
    population = plan(count, influencers)
    timings = {"plan": time.monotonic() - started}
    step = timedelta(days=365) / count
    first_day = datetime.now(UTC) - timedelta(days=366)
    with psycopg.connect(url, autocommit=True) as conn:
        check_columns(conn, "accounts_user", USER_COLUMNS)
        with conn.transaction(), conn.cursor() as cur:
            # Skips the foreign-key triggers for this load only (we are the superuser);
            # `invited_by_id < id` keeps the references valid, checked below.
            cur.execute("SET LOCAL session_replication_role = replica")
            mark = time.monotonic()
            with cur.copy(f"COPY accounts_user ({', '.join(USER_COLUMNS)}) FROM STDIN") as copy:
                chunk = []
                for user in range(1, count + 1):
                    joined = first_day + step * user
                    inviter = population.invited_by[user]
                    invited_at = _ts(joined + timedelta(seconds=1)) if inviter else NULL
                    chunk.append(
                        f"{user}\t!\t{NULL}\tf\t{user_phone(user)}\t{invite_code(user)}\t"
                        f"{inviter or NULL}\t{invited_at}\t{_ts(joined)}\tt\tf\n"
                    )
                    if len(chunk) == 50_000:
                        copy.write("".join(chunk))
                        chunk.clear()
                copy.write("".join(chunk))
            timings["copy_users"] = time.monotonic() - mark
            mark = time.monotonic()
            cur.execute(
                "INSERT INTO accounts_phone (id, number) SELECT id, phone FROM accounts_user"
            )
            cur.execute(
                """INSERT INTO accounts_phonecode (phone_id, code_hash, sealed_code, created_at,
                       expires_at, used_at)
                   SELECT id, encode(sha256(phone::bytea), 'hex'), '',
                       date_joined - interval '40 s', date_joined + interval '260 s', date_joined
                   FROM accounts_user"""
            )
            timings["phones_and_codes"] = time.monotonic() - mark
            bad = cur.execute(
                """SELECT count(*) FROM accounts_user u
                   LEFT JOIN accounts_user inviter ON inviter.id = u.invited_by_id
                   WHERE u.invited_by_id IS NOT NULL
                     AND (inviter.id IS NULL OR u.invited_by_id >= u.id)"""
            ).fetchone()[0]
            if bad:
                raise RuntimeError(f"{bad} users point to a missing or later inviter")
            for table in ("accounts_user", "accounts_phone", "accounts_phonecode"):
                top = f"SELECT coalesce(max(id), 1) FROM {table}"  # noqa: S608 - our names
                cur.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), ({top}))", [table])
        mark = time.monotonic()
        conn.execute("VACUUM ANALYZE")
        timings["vacuum_analyze"] = time.monotonic() - mark
    timings["total"] = time.monotonic() - started
    population.timings = {name: round(seconds, 1) for name, seconds in timings.items()}
    return population


def _ts(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="milliseconds")


def check_columns(conn, table: str, columns: tuple[str, ...]) -> None:
    """Fail clearly if the table no longer matches the rows we write."""
    rows = conn.execute(
        "SELECT column_name, is_nullable, column_default FROM information_schema.columns "
        "WHERE table_name = %s",
        [table],
    ).fetchall()
    real = {name for name, _, _ in rows}
    missing = set(columns) - real
    required = {name for name, nullable, default in rows if nullable == "NO" and default is None}
    unfilled = required - set(columns) - {"id"}
    if missing or unfilled:
        raise RuntimeError(f"{table} changed: missing {missing}, unfilled NOT NULL {unfilled}")


def reset(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        tables = "accounts_user, accounts_phone"  # CASCADE: codes, their SMS and wrong guesses
        for attempt in range(5):  # a request still finishing may hold a lock on one of them
            try:
                conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
                break
            except psycopg.errors.DeadlockDetected:
                if attempt == 4:
                    raise
                time.sleep(1)
        conn.execute("VACUUM ANALYZE")


def server_version(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def use_app(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()


def access_tokens(user_ids) -> list[str]:
    from rest_framework_simplejwt.tokens import AccessToken

    from referral.accounts.models import User

    return [str(AccessToken.for_user(User(id=user_id))) for user_id in user_ids]


class Fixtures:
    """wrk items for each endpoint, on one loaded `Population`.

    Phones for request_code and verify_code come from their own number blocks
    (`+79<block>xxxxxxx`), distinct from the users' `+7900...`.
    """

    def __init__(self, url: str, population: Population, *, blocks: tuple[str, str]):
        self.url, self.population = url, population
        self.request_block, self.verify_block = blocks
        self.rng = random.Random(2)  # noqa: S311 - test data, not secrets
        self.phones_asked = 0
        self.phones_verified = 0
        ordinary = population.ordinary()
        self.activators = [
            user
            for user in ordinary
            if not population.invited_by[user] and not population.invitees[user]
        ]
        self.rng.shuffle(self.activators)
        invited = [user for user in ordinary if population.invited_by[user]]
        self.targets = self.rng.sample(invited, min(1000, len(invited)))
        self._allow_the_load_generator()

    def _allow_the_load_generator(self) -> None:
        """wrk asks for new numbers in a row from one address and never logs in: to the
        SMS-pumping defence that is pumping. Operator allow rules let it through; the
        signals are still read and written on every request, so their cost is measured."""
        from django.utils import timezone

        from referral.abuse.models import Rule

        targets = [("source", "127.0.0.1/32")] + [
            ("prefix", f"+79{block}") for block in (self.request_block, self.verify_block)
        ]
        for kind, value in targets:  # the ORM, so that the cached rules are dropped
            Rule.objects.get_or_create(
                kind=kind,
                value=value,
                defaults={"action": "allow", "reason": "make bench", "created_at": timezone.now()},
            )

    def profile(self, users: int = 1000) -> list[str]:
        """Ordinary users (0-10 invitees); reusable, so wrk cycles through them."""
        sample = self.rng.sample(self.population.ordinary(), users)
        return [item("GET", "/api/profile_back/", token) for token in access_tokens(sample)]

    def profile_of(self, user_id: int) -> list[str]:
        return [item("GET", "/api/profile_back/", access_tokens([user_id])[0])]

    def invitee_pages(self, base_url: str, user_id: int, pages: int = 100) -> list[str]:
        """The first `pages` cursor pages (50 each, newest first), by following `next`."""
        token = access_tokens([user_id])[0]
        path, found = "/api/profile_back/invited_users/?limit=50", []
        for _ in range(pages):
            found.append(item("GET", path, token))
            status, body = get(base_url + path, {"Authorization": f"Bearer {token}"})
            if status != 200:
                raise RuntimeError(f"invitee list answered {status}: {body[:200]!r}")
            following = json.loads(body)["next"]
            if not following:
                break
            parts = urlsplit(following)
            path = f"{parts.path}?{parts.query}"
        return found

    def request_code(self, count: int) -> list[str]:
        """Phones that never asked for a code (one code per phone per 60 s)."""
        first, self.phones_asked = self.phones_asked, self.phones_asked + count
        return [
            item(
                "POST",
                "/api/auth/request_code/",
                body={"phone": self._phone(self.request_block, k)},
            )
            for k in range(first, first + count)
        ]

    def verify_code(self, count: int) -> list[str]:
        """New phones, each with a fresh login code stored as the app stores it (a sign-up)."""
        from referral.accounts.services import login_code_hash

        first, self.phones_verified = self.phones_verified, self.phones_verified + count
        phones = [self._phone(self.verify_block, k) for k in range(first, first + count)]
        codes = [f"{self.rng.randrange(10_000):04d}" for _ in phones]
        now = datetime.now(UTC)
        with psycopg.connect(self.url) as conn, conn.cursor() as cur:
            ids = _reserve_ids(cur, "accounts_phone", count)
            with cur.copy("COPY accounts_phone (id, number) FROM STDIN") as copy:
                for phone_id, phone in zip(ids, phones, strict=True):
                    copy.write_row((phone_id, phone))
            columns = "phone_id, code_hash, sealed_code, created_at, expires_at"
            with cur.copy(f"COPY accounts_phonecode ({columns}) FROM STDIN") as copy:
                for phone_id, phone, code in zip(ids, phones, codes, strict=True):
                    copy.write_row(
                        (
                            phone_id,
                            login_code_hash(phone=phone, code=code),
                            "",
                            now,
                            now + timedelta(hours=4),
                        )
                    )
        return [
            item("POST", "/api/auth/verify_code/", body={"phone": phone, "code": code})
            for phone, code in zip(phones, codes, strict=True)
        ]

    def activate_invite(self, count: int) -> list[str]:
        """Users who never activated a code and invited nobody, each once, with the code of
        an invited user (so the cycle check walks a real upline). On a small population
        there may be fewer than `count` left: the run then says its data ran out."""
        users, self.activators = self.activators[:count], self.activators[count:]
        return [
            item(
                "POST",
                "/api/profile_back/activate_invite/",
                token,
                {"code": invite_code(self.rng.choice(self.targets))},
            )
            for token in access_tokens(users)
        ]

    def token_refresh(self, count: int) -> list[str]:
        """Fresh refresh tokens of ordinary users, registered as outstanding like the app's."""
        from rest_framework_simplejwt.tokens import BlacklistMixin, RefreshToken
        from rest_framework_simplejwt.utils import datetime_from_epoch

        from referral.accounts.models import User

        users = [self.rng.choice(self.population.ordinary()) for _ in range(count)]
        # RefreshToken.for_user also inserts the OutstandingToken row, one query each;
        # the same token without that insert, and the rows with COPY, are much faster.
        tokens = [super(BlacklistMixin, RefreshToken).for_user(User(id=user)) for user in users]
        raw = [str(token) for token in tokens]
        columns = "jti, token, created_at, expires_at, user_id"
        copy_sql = f"COPY token_blacklist_outstandingtoken ({columns}) FROM STDIN"
        with psycopg.connect(self.url) as conn, conn.cursor().copy(copy_sql) as copy:
            for user, token, text in zip(users, tokens, raw, strict=True):
                expires = datetime_from_epoch(token["exp"])
                copy.write_row((token["jti"], text, token.current_time, expires, user))
        return [item("POST", "/api/auth/token/refresh/", body={"refresh": text}) for text in raw]

    @staticmethod
    def _phone(block: str, k: int) -> str:
        return f"+79{block}{k:07d}"


def _reserve_ids(cur, table: str, count: int) -> list[int]:
    cur.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, count],
    )
    return [row[0] for row in cur.fetchall()]
