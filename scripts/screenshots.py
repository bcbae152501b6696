"""Screenshots of the three pages at phone and desktop sizes, into docs/screenshots/."""

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from harness.browser import DESKTOP_SIZE, PHONE_SIZE, launch  # noqa: E402
from harness.servers import DevServer, post_json  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        DevServer(Path(tmp)) as server,
        sync_playwright() as p,
    ):
        browser = launch(p)
        for size_name, size, phone in [
            ("phone", PHONE_SIZE, "+79990001122"),
            ("desktop", DESKTOP_SIZE, "+79990002233"),
        ]:
            page = browser.new_page(viewport=size, locale="ru-RU")
            page.goto(f"{server.url}/ui/phone/")
            page.fill("#phone", phone)
            page.screenshot(path=OUT / f"phone-{size_name}.png", full_page=True)
            page.click("button[type=submit]")
            page.wait_for_url("**/ui/code/")
            page.screenshot(path=OUT / f"code-{size_name}.png", full_page=True)
            page.fill("#code", server.sms_code(phone))  # the last digit sends the form
            page.wait_for_url("**/ui/profile/")
            for n in range(3):  # a few invitees make the list visible
                invitee = f"+7999000{size_name == 'phone':d}{n:03d}"
                code = page.inner_text("#invite-code")
                post_json(
                    f"{server.url}/api/auth/request_code/", f'{{"phone": "{invitee}"}}'.encode()
                )
                post_json(
                    f"{server.url}/api/auth/verify_code/",
                    f'{{"phone": "{invitee}", "code": "{server.sms_code(invitee)}", '
                    f'"invite_code": "{code}"}}'.encode(),
                )
            page.reload()
            page.screenshot(path=OUT / f"profile-{size_name}.png", full_page=True)
            page.close()
        browser.close()
    print(f"Saved to {OUT}")


if __name__ == "__main__":
    main()
