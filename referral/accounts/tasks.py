from django_tasks import task

from . import sms


@task()
def send_login_code(phone: str, code: str) -> None:
    sms.send(sms.Sms(phone=phone, text=f"Код для входа: {code}"))
