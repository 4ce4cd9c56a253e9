"""Clinics stay apart: every route in the URL map, probed with the other clinic's ids (C1-C5).

The routes come from ``app.url_map`` itself, so a new route is probed the day it is added; a new
URL variable fails the walk until someone says whose id it is (``CLINIC_IDS`` / ``NEUTRAL``).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from sqlalchemy import select, update

from prescribe.accounts.users import clinic_user
from prescribe.db import get_session
from prescribe.models import (
    Clinic,
    Handout,
    HandoutVersion,
    Patient,
    ProgramTemplate,
    User,
    UserSession,
    Webhook,
    WebhookDelivery,
)
from prescribe.storage import find_identical_version, get_handout, get_version, recent_handouts
from prescribe.web.guard import public_endpoints

from . import figures
from .conftest import builder_form, page_csrf_token, sign_in

# URL variables that name clinic data: which of the clinic's ids fills them.
CLINIC_IDS = {
    "handout_id": lambda clinic: [clinic.handout_id],
    "number": lambda clinic: [clinic.version_number],
    "user_id": lambda clinic: [clinic.admin.id, clinic.therapist.id],
    "patient_id": lambda clinic: [clinic.patient_id],
    "template_id": lambda clinic: [clinic.template_id],
    "link_id": lambda clinic: [clinic.link_id],
    "token_id": lambda clinic: [clinic.api_token_id],
    "webhook_id": lambda clinic: [clinic.webhook_id],
}
# URL variables that name shared, non-clinic things (the catalog, static files), and the patient's
# page key: a capability of its own, open to whoever holds it (tests/test_patient_page.py).
NEUTRAL = {"diagnosis_slug": "hip-pain", "filename": "css/app.css", "key": "K7QM2XRT4P", "slug": "clamshell",
           "file": "exercises/clamshell.toml"}  # file: a content file (the same for every clinic)
# The sign-in page, static files, and the patient's page (its link is the key; no account).
PUBLIC = {"static", "auth.login", "patient_page.enter_code", "patient_page.enter_code_upper", "patient_page.page",
          "patient_page.page_upper", "patient_page.newest", "patient_page.manifest", "patient_page.service_worker",
          "patient_page.progress",
          # The API: the sign-in guard steps aside, its own token check decides (tests/test_api.py).
          "api.openapi", "api.docs", "api.diagnoses", "api.diagnosis", "api.exercises", "api.exercise", "api.figure",
          "api.handout_list", "api.handout", "api.version_pdf", "api.version_fhir", "api.build", "api.check_program",
          "api.preview", "api.print_new", "api.handout_program", "api.print_version", "api.patient_list",
          "api.patient_create", "api.patient", "api.template_list", "api.template", "api.template_save"}
PROBED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _urls(app, rule, clinic) -> list[str]:
    """Every URL of ``rule`` filled with ``clinic``'s ids (one per combination)."""
    unknown = set(rule.arguments) - set(CLINIC_IDS) - set(NEUTRAL)
    assert not unknown, f"{rule.rule}: decide whether {unknown} name clinic data (CLINIC_IDS) or not (NEUTRAL)"
    combos = [{}]
    for argument in sorted(rule.arguments):
        values = CLINIC_IDS[argument](clinic) if argument in CLINIC_IDS else [NEUTRAL[argument]]
        combos = [{**combo, argument: value} for combo in combos for value in values]
    with app.test_request_context():
        from flask import url_for

        return [url_for(rule.endpoint, **combo) for combo in combos]


def _endpoint_for(app, url: str, method: str) -> str | None:
    """The endpoint that serves ``method`` on ``url`` (several rules can share a URL), or None."""
    from werkzeug.exceptions import MethodNotAllowed

    try:
        return app.url_map.bind("localhost").match(url, method=method)[0]
    except MethodNotAllowed:
        return None


def _snapshot(app, clinic_id: int) -> str:
    """A digest of everything clinic ``clinic_id`` holds, to prove probes changed nothing."""
    with app.app_context():
        db = get_session()
        clinic = db.get(Clinic, clinic_id)
        rows = [repr((clinic.name, clinic.address, clinic.phone, clinic.footer_line, clinic.accent_colour,
                      clinic.require_mfa, hashlib.sha256(clinic.logo_png or b"").hexdigest()))]
        for user in db.scalars(select(User).where(User.clinic_id == clinic_id).order_by(User.id)):
            rows.append(repr((user.email, user.name, user.role, user.active, user.password_hash,
                              user.must_change_password, user.totp_secret)))
            sessions = db.scalars(select(UserSession).where(UserSession.user_id == user.id))
            rows.append(repr(sorted(s.id for s in sessions)))
        for handout in db.scalars(select(Handout).where(Handout.clinic_id == clinic_id).order_by(Handout.id)):
            rows.append(repr((handout.id, handout.patient_name, handout.patient_id,
                              [(v.number, v.pdf_sha256) for v in handout.versions])))
        for patient in db.scalars(select(Patient).where(Patient.clinic_id == clinic_id).order_by(Patient.id)):
            rows.append(repr((patient.id, patient.display_name, patient.reference, patient.affected_side)))
        for template in db.scalars(select(ProgramTemplate).where(ProgramTemplate.clinic_id == clinic_id)
                                   .order_by(ProgramTemplate.id)):
            rows.append(repr((template.id, template.name, template.owner_id, template.program_json)))
        for hook in db.scalars(select(Webhook).where(Webhook.clinic_id == clinic_id).order_by(Webhook.id)):
            rows.append(repr((hook.id, hook.url, hook.secret, hook.events)))
        rows.append(repr(db.scalars(select(WebhookDelivery.id).where(WebhookDelivery.clinic_id == clinic_id)).all()))
        return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def _leaks(response, clinic) -> list[str]:
    body = response.get_data()
    text = body.decode("utf-8", "replace")
    found = [marker for marker in clinic.markers if marker in text]
    if clinic.logo in body:
        found.append("logo bytes")
    if clinic.pdf in body:
        found.append("handout PDF")
    return found


