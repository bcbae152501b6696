"""Webhooks delivered by real processes: runserver alone in development, and two workers
sharing one queue on PostgreSQL."""

import json

import pytest

from harness import stack
from harness.receiver import Receiver
from harness.servers import DevServer, eventually, manage, post_json

pytestmark = pytest.mark.live


def test_runserver_alone_delivers_and_retries(tmp_path):
    with (
        Receiver([500]) as receiver,
        DevServer(
            tmp_path,
            WEBHOOKS_ALLOW_PRIVATE_URLS="true",
            SMS_CONSOLE_DELAY_MIN="0",
            SMS_CONSOLE_DELAY_MAX="0",
        ) as server,
    ):
        manage("webhooks", "add", receiver.url, "--events", "user.signed_up", env=server.env)
        post_json(f"{server.url}/api/auth/request_code/", b'{"phone": "+79990002001"}')
        code = server.sms_code("+79990002001")
        status, _ = post_json(
            f"{server.url}/api/auth/verify_code/",
            json.dumps({"phone": "+79990002001", "code": code}).encode(),
        )
        assert status == 200

        eventually(lambda: len(receiver.received) >= 2, timeout=15)  # a 500, then 5 s later

    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert json.loads(second.body)["data"]["phone"] == "+79990002001"


EVENTS = 1000


def test_two_workers_on_postgresql_deliver_every_event_once(tmp_path):
    with Receiver() as receiver, stack.Stack(WEBHOOKS_ALLOW_PRIVATE_URLS="true") as running:
        manage("webhooks", "add", receiver.url, env=running.env)
        manage(  # 1,000 events queued at once, as a burst of sign-ups would
            "shell",
            "-c",
            "from django.db import transaction\n"
            "from django.utils import timezone\n"
            "from referral.webhooks import events\n"
            "with transaction.atomic():\n"
            f"    for n in range({EVENTS}):\n"
            "        events.emit(\n"
            "            'webhook.test', lambda: {'endpoint': n}, now=timezone.now(), to=[1]\n"
            "        )\n",
            env=running.env,
        )
        workers = [running.sms_worker(WEBHOOKS_WORKER_THREADS="16") for _ in range(2)]
        eventually(lambda: len(receiver.received) >= EVENTS, timeout=90)
        for worker in workers:  # stopped by SIGTERM, a worker finishes what it has in flight:
            worker.stop()  # anything sent twice has arrived by now
            assert worker.process.returncode == 0, "".join(worker.lines[-20:])  # not killed
        report = tmp_path / "states.json"
        manage(
            "shell",
            "-c",
            "import json\n"
            "from django.db.models import Count\n"
            "from referral.webhooks.models import Delivery\n"
            "states = dict(Delivery.objects.values_list('state').annotate(n=Count('id')))\n"
            "workers = sorted(set(Delivery.objects.values_list('claimed_by', flat=True)))\n"
            f"open({str(report)!r}, 'w').write(json.dumps([states, workers]))\n",
            env=running.env,
        )

    ids = [request.headers["webhook-id"] for request in receiver.received]
    assert len(ids) == EVENTS and len(set(ids)) == EVENTS  # none lost, none twice
    states, workers = json.loads(report.read_text())
    assert states == {"succeeded": EVENTS}
    assert len(workers) == 2  # both took their share
