"""The README's fifteen-line receiver, run as written, verifies and prints our events."""

import re
import subprocess
import sys

import pytest
from django.db import transaction
from django.utils import timezone

from harness.servers import ROOT, free_port, wait_for_port
from referral.webhooks import delivery, endpoints, events

pytestmark = [pytest.mark.django_db, pytest.mark.live]


def readme_receiver() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### A receiver") :]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def test_the_readme_receiver_verifies_and_prints_an_event(settings, tmp_path):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    port = free_port()
    url = f"http://127.0.0.1:{port}/hooks"
    endpoint = endpoints.add(url=url, events=None, now=timezone.now())
    source = readme_receiver().replace('"whsec_…"', repr(endpoint.secret))
    (tmp_path / "receiver.py").write_text(source.replace("5000", str(port)))
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-u", str(tmp_path / "receiver.py")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert wait_for_port(port), "the README's receiver did not bind its port"
        with transaction.atomic():
            event = events.emit(
                "webhook.test",
                lambda: {"endpoint": endpoint.pk},
                now=timezone.now(),
                to=[endpoint.pk],
            )
        for _ in range(2):  # the first delivery, and a replay of it: printed once
            delivery.replay(endpoint.deliveries.all(), now=timezone.now())
            delivery.deliver_due(worker="test", limit=1, now=timezone.now())
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)

    assert output.count(f"webhook.test {{'endpoint': {endpoint.pk}}}") == 1, output
    assert endpoint.deliveries.get().log.count() == 2
    assert {a.status for a in endpoint.deliveries.get().log.all()} == {204}
    assert event is not None