def _api_headers(url: str, clinic) -> dict[str, str]:
    """An API route is asked with the clinic's own token (the user's cookie is no credential there)."""
    return {"Authorization": f"Bearer {clinic.api_token_secret}"} if url.startswith("/api/") else {}


def _probe_data(token: str, other) -> dict[str, str]:
    """A POST body naming the other clinic's objects in every field a form could read them from."""
    return {"csrf_token": token, "handout_id": str(other.handout_id), "user_id": str(other.admin.id),
            "patient_id": str(other.patient_id), "template_id": str(other.template_id),
            "clinic_id": str(other.id), "clinic": other.slug, "id": str(other.handout_id), "number": "1",
            "email": "probe@example.org", "name": "Probe", "role": "admin", "require_mfa": "y",
            "action": "update"}


def test_every_route_answers_404_to_another_clinics_ids_and_never_shows_its_data(app, clinics, client_for):
    """C2: user A asks for clinic B's handout, version, logo, user and settings, by every method."""
    a, b = clinics["A"], clinics["B"]
    before = _snapshot(app, b.id)
    rules = [r for r in app.url_map.iter_rules()]
    probes = leaks = 0
    wrong_status = []
    for user in (a.admin, a.therapist):
        for rule in rules:
            names_clinic_data = bool(set(rule.arguments) & set(CLINIC_IDS))
            for url in _urls(app, rule, b):
                for method in PROBED_METHODS:
                    client = client_for(user)  # fresh each time: a probe of /auth/logout ends its session
                    token = page_csrf_token(client)
                    data = _probe_data(token, b) if method != "GET" else None
                    response = client.open(url, method=method, data=data, headers=_api_headers(url, a))
                    probes += 1
                    found = _leaks(response, b)
                    response.close()  # static files are streamed from an open file
                    leaks += bool(found)
                    assert not found, f"{method} {url} as {user.email} showed clinic B's {found}"
                    assert response.status_code != 500, f"{method} {url}"
                    if _endpoint_for(app, url, method) is None:
                        expected = {405}
                    elif names_clinic_data:
                        expected = {404}
                    else:
                        expected = None  # own-clinic pages (settings, logo, lists): checked for leaks above
                    if expected and response.status_code not in expected:
                        wrong_status.append((method, url, user.role, response.status_code))
    assert wrong_status == []
    assert _snapshot(app, b.id) == before, "a probe changed clinic B's data"
    figures.record("tenant_routes", len(rules))
    figures.record("tenant_probes", probes)
    figures.record("tenant_leaks", leaks)


def test_own_ids_open_for_own_users_so_the_404s_above_are_not_vacuous(app, clinics, client_for):
    a = clinics["A"]
    client = client_for(a.therapist)
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and set(rule.arguments) & set(CLINIC_IDS):
            for url in _urls(app, rule, a):
                response = client.get(url, headers=_api_headers(url, a))
                assert response.status_code == 200, url
    assert client.get("/clinic/logo.png").data == a.logo
    admin = client_for(a.admin)
    settings = admin.get("/clinic/settings").get_data(as_text=True)
    assert a.name in settings and clinics["B"].name not in settings
    users = admin.get("/admin/users").get_data(as_text=True)
    assert a.therapist.email in users and clinics["B"].therapist.email not in users


def test_anonymous_requests_to_every_non_public_route_go_to_sign_in(app, clinics):
    """C1: deny by default, every method; the public set is pinned so a new public route is a decision."""
    assert public_endpoints(app) == PUBLIC
    client = app.test_client()
    probes = not_redirected = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        for url in _urls(app, rule, clinics["A"]):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method)
                probes += 1
                location = response.headers.get("Location", "")
                if response.status_code != 302 or not location.startswith("/auth/login"):
                    not_redirected += 1
                assert response.status_code == 302 and location.startswith("/auth/login"), f"{method} {url}"
                assert not _leaks(response, clinics["A"])
    figures.record("anonymous_probes", probes)
    figures.record("anonymous_not_redirected", not_redirected)


