"""The Postman collection in docs/ runs green with newman against a live server."""

import json
import subprocess

import pytest

from harness.servers import ROOT

pytestmark = pytest.mark.live

NEWMAN = ROOT / "node_modules" / ".bin" / "newman"


def test_the_postman_collection_passes_with_newman(api_server, tmp_path):
    report = tmp_path / "newman.json"

    result = subprocess.run(  # noqa: S603
        [
            str(NEWMAN),
            "run",
            str(ROOT / "docs" / "postman_collection.json"),
            "--environment",
            str(ROOT / "docs" / "postman_environment.json"),
            "--env-var",
            f"baseUrl={api_server.url}",
            "--reporters",
            "cli,json",
            "--reporter-json-export",
            str(report),
            "--color",
            "off",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-6000:]
    run = json.loads(report.read_text())["run"]
    assert run["stats"]["requests"] == {"total": 21, "pending": 0, "failed": 0}
    assert run["stats"]["assertions"]["failed"] == 0
    assert run["stats"]["assertions"]["total"] >= 64
