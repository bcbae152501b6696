import random

import pytest
from django.conf import settings

from referral.accounts import invite_codes as codes
from referral.accounts.invite_codes import new_invite_code, normalize_invite_code


def test_new_codes_are_six_characters_drawn_by_the_csprng_from_the_alphabet(monkeypatch):
    draws = []
    seeded = random.Random(2026)  # a seeded stand-in for secrets: the test cannot fail by chance

    def choice(alphabet):
        draws.append(alphabet)
        return seeded.choice(alphabet)

    monkeypatch.setattr(codes.secrets, "choice", choice)
    drawn = [new_invite_code() for _ in range(500)]

    assert draws == [settings.INVITE_CODE_ALPHABET] * 6 * 500
    assert all(len(code) == 6 for code in drawn)
    assert set("".join(drawn)) == set(settings.INVITE_CODE_ALPHABET)
    assert not set(settings.INVITE_CODE_ALPHABET) & set("ILOU")


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("C0AL3D", "C0A13D"),
        ("c0al3d", "C0A13D"),
        ("  c0a-l3d ", "C0A13D"),
        ("COAL3D", "C0A13D"),
        ("ab cd ef", "ABCDEF"),
        ("i1l1o0", "111100"),
    ],
)
def test_input_is_forgiving(typed, canonical):
    assert normalize_invite_code(typed) == canonical


@pytest.mark.parametrize(
    "typed", ["", "ABCDE", "ABCDEFG", "ABCDEU", "ABC\x00EF", "ABCDE!", "１２３４５６", "АБВГДЕ"]
)
def test_what_cannot_be_a_code_is_refused(typed):
    assert normalize_invite_code(typed) is None
