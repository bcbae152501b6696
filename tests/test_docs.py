"""The README and .env.example stay true to the settings."""

import re

import pytest

from .servers import ROOT

SETTINGS_FILES = ["config/settings/base.py", "config/settings/production.py", "config/gunicorn.py"]


def variables_read_by_settings() -> set[str]:
    names = set()
    for name in SETTINGS_FILES:
        text = (ROOT / name).read_text()
        names |= set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', text))
        names |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', text))
    return names


def test_settings_read_the_variables_we_expect():
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "OTP_LENGTH"} <= variables_read_by_settings()


@pytest.mark.parametrize("variable", sorted(variables_read_by_settings()))
def test_every_setting_is_documented(variable):
    assert f"`{variable}`" in (ROOT / "README.md").read_text()
    assert re.search(rf"^#? ?{variable}=", (ROOT / ".env.example").read_text(), re.MULTILINE)


def test_the_readme_lists_every_api_path():
    from django.urls import get_resolver

    readme = (ROOT / "README.md").read_text()
    api_paths = {
        "/" + str(pattern.pattern)
        for pattern in get_resolver().url_patterns
        if str(pattern.pattern).startswith("api/")
    }
    assert api_paths
    for path in api_paths:
        assert f"`POST {path}`" in readme or f"`GET {path}`" in readme, path
