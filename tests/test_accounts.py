"""Accounts: passwords, sign-in, throttling, sessions, the second factor, user admin, commands.

Each test names the checklist item (security.md section 1) it holds in place.
"""

from __future__ import annotations

import os
import random
import re
import stat
import statistics
import time
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update

from prescribe.accounts import passwords, totp
from prescribe.accounts.passwords import PasswordPolicyError, check_new_password
from prescribe.db import get_session, sqlite_path
from prescribe.models import AuditEvent, LoginThrottle, User, UserSession, utcnow

from .conftest import TEST_PASSWORD, csrf_token, make_app, page_csrf_token, sign_in

NEW_PASSWORD = "Quiet-Orchard-Lantern-77"


def login(client, email: str, password: str, next_path: str | None = None, **environ):
    """Sign in through the real page: read the CSRF token, post the form."""
    url = "/auth/login" + (f"?next={next_path}" if next_path is not None else "")
    page = client.get(url, environ_base=environ)
    token = csrf_token(page.get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, "email": email, "password": password},
                       environ_base=environ)


def session_cookie(client) -> str:
    cookie = client.get_cookie("__Host-session")
    return cookie.value if cookie else ""


def db_run(app, fn):
    with app.app_context():
        db = get_session()
        result = fn(db)
        db.commit()
        return result


# --- A1-A3: hashing and the password policy ------------------------------------------------

def test_passwords_are_argon2id_with_compliant_parameters_and_never_stored_in_clear(app, runner, tmp_path):
    """A1: argon2id, m=64 MiB, t=3, p=4 (ASVS 5 App. C asks t>=3 -> m>=12 MiB); no plaintext in the DB."""
    hashed = passwords.hash_password(NEW_PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify_password(hashed, NEW_PASSWORD)
    assert not passwords.verify_password(hashed, NEW_PASSWORD + "x")
    assert not passwords.verify_password("not a hash", NEW_PASSWORD)
    runner.invoke(args=["create-clinic", "Harbour Physio"])
    result = runner.invoke(args=["create-user", "ann@harbour.example", "--clinic", "harbour-physio",
                                 "--role", "admin"], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    stored = db_run(app, lambda db: db.scalar(select(User.password_hash).where(User.email == "ann@harbour.example")))
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    with app.app_context():  # every stored value, on any database
        from prescribe.db import Base

        rows = [repr(row) for table in Base.metadata.sorted_tables
                for row in get_session().execute(table.select()).all()]
    assert rows and not any(NEW_PASSWORD in row for row in rows)
    app.extensions["db_engine"].dispose()
    database = sqlite_path(app.config["DATABASE_URL"])
    if database is not None:  # and on SQLite, not even in a free page or the WAL
        files = list(database.parent.glob(database.name + "*"))
        assert files and not any(NEW_PASSWORD.encode() in path.read_bytes() for path in files)


@pytest.mark.parametrize("password", [
    "a" * 5 + "b" * 4 + "c" * 3,  # 12 characters
    "Twelve chars",
    "Rivers bend slowly past the old mill near the harbour wall at 6.",  # 64
    "ÿ" + "long passphrase " * 7 + "end!",  # 128 characters and more than ASCII
    "🦵 knee bends at dawn 🌅",
    "  spaces count too  ",
])
def test_policy_accepts_any_password_of_12_to_128_characters_without_composition_rules(password):
    """A2: no composition rules; spaces, emoji and accents allowed; nothing truncated."""
    assert 12 <= len(password) <= 128
    check_new_password(password, email="ann@clinic.example")


@pytest.mark.parametrize(("password", "message"), [
    ("elevenchars", "at least 12 characters"),
    ("x" * 129, "at most 128 characters"),
    ("password1234", "too common"),
    ("Qwertyuiop123", "too common"),
    ("Sunshine2026!!", "too common"),  # a common word padded with digits and symbols
    ("aaaaaaaaaaaaaaa", "repeats the same characters"),
    ("ann.example.2041", "email address"),
])
def test_policy_refuses_short_long_common_and_guessable_passwords(password, message):
    with pytest.raises(PasswordPolicyError, match=message):
        check_new_password(password, email="ann.example@clinic.example")


def test_fifty_sampled_common_passwords_are_refused_at_password_change(app, client):
    """A3: entries of the bundled list (12+ characters, so the length rule cannot be the reason)."""
    long_entries = sorted(p for p in passwords.common_passwords() if 12 <= len(p) <= 128)
    assert len(long_entries) > 5000
    sample = random.Random(20261121).sample(long_entries, 50)
    for entry in sample:
        with pytest.raises(PasswordPolicyError, match="too common"):
            check_new_password(entry)
    token = page_csrf_token(client)
    refused = 0
    for entry in sample[:5]:  # through the form too
        response = client.post("/account/password", data={
            "csrf_token": token, "current_password": TEST_PASSWORD, "new_password": entry, "confirm": entry})
        refused += response.status_code == 422 and "too common" in response.get_data(as_text=True)
    assert refused == 5


@settings(max_examples=8, deadline=None, database=None, derandomize=True)
@given(st.text(st.characters(exclude_categories=("Cs",)), min_size=12, max_size=128))
def test_any_long_enough_uncommon_password_is_accepted_and_signs_in(password):
    """A2 as a property: accepted (unless common or repetitive) and verified exactly as typed."""
    try:
        check_new_password(password)
    except PasswordPolicyError as exc:
        assert "too common" in str(exc) or "repeats" in str(exc)
        return
    hashed = passwords.hash_password(password)
    assert passwords.verify_password(hashed, password)
    assert not passwords.verify_password(hashed, password[:-1])


def test_generated_passwords_pass_the_policy():
    for _ in range(20):
        check_new_password(passwords.generate_password())


# --- A4, A5: accounts from the command line -------------------------------------------------

def test_create_clinic_and_users_from_the_command_line(app, runner):
    result = runner.invoke(args=["create-clinic", "Harbour Physio"])
    assert result.exit_code == 0, result.output
    assert "slug: harbour-physio" in result.output
    assert runner.invoke(args=["create-clinic", "Harbour Physio"]).exit_code != 0
    prompted = runner.invoke(args=["create-user", "Ann@Harbour.example", "--clinic", "harbour-physio",
                                   "--role", "admin", "--name", "Ann"],
                             input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output
    assert NEW_PASSWORD not in prompted.output
    generated = runner.invoke(args=["create-user", "tom@harbour.example", "--clinic", "harbour-physio",
                                    "--role", "therapist", "--generate-password"])
    assert generated.exit_code == 0, generated.output
    printed = re.search(r"shown once.*: (\S+)", generated.output).group(1)
    users = db_run(app, lambda db: {u.email: (u.role, u.must_change_password, u.clinic.slug,
                                              passwords.verify_password(u.password_hash, printed))
                                    for u in db.scalars(select(User))})
    assert users == {"ann@harbour.example": ("admin", False, "harbour-physio", False),
                     "tom@harbour.example": ("therapist", True, "harbour-physio", True)}


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["create-user", "x@h.example", "--clinic", "nowhere", "--role", "admin"], None, "no clinic"),
    (["create-user", "x@h.example", "--clinic", "demo", "--role", "owner"], None, "Invalid value for '--role'"),
    (["create-user", "x@h.example", "--clinic", "demo", "--role", "admin"], "password123\npassword123\n",
     "at least 12 characters"),
    (["create-user", "not-an-email", "--clinic", "demo", "--role", "admin"], f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
     "Enter an email address"),
])
def test_create_user_refuses_bad_input_with_a_clear_message(runner, args, stdin, message):
    runner.invoke(args=["init-db"])
    result = runner.invoke(args=args, input=stdin)
    assert result.exit_code != 0
    assert message in result.output


