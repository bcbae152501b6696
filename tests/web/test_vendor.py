"""The pages serve the ALTCHA widget themselves: the very files of the npm package that
package-lock.json pins (`make vendor` copies them after an upgrade)."""

import json

import pytest

from harness.servers import ROOT

VENDOR = ROOT / "referral" / "web" / "static" / "vendor" / "altcha"
PACKAGE = ROOT / "node_modules" / "altcha"


@pytest.mark.parametrize("name", ["altcha.js", "worker.js", "altcha.css"])
def test_the_served_widget_is_the_pinned_package(name):
    assert (VENDOR / name).read_bytes() == (PACKAGE / "dist_external" / name).read_bytes()


def test_the_pinned_version_is_the_installed_one():
    lock = json.loads((ROOT / "package-lock.json").read_text())
    installed = json.loads((PACKAGE / "package.json").read_text())

    assert lock["packages"]["node_modules/altcha"]["version"] == installed["version"] == "2.3.0"
