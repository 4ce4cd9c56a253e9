"""Everything a therapist does with a handout, through the API alone: build a program from a diagnosis,
change it, check it as the builder would, preview, print, progress to a new version; patients and
templates; read tokens may look but not keep."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from prescribe.db import get_session
from prescribe.models import AuditEvent, Clinic, Handout, Patient

from .test_api import API, bearer, token_for


def _api(app, account, scope="read-write"):
    return app.test_client(), bearer(token_for(app, account, scope))


def _build(api, headers, **body):
    answer = api.post(f"{API}/programs/build", json=body, headers=headers)
    assert answer.status_code == 200, answer.json
    return answer.json


def test_build_starts_from_the_diagnosis_and_applies_the_changes_asked(app, default_therapist):
    api, headers = _api(app, default_therapist)
    built = _build(api, headers, diagnosis="hip-osteoarthritis", affected_side="left",
                   change=[{"exercise": "bridge", "sets": 3, "note": "Slowly."}, {"exercise": "clamshell"}],
                   remove=["walking"])
    assert built["valid"] and built["ready_to_print"] and built["errors"] == []
    rows = {row["exercise"]: row for row in built["program"]["exercises"]}
    assert "walking" not in rows
    assert rows["bridge"]["sets"] == 3 and rows["bridge"]["note"] == "Slowly."
    assert built["program"]["exercises"][-1]["exercise"] == "clamshell"
    assert rows["clamshell"]["side"] == "left"  # a per-side row follows the affected side
    default = api.get(f"{API}/diagnoses/hip-osteoarthritis", headers=headers).json
    assert rows["bridge"]["reps"] == next(e["dose"]["reps"] for e in default["program"] if e["exercise"] == "bridge")
    # every warning sign of the diagnosis comes with it
    assert [line["text"] for line in built["program"]["red_flags_emergency"]] == default["red_flags_emergency"]


def test_check_answers_with_the_builders_own_messages_by_field(app, default_therapist):
    api, headers = _api(app, default_therapist, "read")  # checking keeps nothing: a read token may
    program = _build(api, headers, diagnosis="hip-osteoarthritis")["program"]
    program["exercises"][0]["sets"] = 99
    program["exercises"].append({"exercise": "no-such-exercise"})
    program["next_visit"] = "2000-01-01"
    checked = api.post(f"{API}/programs/check", json=program, headers=headers).json
    assert not checked["valid"] and not checked["ready_to_print"]
    messages = {e["field"]: e["message"] for e in checked["errors"]}
    assert messages["json.exercises.0.sets"].startswith("Enter a number from 1 to")
    assert "not in the catalog" in messages[f"json.exercises.{len(program['exercises']) - 1}.exercise"]
    assert "before the handout date" in messages["json.next_visit"]
    typed = api.post(f"{API}/programs/check", json={**program, "exercises": [{"exercise": "bridge", "sets": "x"}]},
                     headers=headers)
    assert typed.status_code == 422 and typed.mimetype == "application/problem+json"
    assert typed.json["errors"][0]["field"].startswith("json.exercises.0.sets")


def test_a_safety_rule_warns_about_an_exercise_that_breaks_it(app, default_therapist):
    api, headers = _api(app, default_therapist, "read")
    # Hip impingement rules out deep hip flexion; the knee-to-chest stretch bends the hip deeply.
    built = _build(api, headers, diagnosis="hip-impingement", change=[{"exercise": "knee-to-chest-stretch"}])
    assert built["ready_to_print"]  # a warning is advice, not a block
    warned = [w for w in built["warnings"] if w["exercise"] == "knee-to-chest-stretch"]
    assert warned and "bending your hip" in warned[0]["message"].lower()
    program = built["program"]
    program["precautions"] = [dict(p, included=False) for p in program["precautions"]]
    unticked = api.post(f"{API}/programs/check", json=program, headers=headers).json
    assert not [w for w in unticked["warnings"] if w["exercise"] == "knee-to-chest-stretch"]


def test_after_surgery_a_program_is_not_printed_without_the_surgeons_details(app, default_therapist):
    api, headers = _api(app, default_therapist)
    program = _build(api, headers, diagnosis="hip-replacement-early")["program"]
    program["approach"] = ""
    refused = api.post(f"{API}/programs/preview", json=program, headers=headers)
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    fields = {e["field"] for e in refused.json["errors"]}
    assert {"json.approach", "json.affected_side", "json.weight_bearing"} <= fields
    printed = api.post(f"{API}/handouts", json={"program": program}, headers=headers)
    assert printed.status_code == 422 and "json.program.approach" in {e["field"] for e in printed.json["errors"]}
    with app.app_context():
        assert get_session().scalar(select(Handout)) is None


def test_print_keeps_a_version_and_progress_prints_the_next_one(app, default_therapist):
    api, headers = _api(app, default_therapist)
    program = _build(api, headers, diagnosis="hip-osteoarthritis", affected_side="right")["program"]
    program["patient_reference"] = "MRN-77"
    preview = api.post(f"{API}/programs/preview", json=program, headers=headers)
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF")
    printed = api.post(f"{API}/handouts", json={"program": program}, headers=headers)
    handout = printed.json["handout"]
    assert printed.status_code == 201 and printed.headers["Location"].endswith(f"/handouts/{handout['id']}")
    pdf = api.get(printed.json["pdf"], headers=headers)
    assert hashlib.sha256(pdf.data).hexdigest() == handout["versions"][0]["pdf_sha256"]
    again = api.post(f"{API}/handouts", json={"program": program}, headers=headers)
    assert again.json["handout"]["id"] == handout["id"] and again.json["version"] == 1  # the same, not a copy

    progress = api.get(f"{API}/handouts/{handout['id']}/program", headers=headers).json
    assert progress["patient_reference"] == "MRN-77"
    progress["exercises"][0]["sets"] = 1
    next_version = api.post(f"{API}/handouts/{handout['id']}/versions",
                            json={"program": progress, "show_changes": True}, headers=headers)
    assert next_version.status_code == 201 and next_version.json["version"] == 2
    assert next_version.json["handout"]["patient_id"] == handout["patient_id"]  # still the same patient
    with app.app_context():
        session = get_session()
        assert session.scalar(select(Patient).where(Patient.reference == "MRN-77")) is not None
        assert len(session.scalars(select(Patient)).all()) == 1
        actions = session.scalars(select(AuditEvent.action)).all()
        assert actions.count("handout_print") == 3 and "handout_edit" in actions
    assert api.post(f"{API}/handouts/9999/versions", json={"program": progress}, headers=headers).status_code == 404


def test_a_read_token_may_look_and_check_but_not_keep(app, default_therapist):
    api, headers = _api(app, default_therapist, "read")
    program = _build(api, headers, diagnosis="hip-pain")["program"]
    assert api.post(f"{API}/programs/preview", json=program, headers=headers).status_code == 200
    for path, body in ((f"{API}/handouts", {"program": program}),
                       (f"{API}/patients", {"reference": "R1"}),
                       (f"{API}/templates", {"name": "Mine", "program": program})):
        refused = api.post(path, json=body, headers=headers)
        assert refused.status_code == 403 and refused.mimetype == "application/problem+json", path
    with app.app_context():
        session = get_session()
        assert session.scalar(select(Handout)) is None and session.scalar(select(Patient)) is None


def test_patients_are_searched_a_page_at_a_time_and_made_with_the_pages_rules(app, default_therapist):
    api, headers = _api(app, default_therapist)
    for number in range(5):
        made = api.post(f"{API}/patients", json={"display_name": f"Ann Example {number}", "reference": f"R{number}"},
                        headers=headers)
        assert made.status_code == 201 and made.headers["Location"].endswith(f"/patients/{made.json['id']}")
    empty = api.post(f"{API}/patients", json={}, headers=headers)
    assert empty.status_code == 422 and empty.json["errors"][0]["field"] == "json.reference"
    page = api.get(f"{API}/patients", query_string={"q": "ann", "per_page": 2}, headers=headers).json
    assert page["total"] == 5 and len(page["items"]) == 2 and page["links"]["prev"] is None
    seen = {item["id"] for item in page["items"]}
    while page["links"]["next"]:
        page = api.get(page["links"]["next"], headers=headers).json
        seen |= {item["id"] for item in page["items"]}
    assert len(seen) == 5 and page["links"]["next"] is None
    one = api.get(f"{API}/patients/{min(seen)}", headers=headers).json
    assert one["display_name"].startswith("Ann Example")


def test_a_zero_phi_clinic_keeps_no_name_sent_through_the_api(app, default_therapist):
    with app.app_context():
        session = get_session()
        session.get(Clinic, default_therapist.clinic_id).zero_phi = True
        session.commit()
    api, headers = _api(app, default_therapist)
    made = api.post(f"{API}/patients", json={"display_name": "Ann Example", "reference": "Z-1"}, headers=headers)
    assert made.status_code == 201 and made.json["display_name"] == ""
    program = _build(api, headers, diagnosis="hip-pain", patient_id=made.json["id"])["program"]
    program["patient_name"] = "Ann Example"
    printed = api.post(f"{API}/handouts", json={"program": program, "patient_id": made.json["id"]}, headers=headers)
    assert printed.status_code == 201 and printed.json["handout"]["patient_name"] == ""
    with app.app_context():
        stored = get_session().scalar(select(Handout))
        assert "Ann Example" not in stored.patient_name


def test_templates_are_saved_listed_and_built_from(app, default_therapist):
    api, headers = _api(app, default_therapist)
    program = _build(api, headers, diagnosis="hip-impingement", change=[{"exercise": "bridge", "sets": 4}])["program"]
    saved = api.post(f"{API}/templates", json={"name": "FAI weeks 1-4", "program": program}, headers=headers)
    assert saved.status_code == 201 and saved.json["scope"] == "personal"
    listed = api.get(f"{API}/templates", headers=headers).json["items"]
    assert [t["name"] for t in listed] == ["FAI weeks 1-4"]
    built = _build(api, headers, template_id=saved.json["id"], affected_side="left")
    assert next(r for r in built["program"]["exercises"] if r["exercise"] == "bridge")["sets"] == 4
    bad = api.post(f"{API}/templates", json={"name": " ", "program": program}, headers=headers)
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "json.name"
    nobody = api.post(f"{API}/templates", json={"name": "Mine", "scope": "everyone", "program": program},
                      headers=headers)
    assert nobody.status_code == 422 and nobody.json["errors"][0]["field"] == "json.scope"
    assert api.get(f"{API}/templates/9999", headers=headers).status_code == 404


def test_build_says_what_is_missing_or_unknown(app, default_therapist):
    api, headers = _api(app, default_therapist)
    assert api.post(f"{API}/programs/build", json={}, headers=headers).status_code == 422
    assert api.post(f"{API}/programs/build", json={"diagnosis": "nope"}, headers=headers).status_code == 404
    assert api.post(f"{API}/programs/build", json={"diagnosis": "hip-pain", "patient_id": 999},
                    headers=headers).status_code == 404


def test_clinic_a_cannot_reach_clinic_bs_patients_templates_or_handouts_through_a_body(app, clinics):
    a, b = clinics["A"], clinics["B"]
    api, headers = _api(app, a.therapist)
    assert api.post(f"{API}/programs/build", json={"template_id": b.template_id}, headers=headers).status_code == 404
    assert api.post(f"{API}/programs/build", json={"diagnosis": "hip-pain", "patient_id": b.patient_id},
                    headers=headers).status_code == 404
    program = _build(api, headers, diagnosis="hip-pain", affected_side="left")["program"]
    refused = api.post(f"{API}/handouts", json={"program": program, "patient_id": b.patient_id}, headers=headers)
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "json.patient_id"
    assert api.post(f"{API}/handouts/{b.handout_id}/versions", json={"program": program},
                    headers=headers).status_code == 404
    assert api.get(f"{API}/handouts/{b.handout_id}/program", headers=headers).status_code == 404
    assert api.get(f"{API}/patients/{b.patient_id}", headers=headers).status_code == 404
    assert api.get(f"{API}/templates/{b.template_id}", headers=headers).status_code == 404
    found = api.get(f"{API}/patients", query_string={"q": b.patient_name}, headers=headers).json
    assert found["total"] == 0
    with app.app_context():
        session = get_session()
        assert session.get(Handout, b.handout_id).versions[-1].number == b.version_number
        assert not session.scalars(select(Handout).where(Handout.clinic_id == b.id,
                                                         Handout.patient_id != b.patient_id)).all()


def test_the_docs_page_lists_each_operations_body_fields(client):
    page = client.get(f"{API}/docs").get_data(as_text=True)
    build = page[page.index(f"POST {API}/programs/build"):]
    assert "JSON body: BuildBody" in build and "<code>change</code>" in build and "list of ExerciseRow" in build


def test_the_catalog_is_read_by_body_region(app, default_therapist):
    api, headers = _api(app, default_therapist, "read")
    diagnoses = api.get(f"{API}/diagnoses", headers=headers).json["items"]
    assert {d["region"] for d in diagnoses} >= {"hip"}
    hip = api.get(f"{API}/exercises", query_string={"region": "hip", "per_page": 100}, headers=headers).json
    assert hip["total"] > 0 and all("hip" in e["regions"] for e in hip["items"])
    assert "region=hip" in hip["links"]["first"]
    elsewhere = api.get(f"{API}/exercises", query_string={"region": "elbow"}, headers=headers)
    assert elsewhere.status_code == 200 and elsewhere.json["total"] == 0
