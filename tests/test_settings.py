import re
import shutil
import subprocess
import sys

import pytest

from harness.servers import ROOT

CHECK = [sys.executable, "manage.py", "check"]


def run_check(**env):
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    return subprocess.run(  # noqa: S603
        CHECK, cwd=ROOT, env={**base, **env}, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    "secret",
    [None, "", "short", "k" * 60, "django-insecure-development-only-key-do-not-use-in-production"],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret):
    env = {"DEBUG": "false"} if secret is None else {"DEBUG": "false", "SECRET_KEY": secret}

    result = run_check(**env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = run_check(
        DEBUG="false",
        SECRET_KEY="a-real-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="example.com",
    )

    assert result.returncode == 0, result.stderr


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "a-real-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DATABASE_URL": "postgres://u@127.0.0.1:1/x",
    "REDIS_URL": "redis://127.0.0.1:1/0",
}


@pytest.mark.parametrize(
    ("missing", "named"),
    [("SECRET_KEY", "SECRET_KEY"), ("REDIS_URL", "REDIS_URL"), ("DATABASE_URL", "DATABASE_URL")],
)
def test_production_settings_refuse_to_start_without(missing, named):
    env = {key: value for key, value in PRODUCTION.items() if key != missing}

    result = run_check(**env)

    assert result.returncode != 0
    assert named in result.stderr


def test_production_settings_start_with_everything_set():
    result = run_check(**PRODUCTION)

    assert result.returncode == 0, result.stderr


def test_test_phone_numbers_are_refused_with_debug_off_unless_allowed():
    numbers = {"TEST_PHONE_NUMBERS": "+79990000000:1234"}

    refused = run_check(**PRODUCTION, **numbers)
    allowed = run_check(**PRODUCTION, **numbers, ALLOW_TEST_PHONE_NUMBERS="true")
    in_development = run_check(**numbers)

    assert refused.returncode != 0 and "ALLOW_TEST_PHONE_NUMBERS" in refused.stderr
    assert allowed.returncode == 0, allowed.stderr
    assert in_development.returncode == 0, in_development.stderr


@pytest.mark.parametrize("value", ["79990000000:1234", "+79990000000:12", "+79990000000:abcd"])
def test_malformed_test_phone_numbers_are_refused(value):
    result = run_check(TEST_PHONE_NUMBERS=value)

    assert result.returncode != 0
    assert "TEST_PHONE_NUMBERS" in result.stderr


def settings_value(name: str, **env) -> str:
    """A setting as the development settings compute it in a fresh process."""
    code = f"from django.conf import settings; print(settings.{name})"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-v0", "-c", code],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},  # manage.py chooses the settings
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def import_settings(module="config.settings.base", **env) -> subprocess.CompletedProcess:
    """Import a settings module in a fresh process, as every start-up does."""
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import {module}"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_development_generates_its_own_secret_key_once():
    """Issue 9, finding 13: with DEBUG on and no SECRET_KEY, the committed key signed real JWTs."""
    first, second = settings_value("SECRET_KEY"), settings_value("SECRET_KEY")

    assert first == second
    assert len(first) >= 50 and not first.startswith("django-insecure")
    key_file = ROOT / ".run" / "secret_key"
    assert key_file.read_text().strip() == first
    assert key_file.stat().st_mode & 0o077 == 0
    assert "development-only-key" not in (ROOT / "config" / "settings" / "base.py").read_text()


def test_an_explicit_secret_key_wins_in_development():
    key = "explicit-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"

    assert settings_value("SECRET_KEY", SECRET_KEY=key) == key