def test_storage_and_account_lookups_filter_by_clinic_without_any_request(app, clinics):
    """C3, layer 1: the services themselves refuse the other clinic's ids (no request scope here)."""
    a, b = clinics["A"], clinics["B"]
    with app.app_context():
        db = get_session()
        clinic_a = db.get(Clinic, a.id)
        assert get_handout(db, clinic_a, b.handout_id) is None
        assert get_version(db, clinic_a, b.handout_id, 1) is None
        assert clinic_user(db, clinic_a, b.admin.id) is None
        assert [h.id for h in recent_handouts(db, clinic_a)] == [a.handout_id]
        assert get_handout(db, clinic_a, a.handout_id) is not None


def test_queries_without_a_clinic_filter_still_see_only_the_signed_in_clinic(app, clinics):
    """C3, layer 2: the scope set in web/context.py filters even a bare ``select(Handout)``."""
    from prescribe.web.context import bind_request_to

    a, b = clinics["A"], clinics["B"]
    sign_in(app, app.test_client(), a.therapist)
    with app.test_request_context("/"):
        db = get_session()
        row = db.scalar(select(UserSession).where(UserSession.user_id == a.therapist.id))
        bind_request_to(row)
        assert {h.clinic_id for h in db.scalars(select(Handout))} == {a.id}
        assert {v.handout_id for v in db.scalars(select(HandoutVersion))} == {a.handout_id}
        assert {u.clinic_id for u in db.scalars(select(User))} == {a.id}
        assert [c.id for c in db.scalars(select(Clinic))] == [a.id]
        assert db.scalars(select(HandoutVersion).join(Handout).where(Handout.id == b.handout_id)).all() == []
        changed = db.execute(update(Handout).values(patient_name="overwritten")
                             .execution_options(synchronize_session=False))
        assert changed.rowcount == 1  # only A's one handout
        db.rollback()


def test_views_never_fetch_clinic_data_by_primary_key(app):
    """C3: ``Session.get`` can answer from the identity map without SQL, past the scope; views must not use it."""
    web = Path(__file__).resolve().parents[1] / "prescribe" / "web"
    offenders = [f"{path.name}: {line.strip()}" for path in web.rglob("*.py")
                 for line in path.read_text().splitlines()
                 if re.search(r"\.get\((Handout|HandoutVersion|User|Clinic)\b", line)]
    assert offenders == []


def test_builder_cannot_attach_a_version_to_another_clinics_handout(app, clinics, client_for):
    """C5: a crafted handout_id in the builder makes a new handout of one's own clinic."""
    a, b = clinics["A"], clinics["B"]
    before = _snapshot(app, b.id)
    client = client_for(a.therapist)
    form = builder_form(client, "hip-pain")
    form.update(handout_id=str(b.handout_id), patient_name="Crafted Patient", action="download")
    response = client.post("/build/", data=form)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert _snapshot(app, b.id) == before
    with app.app_context():
        db = get_session()
        crafted = db.scalar(select(Handout).where(Handout.patient_name == "Crafted Patient"))
        assert crafted.clinic_id == a.id and crafted.id != b.handout_id
        assert find_identical_version(db, db.get(Clinic, b.id), _program_of(crafted)) is None


def _program_of(handout):
    from prescribe.storage import program_of

    return program_of(handout.versions[-1])


def test_two_clinics_with_two_users_each_work_side_by_side(app, clinics, client_for):
    """The issue's "done when": four users on one server, each clinic sees its own and prints its brand."""
    from .pdf_helpers import page_texts

    printed = {}
    for key in ("A", "B"):
        for account in (clinics[key].admin, clinics[key].therapist):
            client = client_for(account)
            form = builder_form(client, "hip-impingement")
            form.update(patient_name=f"Patient of {account.email}", action="download")
            response = client.post("/build/", data=form)
            assert response.status_code == 200
            printed[account.email] = page_texts(response.data)[0]
    for key, other in (("A", "B"), ("B", "A")):
        mine, theirs = clinics[key], clinics[other]
        assert mine.name in printed[mine.therapist.email]
        assert theirs.name not in printed[mine.therapist.email]
        for account in (mine.admin, mine.therapist):
            home = client_for(account).get("/").get_data(as_text=True)
            for colleague in (mine.admin, mine.therapist):
                assert f"Patient of {colleague.email}" in home  # colleagues share their clinic's handouts
            for stranger in (theirs.admin, theirs.therapist):
                assert f"Patient of {stranger.email}" not in home
            assert theirs.patient_name not in home and mine.patient_name in home


@pytest.mark.parametrize("role", ["admin", "therapist"])
def test_sequential_id_probing_finds_nothing(app, clinics, client_for, role):
    """C2: ids around the other clinic's (B's max + 1 and below) are 404 unless they are one's own."""
    a, b = clinics["A"], clinics["B"]
    client = client_for(getattr(a, role))
    own = {a.handout_id}
    for handout_id in range(1, b.handout_id + 3):
        for url in (f"/handouts/{handout_id}", f"/handouts/{handout_id}/versions/1.pdf", f"/build/from/{handout_id}"):
            response = client.get(url)
            assert response.status_code == (200 if handout_id in own else 404), url
