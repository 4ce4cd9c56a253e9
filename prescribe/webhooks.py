"""Webhooks: a clinic's systems hear when a handout is printed, signed, and told again until they answer.

A clinic admin adds a receiving address (``https://``) on the clinic's Webhooks page and gets a
signing secret, shown once. Each new handout version queues one delivery per webhook in the same
transaction that saves the version, so an event is never lost and never sent for a version that
was not kept. A worker sends it as JSON with

``Prescribe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>``

(:func:`signature`; the receiver recomputes it and refuses old times), ``Prescribe-Event`` and
``Prescribe-Delivery`` (the same on every retry: the receiver can drop a repeat). Any 2xx answer
is success; anything else, a timeout or a refused address is retried after 1 minute, 5, 30, 2
hours, 8 and 24 (:data:`RETRY_AFTER`), then given up and shown as failed on the page. The body
names ids and links, never a patient's name.

Addresses are checked when they are added and again before every send: ``https`` only, and no
address that resolves to a loopback, private, link-local or otherwise internal network (the
server would otherwise be a way into the clinic's own network), unless the operator allows it
(``WEBHOOK_ALLOW_PRIVATE``, for a receiver on the same machine). Redirects are not followed. The
connection goes to the address that was checked, so a name cannot resolve to a different one in
between.

Services take a session and plain values; :func:`deliver_due` owns its transactions.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from .db import transaction
from .i18n import N_, Refusal
from .models import HandoutVersion, Webhook, WebhookDelivery, utcnow

log = logging.getLogger(__name__)
EVENTS = {"handout.printed": "A new handout version was printed"}
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
               timedelta(hours=8), timedelta(hours=24))
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
CLAIM = timedelta(minutes=2)  # a worker sending a delivery holds it this long
TIMEOUT_SECONDS = 10
MAX_WEBHOOKS = 5
SIGNATURE_HEADER = "Prescribe-Signature"


class WebhookError(Refusal):
    """An address the rules refuse; the message is shown next to the field."""


@dataclass(frozen=True)
class NewWebhook:
    webhook: Webhook
    secret: str  # shown once


@dataclass(frozen=True)
class Answer:
    """What a receiver answered: its HTTP status, or the error that stopped the send."""

    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


Sender = Callable[[str, bytes, dict[str, str]], Answer]


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Prescribe-Signature`` header for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, now: float, tolerance: float = 300) -> bool:
    """What a receiver does: the signature matches and was made within ``tolerance`` seconds."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, parts.get("v1", ""))