NUMERIC = {
    "OTP_LENGTH": ["3", "9"],
    "OTP_TTL_SECONDS": ["0", "-5"],
    "OTP_MAX_ATTEMPTS": ["0"],
    "OTP_RESEND_SECONDS": ["-1"],
    "OTP_PER_PHONE_PER_HOUR": ["0"],
    "OTP_PER_PHONE_PER_DAY": ["0"],
    "OTP_PER_PHONE_AND_IP_PER_HOUR": ["0"],
    "OTP_PER_PHONE_AND_IP_PER_DAY": ["0"],
    "OTP_PER_IP_PER_HOUR": ["0"],
    "SMS_DAILY_BUDGET": ["0"],
    "VERIFY_PER_IP_PER_HOUR": ["0"],
    "LOGIN_FAILURES_PER_IP": ["0"],
    "LOGIN_FAILURES_PER_PHONE": ["0"],
    "INVITE_ACTIVATIONS_PER_USER_PER_HOUR": ["0"],
    "ACCESS_TOKEN_MINUTES": ["0"],
    "REFRESH_TOKEN_DAYS": ["0"],
    "TRUSTED_PROXY_COUNT": ["-1", "11"],
    "DB_CONN_MAX_AGE": ["-1"],
    "SMS_TIMEOUT_SECONDS": ["0"],
    "SMS_MAX_TRIES": ["0"],
    "SMS_CONSOLE_DELAY_MIN": ["-1"],
    "SMS_CONSOLE_DELAY_MAX": ["-1", "61"],
    "LOGIN_RECORDS_RETENTION_DAYS": ["0"],
    "SMS_WORKER_THREADS": ["0", "257"],
    "SMS_LEASE_SECONDS": ["4"],
    "SMS_POLL_SECONDS": ["0"],
    "SMS_MIN_VALIDITY_SECONDS": ["-1", "300"],
    "SMS_QUEUE_WARN_DEPTH": ["0"],
    "SMS_QUEUE_WARN_AGE_SECONDS": ["0"],
    "CLEANUP_INTERVAL_SECONDS": ["0"],
    "WEBHOOKS_TIMEOUT_SECONDS": ["0", "31"],
    "WEBHOOKS_DISABLE_AFTER_DAYS": ["0"],
    "WEBHOOKS_SECRET_OVERLAP_HOURS": ["-1"],
    "WEBHOOKS_WORKER_THREADS": ["0", "65"],
    "WEBHOOKS_POLL_SECONDS": ["0"],
    "WEBHOOK_LOG_RETENTION_DAYS": ["1"],
    "ADMIN_LOGIN_FAILURES_BEFORE_DELAY": ["0"],
    "DEVICE_COOKIE_DAYS": ["0", "3651"],
    "DEVICE_FAILURES_LIMIT": ["0", "101"],
    "SECURE_HSTS_SECONDS": ["-1"],
    "SMS_RISK_PREFIX_DIGITS": ["0", "15"],
    "SMS_RISK_WINDOW_SECONDS": ["59"],
    "SMS_RISK_MIN_SENT": ["0"],
    "SMS_RISK_PREFIX_BLOCK_MIN_SENT": ["0"],
    "SMS_BUDGET_OVERFLOW_PER_NETWORK": ["-1", "1001"],
    "SMS_RISK_CONVERSION": ["-0.1", "1.1"],
    "SMS_RISK_BLOCK_MIN_SENT": ["0"],
    "SMS_RISK_BLOCK_CONVERSION": ["-1"],
    "SMS_RISK_BLOCK_SECONDS": ["59"],
    "SMS_RISK_BURST": ["1"],
    "SMS_CHALLENGE_DIFFICULTY": ["99", "10000001"],
    "SMS_CHALLENGE_MAX_DIFFICULTY": ["19999"],
    "SMS_CHALLENGE_TTL_SECONDS": ["29"],
    "SMS_BUDGET_CHALLENGE_SHARE": ["1.5"],
}


@pytest.mark.parametrize(
    ("variable", "value"), [(name, value) for name, values in NUMERIC.items() for value in values]
)
def test_numeric_settings_out_of_range_are_refused_at_start_up(variable, value):
    """Issue 9, finding 14: LOGIN_FAILURES_BEFORE_PAUSE=0 divided by zero at the first failure."""
    result = import_settings("config.settings.production", **PRODUCTION, **{variable: value})

    assert result.returncode != 0
    assert variable in result.stderr.splitlines()[-1]


@pytest.mark.parametrize("value", ["abc", "1.5"])
def test_numeric_settings_that_are_not_numbers_are_refused(value):
    result = import_settings(OTP_TTL_SECONDS=value)

    assert result.returncode != 0
    assert "OTP_TTL_SECONDS" in result.stderr.splitlines()[-1]


