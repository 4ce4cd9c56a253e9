"""The patient link email (prescribe/mail.py): composed, then sent through a real local SMTP server
(aiosmtpd), and every way sending fails as one sentence for the therapist."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from datetime import date
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from flask import Flask

from prescribe.catalog.readability import MAX_GRADE, reading_grade
from prescribe.colour import contrast_ratio
from prescribe.config import ConfigError, load_config
from prescribe.mail import (
    LinkEmail,
    MailError,
    MailSettings,
    compose_link_email,
    mail_settings,
    send,
    valid_address,
)

URL = "https://clinic.example/p/K7QM2-XRT4P"
CODE = "K7QM2-XRT4P"
SENDER = "noreply@clinic.example"
PASSWORD = "correct-horse-battery"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def link_email(**changes) -> LinkEmail:
    fields = {
        "to": "patient@example.org",
        "clinic_name": "Riverside Physio",
        "clinic_phone": "555-0100",
        "clinic_address": "12 Mill Road, Springfield",
        "accent_colour": "#1f5f8b",
        "logo_png": None,
        "url": URL,
        "code": CODE,
        "expires_on": date(2027, 3, 5),
        "emergency_number": "911",
        "pdf": None,
        "pdf_filename": "exercise-program.pdf",
    }
    return LinkEmail(**{**fields, **changes})


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"


class RefusingInbox(Inbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        return "550 5.1.1 No such user here"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(handler, **smtp_options) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), server_hostname="localhost",
                            ready_timeout=5, **smtp_options)
    controller.start()
    return controller


def settings_for(port: int, **changes) -> MailSettings:
    fields = {"host": "127.0.0.1", "port": port, "security": "none", "username": None, "password": None,
              "sender": SENDER, "timeout": 2}
    return MailSettings(**{**fields, **changes})


@pytest.fixture
def smtp_server():
    """Yields ``(port, inbox)``: a real SMTP server on 127.0.0.1 that accepts everything."""
    inbox = Inbox()
    controller = start_server(inbox)
    yield controller.port, inbox
    controller.stop()


def sent_and_received(smtp_server, letter: LinkEmail) -> EmailMessage:
    port, inbox = smtp_server
    send(settings_for(port), compose_link_email(letter, SENDER))
    assert len(inbox.received) == 1
    recipients, message = inbox.received[0]
    assert recipients == [letter.to]
    return message


def parts(message: EmailMessage) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def attachments(message: EmailMessage) -> list[EmailMessage]:
    return [part for part in message.walk() if part.get_content_disposition() == "attachment"]


def test_the_server_receives_one_message_with_the_link_and_code_in_both_parts(smtp_server):
    message = sent_and_received(smtp_server, link_email())
    plain, html = parts(message)
    assert message["Subject"] == "Your exercise program from Riverside Physio"
    assert message["To"] == "patient@example.org"
    assert message["From"].addresses[0].addr_spec == SENDER
    for text in (plain, html):
        assert URL in text and CODE in text
        assert "March 5, 2027" in text
        assert "555-0100" in text and "911" in text
        assert "This does not replace your therapist's care." in text
        assert "home screen" in text and "without the internet" in text
    assert f'href="{URL}"' in html
    assert attachments(message) == []
    assert not [part for part in message.walk() if part.get_content_maintype() == "image"]


def test_a_given_pdf_arrives_byte_identical_as_an_attachment(smtp_server):
    message = sent_and_received(smtp_server, link_email(pdf=PDF, pdf_filename="exercise-program.pdf"))
    [attached] = attachments(message)
    assert attached.get_content_type() == "application/pdf"
    assert attached.get_filename() == "exercise-program.pdf"
    assert attached.get_content() == PDF


def test_a_given_logo_is_inline_and_the_html_points_at_it(smtp_server):
    message = sent_and_received(smtp_server, link_email(logo_png=PNG))
    [logo] = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert logo.get_content_disposition() == "inline"
    assert logo.get_content() == PNG
    content_id = logo["Content-ID"].strip("<>")
    assert f'src="cid:{content_id}"' in parts(message)[1]
    assert attachments(message) == []


def test_clinic_text_is_escaped_in_the_html_and_kept_whole_in_the_subject(smtp_server):
    message = sent_and_received(smtp_server, link_email(clinic_name="Bob <b>& Sons", clinic_phone="<i>555</i>"))
    plain, html = parts(message)
    assert "Bob &lt;b&gt;&amp; Sons" in html
    assert "<b>" not in html and "<i>" not in html
    assert "Bob <b>& Sons" in plain
    assert message["Subject"] == "Your exercise program from Bob <b>& Sons"


def test_the_message_names_no_patient_and_reads_at_grade_seven_or_below():
    message = compose_link_email(link_email(), SENDER)
    plain, _ = parts(message)
    assert "patient@example.org" not in plain  # the address is only in the To header
    sentences = [line for line in plain.splitlines() if line.strip()]
    assert reading_grade(sentences) <= MAX_GRADE


@pytest.mark.parametrize("accent", ["#1f5f8b", "#ffd700", "#7fbfff", "#000000", "#ffffff"])
def test_header_and_button_text_reach_4_5_to_1_on_the_accent_and_type_is_large(accent):
    _, html = parts(compose_link_email(link_email(accent_colour=accent), SENDER))
    pairs = re.findall(r"background-color:(#[0-9a-f]{6}); color:(#[0-9a-f]{6})", html)
    assert len(pairs) >= 1
    link = re.search(r'<a href="[^"]+" style="[^"]*color:(#[0-9a-f]{6}); background-color:(#[0-9a-f]{6})', html)
    assert link is not None
    for background, text in [*pairs, (link[2], link[1])]:
        assert background == accent
        assert contrast_ratio(background, text) >= 4.5
    assert min(int(size) for size in re.findall(r"font-size:(\d+)px", html)) >= 16


def test_a_refused_connection_says_the_handout_is_saved():
    with pytest.raises(MailError) as caught:
        send(settings_for(free_port()), compose_link_email(link_email(), SENDER))
    assert caught.value.kind == "connect"
    assert "connection refused at 127.0.0.1:" in str(caught.value)
    assert "The handout is saved; copy the link instead" in str(caught.value)


def test_a_server_that_never_answers_times_out_quickly():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts into the backlog, never says hello
        settings = settings_for(silent.getsockname()[1], timeout=0.3)
        with pytest.raises(MailError) as caught:
            send(settings, compose_link_email(link_email(), SENDER))
    assert caught.value.kind == "connect"
    assert "timed out" in str(caught.value)


def test_a_refused_sign_in_says_so_and_never_shows_the_password():
    def refuse(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    controller = start_server(Inbox(), authenticator=refuse, auth_require_tls=False)
    try:
        settings = settings_for(controller.port, username="clinic", password=PASSWORD)
        with pytest.raises(MailError) as caught:
            send(settings, compose_link_email(link_email(), SENDER))
    finally:
        controller.stop()
    assert caught.value.kind == "sign-in"
    assert "sign-in" in str(caught.value)
    assert PASSWORD not in str(caught.value) and PASSWORD not in repr(settings)


def test_a_recipient_the_server_rejects_is_a_mail_error_about_the_address():
    controller = start_server(RefusingInbox())
    try:
        with pytest.raises(MailError) as caught:
            send(settings_for(controller.port), compose_link_email(link_email(), SENDER))
    finally:
        controller.stop()
    assert caught.value.kind == "recipient"
    assert "550" in str(caught.value) and "email address" in str(caught.value)
    assert "patient@example.org" not in str(caught.value)


@pytest.mark.parametrize("text, ok", [
    ("patient@example.org", True),
    ("first.last+pt@mail.example.co.uk", True),
    ("patient@example", False),
    ("patient@@example.org", False),
    ("a@b@example.org", False),
    ("pat ient@example.org", False),
    ("patient@example.org\r\nBcc: everyone@example.org", False),
    ("patient@example.org\n", False),
    ("other@example.org, patient@example.org", False),
    ("Pat <patient@example.org>", False),
    ("@example.org", False),
    ("patient@.org", False),
    ("patient@example.", False),
    ("", False),
    ("p" * 243 + "@example.org", False),  # 255 characters
    ("p" * 242 + "@example.org", True),
])
def test_valid_address(text, ok):
    assert valid_address(text) is ok


def test_a_link_email_to_an_injected_address_cannot_be_made():
    with pytest.raises(ValueError):
        link_email(to="patient@example.org\r\nBcc: everyone@example.org")
    with pytest.raises(ValueError):
        link_email(accent_colour="red;background:url(x)")


def test_mail_settings_are_off_without_a_host_and_default_the_port_by_security():
    assert mail_settings({}) is None
    assert mail_settings({"SMTP_HOST": "", "SMTP_FROM": SENDER}) is None
    base = {"SMTP_HOST": "smtp.example", "SMTP_FROM": SENDER}
    starttls = mail_settings(base)
    assert starttls is not None
    assert (starttls.security, starttls.port, starttls.timeout) == ("starttls", 587, 10)
    assert starttls.username is None and starttls.sender == SENDER
    assert mail_settings({**base, "SMTP_SECURITY": "ssl"}).port == 465  # type: ignore[union-attr]
    assert mail_settings({**base, "SMTP_SECURITY": "none"}).port == 25  # type: ignore[union-attr]
    assert mail_settings({**base, "SMTP_PORT": 2525}).port == 2525  # type: ignore[union-attr]


def _configured(tmp_path, settings) -> Flask:
    app = Flask(__name__, instance_path=str(tmp_path))
    load_config(app, {"TESTING": True, "SECRET_KEY": "x" * 32, **settings})
    return app


@pytest.mark.parametrize("settings, complaint", [
    ({"SMTP_SECURITY": "tls"}, "SMTP_SECURITY must be starttls, ssl or none"),
    ({"SMTP_PORT": 70000}, "SMTP_PORT must be a port number"),
    ({"SMTP_PORT": "587"}, "SMTP_PORT must be a port number"),
    ({"SMTP_FROM": None}, "SMTP_FROM is not set"),
    ({"SMTP_FROM": "clinic"}, "SMTP_FROM must be one email address"),
])
def test_config_refuses_mail_settings_that_cannot_work(tmp_path, settings, complaint):
    with pytest.raises(ConfigError, match=complaint):
        _configured(tmp_path, {"SMTP_HOST": "smtp.example", "SMTP_FROM": SENDER, **settings})


def test_config_reads_the_security_in_any_case(tmp_path):
    app = _configured(tmp_path, {"SMTP_HOST": "smtp.example", "SMTP_FROM": SENDER, "SMTP_SECURITY": " SSL"})
    assert mail_settings(app.config).port == 465  # type: ignore[union-attr]


def test_config_without_a_mail_host_checks_nothing_and_offers_no_email(tmp_path):
    app = _configured(tmp_path, {"SMTP_SECURITY": "nonsense"})
    assert mail_settings(app.config) is None


def test_passwords_from_the_environment_stay_text(tmp_path, monkeypatch):
    for name, value in {"HOST": "smtp.example", "PORT": "2525", "SECURITY": "ssl", "USERNAME": "007",
                        "PASSWORD": "12345", "FROM": SENDER}.items():
        monkeypatch.setenv(f"PRESCRIBE_SMTP_{name}", value)
    app = Flask(__name__, instance_path=str(tmp_path))
    load_config(app, None)
    assert mail_settings(app.config) == MailSettings(host="smtp.example", port=2525, security="ssl",
                                                     username="007", password="12345", sender=SENDER)
