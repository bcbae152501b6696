"""Debian's Chromium driven by Playwright (the project cannot download a browser build)."""

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
