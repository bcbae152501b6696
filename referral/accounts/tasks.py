from django.utils import timezone
from django_tasks import task


@task()
def send_login_code(message_id: int, sealed_code: str, attempt: int = 1) -> str:
    """Deliver one login SMS (a CodeMessage); the code travels sealed (referral.core.sealing)."""
    from .delivery import deliver_login_code

    return deliver_login_code(
        message_id=message_id, sealed_code=sealed_code, attempt=attempt, now=timezone.now()
    )
