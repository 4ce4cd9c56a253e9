"""Patients, handout versions and "Progress this program": the records a clinic can trust.

The issue's "done when": a therapist finds last month's handout for a patient, reprints it
byte for byte, and progresses it into a new version with a "What changed" box.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from prescribe.db import get_session
from prescribe.models import Clinic, Handout, HandoutVersion, Patient, utcnow
from prescribe.programs import Program, ProgramItem, describe_changes, with_changes
from prescribe.programs.changes import NO_CHANGES

from .conftest import builder_form, csrf_token, form_fields
from .pdf_helpers import page_texts

CHANGES_TITLE = "What changed since your last visit"


def _download(client, form: dict) -> bytes:
    response = client.post("/build/", data={**form, "action": "download"})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return response.data


def _printed_text(pdf: bytes) -> str:
    return " ".join(page_texts(pdf))


def _patient_id(client, query: str) -> int:
    html = client.get("/patients/", query_string={"q": query}).get_data(as_text=True)
    found = re.findall(r'href="/patients/(\d+)"', html)
    assert len(found) == 1, html
    return int(found[0])


def test_printing_with_a_name_files_the_handout_under_a_patient_found_by_name_or_reference(client):
    form = builder_form(client, "hip-impingement")
    form.update(patient_name="Ann Example", patient_reference="MRN-4471", affected_side="left")
    printed = _download(client, form)
    assert "MRN-4471" in _printed_text(printed)  # the reference prints with the name
    patient_id = _patient_id(client, "ann ex")  # any case, any part
    assert _patient_id(client, "4471") == patient_id
    assert "Ann Example" not in client.get("/patients/", query_string={"q": "Bob"}).get_data(as_text=True)
    page = client.get(f"/patients/{patient_id}").get_data(as_text=True)
    assert "Ann Example" in page and "MRN-4471" in page and "Hip impingement" in page


def test_last_months_handout_is_found_reprinted_identically_and_progressed_with_a_changes_box(app, client, catalog):
    """The issue's "done when", step by step through the pages a therapist uses."""
    form = builder_form(client, "hip-impingement")
    form["patient_name"] = "Ann Example"
    first = _download(client, form)
    other = builder_form(client, "hip-pain")
    other["patient_name"] = "Ann Example"
    with app.app_context():  # the first handout was printed last month; another one since
        db = get_session()
        db.execute(update(Handout).values(updated_at=utcnow() - timedelta(days=31)))
        db.commit()
    patient_id = _patient_id(client, "Ann")
    other["patient_id"] = str(patient_id)
    _download(client, other)

    page = client.get(f"/patients/{patient_id}").get_data(as_text=True)
    diagnoses = re.findall(r'<a href="/handouts/\d+">([^<]+)</a>', page)
    assert [d.split(" (")[0] for d in diagnoses] == ["Hip pain", "Hip impingement"]  # newest first
    handout_id = int(re.findall(r'href="/handouts/(\d+)"', page)[1])
    reprint = client.get(f"/handouts/{handout_id}/versions/1.pdf")
    assert reprint.data == first
    assert reprint.headers["ETag"].strip('"') == hashlib.sha256(first).hexdigest()

    progress = client.get(f"/build/from/{handout_id}").get_data(as_text=True)
    assert "Progress this program" in page and f'href="/build/from/{handout_id}"' in page
    fields = form_fields(progress)
    assert fields["show_changes"] == "y" and fields["patient_id"] == str(patient_id)
    removed = catalog.exercises[fields["exercises-1-exercise"]].name
    fields["exercises-0-reps"] = str(int(fields["exercises-0-reps"] or 10) + 2)
    fields = _without_row(fields, 1)
    second = _download(client, fields)
    printed = _printed_text(second)
    assert CHANGES_TITLE in printed
    assert f"Stop: {removed}." in printed
    first_name = catalog.exercises[fields["exercises-0-exercise"]].name
    assert re.search(rf"{re.escape(first_name)}: do \d+ times \(was \d+\)", printed)
    assert client.get(f"/handouts/{handout_id}/versions/1.pdf").data == first  # the old one is unchanged
    assert client.get(f"/handouts/{handout_id}/versions/2.pdf").data == second


def _without_row(fields: dict, index: int) -> dict:
    """The form data with exercise row ``index`` removed and the rest renumbered."""
    rows = sorted({int(m.group(1)) for key in fields if (m := re.match(r"exercises-(\d+)-", key))})
    kept = {k: v for k, v in fields.items() if not k.startswith("exercises-")}
    for new_index, old_index in enumerate(i for i in rows if i != index):
        for key, value in fields.items():
            if key.startswith(f"exercises-{old_index}-"):
                kept[key.replace(f"exercises-{old_index}-", f"exercises-{new_index}-", 1)] = value
    return kept


