"""How long the pages' proof-of-work takes in Chromium, on this machine's CPU and slowed
4x as Chrome's DevTools do to emulate a mid-range phone.

    .venv/bin/python bench/challenge_timing.py [--samples N]

For each difficulty (SMS_CHALLENGE_DIFFICULTY = SMS_CHALLENGE_MAX_DIFFICULTY = D, so that
every challenge has maxNumber D), a runserver challenges every new number; the phone form
is sent and the time the ALTCHA widget reports for its work ("took" in its payload) is
read from the form it sends. Prints a table (docs/abuse.md quotes it).
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

DIFFICULTIES = [50_000, 200_000]
SLOWDOWNS = [1, 4]


def solve_times(url: str, browser, slowdown: int, samples: int, first_number: int) -> list[int]:
    times = []
    for n in range(samples):
        page = browser.new_page(locale="ru-RU")
        cdp = page.context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
        page.goto(url + "/ui/phone/")
        page.fill("#phone", f"+7999{str(first_number + n)[::-1]}")  # a new number each time
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
            }
            with DevServer(Path(tempfile.mkdtemp()), **env) as server:
                for k, slowdown in enumerate(SLOWDOWNS):
                    took = solve_times(
                        server.url, browser, slowdown, args.samples, 1_000_000 * (k + 1)
                    )
                    rows.append((difficulty, slowdown, statistics.median(took), max(took)))
        browser.close()
    print("| maxNumber | CPU | median | slowest |")
    print("|---|---|---|---|")
    for difficulty, slowdown, median, slowest in rows:
        cpu = "this machine" if slowdown == 1 else f"{slowdown}x slower (a phone)"
        print(f"| {difficulty:,} | {cpu} | {median / 1000:.2f} s | {slowest / 1000:.2f} s |")


if __name__ == "__main__":
    main()
