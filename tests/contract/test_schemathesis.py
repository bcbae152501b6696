"""Schemathesis fuzzes every operation of the live schema, statefully where links chain them."""

import collections
import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.servers import get

from .conftest import log_in

pytestmark = pytest.mark.live

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
MAX_EXAMPLES = 60


def test_schemathesis_finds_no_server_error_and_no_schema_mismatch(api_server, tmp_path):
    token = log_in(api_server, "+79990000000")["access"]
    events = tmp_path / "events.ndjson"

    result = subprocess.run(  # noqa: S603
        [
            SCHEMATHESIS,
            "run",
            f"{api_server.url}/api/schema/",
            "--checks",
            "all",
            # Phones, codes and invite codes are forgiving yet semantic (a valid number,
            # the right code): JSON Schema cannot say which strings are good, so a
            # schema-valid value that the API refuses with a 4xx is not a failure.
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            "1",
            "--no-color",
            "--header",
            f"Authorization: Bearer {token}",
            "--report",
            "ndjson",
            "--report-ndjson-path",
            str(events),
        ],
        capture_output=True,
        text=True,
        timeout=480,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-6000:]
    cases = cases_per_operation(events)
    operations = documented_operations(api_server)
    print("\nschemathesis cases per operation:", {op: cases.get(op, 0) for op in operations})
    assert len(operations) == 7
    # GET /api/profile_back/ takes no input, so it has only a few distinct cases.
    assert all(cases.get(operation, 0) >= 5 for operation in operations), cases
    assert sum(cases.get(operation, 0) for operation in operations) >= 500


def documented_operations(server) -> list[str]:
    status, raw = get(f"{server.url}/api/schema/?format=json")
    assert status == 200
    paths = json.loads(raw)["paths"]
    return sorted(f"{method.upper()} {path}" for path in paths for method in paths[path])


def cases_per_operation(events: Path) -> dict[str, int]:
    """Test cases sent to each operation, stateful sequences included, from the event log."""
    counts: collections.Counter = collections.Counter()
    for line in events.read_text().splitlines():
        event = json.loads(line)
        if "ScenarioFinished" in event:
            for case in event["ScenarioFinished"]["recorder"].get("cases", {}).values():
                counts[f"{case['value']['method']} {case['value']['path']}"] += 1
    return dict(sorted(counts.items()))
