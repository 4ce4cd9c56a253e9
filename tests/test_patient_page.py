"""The patient's own page: the QR code on a printed version, the short code, the page itself, the
links a therapist manages, what a patient sends back, and what nobody else can reach."""

from __future__ import annotations

import gzip
import io
import re
from datetime import timedelta

import pypdfium2
import pytest
import zxingcpp
from sqlalchemy import select, text

from prescribe.db import get_session
from prescribe.models import AuditEvent, Clinic, PatientLink, utcnow

from .conftest import builder_form, csrf_token, sign_in
from .test_mail import smtp_server  # noqa: F401  (a pytest fixture)


def print_handout(client, diagnosis: str = "hip-impingement", **changes) -> bytes:
    form = dict(builder_form(client, diagnosis), action="download", **changes)
    response = client.post("/build/", data=form)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.data


def qr_address(pdf: bytes) -> str:
    """What a phone camera reads from the first page, as printed (150 dpi, like a photo of the sheet)."""
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=150 / 72).to_pil()
    codes = [code for code in zxingcpp.read_barcodes(image) if code.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(codes) == 1, "one QR code on page 1"
    return codes[0].text


def short_code(pdf: bytes) -> str:
    first_page = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    match = re.search(r"type this code: ([0-9A-Z]{5}-[0-9A-Z]{5})", first_page)
    assert match, first_page
    return match.group(1)


def path_of(address: str) -> str:
    return re.sub(r"^HTTPS?://[^/]+", "", address, flags=re.I)


def page_text(response) -> str:
    data = gzip.decompress(response.data) if response.headers.get("Content-Encoding") == "gzip" else response.data
    return data.decode("utf-8")


def open_as_patient(app, address: str, **headers):
    """A phone with no cookie follows ``address`` (redirects too)."""
    return app.test_client().get(path_of(address), headers=headers, follow_redirects=True)


def test_the_qr_code_on_the_print_opens_that_exact_version_on_a_phone(app, client, catalog):
    pdf = print_handout(client, "hip-impingement", **{"exercises-0-sets": "3", "exercises-0-reps": "12"})
    address = qr_address(pdf)
    assert re.fullmatch(r"HTTP://LOCALHOST/P/[A-Z2-7]{26}", address)  # upper case: the smaller QR code
    page = open_as_patient(app, address)
    assert page.status_code == 200
    body = page_text(page)
    first = catalog.diagnoses["hip-impingement"].program[0].exercise
    assert catalog.exercises[first].name in body
    assert "Do 12 times with each leg." in body and "Do this 3 times." in body  # as set, in the sheet's words
    assert "This handout supports, and does not replace" in body
    assert "Call 911" in body and 'href="tel:911"' in body
    assert 'href="tel:555-0142"' in body  # the clinic's phone, tap to call
    assert "data-motion" in body and "begin=\"indefinite\"" in body  # moving pictures, started by script


def test_the_short_code_typed_in_any_case_opens_the_same_page(app, client):
    pdf = print_handout(client)
    code = short_code(pdf)
    phone = app.test_client()
    typed = phone.get("/p", query_string={"code": code.lower().replace("-", " ")})
    assert typed.status_code == 303
    page = phone.get(typed.headers["Location"])
    assert page.status_code == 200 and "Your exercises" in page_text(page)
    wrong = phone.get("/p", query_string={"code": "12"})
    assert wrong.status_code == 422 and "10 letters and numbers" in wrong.get_data(as_text=True)
    assert 'value="12"' in wrong.get_data(as_text=True)  # what was typed stays in the field


def test_unknown_expired_and_revoked_links_all_get_the_same_friendly_page(app, client):
    """And only the unknown one counts as a guess: an old sheet's ended code locks nobody out."""
    pdf = print_handout(client)
    working = path_of(qr_address(pdf))
    phone = app.test_client()
    assert phone.get(working, follow_redirects=True).status_code == 200
    with app.app_context():
        link = get_session().scalar(select(PatientLink))
        link.expires_at = utcnow() - timedelta(minutes=1)
        get_session().commit()
    expired = phone.get(working, follow_redirects=True)
    unknown = phone.get("/p/" + "A" * 26)
    nonsense = phone.get("/p/%E2%9C%93<script>")
    with app.app_context():
        link = get_session().scalar(select(PatientLink))
        link.expires_at, link.revoked_at = utcnow() + timedelta(days=1), utcnow()
        get_session().commit()
    revoked = phone.get(working, follow_redirects=True)
    with app.app_context():
        from prescribe.models import LoginThrottle

        assert [row.failures for row in get_session().scalars(select(LoginThrottle))] == [2]  # unknown, nonsense
    bodies = {r.get_data(as_text=True) for r in (expired, unknown, nonsense, revoked)}
    assert {r.status_code for r in (expired, unknown, nonsense, revoked)} == {404}
    assert len(bodies) == 1 and "This code or link does not work" in bodies.pop()


def test_guessing_is_throttled_per_address_and_then_even_a_real_link_waits(app, client):
    from prescribe.patient_links import GUESS_POLICY

    working = path_of(qr_address(print_handout(client)))
    guesser = app.test_client()
    for n in range(GUESS_POLICY.max_failures):
        assert guesser.get(f"/p/{n:026d}".replace("0", "A")).status_code == 404
    assert guesser.get(working, follow_redirects=True).status_code == 429
    assert guesser.get("/p", query_string={"code": "K7QM2-XRT4P"}, follow_redirects=True).status_code == 429
    other = app.test_client()  # another phone, elsewhere
    page = "/p/" + working.rsplit("/", 1)[1]
    assert other.get(page, environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 200


def test_the_page_is_private_not_indexed_strict_and_light(app, client):
    address = qr_address(print_handout(client))
    page = open_as_patient(app, address, **{"Accept-Encoding": "gzip"})
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in page.headers["X-Robots-Tag"]
    assert page.headers["Cache-Control"].startswith("private")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    assert len(page.data) <= 150 * 1024, f"{len(page.data)} bytes over the wire"
    body = page_text(page)
    assert " style=" not in body and "<style" not in body  # nothing the CSP would block
    assert not re.search(r'(src|href)="(https?:)?//', body)  # nothing from another site


def test_no_patient_name_on_the_page_and_no_token_in_the_database(app, client):
    pdf = print_handout(client, patient_name="Zqxcanary Patientname")
    address = qr_address(pdf)
    token = address.rsplit("/", 1)[1]
    assert "Zqxcanary" not in page_text(open_as_patient(app, address))
    with app.app_context():
        session = get_session()
        for table in ("patient_link", "audit_log"):
            dump = " ".join(str(row) for row in session.execute(text(f"SELECT * FROM {table}")))
            assert token not in dump and token.lower() not in dump
            assert short_code(pdf).replace("-", "") not in dump


def test_opening_is_counted_and_logged(app, client):
    address = qr_address(print_handout(client))
    open_as_patient(app, address)
    open_as_patient(app, address, **{"X-Offline-Copy": "1"})  # the page keeping its offline copy
    with app.app_context():
        link = get_session().scalar(select(PatientLink))
        assert link.opens == 1
        opened = get_session().scalars(select(AuditEvent).where(AuditEvent.action == "patient_page_open")).all()
        assert len(opened) == 1 and opened[0].clinic_id == link.clinic_id and opened[0].user_id is None


def test_a_therapist_revokes_extends_and_reissues_a_link(app, client):
    address = qr_address(print_handout(client))
    handout_page = client.get("/handouts/1").get_data(as_text=True)
    assert "Printed QR code" in handout_page and "Works" in handout_page
    token = csrf_token(handout_page)
    assert client.post("/handouts/1/links/1", data={"csrf_token": token, "action": "revoke"}).status_code == 200
    assert open_as_patient(app, address).status_code == 404
    stale = client.post("/handouts/1/links/1", data={"csrf_token": token, "action": "extend"})  # an old tab
    assert stale.status_code == 409 and "re-issue it instead" in stale.get_data(as_text=True)
    assert "The QR code printed on version 1 no longer works" in stale.get_data(as_text=True)
    reissued = client.post("/handouts/1/links/1", data={"csrf_token": token, "action": "reissue"})
    new_address = re.search(r'id="issued-url" class="copy-source" value="([^"]+)"', reissued.get_data(as_text=True))
    assert new_address and open_as_patient(app, new_address.group(1)).status_code == 200
    extended = client.post("/handouts/1/links/2", data={"csrf_token": token, "action": "extend"})
    assert "Link extended." in extended.get_data(as_text=True)
    copy = client.post("/handouts/1/links", data={"csrf_token": token})
    assert copy.status_code == 200 and "shown only once" in copy.get_data(as_text=True)


def test_another_clinics_therapist_reaches_none_of_its_links(app, clinics):
    owner, other = app.test_client(), app.test_client()
    sign_in(app, owner, clinics["A"].therapist)
    sign_in(app, other, clinics["B"].therapist)
    page = owner.get(f"/handouts/{clinics['A'].handout_id}").get_data(as_text=True)
    made = owner.post(f"/handouts/{clinics['A'].handout_id}/links", data={"csrf_token": csrf_token(page)})
    assert made.status_code == 200
    token = csrf_token(other.get(f"/handouts/{clinics['B'].handout_id}").get_data(as_text=True))
    for action in ("revoke", "extend", "reissue"):
        for handout_id in (clinics["B"].handout_id, clinics["A"].handout_id):
            refused = other.post(f"/handouts/{handout_id}/links/1", data={"csrf_token": token, "action": action})
            assert refused.status_code == 404
    with app.app_context():
        link = get_session().get(PatientLink, 1)
        assert link.revoked_at is None and link.clinic_id == clinics["A"].id


def test_a_superseded_version_says_so_and_links_to_the_newest_when_the_clinic_chooses(app, client):
    old = qr_address(print_handout(client))
    form = builder_form(client, "hip-impingement")
    edit = client.get("/build/from/1").get_data(as_text=True)
    assert 'name="handout_id"' in edit
    from .conftest import form_fields

    form = dict(form_fields(edit), action="download")
    form["exercises-0-sets"] = "1"
    assert client.post("/build/", data=form).status_code == 200
    body = page_text(open_as_patient(app, old))
    assert "newer program" in body and "/newest" not in body
    with app.app_context():
        get_session().get(Clinic, 1).link_to_newer = True
        get_session().commit()
    body = page_text(open_as_patient(app, old))
    newest = re.search(r'href="(/p/[A-Z2-7]{26}/newest)"', body)
    assert newest
    assert "This is your newest program" in page_text(app.test_client().get(newest.group(1)))


def test_progress_stays_on_the_phone_unless_the_clinic_shares_it(app, client):
    address = path_of(qr_address(print_handout(client)))
    phone = app.test_client()
    page = page_text(phone.get(address, follow_redirects=True))
    assert "stay on this phone" in page and "data-send" not in page
    key = re.search(r"/p/([A-Z2-7]{26})", page).group(1)
    today = utcnow().date().isoformat()
    refused = phone.post(f"/p/{key}/progress", json={"day": today, "sessions": 2, "pain": 3})
    assert refused.status_code == 404 and refused.json == {"kept": False}
    with app.app_context():
        get_session().get(Clinic, 1).share_progress = True
        get_session().commit()
    assert "go to Riverside Physical Therapy" in page_text(phone.get(address, follow_redirects=True))
    assert phone.post(f"/p/{key}/progress", json={"day": today, "sessions": 1, "pain": 5}).json == {"kept": True}
    assert phone.post(f"/p/{key}/progress", json={"day": today, "sessions": 2, "pain": 3}).json == {"kept": True}
    assert phone.post(f"/p/{key}/progress", json={"day": today, "sessions": 99}).status_code == 400
    assert phone.post(f"/p/{key}/progress", json={"day": "1999-01-01", "sessions": 1}).status_code == 400
    assert phone.post(f"/p/{key}/progress", data="not json").status_code == 400
    handout_page = client.get("/handouts/1").get_data(as_text=True)
    assert "Exercised on 1 of the last 28 days" in handout_page and "Pain, oldest first: 3 out of 10" in handout_page
    progressing = client.get("/build/from/1").get_data(as_text=True)  # and when progressing the program
    assert "exercised on 1 of the last 28 days; pain, oldest first: 3 out of 10" in progressing


@pytest.mark.parametrize("settings_value", ["0", "731", "lots"])
def test_clinic_link_days_must_be_sensible(admin_client, settings_value):
    page = admin_client.get("/clinic/settings").get_data(as_text=True)
    from .conftest import form_fields

    form = dict(form_fields(page), link_days=settings_value)
    response = admin_client.post("/clinic/settings", data=form)
    assert response.status_code == 422
    assert 'id="link_days-error"' in response.get_data(as_text=True)
    assert f'value="{settings_value}"' in response.get_data(as_text=True)


def test_a_preview_shows_where_the_code_goes_and_makes_no_link(app, client):
    form = dict(builder_form(client, "hip-impingement"), action="preview")
    preview = client.post("/build/", data=form)
    assert preview.status_code == 200
    text_of_page = pypdfium2.PdfDocument(io.BytesIO(preview.data))[0].get_textpage().get_text_range()
    assert "(printed with the handout)" in text_of_page
    with app.app_context():
        assert get_session().scalar(select(PatientLink)) is None


def _use_mail_server(app, port: int) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY="none", SMTP_FROM="clinic@riverside.example")


def test_emailing_the_link_reaches_a_real_mail_server_and_keeps_no_address(app, client, smtp_server):
    from .test_mail import parts

    port, inbox = smtp_server
    _use_mail_server(app, port)
    print_handout(client, patient_name="Zqxcanary Patientname")
    page = client.get("/handouts/1").get_data(as_text=True)
    sent = client.post("/handouts/1/links/email", data={"csrf_token": csrf_token(page), "email": "ann@example.com"})
    assert sent.status_code == 200 and "Email sent" in sent.get_data(as_text=True)
    (recipients, message), = inbox.received
    plain, html = parts(message)
    link = re.search(r"http://localhost/p/[A-Z2-7]{26}", plain).group(0)
    assert link in html and "Zqxcanary" not in plain + html
    assert not [part for part in message.iter_attachments()]  # the clinic did not allow the PDF
    assert open_as_patient(app, link).status_code == 200
    with app.app_context():
        for table in ("patient_link", "audit_log", "handout", "patient"):
            dump = " ".join(str(row) for row in get_session().execute(text(f"SELECT * FROM {table}")))
            assert "ann@example.com" not in dump


def test_a_refused_mail_server_says_so_keeps_the_address_and_offers_the_link(app, client):
    from .test_mail import free_port

    _use_mail_server(app, free_port())  # nothing listens there
    print_handout(client)
    page = client.get("/handouts/1").get_data(as_text=True)
    answer = client.post("/handouts/1/links/email", data={"csrf_token": csrf_token(page), "email": "ann@example.com"})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'id="email-error"' in body and "The handout is saved" in body
    assert 'value="ann@example.com"' in body  # nothing typed is lost
    assert 'id="issued-url"' in body  # the link to copy instead
    bad = client.post("/handouts/1/links/email", data={"csrf_token": csrf_token(page), "email": "ann@@example"})
    assert bad.status_code == 422 and "Enter one email address" in bad.get_data(as_text=True)


def test_in_a_zero_phi_clinic_the_named_copy_and_the_stored_one_share_one_working_code(app, client):
    with app.app_context():
        get_session().get(Clinic, 1).zero_phi = True
        get_session().commit()
    handed_over = print_handout(client, patient_name="Zqxcanary Patientname")
    stored = client.get("/handouts/1/versions/1.pdf").data
    assert handed_over != stored  # the name is printed, never kept
    assert qr_address(handed_over) == qr_address(stored)
    body = page_text(open_as_patient(app, qr_address(stored)))
    assert "Your exercises" in body and "Zqxcanary" not in body
