from referral.accounts import sms

from ..factories import PHONE


def test_the_console_gateway_prints_the_phone_and_the_code(settings, capsys):
    settings.SMS_CONSOLE_DELAY_SECONDS = (0.0, 0.0)

    sms.ConsoleGateway().send(sms.Sms(phone=PHONE, text=sms.login_code_text("0042")))

    assert capsys.readouterr().out == "[SMS] to +79991234567: Код для входа: 0042\n"