def test_one_account_per_email_and_clinic_whatever_its_case(app, runner, clinics):
    """A5: unique identity within a clinic; A@x and a@x are one address. Another clinic may add it (issue 22)."""
    result = runner.invoke(args=["create-user", clinics["A"].admin.email.upper(), "--clinic", "alpha",
                                 "--role", "therapist", "--generate-password"])
    assert result.exit_code != 0
    assert "already has an account in this clinic" in result.output
    elsewhere = runner.invoke(args=["create-user", clinics["A"].admin.email.upper(), "--clinic", "bravo",
                                    "--role", "therapist", "--generate-password"])
    assert elsewhere.exit_code == 0, elsewhere.output
    ambiguous = runner.invoke(args=["reset-user", clinics["A"].admin.email])
    assert ambiguous.exit_code != 0 and "add --clinic SLUG" in ambiguous.output
    chosen = runner.invoke(args=["reset-user", clinics["A"].admin.email, "--clinic", "bravo"])
    assert chosen.exit_code == 0 and "Bravo" in chosen.output


def test_init_db_creates_the_demo_login_once_and_make_run_can_print_it(app, runner):
    """The demo admin's password: printed once, hashed in the DB, kept in instance/ at 0600."""
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    created = re.search(r"Demo login created: (\S+)  password: (\S+)", first.output)
    assert created
    email, password = created.groups()
    login_file = Path(app.instance_path) / "demo_login.txt"
    assert stat.S_IMODE(os.stat(login_file).st_mode) == 0o600
    assert login_file.read_text().split() == [email, password]
    again = runner.invoke(args=["init-db"])
    assert again.exit_code == 0 and "Demo login created" not in again.output
    assert login_file.read_text().split() == [email, password]
    shown = runner.invoke(args=["demo-login"])
    assert f"Demo login: {email}  password: {password}" in shown.output
    assert login(app.test_client(), email, password).status_code == 302
    names = db_run(app, lambda db: [u.email.split("@")[0] for u in db.scalars(select(User))])
    assert names == ["demo"]  # A4: no admin/root/test accounts


def test_init_db_in_production_creates_no_account(tmp_path):
    """A4: no default account outside development."""
    app = make_app(tmp_path, ENV_NAME="production")
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Demo login" not in result.output
    assert db_run(app, lambda db: db.scalars(select(User)).all()) == []
    app.extensions["db_engine"].dispose()