def check_address(url: str, allow_private: bool = False) -> tuple[str, int, str, str]:
    """``url``'s (host, port, resolved address, path), or :class:`WebhookError` saying what is wrong."""
    parts = urlsplit(url.strip())
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise WebhookError(N_("Use an https:// address."))
    if not parts.hostname or parts.username or parts.password:
        raise WebhookError(N_("Enter an address like https://records.example/prescribe, without a user name."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise WebhookError(N_("The port in this address is not a number from 1 to 65535.")) from exc
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookError(N_("No server answers to the name %(name)s."), name=parts.hostname) from exc
    addresses = [ipaddress.ip_address(info[4][0]) for info in found]
    if not allow_private and any(not a.is_global or a.is_multicast for a in addresses):
        raise WebhookError(N_("This address is inside a private network. Use the receiver's public https address."))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.hostname, port, str(addresses[0]), path


def add_webhook(session: Session, clinic_id: int, url: str, user_id: int | None,
                allow_private: bool = False) -> NewWebhook:
    """A new webhook for every event, with its secret (shown once)."""
    url = url.strip()
    if len(url) > 500:
        raise WebhookError(N_("Keep the address under 500 characters."))
    check_address(url, allow_private)
    if len(webhooks_of(session, clinic_id)) >= MAX_WEBHOOKS:
        raise WebhookError(N_("A clinic can have at most %(count)d webhooks. Remove one first."), count=MAX_WEBHOOKS)
    secret = "whsec_" + secrets.token_urlsafe(32)
    webhook = Webhook(clinic_id=clinic_id, url=url, secret=secret, events=" ".join(EVENTS), created_by=user_id)
    session.add(webhook)
    session.flush()
    return NewWebhook(webhook, secret)


def webhooks_of(session: Session, clinic_id: int) -> list[Webhook]:
    return list(session.scalars(select(Webhook).where(Webhook.clinic_id == clinic_id).order_by(Webhook.id)))


def get_webhook(session: Session, clinic_id: int, webhook_id: int) -> Webhook | None:
    return session.scalar(select(Webhook).where(Webhook.id == webhook_id, Webhook.clinic_id == clinic_id))


def remove_webhook(session: Session, webhook: Webhook) -> None:
    session.delete(webhook)  # its deliveries go with it


def recent_deliveries(session: Session, clinic_id: int, limit: int = 20) -> list[WebhookDelivery]:
    return list(session.scalars(select(WebhookDelivery).where(WebhookDelivery.clinic_id == clinic_id)
                                .order_by(WebhookDelivery.id.desc()).limit(limit)))


def enqueue(session: Session, clinic_id: int, event_name: str, data: dict[str, Any]) -> int:
    """Queue ``event_name`` for each of the clinic's webhooks, in the caller's transaction; how many."""
    if event_name not in EVENTS:
        raise ValueError(f"unknown event {event_name!r}")
    queued = 0
    for webhook in webhooks_of(session, clinic_id):
        if event_name in webhook.events.split():
            _queue(session, webhook, event_name, {"data": data})
            queued += 1
    if queued:
        session.info["webhooks_queued"] = True  # the dispatcher is woken when this commits
    return queued


def printed_event(version: HandoutVersion, diagnosis: str, server: str | None) -> dict[str, Any]:
    """What ``handout.printed`` says: ids, the PDF's hash and where the API serves it; no name."""
    base = f"{server.rstrip('/')}/api/v1/handouts/{version.handout_id}" if server else None
    return {"handout_id": version.handout_id, "version": version.number, "diagnosis": diagnosis,
            "patient_id": version.handout.patient_id, "page_count": version.page_count,
            "pdf_sha256": version.pdf_sha256,
            "links": {"handout": base, "pdf": f"{base}/versions/{version.number}.pdf",
                      "fhir": f"{base}/versions/{version.number}/fhir"} if base else {}}


def send_test(session: Session, webhook: Webhook) -> None:
    """Queue a ``handout.printed`` event for this webhook only, marked as a test (no real handout)."""
    _queue(session, webhook, "handout.printed", {"test": True, "data": {"handout_id": 0, "version": 0}})
    session.info["webhooks_queued"] = True


def _queue(session: Session, webhook: Webhook, event_name: str, content: dict[str, Any]) -> None:
    delivery = WebhookDelivery(webhook_id=webhook.id, clinic_id=webhook.clinic_id, event=event_name, body="",
                               next_attempt_at=utcnow(), created_at=utcnow())
    session.add(delivery)
    session.flush()
    delivery.body = json.dumps({"id": f"evt_{delivery.id}", "event": event_name,
                                "created_at": delivery.created_at.isoformat(timespec="seconds") + "Z", **content},
                               separators=(",", ":"), sort_keys=True)


def deliver_due(session: Session, send: Sender, now: Callable[[], datetime] = utcnow,
                limit: int = 20) -> timedelta | None:
    """Send what is due, each claimed first (several workers never send one twice at once); returns
    how long until the next pending delivery is due, or None when nothing is pending."""
    with transaction(session):
        due = list(session.scalars(
            select(WebhookDelivery.id).where(
                WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now(),
                or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now()))
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)))
    for delivery_id in due:
        with transaction(session):
            claimed = session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
                       or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now()))
                .values(claimed_until=now() + CLAIM)).rowcount  # type: ignore[attr-defined]
            delivery = session.get(WebhookDelivery, delivery_id) if claimed else None
            webhook = session.get(Webhook, delivery.webhook_id) if delivery else None
            request = (webhook.url, delivery.body.encode(), _headers(webhook, delivery)) if webhook and delivery \
                else None
        if request is None:
            continue
        answer = send(*request)
        with transaction(session):
            delivery = session.get(WebhookDelivery, delivery_id)
            if delivery is not None:
                _record(delivery, answer, now())
    with transaction(session):
        upcoming = session.scalar(select(WebhookDelivery.next_attempt_at).where(WebhookDelivery.status == "pending")
                                  .order_by(WebhookDelivery.next_attempt_at).limit(1))
    return None if upcoming is None else max(upcoming - now(), timedelta(0))


