"""The handouts service on its own: plain values in, plain data out, no request; and transaction().

The views' behaviour is tested through the client (test_handouts.py, test_builder.py, ...); these
check what only the service can show: each render runs outside any transaction, a version and its
audit row are written together, and a zero-PHI clinic's copy with the name is never stored.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from prescribe import handouts
from prescribe.audit import verify_chain
from prescribe.db import get_session, transaction
from prescribe.models import AuditEvent, Clinic, HandoutVersion
from prescribe.programs import default_program

from .conftest import default_clinic_id


@pytest.fixture
def service(app, default_therapist, monkeypatch):
    """An app context, the therapist as an Actor, a Printer, and a record of every render's session state."""
    renders: list[bool] = []
    real_render = handouts.render_program

    def render_program(*args, **kwargs):
        renders.append(get_session().in_transaction())
        return real_render(*args, **kwargs)

    monkeypatch.setattr(handouts, "render_program", render_program)
    with app.app_context():
        actor = handouts.Actor(clinic_id=default_clinic_id(app), user_id=default_therapist.id, ip="192.0.2.1")
        printer = handouts.Printer(app.extensions["catalog"], app.extensions["render_cache"])
        yield actor, printer, renders


def _program(app, **changes):
    from dataclasses import replace

    catalog = app.extensions["catalog"]
    return replace(default_program(catalog.diagnoses["hip-pain"], catalog, today=date(2026, 11, 21)), **changes)


def _events(action: str) -> list[AuditEvent]:
    return list(get_session().scalars(select(AuditEvent).where(AuditEvent.action == action)
                                      .order_by(AuditEvent.id)))


def test_print_saves_a_version_once_renders_outside_transactions_and_logs_each_print(app, service):
    actor, printer, renders = service
    program = _program(app, patient_name="Ann Example")
    session = get_session()

    first = handouts.print_handout(session, actor, printer, program)
    assert first.pdf.startswith(b"%PDF") and first.version_number == 1
    assert first.filename == "hip-pain-2026-11-21.pdf" and len(first.etag) == 64
    again = handouts.print_handout(session, actor, printer, program)
    assert (again.pdf, again.handout_id, again.version_number) == (first.pdf, first.handout_id, 1)

    assert renders == [False]  # one render, with no transaction open (SQLite would hold its lock)
    assert not session.in_transaction()
    assert [(e.object_id, e.detail, e.user_id, e.ip) for e in _events("handout_print")] == [
        (first.handout_id, "version 1", actor.user_id, "192.0.2.1"),
        (first.handout_id, "version 1 again", actor.user_id, "192.0.2.1")]
    assert verify_chain(session).ok

    stored = handouts.version_pdf(session, actor, first.handout_id, 1)
    assert stored is not None and stored.pdf == first.pdf and stored.etag == first.etag
    assert handouts.version_pdf(session, actor, first.handout_id, 2) is None
    assert [e.detail for e in _events("handout_export")] == ["version 1"]


def test_a_zero_phi_clinic_stores_the_nameless_program_and_hands_over_the_named_copy(app, service):
    actor, printer, renders = service
    session = get_session()
    with transaction(session):
        session.get(Clinic, actor.clinic_id).zero_phi = True
    printed = handouts.print_handout(session, actor, printer, _program(app, patient_name="Zqxcanary Name"))

    version = session.scalar(select(HandoutVersion))
    assert "Zqxcanary" not in version.program_json and json.loads(version.program_json)["patient_name"] == ""
    assert printed.pdf != version.pdf  # the copy with the name, rendered on the side
    assert handouts.version_pdf(session, actor, printed.handout_id, 1).pdf == version.pdf
    assert renders == [False, False]


def test_preview_saves_no_version_and_logs_only_a_saved_handouts_explicit_preview(app, service):
    actor, printer, _renders = service
    session = get_session()
    program = _program(app)
    shown = handouts.preview(session, actor, printer, program)
    assert shown.filename == "preview.pdf" and shown.handout_id is None
    assert session.scalar(select(HandoutVersion)) is None

    printed = handouts.print_handout(session, actor, printer, program)
    handouts.preview(session, actor, printer, program, handout_id=printed.handout_id, logged=False)
    assert _events("handout_preview") == []
    handouts.preview(session, actor, printer, program, handout_id=printed.handout_id)
    assert [e.object_id for e in _events("handout_preview")] == [printed.handout_id]

    start = handouts.progression(session, actor, printed.handout_id)
    assert start is not None and start.version_number == 1 and start.program.changes == ()
    assert handouts.progression(session, actor, printed.handout_id + 1) is None


def test_a_transaction_block_commits_rolls_back_on_error_and_does_not_nest(app):
    with app.app_context():
        clinic_id = default_clinic_id(app)
        with transaction() as session:
            session.get(Clinic, clinic_id).name = "Committed"
        with pytest.raises(ValueError), transaction() as session:
            session.get(Clinic, clinic_id).name = "Rolled back"
            raise ValueError("stop")
        assert get_session().get(Clinic, clinic_id).name == "Committed"
        with pytest.raises(RuntimeError, match="do not nest"), transaction(), transaction():
            pass
        with transaction():  # the refused inner block left nothing behind
            pass
