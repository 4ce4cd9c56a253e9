"""Emailing a patient the link to their exercise program: settings, the message, sending it.

A plain service: :func:`compose_link_email` turns a :class:`LinkEmail` into an ``EmailMessage``
(a plain-text part and a branded HTML alternative, rendered from ``templates/mail/`` by a Jinja
environment of its own, like the handout's), and :func:`send` hands it to the clinic's SMTP server.
Every failure to send is a :class:`MailError` whose text a therapist can read. The message is in
the handout's language, its words from the handout's gettext catalog (a bilingual handout's email:
the Spanish, then the English).

No patient name goes into the message: there is no field for one, so a zero-PHI clinic cannot
send one by accident.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, cast, get_args
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .colour import MIN_CONTRAST, WHITE, contrast_ratio, nearest_passing_shade
from .handout import format_date
from .i18n import Words, words_for

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates" / "mail"

Security = Literal["starttls", "ssl", "none"]
DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}
MAX_ADDRESS_LENGTH = 254
# Characters that would make one address into a list, a comment or a second header.
_NOT_IN_ADDRESS = re.compile(r"[\s\x00-\x1f\x7f()<>,;:\\\"\[\]]")
_ACCENT = re.compile(r"#[0-9a-fA-F]{6}")
DARK_TEXT = "#000000"  # on any accent too light for white text, black reaches 4.5:1
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
HANDOUT_SAVED = "The handout is saved; copy the link instead, or try again later."


def _n(message: str) -> str:
    """Marks a message for the handout's catalog (babel.cfg, domain messages); translated where used."""
    return message


SUBJECT = _n("Your exercise program from %(clinic)s")


class MailError(Exception):
    """Sending failed; ``str()`` is one or two sentences for the therapist, never a password.

    ``kind`` says which: ``"connect"`` (no answer, refused, timed out), ``"security"`` (TLS),
    ``"sign-in"`` (the server refused the user name or password), ``"recipient"`` (the server
    refused the patient's address) or ``"other"``.
    """

    def __init__(self, message: str, kind: str = "other") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class MailSettings:
    """How to reach the clinic's outgoing mail server (from the ``SMTP_*`` settings)."""

    host: str
    port: int
    security: Security
    username: str | None
    password: str | None = field(repr=False)  # never in a log line or an error
    sender: str
    timeout: float = 10


@dataclass(frozen=True)
class LinkEmail:
    """What the patient's email says: the clinic's details and brand, the link and its code.

    ``code_url`` is the page where the code can be typed instead of following the link; by default
    the link's own site (``https://host/``). ``language`` is the handout's: "en", "es" or "en-es".
    """

    to: str
    clinic_name: str
    clinic_phone: str
    clinic_address: str
    accent_colour: str
    logo_png: bytes | None
    url: str
    code: str
    expires_on: date
    emergency_number: str
    pdf: bytes | None = None
    pdf_filename: str = "exercise-program.pdf"
    code_url: str | None = None
    language: str = "en"

    def __post_init__(self) -> None:
        if not valid_address(self.to):
            raise ValueError("LinkEmail.to is not one plain email address")
        if not _ACCENT.fullmatch(self.accent_colour):
            raise ValueError(f"LinkEmail.accent_colour must be #rrggbb, not {self.accent_colour!r}")
        if urlsplit(self.url).scheme not in ("https", "http"):
            raise ValueError("LinkEmail.url must be an http(s) address")


def valid_address(text: str) -> bool:
    """A plausible single email address: one ``@``, a dot in the domain, no spaces, line breaks,
    control characters or list punctuation, at most 254 characters.

    What the patient form accepts; it also makes header injection impossible (no CR or LF gets through).
    """
    if not text or len(text) > MAX_ADDRESS_LENGTH or text.count("@") != 1 or _NOT_IN_ADDRESS.search(text):
        return False
    local, domain = text.split("@")
    labels = domain.split(".")
    return bool(local) and len(labels) >= 2 and all(labels)


