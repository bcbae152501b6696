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
        DevServer(Path(tmp), SMS_RISK="false") as server,  # many sign-ups from one address
        sync_playwright() as p,
    ):
        browser = launch(p)
        codes = {}
        for size_name, size, phone in [
            ("phone", PHONE_SIZE, "+79990001122"),
            ("desktop", DESKTOP_SIZE, "+79990002233"),
        ]:
            page = browser.new_page(viewport=size, locale="ru-RU")
            page.goto(f"{server.url}/ui/phone/")
            page.fill("#phone", phone)
            page.screenshot(path=OUT / f"phone-{size_name}.png", full_page=True)
            page.click(SUBMIT)
            page.wait_for_url("**/ui/code/")
            page.screenshot(path=OUT / f"code-{size_name}.png", full_page=True)
            page.fill("#code", server.sms_code(phone))  # the last digit sends the form
            page.wait_for_url("**/ui/profile/")
            codes[size_name] = page.inner_text("#invite-code")
            for n in range(3):  # a few invitees make the list visible
                sign_up(server, f"+7999000{size_name == 'phone':d}{n:03d}", codes[size_name])
            page.reload()
            page.screenshot(path=OUT / f"profile-{size_name}.png", full_page=True)
            if size_name == "phone":
                page.emulate_media(color_scheme="dark")
                page.screenshot(path=OUT / "profile-phone-dark.png", full_page=True)
            page.close()

        # A share link as the person it was sent to sees it, and the phone page in the dark.
        page = browser.new_page(viewport=PHONE_SIZE, locale="ru-RU")
        page.goto(f"{server.url}/r/{codes['phone']}/")
        page.screenshot(path=OUT / "share-phone.png", full_page=True)
        page.emulate_media(color_scheme="dark")
        page.goto(f"{server.url}/ui/phone/")
        page.screenshot(path=OUT / "phone-phone-dark.png", full_page=True)
        browser.close()
    print(f"Saved to {OUT}")


SUBMIT = "main form button[type=submit]"


def sign_up(server, phone: str, invite_code: str) -> None:
    post_json(f"{server.url}/api/auth/request_code/", f'{{"phone": "{phone}"}}'.encode())
    post_json(
        f"{server.url}/api/auth/verify_code/",
        f'{{"phone": "{phone}", "code": "{server.sms_code(phone)}", '
        f'"invite_code": "{invite_code}"}}'.encode(),
    )


if __name__ == "__main__":
    main()
