"""Patients: find a patient by name or reference, see their handouts newest first, add or edit one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from prescribe.db import get_session, transaction
from prescribe.patients import create_patient, get_patient, patient_handouts, search_patients, update_patient

from .context import current_clinic, record_audit
from .forms import PatientForm

bp = Blueprint("patients", __name__, url_prefix="/patients")


@bp.get("/")
def index():
    query = request.args.get("q", "")[:80]
    clinic = current_clinic()
    return render_template("patients/index.html", query=query,
                           form=PatientForm(formdata=None, zero_phi=clinic.zero_phi),
                           patients=search_patients(get_session(), clinic, query), clinic=clinic)


@bp.post("/")
def create():
    clinic = current_clinic()
    form = PatientForm(zero_phi=clinic.zero_phi)
    if not form.validate_on_submit():
        return render_template("patients/index.html", query="", form=form, clinic=clinic,
                               patients=search_patients(get_session(), clinic)), 422
    with transaction() as db:
        patient = create_patient(db, clinic, form.display_name.data or "", form.reference.data or "",
                                 form.affected_side.data or "")
        record_audit("patient_create", "patient", patient.id)
    return redirect(url_for("patients.show", patient_id=patient.id))


@bp.get("/<int:patient_id>")
def show(patient_id: int):
    db = get_session()
    clinic = current_clinic()
    patient = get_patient(db, clinic, patient_id) or abort(404)
    form = PatientForm(formdata=None, obj=patient, zero_phi=clinic.zero_phi)
    page = render_template("patients/show.html", patient=patient, form=form, clinic=clinic,
                           handouts=patient_handouts(db, clinic, patient))
    with transaction(db):
        record_audit("patient_view", "patient", patient.id)
    return page


@bp.post("/<int:patient_id>")
def update(patient_id: int):
    db = get_session()
    clinic = current_clinic()
    patient = get_patient(db, clinic, patient_id) or abort(404)
    form = PatientForm(zero_phi=clinic.zero_phi)
    if not form.validate_on_submit():
        return render_template("patients/show.html", patient=patient, form=form, clinic=clinic,
                               handouts=patient_handouts(db, clinic, patient)), 422
    with transaction(db):
        update_patient(clinic, patient, form.display_name.data or "", form.reference.data or "",
                       form.affected_side.data or "")
        record_audit("patient_update", "patient", patient.id)
    flash(_("Patient details saved."))
    return redirect(url_for("patients.show", patient_id=patient.id))