def mail_settings(config: Mapping[str, Any]) -> MailSettings | None:
    """The mail server settings from the app's config, or None when no ``SMTP_HOST`` is set
    (then the app does not offer to email a patient). ``config.py`` checks the values at start-up."""
    host = config.get("SMTP_HOST")
    if not host:
        return None
    security = config.get("SMTP_SECURITY") or "starttls"
    if security not in get_args(Security):
        raise ValueError(f"SMTP_SECURITY must be starttls, ssl or none, not {security!r}")
    port = config.get("SMTP_PORT") or DEFAULT_PORTS[security]
    username = config.get("SMTP_USERNAME")
    password = config.get("SMTP_PASSWORD")
    return MailSettings(
        host=str(host),
        port=int(port),
        security=cast(Security, security),
        username=str(username) if username else None,
        password=str(password) if password is not None else None,
        sender=str(config.get("SMTP_FROM") or ""),
    )


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _one_line(text: str) -> str:
    """Header-safe text: any run of whitespace (line breaks included) becomes one space."""
    return " ".join(text.split())


def long_date(day: date) -> str:
    """``March 5, 2027``: spelled out, the same whatever the server's locale."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def email_languages(language: str) -> tuple[str, ...]:
    """The email's languages in order: the handout's, a bilingual one's Spanish first, then its English."""
    return ("es", "en") if language == "en-es" else (language,)


def compose_link_email(email: LinkEmail, sender: str) -> EmailMessage:
    """The patient's email: subject, plain text, branded HTML (logo inline) and, when given, the PDF.

    ``sender`` is the From address (``SMTP_FROM``); the clinic's name is shown as its display name.
    """
    clinic = _one_line(email.clinic_name)
    domain = sender.rpartition("@")[2] or "prescribe.invalid"
    logo_cid = make_msgid("logo", domain=domain) if email.logo_png else None
    on_white = nearest_passing_shade(email.accent_colour)
    view = {
        "subject": " / ".join(words_for(lang).gettext(SUBJECT) % {"clinic": clinic}
                              for lang in email_languages(email.language)),
        "clinic_name": clinic,
        "clinic_phone": email.clinic_phone.strip(),
        "clinic_address": email.clinic_address.strip(),
        "url": email.url,
        "code": email.code,
        "code_url": email.code_url or _site(email.url),
        "emergency_number": email.emergency_number.strip(),
        "accent": email.accent_colour.lower(),
        "on_accent": WHITE if contrast_ratio(email.accent_colour, WHITE) >= MIN_CONTRAST else DARK_TEXT,
        "link_colour": on_white,
        "logo_src": f"cid:{logo_cid[1:-1]}" if logo_cid else None,
    }
    environment = _environment()
    message = EmailMessage()
    message["Subject"] = view["subject"]
    message["From"] = Address(display_name=clinic, addr_spec=sender)
    message["To"] = email.to
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=domain)
    text = environment.get_template("patient_link.txt").render(view, parts=_parts(email, html=False))
    message.set_content(text)
    html = environment.get_template("patient_link.html").render(view, parts=_parts(email, html=True))
    message.add_alternative(html, subtype="html")
    html_part = message.get_body(("html",))
    if email.logo_png and logo_cid and html_part is not None:
        html_part.add_related(email.logo_png, "image", "png", cid=logo_cid, disposition="inline",
                              filename="logo.png")
    if email.pdf is not None:
        message.add_attachment(email.pdf, "application", "pdf", filename=_safe_filename(email.pdf_filename))
    return message


def _parts(email: LinkEmail, *, html: bool) -> list[dict[str, object]]:
    """The email's text once per language: its words (``gettext``) and the date in that language.

    For the HTML, as in Jinja's own i18n, the catalog's text is trusted markup (an apostrophe stays
    one) and what ``%`` fills into it is escaped; the plain text takes the words as they are.
    """
    parts: list[dict[str, object]] = []
    for lang in email_languages(email.language):
        words = words_for(lang)
        parts.append({"lang": lang, "gettext": _trusted(words) if html else words.gettext,
                      "expires": long_date(email.expires_on) if lang == "en" else format_date(email.expires_on, lang)})
    return parts