def test_the_changes_box_can_be_turned_off(client):
    form = builder_form(client, "hip-pain")
    _download(client, form)
    fields = form_fields(client.get("/build/from/1").get_data(as_text=True))
    fields.pop("show_changes")
    fields["exercises-0-sets"] = "1"
    assert CHANGES_TITLE not in _printed_text(_download(client, fields))
    fields = form_fields(client.get("/build/from/1").get_data(as_text=True))
    assert fields["show_changes"] == "y"  # on again by default for the next visit


def test_new_handouts_never_print_a_changes_box(client):
    form = builder_form(client, "hip-pain")
    assert 'name="show_changes"' not in client.get("/build/hip-pain").get_data(as_text=True)
    assert CHANGES_TITLE not in _printed_text(_download(client, {**form, "show_changes": "y"}))


def _item(slug: str, **dose) -> ProgramItem:
    from prescribe.catalog import Dose

    values = {"sets": 2, "reps": 10, "hold_seconds": None, "rest_seconds": 30, "times_per_day": 1,
              "days_per_week": 7, "minutes": None} | dose
    return ProgramItem(exercise=slug, dose=Dose(**values), side="both")


def test_changes_are_described_in_plain_words(catalog):
    slugs = list(catalog.exercises)[:4]
    before = Program(diagnosis="hip-pain", items=(_item(slugs[0]), _item(slugs[1]), _item(slugs[2])))
    after = Program(diagnosis="hip-pain", items=(
        _item(slugs[0], reps=12, sets=3, hold_seconds=5), _item(slugs[1]),
        replace(_item(slugs[3]), resistance="red band")))
    name = {slug: catalog.exercises[slug].name for slug in slugs}
    assert describe_changes(before, after, catalog) == (
        f"New: {name[slugs[3]]}.",
        f"{name[slugs[0]]}: do 12 times (was 10), now hold 5 seconds, do the set 3 times (was twice).",
        f"Stop: {name[slugs[2]]}.",
    )
    assert describe_changes(before, before, catalog) == (NO_CHANGES,)
    fewer_days = Program(diagnosis="hip-pain", items=(_item(slugs[0], days_per_week=3, times_per_day=2),))
    assert describe_changes(Program("hip-pain", (_item(slugs[0]),)), fewer_days, catalog) == (
        f"{name[slugs[0]]}: twice a day (was once), 3 days a week (was 7).",)


def test_changes_are_described_in_spanish_for_a_spanish_handout(catalog):
    slugs = ["clamshell", "bridge", "side-lying-leg-raise", "wall-slide"]
    before = Program(diagnosis="hip-pain", items=(_item(slugs[0]), _item(slugs[1]), _item(slugs[2])), language="es")
    after = Program(diagnosis="hip-pain", language="es", items=(
        replace(_item(slugs[0], reps=12, times_per_day=2), side="left"), _item(slugs[1]), _item(slugs[3])))
    name = {slug: catalog.in_language("es").exercises[slug].name for slug in slugs}
    assert describe_changes(before, after, catalog, "es") == (
        f"Nuevo: {name[slugs[3]]}.",
        f"{name[slugs[0]]}: hazlo 12 veces (antes: 10), 2 veces al día (antes: 1 vez), "
        "solo la pierna izquierda (antes: las dos piernas).",
        f"Ya no hagas: {name[slugs[2]]}.",
    )
    shoulder = Program(diagnosis="shoulder-pain", items=(replace(_item("wall-slide"), side="right"),), language="es")
    assert describe_changes(replace(shoulder, items=(_item("wall-slide"),)), shoulder, catalog, "es") == (
        f"{name['wall-slide']}: solo el brazo derecho (antes: los dos brazos).",)
    printed = with_changes(after, before, catalog)
    assert printed.changes[0] == f"New: {catalog.exercises[slugs[3]].name}."
    assert printed.changes_es[0] == f"Nuevo: {name[slugs[3]]}."
    assert with_changes(replace(after, language="en"), before, catalog).changes_es == ()
    assert describe_changes(before, before, catalog, "es") == ("Tus ejercicios son los mismos que la última vez.",)


def test_a_reprint_is_byte_for_byte_the_same_after_the_clinic_catalog_and_software_change(app, client, monkeypatch):
    printed = _download(client, {**builder_form(client, "hip-pain"), "patient_name": "Ann Example"})
    with app.app_context():
        db = get_session()
        db.execute(update(Clinic).values(name="Renamed Clinic", accent_colour="#aa0000", logo_png=b"\x89PNG new"))
        db.commit()
    monkeypatch.setattr("prescribe.handout.render_handout_html", lambda view: "<p>a new template</p>")
    catalog = app.extensions["catalog"]
    exercise = next(iter(catalog.exercises.values()))
    monkeypatch.setitem(catalog.exercises, exercise.slug, replace(exercise, name="Renamed exercise"))
    reprint = client.get("/handouts/1/versions/1.pdf")
    assert reprint.data == printed
    with app.app_context():
        stored = get_session().scalar(select(HandoutVersion))
        assert stored.pdf_sha256 == hashlib.sha256(printed).hexdigest()