def test_every_numeric_setting_is_range_checked():
    text = "".join(
        (ROOT / "config" / "settings" / n).read_text() for n in ("base.py", "production.py")
    )

    assert not re.findall(r"env\.(?:int|float)\(", text)
    assert set(re.findall(r'(?:whole|number)\(\s*"([A-Z_]+)"', text)) == set(NUMERIC)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"OTP_PER_PHONE_AND_IP_PER_HOUR": "10", "OTP_PER_PHONE_PER_HOUR": "10"}, "OTP_PER_PHONE"),
        ({"OTP_PER_PHONE_AND_IP_PER_DAY": "30", "OTP_PER_PHONE_PER_DAY": "20"}, "OTP_PER_PHONE"),
        ({"LOGIN_FAILURES_PER_IP": "50", "LOGIN_FAILURES_PER_PHONE": "50"}, "LOGIN_FAILURES"),
        ({"SMS_CONSOLE_DELAY_MIN": "3", "SMS_CONSOLE_DELAY_MAX": "2"}, "SMS_CONSOLE_DELAY"),
        ({"SMS_TIMEOUT_SECONDS": "30", "SMS_LEASE_SECONDS": "30"}, "SMS_LEASE_SECONDS"),
        ({"SMS_RISK_MIN_SENT": "8", "SMS_RISK_BLOCK_MIN_SENT": "8"}, "SMS_RISK_MIN_SENT"),
        ({"SMS_RISK_BLOCK_CONVERSION": "0.3"}, "SMS_RISK_BLOCK_CONVERSION"),
        ({"SMS_BUDGETS": "RU:3000,KZ:2000"}, "SMS_DAILY_BUDGET"),
    ],
)
def test_limits_that_would_let_one_address_lock_a_phone_are_refused(env, named):
    """One address must never be able to use up what a phone has in all (issue 9, finding 2)."""
    result = import_settings(**env)

    assert result.returncode != 0
    assert named in result.stderr.splitlines()[-1]


@pytest.mark.parametrize("value", ["RU", "RU:", "RU:0", "RU:-5", "ru:10", "7999:10", "+7 999:5"])
def test_malformed_sms_budgets_are_refused(value):
    result = import_settings(SMS_BUDGETS=value)

    assert result.returncode != 0
    assert "SMS_BUDGETS" in result.stderr.splitlines()[-1]


def test_sms_budgets_name_countries_and_prefixes():
    value = settings_value("SMS_BUDGETS", SMS_BUDGETS=" RU:1000, KZ:100 ,+7999123:50,")

    assert value == "{'RU': 1000, 'KZ': 100, '+7999123': 50}"


def test_each_allowed_country_gets_a_budget_by_default():
    assert (
        settings_value("SMS_BUDGETS", PHONE_ALLOWED_REGIONS="RU,KZ") == "{'RU': 1000, 'KZ': 1000}"
    )


def app_server_settings(module: str, **env) -> subprocess.CompletedProcess:
    code = f"import {module}; from django.conf import settings; print(settings.DEBUG)"
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi"])
def test_app_servers_default_to_production_settings(module):
    """Issue 9, finding 15: without DJANGO_SETTINGS_MODULE they ran with DEBUG on."""
    bare = app_server_settings(module)
    configured = app_server_settings(
        module, **{k: v for k, v in PRODUCTION.items() if k != "DJANGO_SETTINGS_MODULE"}
    )

    assert bare.returncode != 0 and "SECRET_KEY" in bare.stderr
    assert configured.returncode == 0, configured.stderr
    assert configured.stdout.strip() == "False"


def test_manage_py_stays_on_development_settings():
    assert settings_value("DEBUG") == "True"


def test_production_refuses_test_hooks():
    result = import_settings("config.settings.production", **PRODUCTION, INVITE_CODE_ALPHABET="01")

    assert result.returncode != 0
    assert "INVITE_CODE_ALPHABET" in result.stderr.splitlines()[-1]


@pytest.fixture
def project_copy(tmp_path):
    """The app's code and settings in a scratch folder, where a .env can be written safely."""
    for name in ["config", "referral"]:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns(".run"))
    (tmp_path / ".env").write_text("OTP_LENGTH=6\n")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "otp_length"), [("config.settings.base", "6"), ("config.settings.production", "4")]
)
def test_the_env_file_is_read_in_development_only(project_copy, module, otp_length):
    code = f"import {module} as s; print(s.OTP_LENGTH)"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=project_copy,
        env={"PATH": "/usr/bin:/bin", **PRODUCTION, "DJANGO_SETTINGS_MODULE": module},
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() == otp_length


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "sqlite:///db.sqlite3"),
        ("DATABASE_URL", "mysql://u@127.0.0.1/x"),
        ("REDIS_URL", "locmemcache://"),
        ("REDIS_URL", "memcache://127.0.0.1:11211"),
    ],
)
def test_the_settings_refuse_sqlite_and_a_cache_in_process_memory(variable, value):
    """Issue 22: one engine everywhere; the message says what to do instead."""
    result = run_check(**{**PRODUCTION, variable: value})

    assert result.returncode != 0
    assert variable in result.stderr.splitlines()[-1]
