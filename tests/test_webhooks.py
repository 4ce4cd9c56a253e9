"""Webhooks: an admin adds an address, every new handout version is announced to it, signed, and told
again with growing waits until the receiver takes it; internal addresses are refused."""

from __future__ import annotations

import http.server
import json
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from prescribe import webhooks
from prescribe.db import get_session
from prescribe.models import AuditEvent, Webhook, WebhookDelivery

from .conftest import builder_form, page_csrf_token, sign_in
from .test_api import API, bearer, token_for


@pytest.fixture
def receiver():
    """A receiving server on 127.0.0.1 answering each POST with the next status of ``statuses``
    (then 200); yields (url, received, statuses)."""
    received: list[dict] = []
    statuses: list[int] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "headers": dict(self.headers), "body": body})
            self.send_response(statuses.pop(0) if statuses else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/events", received, statuses
    server.shutdown()
    server.server_close()


@pytest.fixture
def local_app(app):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True  # the receiver is on this machine
    return app


def _add_webhook(app, admin, url: str):
    client = app.test_client()
    sign_in(app, client, admin)
    answer = client.post("/clinic/webhooks", data={"csrf_token": page_csrf_token(client, "/clinic/webhooks"),
                                                   "url": url})
    return client, answer


def _secret_on(page: str) -> str:
    start = page.index('id="issued-secret"')
    value = page[page.index('value="', start) + 7:]
    return value[:value.index('"')]


def _wait_for(condition, seconds: float = 15.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_printing_announces_the_new_version_signed_to_the_clinics_webhook(local_app, default_admin, receiver):
    url, received, _ = receiver
    admin, added = _add_webhook(local_app, default_admin, url)
    assert added.status_code == 200
    secret = _secret_on(added.get_data(as_text=True))
    assert secret.startswith("whsec_")
    assert secret not in admin.get("/clinic/webhooks").get_data(as_text=True)  # shown once only

    printed = admin.post("/build/", data=dict(builder_form(admin, "hip-pain"), action="download"))
    assert printed.status_code == 200
    assert _wait_for(lambda: received), "no delivery within 15 s"
    sent = received[0]
    assert webhooks.verify(secret, sent["headers"]["Prescribe-Signature"], sent["body"], time.time())
    assert not webhooks.verify(secret + "x", sent["headers"]["Prescribe-Signature"], sent["body"], time.time())
    assert not webhooks.verify(secret, sent["headers"]["Prescribe-Signature"], sent["body"] + b" ", time.time())
    event = json.loads(sent["body"])
    assert event["event"] == "handout.printed" == sent["headers"]["Prescribe-Event"]
    assert event["id"] == sent["headers"]["Prescribe-Delivery"]
    with local_app.app_context():
        session = get_session()
        from prescribe.models import HandoutVersion

        version = session.scalar(select(HandoutVersion))
        assert event["data"]["handout_id"] == version.handout_id and event["data"]["version"] == 1
        assert event["data"]["pdf_sha256"] == version.pdf_sha256
        assert event["data"]["links"]["pdf"].endswith(f"/api/v1/handouts/{version.handout_id}/versions/1.pdf")
    page = admin.get("/clinic/webhooks").get_data(as_text=True)
    assert _wait_for(lambda: "Delivered" in admin.get("/clinic/webhooks").get_data(as_text=True)), page

    # The same program again is the same version: nothing new to announce.
    admin.post("/build/", data=dict(builder_form(admin, "hip-pain"), action="download"))
    time.sleep(0.5)
    assert len(received) == 1


def test_a_print_through_the_api_is_announced_too(local_app, default_admin, default_therapist, receiver):
    url, received, _ = receiver
    _add_webhook(local_app, default_admin, url)
    api, headers = local_app.test_client(), bearer(token_for(local_app, default_therapist, "read-write"))
    program = api.post(f"{API}/programs/build", json={"diagnosis": "hip-pain"}, headers=headers).json["program"]
    assert api.post(f"{API}/handouts", json={"program": program}, headers=headers).status_code == 201
    assert _wait_for(lambda: received)
    assert json.loads(received[0]["body"])["event"] == "handout.printed"


def test_a_refused_delivery_is_retried_with_growing_waits_then_given_up(local_app, default_admin, receiver):
    url, received, statuses = receiver
    _add_webhook(local_app, default_admin, url)
    clock = {"now": None}
    with local_app.app_context():
        session = get_session()
        hook = session.scalar(select(Webhook))
        webhooks.send_test(session, hook)
        session.commit()
        delivery = session.scalar(select(WebhookDelivery))
        start = delivery.next_attempt_at
    assert _wait_for(lambda: received)  # the dispatcher sent it at once (200: the receiver takes it)
    received.clear()

    statuses.extend([500] * 20)
    with local_app.app_context():
        session = get_session()
        webhooks.send_test(session, session.scalar(select(Webhook)))
        session.info.pop("webhooks_queued")  # this test drives the sends itself, with its own clock
        session.commit()
        failing = session.scalar(select(WebhookDelivery).order_by(WebhookDelivery.id.desc()))
        clock["now"] = start + timedelta(seconds=1)
        send = webhooks.http_sender(allow_private=True)
        waits = []
        for _ in range(webhooks.MAX_ATTEMPTS):
            webhooks.deliver_due(session, send, now=lambda: clock["now"])
            session.expire_all()
            row = session.get(WebhookDelivery, failing.id)
            if row.status == "pending":
                waits.append(row.next_attempt_at - clock["now"])
                # nothing goes early
                assert webhooks.deliver_due(session, send, now=lambda: clock["now"]) is not None
                clock["now"] = row.next_attempt_at
        row = session.get(WebhookDelivery, failing.id)
        assert row.status == "failed" and row.attempts == webhooks.MAX_ATTEMPTS and row.last_status == 500
        assert waits == list(webhooks.RETRY_AFTER)
    assert len(received) == webhooks.MAX_ATTEMPTS
    assert len({r["headers"]["Prescribe-Delivery"] for r in received}) == 1  # the same event each time


@pytest.mark.parametrize("address", ["http://records.example/in", "https://127.0.0.1/in", "https://10.1.2.3/in",
                                     "https://169.254.169.254/latest", "https://[::1]/in", "ftp://x.example/",
                                     "https://user:pw@records.example/", "https://localhost:99999/"])
def test_internal_and_unsafe_addresses_are_refused_next_to_the_field(app, default_admin, address):
    _, answer = _add_webhook(app, default_admin, address)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'class="error"' in page
    with app.app_context():
        assert get_session().scalar(select(Webhook)) is None


def test_a_delivery_to_a_name_that_now_points_inside_is_not_sent(app):
    answer = webhooks.http_sender(allow_private=False)("https://127.0.0.1:9/in", b"{}", {})
    assert answer.status is None and "private network" in answer.error


def test_only_admins_manage_webhooks_and_each_change_is_audited(local_app, default_admin, default_therapist,
                                                                receiver):
    url, _, _ = receiver
    therapist = local_app.test_client()
    sign_in(local_app, therapist, default_therapist)
    assert therapist.get("/clinic/webhooks").status_code == 404  # admin pages do not exist for others
    admin, _ = _add_webhook(local_app, default_admin, url)
    with local_app.app_context():
        hook_id = get_session().scalar(select(Webhook.id))
    token = page_csrf_token(admin, "/clinic/webhooks")
    assert admin.post(f"/clinic/webhooks/{hook_id}/remove", data={"csrf_token": token}).status_code == 302
    with local_app.app_context():
        session = get_session()
        assert session.scalar(select(Webhook)) is None
        actions = session.scalars(select(AuditEvent.action)).all()
        assert "webhook_create" in actions and "webhook_remove" in actions
