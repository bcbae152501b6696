"""`createsuperuser` in one language: the terminal's (LC_ALL, LC_MESSAGES or LANG) when the
service speaks it, otherwise LANGUAGE_CODE.

Django's own asks for the phone in the active language but for the password, and reports
errors, in English. Here it asks for the phone (USERNAME_FIELD, the user model has no other
required field) and the password itself; --noinput is Django's.
"""

import getpass
import os
import sys
from typing import Any

from django.conf import settings
from django.contrib.auth.management.commands import createsuperuser
from django.contrib.auth.password_validation import validate_password
from django.core import exceptions
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _


def terminal_language() -> str:
    """The first of LC_ALL, LC_MESSAGES and LANG that is set decides, as for gettext:
    ru_RU.UTF-8 -> ru, en_US.UTF-8 -> en; C, POSIX or another language -> LANGUAGE_CODE."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := os.environ.get(name):
            code = value.partition(".")[0].replace("_", "-").lower()
            try:
                return translation.get_supported_language_variant(code)
            except LookupError:
                break
    return settings.LANGUAGE_CODE


class Command(createsuperuser.Command):
    def execute(self, *args, **options):
        with translation.override(terminal_language()):
            return super().execute(*args, **options)

    def handle(self, *args, **options):
        if not options["interactive"] or not self.stdin.isatty():
            return super().handle(*args, **options)
        # The user model's own manager: it has create_superuser (the stubs know only Manager).
        manager: Any = self.UserModel._default_manager.db_manager(options["database"])
        name = self.username_field.name
        try:
            phone = self._phone(manager, given=options[name])
            password = self._password(self.UserModel(**{name: phone}))
        except KeyboardInterrupt:
            self.stderr.write("\n" + _("Cancelled."))
            sys.exit(1)
        manager.create_superuser(**{name: phone}, password=password)
        if options["verbosity"] >= 1:
            self.stdout.write(_("Superuser created."))

    def _phone(self, manager, *, given: str | None):
        field = self.username_field
        while True:
            raw = given if given is not None else input(f"{capfirst(field.verbose_name)}: ")
            given = None
            try:
                phone = field.clean(raw, None)
            except exceptions.ValidationError as error:
                self.stderr.write(_("Error: %(reason)s") % {"reason": " ".join(error.messages)})
                continue
            if manager.filter(**{field.name: phone}).exists():
                self.stderr.write(_("Error: this phone already has an account."))
                continue
            return phone

    def _password(self, user) -> str:
        while True:
            password = getpass.getpass(_("Password: "))
            if getpass.getpass(_("Password (again): ")) != password:
                self.stderr.write(_("Error: the passwords differ."))
                continue
            if not password.strip():
                self.stderr.write(_("Error: the password is blank."))
                continue
            try:
                validate_password(password, user)
            except exceptions.ValidationError as weak:
                self.stderr.write("\n".join(weak.messages))
                if input(_("Use this password anyway? [y/N]: ")).strip().lower() != "y":
                    continue
            return password
