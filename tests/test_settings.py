import subprocess
import sys

import pytest

from .servers import ROOT

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
