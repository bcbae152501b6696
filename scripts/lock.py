"""Refresh poetry.lock where Poetry's default source cannot resolve.

Poetry reads PyPI through its per-release JSON API. Some mirrors serve only the
simple index, so `poetry lock` fails there. This script locks a copy of the
project against pip's configured simple index as a temporary legacy source,
then drops the source entries so the lock file stays a plain PyPI lock that
`poetry install` and `poetry export` accept anywhere.
"""

import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

from pip._internal.models.index import PyPI
from poetry.factory import Factory

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        shutil.copy(ROOT / "pyproject.toml", work)
        if (ROOT / "poetry.lock").exists():
            shutil.copy(ROOT / "poetry.lock", work)
        with open(work / "pyproject.toml", "a") as f:
            f.write(
                f'\n[[tool.poetry.source]]\nname = "simple-index"\n'
                f'url = "{PyPI.simple_url}"\npriority = "primary"\n'
            )
        subprocess.run(["poetry", "lock", *sys.argv[1:]], cwd=work, check=True)  # noqa: S603, S607
        lock = (work / "poetry.lock").read_text()

    lock = re.sub(r"\n\[package\.source\]\n(?:[a-z]+ = .*\n)+\n?", "\n", lock)
    content_hash = Factory().create_poetry(ROOT).locker._get_content_hash()
    lock = re.sub(r'content-hash = "[0-9a-f]+"', f'content-hash = "{content_hash}"', lock)
    (ROOT / "poetry.lock").write_text(lock)
    subprocess.run(["poetry", "check", "--lock"], cwd=ROOT, check=True)  # noqa: S607


if __name__ == "__main__":
    main()
