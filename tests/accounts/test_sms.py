from referral.accounts import sms

from ..factories import PHONE


def test_the_console_gateway_prints_the_phone_and_the_code(settings, capsys):
    settings.SMS_CONSOLE_DELAY_SECONDS = (0.0, 0.0)
    settings.WEB_OTP_HOST = ""

    sms.ConsoleGateway().send(sms.Sms(phone=PHONE, text=sms.login_code_text("0042")))

    assert capsys.readouterr().out == "[SMS] to +79991234567: Код для входа: 0042\n"


def test_the_sms_ends_with_the_web_otp_line_of_the_configured_host(settings):
    settings.WEB_OTP_HOST = "referral.example"

    text = sms.login_code_text("0042", language="ru")

    assert text == "Код для входа: 0042\n\n@referral.example #0042"


def test_the_sms_has_no_web_otp_line_without_a_host(settings):
    settings.WEB_OTP_HOST = ""

    assert sms.login_code_text("0042", language="ru") == "Код для входа: 0042"


def test_the_sms_speaks_the_language_it_was_asked_in(settings):
    settings.WEB_OTP_HOST = ""

    assert sms.login_code_text("0042", language="en") == "Login code: 0042"


def test_the_console_prints_a_multiline_sms_on_one_line(settings, capsys):
    settings.SMS_CONSOLE_DELAY_SECONDS = (0.0, 0.0)
    settings.WEB_OTP_HOST = "localhost"

    sms.ConsoleGateway().send(sms.Sms(phone=PHONE, text=sms.login_code_text("0042")))

    assert (
        capsys.readouterr().out == "[SMS] to +79991234567: Код для входа: 0042 @localhost #0042\n"
    )
