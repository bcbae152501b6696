"""Debian's Chromium driven by Playwright (the project cannot download a browser build)."""

import re

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE_SIZE = {"width": 360, "height": 780}
DESKTOP_SIZE = {"width": 1280, "height": 800}


def launch(playwright, *, back_forward_cache: bool = False):
    """Chromium; with `back_forward_cache`, as real Chrome ships it (Playwright turns it off)."""
    ignored = ["--disable-back-forward-cache"] if back_forward_cache else None
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, ignore_default_args=ignored
    )


def last_code(server, phone: str, count: int = 1) -> str:
    """The code in the count-th SMS the console gateway printed for `phone`."""
    lines = server.wait_for_lines(lambda line: line.startswith(f"[SMS] to {phone}:"), count)
    assert len(lines) >= count, "".join(server.lines[-20:])
    return re.search(r"(\d+)\s*$", lines[-1]).group(1)