def test_init_db_upgrades_a_database_from_before_accounts_and_keeps_its_handouts(tmp_path):
    """Handouts made before clinic accounts stay with the demo clinic (id 1), which gets a login."""
    import sqlite3

    database = tmp_path / "old.sqlite"
    old = sqlite3.connect(database)
    old.executescript("""
        CREATE TABLE clinic (id INTEGER PRIMARY KEY, slug VARCHAR(60) UNIQUE NOT NULL, name VARCHAR(120) NOT NULL,
            address VARCHAR(200) NOT NULL, phone VARCHAR(40) NOT NULL, website VARCHAR(120) NOT NULL,
            accent_colour VARCHAR(7) NOT NULL, default_paper VARCHAR(10) NOT NULL, logo_png BLOB,
            updated_at DATETIME NOT NULL);
        CREATE TABLE handout (id INTEGER PRIMARY KEY, clinic_id INTEGER NOT NULL REFERENCES clinic(id),
            diagnosis_slug VARCHAR(80) NOT NULL, diagnosis_name VARCHAR(120) NOT NULL,
            patient_name VARCHAR(80) NOT NULL, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL);
        INSERT INTO clinic VALUES (1, 'demo', 'Riverside Physical Therapy', '', '', '', '#1d6fb8', 'letter',
            NULL, '2026-01-01 00:00:00');
        INSERT INTO handout VALUES (1, 1, 'hip-pain', 'Hip pain', 'Old Patient', '2026-01-01 00:00:00',
            '2026-01-01 00:00:00');
    """)
    old.commit()
    old.close()
    app = make_app(tmp_path, DATABASE_URL=f"sqlite:///{database}")
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Demo login created" in result.output
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0  # idempotent
    with app.app_context():
        db = get_session()
        columns = {row[1] for row in db.execute(text("PRAGMA table_info(clinic)"))}
        assert {"footer_line", "require_mfa", "emergency_number"} <= columns
        demo = db.scalar(select(User))
        assert (demo.clinic_id, demo.role) == (1, "admin")
        demo_id = demo.id
    client = sign_in(app, app.test_client(), _account(demo_id, 1))
    assert "Old Patient" in client.get("/").get_data(as_text=True)
    app.extensions["db_engine"].dispose()


def _account(user_id: int, clinic_id: int):
    from .conftest import Account

    return Account(user_id, "", "admin", clinic_id)


# --- A6, A7, A10: signing in ----------------------------------------------------------------

