"""Every message has a Russian translation, and the compiled catalogue is up to date."""

import shutil

import polib
from django.core.management import call_command

from harness.servers import ROOT

PO = ROOT / "locale" / "ru" / "LC_MESSAGES" / "django.po"


def test_every_message_is_translated():
    catalogue = polib.pofile(str(PO))

    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    assert len(catalogue.translated_entries()) > 50


def test_the_compiled_catalogue_matches_the_source():
    source = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(PO)) if not e.obsolete}
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(PO.with_suffix(".mo")))}

    assert {key: value for key, value in compiled.items() if key[1]} == {
        key: value for key, value in source.items() if key[1]
    }


def test_no_message_in_the_code_is_missing_from_the_catalogue(tmp_path, settings, monkeypatch):
    """makemessages over the code (into a scratch folder) finds nothing the catalogue lacks."""
    shutil.copytree(ROOT / "referral", tmp_path / "referral")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    (tmp_path / "locale").mkdir()
    monkeypatch.chdir(tmp_path)

    call_command("makemessages", "-l", "ru", "--no-location", verbosity=0)

    fresh = polib.pofile(str(tmp_path / "locale" / "ru" / "LC_MESSAGES" / "django.po"))
    committed = {e.msgid for e in polib.pofile(str(PO))}
    assert len(fresh) > 50
    assert {e.msgid for e in fresh} - committed == set()
