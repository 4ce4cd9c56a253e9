"""The audit log (J1, J3, J6): one row per action, append-only, a hash chain the check command verifies."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from prescribe import audit
from prescribe.db import create_database_engine, get_session
from prescribe.models import AuditEvent

from .conftest import CANARY, TEST_PASSWORD, builder_form, csrf_token, form_fields, page_csrf_token


def _events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(get_session().scalars(select(AuditEvent).order_by(AuditEvent.id)))


def _login(client, email: str, password: str):
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    return client.post("/auth/login", data={"csrf_token": token, "email": email, "password": password})


def _download(client, **fields) -> None:
    form = builder_form(client, "hip-pain")
    form.update(patient_name=CANARY, action="download", **fields)
    assert client.post("/build/", data=form).status_code == 200


ACTIONS = {
    "sign_in": lambda app, client, anonymous, user: _login(anonymous, user.email, TEST_PASSWORD),
    "sign_in_failed": lambda app, client, anonymous, user: _login(anonymous, user.email, "Wrong-password-000"),
    "sign_out": lambda app, client, anonymous, user: client.post("/auth/logout",
                                                                 data={"csrf_token": page_csrf_token(client)}),
    "handout_view": lambda app, client, anonymous, user: client.get("/handouts/1"),
    "handout_export": lambda app, client, anonymous, user: client.get("/handouts/1/versions/1.pdf"),
    "handout_edit": lambda app, client, anonymous, user: client.get("/build/from/1"),
    "handout_preview": lambda app, client, anonymous, user: client.post(
        "/build/", data={**builder_form(client, "hip-pain"), "handout_id": "1", "action": "preview"}),
    "handout_print": lambda app, client, anonymous, user: _download(client, **{"exercises-0-sets": "1"}),
    "patient_view": lambda app, client, anonymous, user: client.get("/patients/1"),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_action_adds_exactly_one_audit_row_with_who_what_and_where(app, client, anonymous,
                                                                         default_therapist, action):
    _download(client)  # handout 1, patient 1
    before = len(_events(app))
    response = ACTIONS[action](app, client, anonymous, default_therapist)
    assert response is None or response.status_code in (200, 302, 422)
    new = _events(app)[before:]
    assert [e.action for e in new] == [action]
    event = new[0]
    assert event.user_id == default_therapist.id and event.clinic_id == default_therapist.clinic_id
    assert event.ip == "127.0.0.1"
    if action.startswith("handout"):  # the first print made handout 1; printing a changed program, handout 2
        assert (event.object_type, event.object_id) == ("handout", 2 if action == "handout_print" else 1)
    assert "Zqxcanary" not in repr([getattr(e, c.name) for e in new for c in AuditEvent.__table__.columns])


def test_a_failed_sign_in_of_an_unknown_address_names_no_clinic_and_stores_nothing_typed(app, anonymous):
    _login(anonymous, "zqxcanary@nowhere.example", "Zqxcanary-typed-password")
    event = _events(app)[-1]
    assert (event.action, event.user_id, event.clinic_id) == ("sign_in_failed", None, None)
    assert "zqxcanary" not in repr(vars(event)).lower()


def test_the_chain_verifies_and_the_check_command_says_so(app, client, runner):
    _download(client)
    client.get("/handouts/1")
    result = runner.invoke(args=["audit-check"])
    assert result.exit_code == 0 and "hash chain intact" in result.output
    events = _events(app)
    assert events[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.row_hash for a, b in zip(events, events[1:], strict=False))


def test_rows_cannot_be_changed_or_deleted(app, client):
    _download(client)
    with app.app_context():
        db = get_session()
        row = db.scalar(select(AuditEvent))
        row.detail = "forged"
        with pytest.raises(PermissionError):
            db.commit()
        db.rollback()
        for statement in ("UPDATE audit_log SET detail = 'forged'", "DELETE FROM audit_log"):
            with pytest.raises(Exception, match="never"):
                db.execute(text(statement))
            db.rollback()


def _without_triggers(db: Session, statement: str) -> None:
    """Tamper as someone with direct database access would: triggers off, then the statement."""
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text("DROP TRIGGER audit_log_no_update"))
        db.execute(text("DROP TRIGGER audit_log_no_delete"))
    else:
        db.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
    db.execute(text(statement))
    db.commit()


@pytest.mark.parametrize(("tamper", "problem"), [
    ("UPDATE audit_log SET detail = 'version 9' WHERE id = 2", "does not match its hash"),
    ("UPDATE audit_log SET user_id = NULL WHERE id = 2", "does not match its hash"),
    ("DELETE FROM audit_log WHERE id = 2", "row 2 is missing"),
])
def test_the_check_fails_when_a_row_is_edited_or_removed(app, client, runner, tamper, problem):
    _download(client)
    client.get("/handouts/1")
    client.get("/handouts/1/versions/1.pdf")
    with app.app_context():
        _without_triggers(get_session(), tamper)
    result = runner.invoke(args=["audit-check"])
    assert result.exit_code == 1
    assert re.search(r"BROKEN at row [23]:", result.output) and problem in result.output


def test_two_app_servers_appending_at_once_keep_one_straight_chain(app):
    """Two engines (two workers or machines) append concurrently: no fork, no gap, no error."""
    url = app.config["DATABASE_URL"]
    errors: list[str] = []

    def append(worker: int) -> None:
        engine = create_database_engine(url)
        try:
            for n in range(15):
                with Session(engine) as session:
                    audit.record(session, "handout_view", clinic_id=1, user_id=worker, object_type="handout",
                                 object_id=n, ip="10.0.0.1")
                    session.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            engine.dispose()

    threads = [threading.Thread(target=append, args=(worker,)) for worker in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        report = audit.verify_chain(get_session())
        assert report.ok and report.rows == 30
        assert get_session().scalar(select(func.count()).select_from(AuditEvent)) == 30


def test_admins_read_and_filter_their_clinics_log_and_nobody_elses(app, clinics, client_for):
    a, b = clinics["A"], clinics["B"]
    therapist_a, therapist_b = client_for(a.therapist), client_for(b.therapist)
    therapist_a.get(f"/handouts/{a.handout_id}")
    therapist_a.get(f"/patients/{a.patient_id}")
    therapist_b.get(f"/handouts/{b.handout_id}")
    admin = client_for(a.admin)
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "<td>Viewed a handout</td>" in page and "<td>Viewed a patient</td>" in page
    assert f"Handout {b.handout_id}" not in page and "Bravo" not in page
    only_patients = admin.get("/admin/audit?action=patient_view").get_data(as_text=True)
    assert "<td>Viewed a patient</td>" in only_patients and f"Handout {a.handout_id}" not in only_patients
    report = admin.get(f"/admin/audit?patient={a.patient_id}").get_data(as_text=True)  # J6: per patient
    assert f"Handout {a.handout_id}" in report and f"Patient {a.patient_id}" in report
    by_user = admin.get(f"/admin/audit?user={a.admin.id}").get_data(as_text=True)
    assert "<td>Viewed a handout</td>" not in by_user
    assert admin.get(f"/admin/audit?user={b.therapist.id}").status_code == 422  # not one of A's users
    assert admin.get(f"/admin/audit?patient={b.patient_id}").get_data(as_text=True).count("<tr>") == 0
    assert therapist_a.get("/admin/audit").status_code == 404
    assert re.search(r"\d\d:\d\d:\d\d", page)


def test_the_logs_links_keep_the_filters_but_not_url_for_options_from_the_query(admin_client):
    page = admin_client.get("/admin/audit?action=patient_view&_scheme=https&_external=1&_anchor=x")
    assert page.status_code == 200
    assert 'href="/admin/audit.csv?action=patient_view"' in page.get_data(as_text=True)


@pytest.mark.parametrize("trusted_proxies, forwarded_for, recorded", [
    (0, "203.0.113.7", "10.0.0.5"),               # no proxy configured: the header is anyone's to send
    (1, "203.0.113.7", "203.0.113.7"),            # one proxy: the address it saw
    (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),   # what the client added before the proxy is ignored
])
def test_the_audit_log_records_the_address_a_trusted_proxy_saw(tmp_path, trusted_proxies, forwarded_for,
                                                               recorded):
    from .conftest import add_user, default_clinic_id, make_app

    app = make_app(tmp_path, TRUSTED_PROXIES=trusted_proxies)
    try:
        account = add_user(app, default_clinic_id(app), "proxied@riverside.example")
        client = app.test_client()
        client.environ_base.update(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=forwarded_for)
        assert _login(client, account.email, TEST_PASSWORD).status_code == 302
        (event,) = [e for e in _events(app) if e.action == "sign_in"]
        assert event.ip == recorded
    finally:
        app.extensions["db_engine"].dispose()


@pytest.mark.parametrize("value", [-1, 6, "one", True])
def test_a_trusted_proxy_count_that_makes_no_sense_stops_the_app(tmp_path, value):
    from prescribe.config import ConfigError

    from .conftest import make_app

    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        make_app(tmp_path, TRUSTED_PROXIES=value)


def test_an_admin_downloads_a_patients_access_report_as_csv_and_the_download_is_logged(app, clinics, client_for):
    import csv
    import io

    a, b = clinics["A"], clinics["B"]
    therapist = client_for(a.therapist)
    for _ in range(3):
        therapist.get(f"/handouts/{a.handout_id}")
    therapist.get(f"/patients/{a.patient_id}")
    client_for(b.therapist).get(f"/handouts/{b.handout_id}")
    admin = client_for(a.admin)
    page = admin.get(f"/admin/audit?patient={a.patient_id}").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" download>', page).group(1).replace("&amp;", "&")
    response = admin.get(link)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-log-')
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["What"] for row in rows].count("Viewed a handout") == 3
    assert [row["What"] for row in rows].count("Viewed a patient") == 1
    assert len(rows) == page.count("<tr>") - 1  # the same entries as the page (one header row there)
    assert {row["Record id"] for row in rows} <= {str(a.handout_id), str(a.patient_id)}
    assert all(row["Who"] == "Alpha Physio Markerclinic Therapist" for row in rows)
    assert "Bravo" not in response.get_data(as_text=True)
    logged = [e for e in _events(app) if e.action == "audit_export"]
    assert [(e.user_id, e.detail) for e in logged] == [(a.admin.id, f"{len(rows)} entries")]
    assert therapist.get(link).status_code == 404  # admins only, as the page
    wrong = admin.get(f"/admin/audit.csv?user={b.therapist.id}")  # not one of A's users: the page, and why
    assert wrong.status_code == 422 and wrong.mimetype == "text/html"


def test_a_name_a_spreadsheet_would_run_as_a_formula_is_exported_as_text(app):
    from datetime import datetime

    from prescribe.audit import events_csv

    event = AuditEvent(id=1, at=datetime(2026, 11, 21, 9, 30), clinic_id=1, user_id=7, action="sign_in",
                       object_type="", object_id=None, detail="", ip="10.0.0.1")
    text_ = events_csv([event], {7: '=HYPERLINK("http://evil.example","Click")'})
    assert "'=HYPERLINK" in text_ and ',=HYPERLINK' not in text_
    assert text_.splitlines()[1].startswith("2026-11-21 09:30:00,")


def test_user_management_is_logged_with_the_admin_as_who_and_the_user_as_the_record(
        app, admin_client, default_admin, default_therapist):
    """J1: who added, disabled, re-enabled or reset an account is on the clinic's log."""
    token = csrf_token(admin_client.get("/admin/users").get_data(as_text=True))
    before = len(_events(app))
    added = admin_client.post("/admin/users", data={"csrf_token": token, "email": "new.person@riverside.example",
                                                    "name": "New Person", "role": "therapist"})
    assert added.status_code == 200
    for step in ("disable", "enable", "reset-password", "reset-second-factor"):
        assert admin_client.post(f"/admin/users/{default_therapist.id}/{step}",
                                 data={"csrf_token": token}).status_code in (200, 302)
    new = _events(app)[before:]
    assert [e.action for e in new] == ["user_create", "user_disable", "user_enable", "password_reset",
                                       "second_factor_reset"]
    assert {(e.user_id, e.clinic_id, e.object_type) for e in new} == {
        (default_admin.id, default_admin.clinic_id, "user")}
    assert [e.object_id for e in new[1:]] == [default_therapist.id] * 4
    page = admin_client.get("/admin/audit?action=password_reset").get_data(as_text=True)
    row = re.search(r"<tr>\s*<td>[^<]+</td>\s*<td>Ada Admin</td>\s*<td>Reset a user&#39;s password</td>\s*"
                    r"<td>Tess Therapist\s*</td>", page)
    assert row, page


