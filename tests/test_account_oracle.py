"""No account oracle (issue 22): adding a user never tells a clinic admin whether the address has an
account in another clinic. Addresses are unique per clinic; one person may hold an account in each
of several clinics (a therapist who works at two) and chooses the clinic at sign-in.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from prescribe.accounts.passwords import hash_password
from prescribe.db import get_session
from prescribe.models import AuditEvent, User, UserSession

from .conftest import TEST_PASSWORD, csrf_token


def _add(admin, email: str, name: str):
    token = csrf_token(admin.get("/admin/users").get_data(as_text=True))
    return admin.post("/admin/users", data={"csrf_token": token, "email": email, "name": name, "role": "therapist"})


def _shape(response, email: str) -> tuple[int, str]:
    """The answer with what is bound to differ (the address typed, the generated password) taken out."""
    html = response.get_data(as_text=True).replace(email, "EMAIL")
    html = re.sub(r'<p class="one-time-password"><code>[^<]+</code></p>', "PASSWORD", html)
    html = re.sub(r'(<input[^>]*name="csrf_token"[^>]*value=")[^"]+', r"\1TOKEN", html)  # signed with the time
    return response.status_code, html


def _login(client, email: str, password: str, clinic: str | None = None):
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    data = {"csrf_token": token, "email": email, "password": password}
    if clinic is not None:
        data["clinic"] = clinic
    return client.post("/auth/login", data=data)


def _signed_in_as(app, user_id: int) -> int:
    with app.app_context():
        return len(get_session().scalars(select(UserSession).where(UserSession.user_id == user_id)).all())


def test_adding_an_address_that_has_an_account_elsewhere_answers_as_for_a_new_one(app, clinics, client_for):
    a, b = clinics["A"], clinics["B"]
    admin = client_for(a.admin)
    new = _add(admin, "brand.new@elsewhere.example", "Same Name")
    existing = _add(admin, b.therapist.email, "Same Name")  # B's therapist, unknown to clinic A
    assert new.status_code == existing.status_code == 200
    assert _shape(new, "brand.new@elsewhere.example") == _shape(existing, b.therapist.email)
    assert "User added" in existing.get_data(as_text=True)
    for page in (admin.get("/admin/users"), admin.get("/admin/audit")):
        assert "Bravo" not in page.get_data(as_text=True)
    with app.app_context():
        db = get_session()
        accounts = db.scalars(select(User).where(User.email == b.therapist.email).order_by(User.clinic_id)).all()
        assert [u.clinic_id for u in accounts] == sorted([a.id, b.id])
        # Clinic B's log shows nothing of clinic A's admin at work.
        assert not db.scalars(select(AuditEvent).where(AuditEvent.clinic_id == b.id,
                                                       AuditEvent.action == "user_create")).all()
    # The only refusal is for an address this clinic already has, which its admin sees in the list anyway.
    again = _add(admin, b.therapist.email.upper(), "Same Name")
    assert again.status_code == 422 and "already has an account in this clinic" in again.get_data(as_text=True)


def test_each_account_signs_in_with_its_own_password_and_the_clinic_is_chosen_when_both_match(app, clinics,
                                                                                              client_for):
    a, b = clinics["A"], clinics["B"]
    added = _add(client_for(a.admin), b.therapist.email, "Two Clinics")
    one_time = re.search(r'<code>([^<]+)</code>', added.get_data(as_text=True)).group(1)
    with app.app_context():
        in_a = get_session().scalar(select(User.id).where(User.email == b.therapist.email, User.clinic_id == a.id))

    to_b = _login(app.test_client(), b.therapist.email, TEST_PASSWORD)  # B's password opens B's account only
    assert to_b.status_code == 302 and _signed_in_as(app, b.therapist.id) == 1
    to_a = _login(app.test_client(), b.therapist.email, one_time)  # the one-time password opens A's only
    assert to_a.status_code == 302 and _signed_in_as(app, in_a) == 1

    with app.app_context():  # the person sets the same password in both clinics
        db = get_session()
        db.get(User, in_a).password_hash = hash_password(TEST_PASSWORD)
        db.get(User, in_a).must_change_password = False
        db.commit()
    client = app.test_client()
    choose = _login(client, b.therapist.email, TEST_PASSWORD)
    html = choose.get_data(as_text=True)
    assert choose.status_code == 200 and "more than one clinic" in html
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', html)
    assert sorted(options) == sorted([(str(a.id), a.name), (str(b.id), b.name)])  # the person's own clinics only
    assert TEST_PASSWORD not in html  # the password is typed again, never echoed
    assert _signed_in_as(app, in_a) == 1  # nothing new yet
    chosen = _login(client, b.therapist.email, TEST_PASSWORD, clinic=str(a.id))
    assert chosen.status_code == 302 and _signed_in_as(app, in_a) == 2
    assert "Alpha" in client.get("/").get_data(as_text=True)
    # A clinic where the person has no account changes nothing: the choice again.
    other = _login(app.test_client(), b.therapist.email, TEST_PASSWORD, clinic="1")
    assert other.status_code == 200 and "more than one clinic" in other.get_data(as_text=True)
    wrong = _login(app.test_client(), b.therapist.email, "Wrong-Password-1234", clinic=str(a.id))
    assert wrong.status_code == 422 and "do not match an account" in wrong.get_data(as_text=True)