def _headers(webhook: Webhook, delivery: WebhookDelivery) -> dict[str, str]:
    return {"Content-Type": "application/json", "User-Agent": "Prescribe-Webhooks/1",
            "Prescribe-Event": delivery.event, "Prescribe-Delivery": f"evt_{delivery.id}",
            SIGNATURE_HEADER: signature(webhook.secret, int(time.time()), delivery.body.encode())}


def _record(delivery: WebhookDelivery, answer: Answer, at: datetime) -> None:
    delivery.attempts += 1
    delivery.claimed_until = None
    delivery.last_status = answer.status
    delivery.last_error = answer.error[:200]
    if answer.ok:
        delivery.status = "delivered"
        delivery.delivered_at = at
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = at + RETRY_AFTER[delivery.attempts - 1]


def http_sender(allow_private: bool = False, timeout: float = TIMEOUT_SECONDS) -> Sender:
    """POSTs to the checked address itself (TLS still checks the name), following no redirect."""

    def send(url: str, body: bytes, headers: dict[str, str]) -> Answer:
        try:
            host, port, address, path = check_address(url, allow_private)
        except WebhookError as exc:
            return Answer(None, str(exc))
        secure = url.strip().lower().startswith("https:")
        connection = (_PinnedHTTPS(host, port, address, timeout) if secure
                      else http.client.HTTPConnection(address, port, timeout=timeout))
        try:
            connection.request("POST", path, body=body, headers={**headers, "Host": host})
            response = connection.getresponse()
            response.read(65536)
            return Answer(response.status, "" if 200 <= response.status < 300 else f"HTTP {response.status}")
        except (OSError, http.client.HTTPException) as exc:
            return Answer(None, f"{type(exc).__name__}: {exc}"[:200])
        finally:
            connection.close()

    return send


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to an address already checked, with the certificate checked against the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class Dispatcher:
    """This process's sender: a thread woken when an event is queued, living while any is pending."""

    def __init__(self, app):
        self.app = app
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def kick(self) -> None:
        with self._lock:
            self._wake.set()
            if self._stopped:
                return
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="prescribe-webhooks", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        from .db import get_session

        send = http_sender(bool(self.app.config.get("WEBHOOK_ALLOW_PRIVATE")))
        while not self._stopped:
            self._wake.clear()
            try:
                with self.app.app_context():
                    wait = deliver_due(get_session(), send)
            except Exception:  # noqa: BLE001 - the database is away: what is pending stays pending
                log.exception("Webhook deliveries could not be sent; trying again in a minute")
                wait = timedelta(minutes=1)
            if self._stopped:
                return
            if wait is None:
                with self._lock:
                    if not self._wake.is_set():
                        self._thread = None
                        return
                continue
            self._wake.wait(timeout=min(wait.total_seconds(), 60) + 0.05)


    def stop(self, timeout: float = 5.0) -> None:
        """Stop sending (the app is shutting down): the thread ends within ``timeout`` seconds."""
        with self._lock:
            self._stopped = True
            self._wake.set()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)


@event.listens_for(Session, "after_commit")
def _wake_dispatcher(session: Session) -> None:
    if not session.info.pop("webhooks_queued", False):
        return
    from flask import current_app, has_app_context

    if has_app_context() and "webhooks" in current_app.extensions:
        current_app.extensions["webhooks"].kick()


def init_app(app) -> None:
    app.extensions["webhooks"] = Dispatcher(app)
