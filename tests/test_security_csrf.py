"""CSRF on every state-changing route, found from the URL map (D1-D4), and no exemptions."""

from __future__ import annotations

import pytest

from . import figures
from .conftest import csrf_token, page_csrf_token

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
FILL = {"handout_id": 1, "number": 1, "user_id": 1, "patient_id": 1, "template_id": 1, "diagnosis_slug": "hip-pain",
        "filename": "css/app.css", "link_id": 1, "key": "K7QM2XRT4P",
        "token_id": 1, "webhook_id": 1, "file": "exercises/clamshell.toml"}
# The one exemption: the patient's page sends its log with the link's key in the address and no
# cookie at all, so there is no session for a forged request to ride on.
# The API (``api.*``) takes no cookie at all, only a bearer token in a header a forged page cannot
# set: tested below to refuse a signed-in browser's cookie outright.
EXEMPT = {"patient_page.progress"}
EXPIRED_PAGE = "This form has expired"


def _state_changing(app, **fill) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule that takes a state-changing method."""
    from flask import url_for

    values = FILL | {name: value for name, value in fill.items() if name != "api"}
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint in EXEMPT or (rule.endpoint.startswith("api.") and not fill.get("api")):
                continue
            if fill.get("api") and not rule.endpoint.startswith("api."):
                continue
            for method in sorted(rule.methods & STATE_CHANGING):
                found.append((rule.endpoint, method, url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})))
    return found


def test_every_state_changing_route_refuses_a_missing_wrong_or_foreign_token(app, clinics, client_for):
    """D1/D3: 400 without a token, with a forged one and with another session's; the right one passes."""
    a, b = clinics["A"], clinics["B"]
    foreign_token = page_csrf_token(client_for(b.admin))
    # The acting admin's own colleague: a valid request must be able to act, not be gated or 404.
    endpoints = _state_changing(app, user_id=a.therapist.id, handout_id=a.handout_id, patient_id=a.patient_id,
                                template_id=a.template_id)
    assert len(endpoints) >= 14
    refused_all_three = 0
    for endpoint, method, url in endpoints:
        outcomes = []
        for token in (None, "forged-token", foreign_token):
            if endpoint == "auth.login":
                client = app.test_client()
                client.get("/auth/login")
            else:
                client = client_for(a.admin)
            data = {"email": a.admin.email, "password": "x"} | ({"csrf_token": token} if token else {})
            response = client.open(url, method=method, data=data)
            outcomes.append(response.status_code == 400 and EXPIRED_PAGE in response.get_data(as_text=True))
        assert outcomes == [True, True, True], (endpoint, outcomes)
        refused_all_three += all(outcomes)
        client = app.test_client() if endpoint == "auth.login" else client_for(a.admin)
        token = csrf_token(client.get("/auth/login").get_data(as_text=True)) if endpoint == "auth.login" \
            else page_csrf_token(client)
        accepted = client.open(url, method=method, data={"csrf_token": token})
        assert EXPIRED_PAGE not in accepted.get_data(as_text=True), endpoint
    figures.record("csrf_endpoints", len(endpoints))
    figures.record("csrf_refusals", refused_all_three)


def test_no_view_or_blueprint_is_exempt_from_csrf_but_the_patients_cookieless_log(app):
    from prescribe.extensions import csrf

    assert csrf._exempt_views == {"prescribe.web.patient_page.progress"}
    # and the API, which takes a token in a header and no cookie at all (tests/test_api.py)
    assert {blueprint.name for blueprint in csrf._exempt_blueprints} == {"api"}


def test_the_patients_log_needs_no_cookie_and_reads_none(app, clinics):
    """The exempt route acts on the key in its address only: a signed-in admin's cookie adds nothing."""
    from prescribe.db import get_session
    from prescribe.models import Clinic, ProgressEntry, utcnow

    from .conftest import sign_in

    a = clinics["A"]
    with app.app_context():
        get_session().get(Clinic, a.id).share_progress = True
        get_session().commit()
    client = app.test_client()
    sign_in(app, client, a.admin)
    today = {"day": utcnow().date().isoformat(), "sessions": 1}
    assert client.post("/p/" + "B" * 26 + "/progress", json=today).status_code == 404  # no key, no write
    assert client.post(f"/p/{a.link_token}/progress", json=today).json == {"kept": True}
    with app.app_context():
        assert len(get_session().query(ProgressEntry).all()) == 1


def test_https_posts_need_a_same_origin_referrer(app, clinics, client_for):
    """D2: Flask-WTF's strict referrer check behind HTTPS, which Referrer-Policy: same-origin keeps working."""
    client = client_for(clinics["A"].admin)
    token = page_csrf_token(client)
    base = {"base_url": "https://localhost", "data": {"csrf_token": token}}
    assert client.post("/auth/logout", **base).status_code == 400
    assert client.post("/auth/logout", headers={"Referer": "https://evil.example/"}, **base).status_code == 400
    assert client.post("/auth/logout", headers={"Referer": "https://localhost/account/"}, **base).status_code == 302


@pytest.mark.parametrize(("method", "path"), [("TRACE", "/"), ("PUT", "/handouts/1"), ("DELETE", "/clinic/settings"),
                                              ("GET", "/auth/logout"), ("PATCH", "/admin/users")])
def test_only_the_methods_in_use_are_allowed(client, method, path):
    """D4."""
    assert client.open(path, method=method).status_code == 405


def test_no_cross_origin_resource_sharing(client):
    """D5."""
    response = client.get("/", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_the_api_takes_no_cookie_so_a_forged_request_carries_nothing(app, clinics, client_for):
    """D2 for the API: a signed-in browser (cookie and a valid CSRF token) is refused every write, 401."""
    a = clinics["A"]
    endpoints = _state_changing(app, api=True, handout_id=a.handout_id)
    assert len(endpoints) >= 6
    for endpoint, method, url in endpoints:
        client = client_for(a.admin)
        response = client.open(url, method=method, json={}, headers={"X-CSRFToken": page_csrf_token(client)})
        assert response.status_code == 401 and response.mimetype == "application/problem+json", endpoint
