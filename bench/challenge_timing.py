"""How long the pages' proof-of-work takes in Chromium on this machine.

DevTools' CPU throttling does not slow Web Workers, where ALTCHA works, so it cannot
stand in for a phone here: the figures are this machine's (2 vCPUs, 2 workers).

    .venv/bin/python bench/challenge_timing.py [--samples N]

For the default difficulty of one reason and the default maximum (a runserver with both
set to D challenges every new number), the phone form is sent and the time the ALTCHA
widget reports for its work ("took" in its payload) is read from the form it sends.
Prints a table (the README quotes it).
"""

import argparse
import base64
import json
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from harness.browser import launch  # noqa: E402
from harness.servers import DevServer  # noqa: E402

DIFFICULTIES = [20_000, 100_000]


def solve_times(url: str, browser, samples: int) -> list[int]:
    times = []
    for n in range(samples):
        page = browser.new_page(locale="ru-RU")
        page.goto(url + "/ui/phone/")
        page.fill("#phone", f"+7999{str(1_000_000 + n)[::-1]}")  # a new number each time
        with page.expect_request(
            lambda r: "altcha=" in (r.post_data or ""), timeout=60_000
        ) as sent:
            page.click("button[type=submit]")
        form = parse_qs(sent.value.post_data)
        times.append(json.loads(base64.b64decode(form["altcha"][0]))["took"])
        page.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=10)
    args = parser.parse_args()
    rows = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for difficulty in DIFFICULTIES:
            env = {
                "SMS_BUDGET_CHALLENGE_SHARE": "0",
                "SMS_CHALLENGE_DIFFICULTY": str(difficulty),
                "SMS_CHALLENGE_MAX_DIFFICULTY": str(difficulty),
                "SMS_CONSOLE_DELAY_MIN": "0",
                "SMS_CONSOLE_DELAY_MAX": "0",
                # Many codes from one address, none typed: it would be blocked after 8.
                "SMS_RISK_BLOCK_MIN_SENT": "100000",
            }
            with DevServer(Path(tempfile.mkdtemp()), **env) as server:
                took = solve_times(server.url, browser, args.samples)
                rows.append((difficulty, statistics.median(took), max(took)))
        browser.close()
    print(f"| maxNumber | median of {args.samples} | slowest |")
    print("|---|---|---|")
    for difficulty, median, slowest in rows:
        print(f"| {difficulty:,} | {median / 1000:.2f} s | {slowest / 1000:.2f} s |")


if __name__ == "__main__":
    main()