def test_a_printed_version_can_never_be_changed_or_deleted(app, client):
    """By the ORM (an event) and by the database itself (triggers), on SQLite and PostgreSQL."""
    _download(client, builder_form(client, "hip-pain"))
    with app.app_context():
        db = get_session()
        version = db.scalar(select(HandoutVersion))
        version.pdf = b"%PDF forged"
        with pytest.raises(PermissionError):
            db.commit()
        db.rollback()
        with pytest.raises(PermissionError):
            db.delete(version)
            db.flush()
        db.rollback()
        for statement in ("UPDATE handout_version SET pdf_sha256 = 'forged'", "DELETE FROM handout_version"):
            with pytest.raises(Exception, match="never"):
                db.execute(text(statement))
            db.rollback()
        assert db.scalar(select(HandoutVersion.pdf_sha256)) != "forged"


def test_no_code_assigns_to_a_stored_version():
    """Belt and braces: nothing in the app writes a version's PDF, hash or program after creating it."""
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "prescribe"
    offenders = [f"{path.relative_to(package)}: {line.strip()}" for path in package.rglob("*.py")
                 for line in path.read_text().splitlines()
                 if re.search(r"\bversion\.(pdf|pdf_sha256|program_json|filename|page_count)\s*=[^=]", line)]
    assert offenders == []


def test_patients_are_added_edited_and_start_handouts_with_their_details(client, catalog):
    token = csrf_token(client.get("/patients/").get_data(as_text=True))
    missing = client.post("/patients/", data={"csrf_token": token, "display_name": "", "reference": ""})
    assert missing.status_code == 422 and "Enter a name or a reference number." in missing.get_data(as_text=True)
    created = client.post("/patients/", data={"csrf_token": token, "display_name": "Bo Patient",
                                               "reference": "R-9", "affected_side": "right"})
    assert created.status_code == 302
    patient_id = int(created.headers["Location"].rsplit("/", 1)[1])
    edited = client.post(f"/patients/{patient_id}", data={"csrf_token": token, "display_name": "Bo Patient-Smith",
                                                           "reference": "R-9", "affected_side": "right"})
    assert edited.status_code == 302
    start = client.get(f"/?patient={patient_id}").get_data(as_text=True)
    assert "Start a handout for Bo Patient-Smith" in start
    assert f'href="/build/hip-pain?patient={patient_id}"' in start
    fields = form_fields(client.get(f"/build/hip-pain?patient={patient_id}").get_data(as_text=True))
    assert (fields["patient_name"], fields["patient_reference"], fields["affected_side"]) == \
        ("Bo Patient-Smith", "R-9", "right")
    per_side = {fields[key.removesuffix("-side") + "-exercise"]: value
                for key, value in fields.items() if key.endswith("-side") and value}
    # Every per-side exercise is for the right leg, but marching still takes turns, as its steps say.
    assert per_side.pop("seated-march") == "alternate"
    assert per_side and set(per_side.values()) == {"right"}
    _download(client, fields)
    page = client.get(f"/patients/{patient_id}").get_data(as_text=True)
    assert "Hip pain" in page
    assert _patient_id(client, "Bo Patient") == patient_id  # printed for the record, not a new patient


def test_another_clinics_patient_starts_nothing(app, clinics, client_for):
    a, b = clinics["A"], clinics["B"]
    client = client_for(a.therapist)
    assert client.get(f"/?patient={b.patient_id}").status_code == 404
    assert client.get(f"/build/hip-pain?patient={b.patient_id}").status_code == 404
    assert client.get("/build/hip-pain?patient=99999999999999999999").status_code == 404
    assert client.get("/handouts/99999999999999999999").status_code == 404  # too big for an id: 404, not 500
    form = builder_form(client, "hip-pain")
    form.update(patient_id=str(b.patient_id), patient_name="Crafted")
    _download(client, form)
    with app.app_context():
        db = get_session()
        assert db.get(Patient, b.patient_id).display_name == b.patient_name  # B's patient untouched
        crafted = db.scalar(select(Handout).where(Handout.patient_name == "Crafted"))
        assert crafted.patient.clinic_id == a.id
    assert b.patient_name not in client.get("/patients/?q=Zqx").get_data(as_text=True)
