"""Compile locale/*/LC_MESSAGES/django.po into .mo files without GNU gettext (uses polib).

`make install` runs it, so the catalogues are compiled by the project's own setup;
the .mo files are also committed so that the brief's plain `runserver` speaks Russian.
"""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent

for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
    polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