def test_own_password_and_second_factor_changes_are_logged(app, client, default_therapist):
    from prescribe.accounts import totp
    from prescribe.models import utcnow

    page = client.get("/account/").get_data(as_text=True)
    new_password = "Quiet-Orchard-Lantern-77"
    assert client.post("/account/password", data={"csrf_token": csrf_token(page), "current_password": TEST_PASSWORD,
                                                  "new_password": new_password, "confirm": new_password}
                       ).status_code == 302
    setup = client.get("/account/second-factor").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', setup).group(1).replace(" ", "")
    assert client.post("/account/second-factor", data={"csrf_token": csrf_token(setup),
                                                        "code": totp.code_at(secret, utcnow())}).status_code == 302
    actions = [(e.action, e.user_id, e.object_id) for e in _events(app)]
    assert actions[-2:] == [("password_change", default_therapist.id, default_therapist.id),
                            ("second_factor_on", default_therapist.id, default_therapist.id)]


def test_a_render_ahead_while_editing_sends_nothing_and_is_not_logged_as_a_preview(app, client):
    """builder.js renders the handout ahead so Preview and Download are instant; only a Preview the
    therapist asked for is a preview in the audit log."""
    _download(client)  # handout 1
    before = len(_events(app))
    form = {**builder_form(client, "hip-pain"), "handout_id": "1", "action": "preview"}
    ahead = client.post("/build/", data={**form, "background": "1"})
    assert ahead.status_code == 204 and ahead.data == b""
    assert _events(app)[before:] == []
    shown = client.post("/build/", data=form)
    assert shown.mimetype == "application/pdf"
    assert [e.action for e in _events(app)[before:]] == ["handout_preview"]


def test_clinic_settings_changes_are_logged_with_what_changed(app, admin_client):
    page = admin_client.get("/clinic/settings").get_data(as_text=True)
    form = form_fields(page)
    before = len(_events(app))
    admin_client.post("/clinic/settings", data=form)  # saved as it was: nothing changed, nothing logged
    assert _events(app)[before:] == []
    form.update(phone="555 0100", emergency_number="999")
    admin_client.post("/clinic/settings", data=form)
    new = _events(app)[before:]
    assert [(e.action, e.object_type) for e in new] == [("clinic_settings", "clinic")]
    assert new[0].detail == "changed: phone, emergency number"
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Changed the clinic&#39;s settings" in page or "Changed the clinic's settings" in page