def test_sign_in_and_out_through_the_pages(app, default_therapist):
    client = app.test_client()
    assert client.get("/").headers["Location"] == "/auth/login"
    response = login(client, default_therapist.email, TEST_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Tess Therapist" in home and 'action="/auth/logout"' in home
    token = csrf_token(client.get("/account/").get_data(as_text=True))
    out = client.post("/auth/logout", data={"csrf_token": token})
    assert out.headers["Location"] == "/auth/login"
    assert client.get("/").status_code == 302


def test_unknown_address_wrong_password_and_disabled_account_get_one_answer(app, default_therapist, clinics):
    """A7: same status and body (bar the CSRF token), and an unknown address costs a hash too."""
    db_run(app, lambda db: db.execute(update(User).where(User.id == clinics["B"].therapist.id).values(active=False)))

    def attempt(email, password):
        response = login(app.test_client(), email, password)
        body = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", response.get_data(as_text=True))
        return response.status_code, body

    unknown = attempt("nobody@nowhere.example", TEST_PASSWORD)
    wrong = attempt(default_therapist.email, "Wrong-password-123")
    disabled = attempt(clinics["B"].therapist.email, TEST_PASSWORD)
    assert unknown[0] == wrong[0] == disabled[0] == 422
    assert unknown[1].replace("nobody@nowhere.example", "EMAIL") == wrong[1].replace(default_therapist.email, "EMAIL")
    assert (disabled[1].replace(clinics["B"].therapist.email, "EMAIL")
            == wrong[1].replace(default_therapist.email, "EMAIL"))
    assert "do not match an account" in wrong[1]

    def timed(email):
        client = app.test_client()
        token = csrf_token(client.get("/auth/login").get_data(as_text=True))
        started = time.perf_counter()
        client.post("/auth/login", data={"csrf_token": token, "email": email, "password": "Wrong-password-123"})
        return time.perf_counter() - started

    # Interleaved, so both see the same machine: on a shared machine the speed can change 5x within
    # seconds, and five of one after five of the other would compare the machine, not the answers.
    unknown_times, wrong_times = [], []
    for i in range(5):
        unknown_times.append(timed(f"nobody{i}@nowhere.example"))
        wrong_times.append(timed(default_therapist.email))
    assert statistics.median(unknown_times) > 0.5 * statistics.median(wrong_times)


def test_ten_failures_lock_the_account_even_for_the_right_password_from_any_address(app, default_therapist):
    """A6: per account, whatever the client address; a soft lock that ends after 15 minutes."""
    for attempt in range(10):
        response = login(app.test_client(), default_therapist.email, f"Wrong-password-{attempt:03d}",
                         REMOTE_ADDR=f"10.0.0.{attempt}", HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}")
        assert response.status_code == (429 if attempt == 9 else 422)
    locked = login(app.test_client(), default_therapist.email, TEST_PASSWORD, REMOTE_ADDR="10.9.9.9")
    assert locked.status_code == 429
    assert "paused for 15 minutes" in locked.get_data(as_text=True)
    unknown = [login(app.test_client(), "ghost@nowhere.example", f"Wrong-password-{i:03d}").status_code
               for i in range(11)]
    assert unknown[-1] == 429  # an address without an account locks the same way: no enumeration
    db_run(app, lambda db: db.execute(update(LoginThrottle).values(locked_until=utcnow() - timedelta(seconds=1))))
    assert login(app.test_client(), default_therapist.email, TEST_PASSWORD).status_code == 302


def test_thirty_failures_from_one_address_pause_sign_in_from_it_for_every_account(app, default_therapist,
                                                                                  caplog):
    """A6 per address: password spraying (one guess at many accounts) from one place is stopped."""
    spray = "203.0.113.7"
    for attempt in range(30):
        response = login(app.test_client(), f"user{attempt}@clinic.example", "Wrong-password-123",
                         REMOTE_ADDR=spray, HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}")
        assert response.status_code == (429 if attempt == 29 else 422), attempt
    assert "from this network" in response.get_data(as_text=True)
    # The right password of an untouched account is paused there too, whatever the forwarded header
    # says (no proxy is trusted by default), and is not paused from anywhere else.
    paused = login(app.test_client(), default_therapist.email, TEST_PASSWORD, REMOTE_ADDR=spray,
                   HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert paused.status_code == 429 and "paused for 15 minutes" in paused.get_data(as_text=True)
    other_address = login(app.test_client(), default_therapist.email, TEST_PASSWORD, REMOTE_ADDR="203.0.113.8")
    assert other_address.status_code == 302
    warnings = [r for r in caplog.records if "PRESCRIBE_TRUSTED_PROXIES is 0" in r.getMessage()]
    assert len(warnings) == 1  # said once, not per request
    with app.app_context():
        failed = get_session().scalars(select(AuditEvent).where(AuditEvent.action == "sign_in_failed",
                                                                AuditEvent.ip == spray)).all()
    assert [event.detail for event in failed].count("address_locked") == 2
    db_run(app, lambda db: db.execute(update(LoginThrottle).values(locked_until=utcnow() - timedelta(seconds=1))))
    assert login(app.test_client(), default_therapist.email, TEST_PASSWORD, REMOTE_ADDR=spray).status_code == 302


def test_a_right_password_does_not_clear_its_address_count(tmp_path, app, default_therapist):
    """Whoever holds one account cannot sign in to it between guesses at others to start afresh."""
    strict = make_app(tmp_path, LOGIN_ADDRESS_MAX_FAILURES=3)  # same database, a lower limit
    office = "198.51.100.20"
    try:
        for attempt in range(2):
            login(strict.test_client(), f"user{attempt}@clinic.example", "Wrong-password-123", REMOTE_ADDR=office)
        assert login(strict.test_client(), default_therapist.email, TEST_PASSWORD,
                     REMOTE_ADDR=office).status_code == 302
        assert login(strict.test_client(), "one.more@clinic.example", "Wrong-password-123",
                     REMOTE_ADDR=office).status_code == 429
    finally:
        strict.extensions["db_engine"].dispose()


def test_an_ipv6_client_is_counted_by_its_network_not_by_each_address():
    from prescribe.accounts.throttle import address_key

    # One subscriber's /64 is one count, however many of its addresses it uses.
    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff:abcd:1234:5678")
    assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
    assert address_key("::ffff:203.0.113.7") == address_key("203.0.113.7")
    assert address_key("203.0.113.7") != address_key("203.0.113.8")


def test_the_password_is_checked_outside_any_database_transaction(app, default_therapist, monkeypatch):
    """On SQLite a transaction holds the write lock: other workers must not wait for a password hash."""
    open_during_hash = []

    def watching(real):
        def check(*args):
            open_during_hash.append(get_session().in_transaction())
            return real(*args)
        return check

    monkeypatch.setattr(passwords, "verify_password", watching(passwords.verify_password))
    monkeypatch.setattr(passwords, "spend_verify_time", watching(passwords.spend_verify_time))
    assert login(app.test_client(), default_therapist.email, TEST_PASSWORD).status_code == 302
    assert login(app.test_client(), default_therapist.email, "Wrong-password-123").status_code == 422
    assert login(app.test_client(), "nobody@nowhere.example", "Wrong-password-123").status_code == 422
    assert len(open_during_hash) >= 3 and not any(open_during_hash)  # a dummy hash may call both


def test_the_failure_count_is_shared_by_every_worker(tmp_path, app, default_therapist):
    """A6/I2: two app instances on one database (two gunicorn workers) count one total."""
    other_worker = make_app(tmp_path)  # same database file, its own engine and sessions
    try:
        for attempt in range(10):
            worker = app if attempt % 2 else other_worker
            login(worker.test_client(), default_therapist.email, f"Wrong-password-{attempt:03d}")
        assert login(app.test_client(), default_therapist.email, TEST_PASSWORD).status_code == 429
        assert login(other_worker.test_client(), default_therapist.email, TEST_PASSWORD).status_code == 429
    finally:
        other_worker.extensions["db_engine"].dispose()


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)",
    "http:/evil.example", "/\t/evil.example", "\\\\evil.example", "evil.example",
])
def test_next_never_leaves_the_site(app, default_therapist, target):
    """A10: no open redirect after sign-in."""
    from urllib.parse import quote

    response = login(app.test_client(), default_therapist.email, TEST_PASSWORD, next_path=quote(target, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_returns_to_the_page_that_asked_for_sign_in(app, default_therapist):
    client = app.test_client()
    asked = client.get("/exercises/?position=lying-side")
    assert asked.headers["Location"] == "/auth/login?next=/exercises/?position%3Dlying-side"
    response = login(client, default_therapist.email, TEST_PASSWORD, next_path="/exercises/%3Fposition%3Dlying-side")
    assert response.headers["Location"] == "/exercises/?position=lying-side"


# --- B2-B6: sessions --------------------------------------------------------------------------

def _age_session(app, user_id: int, client=None, **ages: timedelta):
    """Move the session's times back, as if that long had passed (and the cookie's last request too)."""
    now = utcnow()
    values = {column: now - age for column, age in ages.items()}
    db_run(app, lambda db: db.execute(update(UserSession).where(UserSession.user_id == user_id).values(**values)))
    if client is not None and "last_seen" in ages:

        from prescribe.web.guard import SEEN_KEY

        with client.session_transaction() as cookie:
            if SEEN_KEY in cookie:
                cookie[SEEN_KEY] = (now - ages["last_seen"]).replace(tzinfo=UTC).timestamp()


def test_sign_in_gets_a_new_session_id_and_the_old_cookie_stays_anonymous(app, default_therapist):
    """B6: no session fixation; the pre-sign-in cookie (and its CSRF token) are worthless after."""
    client = app.test_client()
    client.get("/auth/login")
    before = session_cookie(client)
    assert before
    login(client, default_therapist.email, TEST_PASSWORD)
    after = session_cookie(client)
    assert after and after != before
    attacker = app.test_client()
    attacker.set_cookie("__Host-session", before)
    assert attacker.get("/").status_code == 302
    second = app.test_client()
    login(second, default_therapist.email, TEST_PASSWORD)
    assert session_cookie(second) != after


def test_session_cookie_is_secure_httponly_lax_host_only(app, default_therapist):
    """B1: flags of the cookie set at sign-in."""
    response = login(app.test_client(), default_therapist.email, TEST_PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    parts = {p.strip().split("=")[0].lower() for p in cookie.split(";")[1:]}
    assert {"secure", "httponly", "path", "samesite"} <= parts
    assert "domain" not in parts and "expires" not in parts  # ends with the browser, at most 12 h signed
    assert "SameSite=Lax" in cookie and "Path=/" in cookie


def test_logout_ends_the_session_for_every_copy_of_the_cookie(app, client):
    """B4: a cookie copied before sign-out signs nobody in after it."""
    copied = session_cookie(client)
    token = page_csrf_token(client)
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    replay = app.test_client()
    replay.set_cookie("__Host-session", copied)
    response = replay.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"


def test_logout_is_post_only_and_on_every_signed_in_page(client):
    """B7."""
    assert client.get("/auth/logout").status_code == 405
    for path in ("/", "/exercises/", "/build/hip-pain", "/account/"):
        assert 'action="/auth/logout"' in client.get(path).get_data(as_text=True)


def test_idle_sessions_end_after_15_minutes_on_the_server(app, client, default_therapist):
    """B2: a request after 14 idle minutes passes; after 16 it goes to sign-in, with a reason."""
    _age_session(app, default_therapist.id, client, last_seen=timedelta(minutes=14))
    assert client.get("/").status_code == 200
    _age_session(app, default_therapist.id, client, last_seen=timedelta(minutes=16))
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert "without activity" in client.get("/auth/login").get_data(as_text=True)
    assert db_run(app, lambda db: db.scalars(select(UserSession)).all()) == []


def test_the_idle_limit_holds_to_the_second_without_a_write_per_request(app, client, default_therapist, monkeypatch):
    """Issue 22: idleness counts from the last request, not from the last ``last_seen`` write (every 30 s)."""
    from sqlalchemy import event

    import prescribe.web.guard as guard

    start = db_run(app, lambda db: db.scalar(select(UserSession.last_seen)))
    clock = {"now": start}
    monkeypatch.setattr(guard, "utcnow", lambda: clock["now"])
    writes = []
    event.listen(app.extensions["db_engine"], "before_cursor_execute",
                 lambda *args: writes.append(args[2]) if args[2].lstrip().upper().startswith("UPDATE USER_SESSION")
                 else None)
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])

    def request_at(moment):
        clock["now"] = moment
        return client.get("/")

    for seconds in (1, 10, 20, 29):  # four requests within 30 s: no write of last_seen
        assert request_at(start + timedelta(seconds=seconds)).status_code == 200
    assert writes == [] and db_run(app, lambda db: db.scalar(select(UserSession.last_seen))) == start
    static = client.get("/static/css/app.css")
    static.close()
    assert static.status_code == 200 and "Set-Cookie" not in static.headers  # files carry no new cookie
    last = start + timedelta(seconds=29)
    # 14:59 after the last request (15:28 after last_seen): still signed in, and last_seen written once.
    assert request_at(last + idle - timedelta(seconds=1)).status_code == 200
    assert len(writes) == 1
    last = last + idle - timedelta(seconds=1)
    assert request_at(last + idle - timedelta(seconds=1)).status_code == 200  # the limit restarts at each request
    last = last + idle - timedelta(seconds=1)
    ended = request_at(last + idle + timedelta(seconds=1))  # 15:01 after the last request: ended
    assert ended.status_code == 302 and ended.headers["Location"] == "/auth/login"
    assert "without activity" in client.get("/auth/login").get_data(as_text=True)


def test_a_cookie_cannot_stretch_the_idle_limit():
    """The cookie's time counts only when it is later than last_seen and not in the future."""
    from datetime import datetime

    from prescribe.accounts.sessions import last_activity

    now = datetime(2026, 12, 6, 12, 0, 0)
    row = UserSession(last_seen=now - timedelta(minutes=10))
    assert last_activity(row, now - timedelta(minutes=1), now) == now - timedelta(minutes=1)
    assert last_activity(row, now + timedelta(hours=1), now) == row.last_seen  # from the future: ignored
    assert last_activity(row, now - timedelta(hours=1), now) == row.last_seen  # older than the row: the row
    assert last_activity(row, None, now) == row.last_seen


def test_a_page_left_open_asks_whether_it_is_still_signed_in_and_takes_the_new_token(app, client,
                                                                                      default_therapist):
    """The builder asks before it sends its form (builder.js): a token while signed in, sign-in after."""
    from .conftest import builder_form

    form = builder_form(client, "hip-pain")
    answer = client.get("/auth/still-signed-in")
    assert answer.status_code == 200 and answer.is_json
    assert "no-store" in answer.headers["Cache-Control"]
    form["csrf_token"] = answer.get_json()["csrf_token"]
    assert client.post("/build/", data={**form, "action": "update"}).status_code == 200
    _age_session(app, default_therapist.id, client, last_seen=timedelta(minutes=16))
    ended = client.get("/auth/still-signed-in")
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/auth/login")
    sign_in(app, client, default_therapist)  # again, in another tab: a new session and CSRF token
    assert client.post("/build/", data={**form, "action": "update"}).status_code == 400  # the old token
    form["csrf_token"] = client.get("/auth/still-signed-in").get_json()["csrf_token"]
    assert client.post("/build/", data={**form, "action": "update"}).status_code == 200


def test_sessions_end_after_12_hours_even_with_constant_activity(app, client, default_therapist):
    """B3: the absolute limit."""
    _age_session(app, default_therapist.id, created_at=timedelta(hours=11, minutes=59), last_seen=timedelta(0))
    assert client.get("/").status_code == 200
    _age_session(app, default_therapist.id, created_at=timedelta(hours=12, minutes=1), last_seen=timedelta(0))
    assert client.get("/").status_code == 302


def test_password_change_needs_the_old_password_and_ends_the_other_sessions(app, default_therapist, client_for):
    """A9 and B5."""
    laptop = client_for(default_therapist)
    phone = client_for(default_therapist)
    laptop_cookie = session_cookie(laptop)
    token = page_csrf_token(laptop)
    wrong = laptop.post("/account/password", data={"csrf_token": token, "current_password": "Not-my-password-1",
                                                   "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422
    html = wrong.get_data(as_text=True)
    assert "Your current password is not correct." in html and NEW_PASSWORD not in html
    mismatch = laptop.post("/account/password", data={"csrf_token": token, "current_password": TEST_PASSWORD,
                                                      "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert "The two new passwords do not match." in mismatch.get_data(as_text=True)
    changed = laptop.post("/account/password", data={"csrf_token": token, "current_password": TEST_PASSWORD,
                                                      "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    assert laptop.get("/").status_code == 200  # this browser goes on, with a new session id
    assert session_cookie(laptop) != laptop_cookie
    assert phone.get("/").status_code == 302
    stale = app.test_client()
    stale.set_cookie("__Host-session", laptop_cookie)
    assert stale.get("/").status_code == 302
    assert login(app.test_client(), default_therapist.email, TEST_PASSWORD).status_code == 422
    assert login(app.test_client(), default_therapist.email, NEW_PASSWORD).status_code == 302


# --- Admin: users of the clinic ------------------------------------------------------------------

def test_admin_adds_a_user_who_must_choose_a_password_at_first_sign_in(app, admin_client):
    token = csrf_token(admin_client.get("/admin/users").get_data(as_text=True))
    response = admin_client.post("/admin/users", data={"csrf_token": token, "email": "New.Person@Riverside.example",
                                                       "name": "New Person", "role": "therapist"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = re.search(r'class="one-time-password"><code>([^<]+)</code>', response.get_data(as_text=True)).group(1)
    newcomer = app.test_client()
    assert login(newcomer, "new.person@riverside.example", password).status_code == 302
    assert newcomer.get("/").headers["Location"] == "/account/"
    assert newcomer.get("/build/hip-pain").headers["Location"] == "/account/"
    token = page_csrf_token(newcomer)
    newcomer.post("/account/password", data={"csrf_token": token, "current_password": password,
                                             "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert newcomer.get("/").status_code == 200
    users = admin_client.get("/admin/users").get_data(as_text=True)
    assert "new.person@riverside.example" in users and password not in users


def test_add_user_ignores_a_smuggled_clinic_and_explains_bad_input(app, admin_client, clinics, default_admin):
    """C5: the clinic comes from the signed-in admin, never from the form."""
    token = csrf_token(admin_client.get("/admin/users").get_data(as_text=True))
    admin_client.post("/admin/users", data={"csrf_token": token, "email": "smuggled@x.example", "role": "admin",
                                            "clinic_id": str(clinics["B"].id), "clinic": "bravo"})
    clinic_id = db_run(app, lambda db: db.scalar(select(User.clinic_id).where(User.email == "smuggled@x.example")))
    assert clinic_id == default_admin.clinic_id
    bad = admin_client.post("/admin/users", data={"csrf_token": token, "email": "not an email", "name": "Kept Name",
                                                  "role": "therapist"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Enter an email address like name@clinic.example." in html
    assert 'value="not an email"' in html and 'value="Kept Name"' in html
    taken = admin_client.post("/admin/users", data={"csrf_token": token, "email": default_admin.email.upper(),
                                                    "role": "therapist"})
    assert taken.status_code == 422
    assert "already has an account in this clinic" in taken.get_data(as_text=True)


def test_disabling_a_user_signs_them_out_at_once_and_enabling_lets_them_back(app, admin_client, default_therapist,
                                                                             client_for):
    """B5: disable ends every session on the server."""
    therapist = client_for(default_therapist)
    token = csrf_token(admin_client.get("/admin/users").get_data(as_text=True))
    disabled = admin_client.post(f"/admin/users/{default_therapist.id}/disable", data={"csrf_token": token})
    assert disabled.status_code == 302
    assert therapist.get("/").status_code == 302
    assert login(app.test_client(), default_therapist.email, TEST_PASSWORD).status_code == 422
    admin_client.post(f"/admin/users/{default_therapist.id}/enable", data={"csrf_token": token})
    assert login(app.test_client(), default_therapist.email, TEST_PASSWORD).status_code == 302


def test_admin_reset_gives_a_one_time_password_and_ends_sessions(app, admin_client, default_therapist, client_for):
    therapist = client_for(default_therapist)
    token = csrf_token(admin_client.get("/admin/users").get_data(as_text=True))
    response = admin_client.post(f"/admin/users/{default_therapist.id}/reset-password", data={"csrf_token": token})
    password = re.search(r"<code>([^<]+)</code>", response.get_data(as_text=True)).group(1)
    assert therapist.get("/").status_code == 302
    assert login(app.test_client(), default_therapist.email, TEST_PASSWORD).status_code == 422
    fresh = app.test_client()
    assert login(fresh, default_therapist.email, password).status_code == 302
    assert fresh.get("/").headers["Location"] == "/account/"


def test_an_admin_cannot_disable_themselves_or_the_last_admin(admin_client, default_admin):
    token = csrf_token(admin_client.get("/admin/users").get_data(as_text=True))
    response = admin_client.post(f"/admin/users/{default_admin.id}/disable", data={"csrf_token": token},
                                 follow_redirects=True)
    assert "You cannot disable your own account." in response.get_data(as_text=True)
    assert admin_client.get("/").status_code == 200


def test_therapists_cannot_reach_admin_pages(client, default_admin):
    """C4: user admin and clinic settings are for clinic admins; others get a 404 and change nothing."""
    token = page_csrf_token(client)
    for path in ("/admin/users", "/clinic/settings"):
        assert client.get(path).status_code == 404
    for path in ("/admin/users", f"/admin/users/{default_admin.id}/disable", "/admin/second-factor-rule",
                 "/clinic/settings"):
        data = {"csrf_token": token, "email": "x@y.example", "name": "Hacked"}
        assert client.post(path, data=data).status_code == 404
    assert "Users" not in re.sub(r"<main.*", "", client.get("/").get_data(as_text=True), flags=re.S)
    assert client.get("/clinic/logo.png").status_code in (200, 404)  # the logo itself is the clinic's to see


# --- A8: the second factor ---------------------------------------------------------------------

def _enrol(client, when=None) -> str:
    page = client.get("/account/second-factor").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    assert 'src="data:image/svg+xml' in page  # the QR code, allowed by img-src data:
    response = client.post("/account/second-factor", data={"csrf_token": csrf_token(page),
                                                            "code": totp.code_at(secret, when or utcnow())})
    assert response.status_code == 302, response.get_data(as_text=True)
    return secret


def test_second_factor_enrolment_sign_in_and_replay(app, client, default_therapist):
    secret = _enrol(client)
    assert "On: you enter a code" in client.get("/account/").get_data(as_text=True)
    browser = app.test_client()
    response = login(browser, default_therapist.email, TEST_PASSWORD, next_path="/exercises/")
    assert response.headers["Location"].startswith("/auth/code")
    for path in ("/", "/exercises/", "/account/", "/handouts/1"):
        assert browser.get(path).headers["Location"] == "/auth/code"  # only the code page is open
    page = browser.get("/auth/code").get_data(as_text=True)
    wrong = browser.post("/auth/code?next=/exercises/", data={"csrf_token": csrf_token(page), "code": "000000"})
    assert wrong.status_code == 422 and "That code is not right" in wrong.get_data(as_text=True)
    code = totp.code_at(secret, utcnow() + timedelta(seconds=30))  # the enrolment used this step's code
    before = session_cookie(browser)
    ok = browser.post("/auth/code?next=/exercises/", data={"csrf_token": csrf_token(page), "code": code})
    assert ok.headers["Location"] == "/exercises/"
    assert session_cookie(browser) != before  # a new session id once fully signed in
    assert browser.get("/").status_code == 200
    replay = app.test_client()
    login(replay, default_therapist.email, TEST_PASSWORD)
    page = replay.get("/auth/code").get_data(as_text=True)
    refused = replay.post("/auth/code", data={"csrf_token": csrf_token(page), "code": code})
    assert refused.status_code == 422 and "already used" in refused.get_data(as_text=True)


def test_wrong_codes_count_toward_the_account_lock(app, client, default_therapist):
    """A8: and signing in again with the password does not reset the count of wrong codes."""
    _enrol(client)
    browser = app.test_client()
    for attempt in range(10):
        if attempt % 4 == 0:
            assert login(browser, default_therapist.email, TEST_PASSWORD).status_code == 302
        page = browser.get("/auth/code")
        browser.post("/auth/code", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                         "code": f"{attempt:06d}"})
    assert browser.get("/").headers["Location"] == "/auth/login"
    assert login(app.test_client(), default_therapist.email, TEST_PASSWORD).status_code == 429


def test_totp_codes_are_good_once_and_only_near_now():
    secret = totp.new_secret()
    now = utcnow()
    step = totp.accept_code(secret, totp.code_at(secret, now), 0, now)
    assert step is not None
    assert totp.accept_code(secret, totp.code_at(secret, now), step, now) is None
    assert totp.accept_code(secret, totp.code_at(secret, now - timedelta(minutes=5)), 0, now) is None
    assert totp.accept_code(secret, "12345", 0, now) is None
    assert totp.accept_code(secret, "abcdef", 0, now) is None


def test_the_server_command_lets_a_locked_out_user_back_in(app, runner, client, default_admin,
                                                           default_therapist):
    """For a clinic's only admin with a lost phone: no one in the app can reset them."""
    _enrol(client)
    for attempt in range(10):
        login(app.test_client(), default_therapist.email, f"Wrong-password-{attempt:03d}",
              REMOTE_ADDR=f"10.0.0.{attempt}")
    result = runner.invoke(args=["reset-user", default_therapist.email.upper(), "--second-factor"])
    assert result.exit_code == 0, result.output
    password = re.search(r"Password \(shown once[^)]*\): (\S+)", result.output).group(1)
    assert client.get("/").status_code == 302  # their sessions ended
    fresh = app.test_client()
    signed_in = login(fresh, default_therapist.email, password)  # the lock is lifted, no code is asked
    assert signed_in.status_code == 302 and not signed_in.headers["Location"].startswith("/auth/code")
    assert fresh.get("/").headers["Location"] == "/account/"  # they choose their own password first
    admin = sign_in(app, app.test_client(), default_admin)
    log = admin.get("/admin/audit").get_data(as_text=True)
    assert len(re.findall(r"<td>Server command</td>\s*<td>(?:Reset a user&#39;s password|Removed a user&#39;s "
                          r"authenticator app)</td>\s*<td>Tess Therapist", log)) == 2
    unknown = runner.invoke(args=["reset-user", "nobody@nowhere.example"])
    assert unknown.exit_code == 1 and "No account has the email address" in unknown.output


def test_clinic_admin_can_require_a_second_factor_for_everyone(app, admin_client, client, default_therapist):
    token = csrf_token(admin_client.get("/admin/users").get_data(as_text=True))
    refused = admin_client.post("/admin/second-factor-rule", data={"csrf_token": token, "require_mfa": "y"})
    assert refused.status_code == 422
    assert "Turn on your own second factor first" in refused.get_data(as_text=True)
    _enrol(admin_client)
    data = {"csrf_token": token, "require_mfa": "y"}
    assert admin_client.post("/admin/second-factor-rule", data=data).status_code == 302
    for path in ("/", "/build/hip-pain", "/account/"):
        assert client.get(path).headers["Location"] == "/account/second-factor"
    _enrol(client)
    assert client.get("/").status_code == 200
    page = client.get("/account/").get_data(as_text=True)
    assert "requires it for everyone" in page and "Turn the second factor off" not in page
    token = csrf_token(admin_client.get("/admin/users").get_data(as_text=True))
    admin_client.post(f"/admin/users/{default_therapist.id}/reset-second-factor", data={"csrf_token": token})
    assert client.get("/").headers["Location"] == "/auth/login"  # the reset ended their sessions


def test_user_can_turn_their_second_factor_off_with_password_and_code(client):
    secret = _enrol(client)
    page = client.get("/account/").get_data(as_text=True)
    token = csrf_token(page)
    wrong = client.post("/account/second-factor/remove", data={"csrf_token": token, "password": "Wrong-password-1",
                                                                "code": totp.code_at(secret, utcnow())})
    assert wrong.status_code == 422 and "current password is not correct" in wrong.get_data(as_text=True)
    ok = client.post("/account/second-factor/remove", data={
        "csrf_token": token, "password": TEST_PASSWORD,
        "code": totp.code_at(secret, utcnow() + timedelta(seconds=30))})
    assert ok.status_code == 302
    assert "Set up an authenticator app" in client.get("/account/").get_data(as_text=True)


# --- Configuration ---------------------------------------------------------------------------

def test_secret_key_is_required_outside_development(tmp_path):
    from prescribe import create_app
    from prescribe.config import ConfigError

    base = {"INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    with pytest.raises(ConfigError, match="PRESCRIBE_SECRET_KEY is not set"):
        create_app({**base, "ENV_NAME": "production"})
    with pytest.raises(ConfigError, match="too short"):
        create_app({**base, "ENV_NAME": "production", "SECRET_KEY": "short"})
    with pytest.raises(ConfigError, match="SESSION_COOKIE_SECURE cannot be off"):
        create_app({**base, "ENV_NAME": "production", "SECRET_KEY": "k" * 40, "SESSION_COOKIE_SECURE": False})
    production = create_app({**base, "ENV_NAME": "production", "SECRET_KEY": "k" * 40})
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["SESSION_COOKIE_NAME"] == "__Host-session"
    development = create_app(base)  # `make run`: a generated key in instance/, http on localhost
    key_file = tmp_path / "instance" / "secret_key"
    assert development.config["SECRET_KEY"] == key_file.read_text()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert development.config["SESSION_COOKIE_SECURE"] is False
    assert development.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)
    for app in (production, development):
        app.extensions["db_engine"].dispose()
