"""Alert e-mail: only the alerts the README names (the SMS budgets) send mail to
ALERT_EMAILS; an error answer is a log line, never an e-mail."""

import pytest
from django.core import mail

from harness.servers import free_port
from referral.abuse import budgets

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert_emails(settings, mailoutbox):
    settings.ADMINS = [("ops", "ops@example.com")]
    settings.DEBUG = False
    return mailoutbox


def test_finding_9_errors_and_503s_send_no_mail(client, settings, alert_emails, caplog):
    """Finding 9: Django's mail_admins handler is off the `django` logger: a flood of
    1,001 form fields (logged by django.security) and a 503 send nothing."""
    too_many_fields = "&".join(f"f{n}=1" for n in range(1001))
    flooded = client.get(f"/ui/phone/?{too_many_fields}")
    settings.CACHES = {  # Redis down: /readyz answers 503
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    unavailable = client.get("/readyz")

    assert (flooded.status_code, unavailable.status_code) == (400, 503)
    assert mail.outbox == []
    logged = {record.name for record in caplog.records}  # logged instead
    assert {"django.security.TooManyFieldsSent", "django.request"} <= logged


def test_finding_9_the_budget_alert_still_mails_once_per_threshold(alert_emails):
    """Finding 9: the README's alert (a budget crossing 50/80/100 %) is still an e-mail,
    one per threshold crossed: the SMS that makes the count exactly 80 % of the limit."""
    for used in range(1, 11):
        budgets.record_sent({"RU": 10}, [used])

    assert [message.subject for message in mail.outbox] == [
        "[Django] SMS budget RU at 50%",
        "[Django] SMS budget RU at 80%",
        "[Django] SMS budget RU at 100%",
    ]
    assert mail.outbox[0].to == ["ops@example.com"]
