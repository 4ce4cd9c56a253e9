"""The JSON API: tokens decide who asks and what they may do, clinics stay apart, errors are problem
details, and the OpenAPI document is the API as it runs (schemathesis walks it)."""

from __future__ import annotations

import hashlib
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import select

from prescribe.db import get_session
from prescribe.models import AuditEvent, User

from .conftest import builder_form

API = "/api/v1"


def token_for(app, account, scope: str = "read") -> str:
    from prescribe import api_tokens

    with app.app_context():
        user = get_session().get(User, account.id)
        return api_tokens.issue(get_session(), user, "tests", scope).secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def printed(app, client):
    """A handout printed through the builder (version 1 of handout 1)."""
    response = client.post("/build/", data=dict(builder_form(client, "hip-impingement"), action="download"))
    assert response.status_code == 200
    return response.data


def test_a_token_reads_the_catalog_and_the_clinics_handouts_byte_for_byte(app, default_therapist, printed):
    api = app.test_client()
    headers = bearer(token_for(app, default_therapist))
    diagnoses = api.get(f"{API}/diagnoses", headers=headers).json
    assert "hip-impingement" in {d["slug"] for d in diagnoses["items"]}
    detail = api.get(f"{API}/diagnoses/hip-impingement", headers=headers).json
    assert detail["icd10"] and detail["program"][0]["dose"]["sets"] >= 1
    found = api.get(f"{API}/exercises", query_string={"q": "clamshel", "per_page": 2}, headers=headers).json
    assert found["items"][0]["slug"] == "clamshell" and len(found["items"]) <= 2
    figure = api.get(found["items"][0]["figure"], headers=headers)
    assert figure.mimetype == "image/svg+xml" and figure.data.startswith(b"<svg")
    listed = api.get(f"{API}/handouts", headers=headers).json
    assert listed["total"] == 1 and listed["items"][0]["diagnosis"] == "hip-impingement"
    version = listed["items"][0]["versions"][0]
    pdf = api.get(version["pdf"], headers=headers)
    assert pdf.data == printed and hashlib.sha256(pdf.data).hexdigest() == version["pdf_sha256"]
    bundle = api.get(version["fhir"], headers=headers)
    assert bundle.mimetype == "application/fhir+json" and json.loads(bundle.data)["resourceType"] == "Bundle"


def test_no_token_a_wrong_one_and_a_revoked_one_are_refused_at_once(app, default_therapist, printed):
    from prescribe import api_tokens

    api = app.test_client()
    secret = token_for(app, default_therapist)
    missing = api.get(f"{API}/handouts")
    assert missing.status_code == 401 and missing.mimetype == "application/problem+json"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert api.get(f"{API}/handouts", headers=bearer(secret + "x")).status_code == 401
    assert api.get(f"{API}/handouts", headers=bearer(secret)).status_code == 200
    with app.app_context():
        user = get_session().get(User, default_therapist.id)
        token_id = api_tokens.tokens_of(get_session(), user)[0].id
        assert api_tokens.revoke(get_session(), user, token_id)
    assert api.get(f"{API}/handouts", headers=bearer(secret)).status_code == 401
    signed_in = app.test_client()  # a browser's session cookie is no credential here
    from .conftest import sign_in

    sign_in(app, signed_in, default_therapist)
    assert signed_in.get(f"{API}/handouts").status_code == 401


def test_every_api_route_keeps_to_the_tokens_clinic(app, clinics):
    """Clinic A's token, every operation with clinic B's ids: 404, and none of B's data."""
    api = app.test_client()
    a, b = clinics["A"], clinics["B"]
    headers = bearer(token_for(app, a.therapist))
    own = api.get(f"{API}/handouts", headers=headers).json
    assert [h["id"] for h in own["items"]] == [a.handout_id]
    for path in (f"/handouts/{b.handout_id}", f"/handouts/{b.handout_id}/versions/1.pdf",
                 f"/handouts/{b.handout_id}/versions/1/fhir"):
        answer = api.get(API + path, headers=headers)
        assert answer.status_code == 404 and answer.mimetype == "application/problem+json", path
        assert not any(marker.encode() in answer.data for marker in b.markers)
    assert api.get(f"{API}/handouts/{a.handout_id}", headers=headers).status_code == 200


def test_bad_input_is_a_problem_with_each_fields_message(app, default_therapist):
    api = app.test_client()
    answer = api.get(f"{API}/exercises", query_string={"per_page": "0", "page": "x"},
                     headers=bearer(token_for(app, default_therapist)))
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    fields = {problem["field"] for problem in answer.json["errors"]}
    assert fields == {"query.per_page", "query.page"}


def test_a_read_token_changes_nothing_and_every_use_is_logged(app, default_therapist):
    api = app.test_client()
    headers = bearer(token_for(app, default_therapist))
    refused = api.post(f"{API}/handouts", headers=headers)
    assert refused.status_code in (403, 405)
    api.get(f"{API}/diagnoses", headers=headers)
    with app.app_context():
        uses = get_session().scalars(select(AuditEvent).where(AuditEvent.action == "api_request")).all()
        assert uses and uses[-1].user_id == default_therapist.id and "GET /api/v1/diagnoses" in uses[-1].detail


def test_a_token_that_asks_too_often_waits(app, default_therapist, monkeypatch):
    from prescribe.accounts.throttle import ThrottlePolicy
    from prescribe.web.api import auth

    monkeypatch.setattr(auth, "RATE_LIMIT", ThrottlePolicy(max_failures=3, window=auth.RATE_LIMIT.window,
                                                           lock=auth.RATE_LIMIT.lock))
    api = app.test_client()
    headers = bearer(token_for(app, default_therapist))
    answers = [api.get(f"{API}/diagnoses", headers=headers).status_code for _ in range(4)]
    assert answers == [200, 200, 429, 429]
    assert api.get(f"{API}/diagnoses", headers=headers).headers["Retry-After"] == "60"


def test_the_docs_page_and_the_document_need_no_token(app):
    anonymous = app.test_client()
    document = anonymous.get(f"{API}/openapi.json").json
    assert document["openapi"].startswith("3.1")
    assert f"{API}/handouts/{{handout_id}}/versions/{{number}}.pdf" in document["paths"]
    docs = anonymous.get(f"{API}/docs").get_data(as_text=True)
    assert "GET /api/v1/handouts" in docs and "cdn" not in docs.lower()


def test_every_operation_answers_as_its_document_says(app, clinics):
    """schemathesis walks the OpenAPI document: generated requests with clinic A's token, each
    operation answering as documented (status, media type, body schema), never a server error."""
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app)
    headers = bearer(token_for(app, clinics["A"].therapist, "read-write"))
    walked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def answers_as_documented(case):
            case.call_and_validate(headers=headers)

        answers_as_documented()
        walked.append(operation.label)
    assert len(walked) >= 20, walked
