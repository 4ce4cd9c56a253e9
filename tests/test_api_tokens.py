"""API tokens: made on "Your account", shown once, stored hashed, revoked at once, kept to their clinic."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from sqlalchemy import select, update

from prescribe import api_tokens
from prescribe.db import Base, get_session
from prescribe.models import ApiToken, AuditEvent, User, utcnow

from .conftest import page_csrf_token

SECRET = re.compile(r'<input id="issued-secret"[^>]*value="(pst_[A-Za-z0-9_-]{43})"')


def _create(client, name="Clinic spreadsheet", scope="read"):
    token = page_csrf_token(client)
    return client.post("/account/api-tokens", data={"csrf_token": token, "name": name, "scope": scope})


def _secret(html: str) -> str:
    match = SECRET.search(html)
    assert match, "no secret on the page"
    return match.group(1)


def _authenticate(app, secret: str, **kwargs):
    with app.app_context():
        return api_tokens.authenticate(get_session(), secret, "203.0.113.7", **kwargs)


def _user(db, account) -> User:
    user = db.get(User, account.id)
    assert user is not None
    return user


def test_a_token_made_on_the_page_is_shown_once_and_only_its_hash_is_stored(app, client, default_therapist):
    response = _create(client, scope="read-write")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    secret = _secret(html)
    assert 'data-copy="#issued-secret"' in html and "readonly" in html
    assert response.headers["Cache-Control"] == "no-store"
    later = client.get("/account/").get_data(as_text=True)
    assert secret not in later and "issued-secret" not in later
    assert "Clinic spreadsheet" in later and "Read and write" in later and "Never" in later
    with app.app_context():
        db = get_session()
        rows = [repr(row) for table in Base.metadata.sorted_tables for row in db.execute(table.select()).all()]
        assert rows and not any(secret in row for row in rows)
        token = db.scalars(select(ApiToken)).one()
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert (token.user_id, token.scope, token.name) == (default_therapist.id, "read-write", "Clinic spreadsheet")
        assert token.clinic_id == default_therapist.clinic_id
    use = _authenticate(app, secret)
    assert use == api_tokens.TokenUse(token_id=token.id, user_id=default_therapist.id,
                                      clinic_id=default_therapist.clinic_id, scope="read-write")


def test_authenticate_knows_a_good_secret_and_refuses_unknown_revoked_and_disabled(app, clinics):
    a = clinics["A"]
    use = _authenticate(app, a.api_token_secret)
    assert use == api_tokens.TokenUse(a.api_token_id, a.therapist.id, a.id, "read-write")
    assert _authenticate(app, "pst_" + "A" * 43) is None
    assert _authenticate(app, "not even a token") is None
    assert _authenticate(app, "") is None
    with app.app_context():  # the user disabled: the token stops at once, and works again when re-enabled
        db = get_session()
        db.execute(update(User).where(User.id == a.therapist.id).values(active=False))
        db.commit()
    assert _authenticate(app, a.api_token_secret) is None
    with app.app_context():
        db = get_session()
        db.execute(update(User).where(User.id == a.therapist.id).values(active=True))
        db.commit()
        assert api_tokens.revoke(db, _user(db, a.therapist), a.api_token_id) is True
    assert _authenticate(app, a.api_token_secret) is None
    assert _authenticate(app, clinics["B"].api_token_secret) is not None


def test_last_use_is_written_at_most_once_a_minute(app, clinics):
    a = clinics["A"]
    start = utcnow()

    def last_used():
        with app.app_context():
            return get_session().get(ApiToken, a.api_token_id).last_used_at

    assert last_used() is None
    _authenticate(app, a.api_token_secret, now=start)
    assert last_used() == start
    _authenticate(app, a.api_token_secret, now=start + timedelta(seconds=30))
    assert last_used() == start
    _authenticate(app, a.api_token_secret, now=start + timedelta(seconds=61))
    assert last_used() == start + timedelta(seconds=61)


def test_an_address_sending_many_unknown_secrets_waits(app, clinics):
    for _ in range(api_tokens.GUESS_POLICY.max_failures):
        assert _authenticate(app, "pst_" + "B" * 43) is None
    assert _authenticate(app, clinics["A"].api_token_secret) is None  # this address, locked out
    with app.app_context():
        assert api_tokens.authenticate(get_session(), clinics["A"].api_token_secret, "198.51.100.9") is not None


def test_revoke_on_the_page_stops_the_token_at_once_and_is_audited(app, client, default_therapist):
    secret = _secret(_create(client).get_data(as_text=True))
    with app.app_context():
        token_id = get_session().scalars(select(ApiToken.id)).one()
    response = client.post(f"/account/api-tokens/{token_id}/revoke", data={"csrf_token": page_csrf_token(client)})
    assert response.status_code == 302
    assert _authenticate(app, secret) is None
    page = client.get("/account/").get_data(as_text=True)
    assert "Token revoked" in page and "Revoked" in page
    with app.app_context():
        events = get_session().scalars(select(AuditEvent).where(AuditEvent.action.like("api_token_%"))
                                       .order_by(AuditEvent.id)).all()
        assert [(e.action, e.user_id, e.clinic_id, e.object_type, e.object_id) for e in events] == [
            ("api_token_create", default_therapist.id, default_therapist.clinic_id, "api_token", token_id),
            ("api_token_revoke", default_therapist.id, default_therapist.clinic_id, "api_token", token_id)]
        assert all("Clinic spreadsheet" not in e.detail for e in events)  # nothing typed in the log
        assert events[0].detail == "scope read"


def test_nobody_revokes_another_users_or_another_clinics_token(app, clinics, client_for):
    a, b = clinics["A"], clinics["B"]
    for account, token_id in ((a.admin, a.api_token_id), (a.therapist, b.api_token_id)):
        client = client_for(account)
        response = client.post(f"/account/api-tokens/{token_id}/revoke",
                               data={"csrf_token": page_csrf_token(client)})
        assert response.status_code == 404
        page = client.get("/account/").get_data(as_text=True)
        assert b.name + " token" not in page
    with app.app_context():
        db = get_session()
        assert api_tokens.revoke(db, _user(db, a.admin), a.api_token_id) is False
        assert api_tokens.revoke(db, _user(db, a.therapist), b.api_token_id) is False
        assert api_tokens.revoke(db, _user(db, a.therapist), 999_999) is False
        assert db.scalar(select(AuditEvent).where(AuditEvent.action == "api_token_revoke")) is None
    assert _authenticate(app, a.api_token_secret) is not None
    assert _authenticate(app, b.api_token_secret) is not None


def test_the_account_page_lists_only_the_users_own_tokens(clinics, client_for):
    a = clinics["A"]
    own = client_for(a.therapist).get("/account/").get_data(as_text=True)
    assert f"{a.name} token" in own and "Read and write" in own
    assert f"/account/api-tokens/{a.api_token_id}/revoke" in own
    colleague = client_for(a.admin).get("/account/").get_data(as_text=True)
    assert f"{a.name} token" not in colleague and "You have no API tokens." in colleague


def test_bad_input_is_refused_next_to_its_field_and_keeps_what_was_typed(app, client):
    response = _create(client, name="", scope="read-write")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter a name for the token." in html
    assert re.search(r'<option[^>]*value="read-write"[^>]*selected|<option[^>]*selected[^>]*value="read-write"', html)
    response = _create(client, name="Nightly export", scope="everything")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose one of the access levels in the list" in html and 'value="Nightly export"' in html
    response = _create(client, name="x" * 61)
    assert response.status_code == 422 and "Keep the name to 60 characters." in response.get_data(as_text=True)
    response = _create(client, name="bell\x07")
    assert response.status_code == 422 and "control characters" in response.get_data(as_text=True)
    with app.app_context():
        assert get_session().scalar(select(ApiToken)) is None
