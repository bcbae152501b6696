"""The README and .env.example stay true to the settings."""

import json
import re

import pytest
from django.core.management import call_command

from harness.servers import ROOT

SETTINGS_FILES = ["config/settings/base.py", "config/settings/production.py", "config/gunicorn.py"]


def variables_read_by_settings() -> set[str]:
    names = set()
    for name in SETTINGS_FILES:
        text = (ROOT / name).read_text()
        names |= set(re.findall(r'(?:env\.\w+|whole|number)\(\s*"([A-Z_]+)"', text))
        names |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', text))
    return names


def test_settings_read_the_variables_we_expect():
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "OTP_LENGTH"} <= variables_read_by_settings()


@pytest.mark.parametrize("variable", sorted(variables_read_by_settings()))
def test_every_setting_is_documented(variable):
    assert f"`{variable}`" in (ROOT / "README.md").read_text()
    assert re.search(rf"^#? ?{variable}=", (ROOT / ".env.example").read_text(), re.MULTILINE)


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    """The OpenAPI schema, generated and validated as `make test` would: no warning allowed."""
    out = tmp_path_factory.mktemp("schema") / "schema.json"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        "--file",
        str(out),
    )
    return json.loads(out.read_text())


def test_the_readme_documents_exactly_the_operations_in_the_schema(schema):
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^### `(GET|POST) (/api/\S+)`", readme, re.MULTILINE))
    in_schema = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
    }

    assert documented == in_schema


def test_every_operation_has_a_summary_and_documents_its_errors(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            errors = {status for status in operation["responses"] if status >= "400"}
            assert errors, (method, path)
            for status in errors:
                examples = operation["responses"][status]["content"]["application/json"]["examples"]
                assert all("code" in example["value"] for example in examples.values())


def test_every_domain_error_code_is_in_the_schema_and_the_readme(schema):
    from referral.core.errors import DomainError

    text = json.dumps(schema)
    readme = (ROOT / "README.md").read_text()
    for error in DomainError.__subclasses__():
        assert f'"code": "{error.code}"' in text, error.code
        assert f"`{error.code}`" in readme, error.code


def test_protected_operations_declare_the_bearer_scheme(schema):
    assert schema["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"
    profile = schema["paths"]["/api/profile_back/"]["get"]
    login = schema["paths"]["/api/auth/verify_code/"]["post"]
    assert {"jwtAuth": []} in profile["security"]
    assert "security" not in login or login["security"] in ([], [{}])