def _trusted(words: Words) -> Callable[[str], Markup]:
    return lambda message: Markup(words.gettext(message))  # noqa: S704 - our committed catalog


def _site(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _safe_filename(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name.rsplit("/", 1)[-1]).strip("-.")
    return cleaned if cleaned.lower().endswith(".pdf") else f"{cleaned or 'exercise-program'}.pdf"


def send(settings: MailSettings, message: EmailMessage) -> None:
    """Hand ``message`` to the mail server; raises :class:`MailError` for every way that fails."""
    where = f"{settings.host}:{settings.port}"
    try:
        with _connect(settings) as smtp:
            if settings.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            refused = smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as error:
        raise MailError(f"The mail server refused the sign-in ({error.smtp_code} at {where}): check the mail "
                        f"user name and password in the settings. {HANDOUT_SAVED}", "sign-in") from error
    except smtplib.SMTPRecipientsRefused as error:
        codes = ", ".join(str(code) for code, _ in error.recipients.values())
        raise _recipient_refused(codes) from error
    except smtplib.SMTPSenderRefused as error:
        raise MailError(f"The mail server refused the sender address {settings.sender} ({error.smtp_code}): "
                        f"check SMTP_FROM in the settings. {HANDOUT_SAVED}") from error
    except smtplib.SMTPNotSupportedError as error:
        raise MailError(f"The mail server at {where} does not offer what the settings ask for ({error}): "
                        f"check SMTP_SECURITY and SMTP_PORT. {HANDOUT_SAVED}", "security") from error
    except smtplib.SMTPResponseException as error:
        raise MailError(f"The mail server did not take the email ({error.smtp_code} "
                        f"{_reply(error.smtp_error)} at {where}). {HANDOUT_SAVED}") from error
    except smtplib.SMTPServerDisconnected as error:
        if isinstance(error.__context__, TimeoutError):  # smtplib reports a reply that never came this way
            raise _timed_out(settings, where) from error
        raise MailError(f"The mail server closed the connection ({where}). {HANDOUT_SAVED}", "connect") from error
    except smtplib.SMTPException as error:
        raise MailError(f"Sending the email failed ({type(error).__name__} at {where}). {HANDOUT_SAVED}") from error
    except ssl.SSLError as error:  # before OSError, which it is
        raise MailError(f"No secure connection to the mail server ({error.reason or 'TLS failed'} at {where}): "
                        f"check SMTP_SECURITY and SMTP_PORT. {HANDOUT_SAVED}", "security") from error
    except socket.gaierror as error:
        raise MailError(f"The mail server's name was not found ({settings.host}). {HANDOUT_SAVED}",
                        "connect") from error
    except TimeoutError as error:
        raise _timed_out(settings, where) from error
    except ConnectionRefusedError as error:
        raise MailError(f"The mail server did not answer (connection refused at {where}). {HANDOUT_SAVED}",
                        "connect") from error
    except OSError as error:
        raise MailError(f"The mail server could not be reached ({error.strerror or type(error).__name__} at "
                        f"{where}). {HANDOUT_SAVED}", "connect") from error
    if refused:  # some recipients refused, not all: with one recipient this does not happen
        raise _recipient_refused(", ".join(str(code) for code, _ in refused.values()))


def _connect(settings: MailSettings) -> smtplib.SMTP:
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                context=ssl.create_default_context())
    return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)


def _timed_out(settings: MailSettings, where: str) -> MailError:
    return MailError(f"The mail server did not answer (timed out after {settings.timeout:g} s at {where}). "
                     f"{HANDOUT_SAVED}", "connect")


def _recipient_refused(codes: str) -> MailError:
    # The server's own words often repeat the address; the therapist has it on screen already.
    return MailError(f"The mail server would not send to this email address ({codes}). Check the "
                     f"address for typos. The handout is saved; copy the link instead.", "recipient")


def _reply(text: bytes | str) -> str:
    """The server's reply, short, on one line, with any email address in it left out."""
    reply = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    reply = re.sub(r"\S+@\S+", "<address>", _one_line(reply))
    return reply[:120]
