"""`manage.py createsuperuser` at a real terminal (a pseudo-terminal), as an operator runs it."""

import os
import re
import select
import subprocess
import time

import pytest

from harness.servers import MANAGE, ROOT, RedisServer, shared_postgres

PASSWORD = "a-long-passphrase-1"
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


class Terminal:
    """A command on a pseudo-terminal of its own (its controlling terminal, so getpass reads
    from it too); everything it wrote is kept in `screen`."""

    def __init__(self, command: list[str], env: dict):
        self.master, tty = os.openpty()
        self.process = subprocess.Popen(  # noqa: S603
            ["/usr/bin/setsid", "--ctty", *command],
            stdin=tty,
            stdout=tty,
            stderr=tty,
            env={**os.environ, **env},
            cwd=ROOT,
        )
        os.close(tty)
        self.screen, self.seen = "", 0

    def wait_for(self, text: str, timeout: float = 30) -> None:
        """Until `text` appears after what the last wait saw."""
        deadline = time.monotonic() + timeout
        while (found := self.screen.find(text, self.seen)) < 0:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{text!r} never appeared in:\n{self.screen}"
            if select.select([self.master], [], [], remaining)[0]:
                try:
                    self.screen += os.read(self.master, 4096).decode()
                except OSError:  # the command ended and closed the terminal
                    assert text in self.screen[self.seen :], f"no {text!r} in:\n{self.screen}"
        self.seen = found + len(text)

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")

    def close(self) -> int:
        try:
            return self.process.wait(timeout=30)
        finally:
            os.close(self.master)


@pytest.fixture(scope="module")
def command_env():
    with RedisServer() as redis:
        yield {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": shared_postgres.new_database(),
            "REDIS_URL": redis.url,
        }


def create_superuser(env: dict, locale: str, prompts: dict[str, str], phone: str) -> str:
    """Goes through the prompts with one bad phone and one mistyped password; the transcript."""
    terminal = Terminal([*MANAGE, "createsuperuser"], {**env, "LC_ALL": "", "LANG": locale})
    try:
        terminal.wait_for(prompts["phone"])
        terminal.type("12345")
        terminal.wait_for(prompts["error"])
        terminal.wait_for(prompts["phone"])
        terminal.type(phone)
        for again, answer in [("a-long-passphrase-2", "mismatch"), (PASSWORD, "created")]:
            terminal.wait_for(prompts["password"])
            terminal.type(PASSWORD)
            terminal.wait_for(prompts["again"])
            terminal.type(again)
            terminal.wait_for(prompts[answer])
    except BaseException:
        terminal.process.kill()
        raise
    finally:
        status = terminal.close()
    assert status == 0, terminal.screen
    return terminal.screen


RUSSIAN = {
    "phone": "Телефон: ",
    "error": "Ошибка: ",
    "password": "Пароль: ",
    "again": "Пароль (ещё раз): ",
    "mismatch": "Ошибка: пароли не совпадают.",
    "created": "Суперпользователь создан.",
}
ENGLISH = {
    "phone": "Phone: ",
    "error": "Error: ",
    "password": "Password: ",
    "again": "Password (again): ",
    "mismatch": "Error: the passwords differ.",
    "created": "Superuser created.",
}


@pytest.mark.parametrize(
    ("locale", "prompts", "phone", "foreign"),
    [
        ("ru_RU.UTF-8", RUSSIAN, "+79990000011", re.compile("[a-z]{3,}", re.IGNORECASE)),
        ("C.UTF-8", RUSSIAN, "+79990000012", re.compile("[a-z]{3,}", re.IGNORECASE)),
        ("en_US.UTF-8", ENGLISH, "+79990000013", CYRILLIC),
    ],
    ids=["ru", "no-language-so-LANGUAGE_CODE", "en"],
)
def test_finding_20_createsuperuser_speaks_one_language(
    command_env, locale, prompts, phone, foreign
):
    """Finding 20 (issue 21): createsuperuser asked "Телефон:" and then "Password:", and said
    "Error: Введен некорректный номер". Every prompt and message is now in the terminal's
    language (Russian when it has none the service speaks), and the superuser is made."""
    transcript = create_superuser(command_env, locale, prompts, phone)

    assert foreign.search(transcript) is None, transcript
    check = subprocess.run(  # noqa: S603
        [*MANAGE, "shell", "-v0", "-c", f"from referral.accounts.models import User; "
         f"print(User.objects.get(phone='{phone}').is_superuser)"],
        env={**os.environ, **command_env}, cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert check.stdout.strip() == "True"
