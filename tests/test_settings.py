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
    "secret", [None, "", "short", "django-insecure-development-only-key-do-not-use-in-production"]
)
def test_production_refuses_to_start_without_a_real_secret_key(secret):
    env = {"DEBUG": "false"} if secret is None else {"DEBUG": "false", "SECRET_KEY": secret}

    result = run_check(**env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = run_check(DEBUG="false", SECRET_KEY="k" * 50, ALLOWED_HOSTS="example.com")

    assert result.returncode == 0, result.stderr
