"""Stored XSS: markup typed into any text field shows as text, in the pages and in the PDF (E2).

And whatever is typed, the PDF engine fetches nothing outside the app's assets.
"""

from __future__ import annotations

import pytest
from markupsafe import escape

from .conftest import builder_form, form_fields, page_csrf_token
from .loopback import loopback_server  # noqa: F401  (pytest fixture)
from .pdf_helpers import page_texts

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</title><script>alert(2)</script>",
    "{{7*7}} {% raw %}",
    "javascript:alert(1)",
]
BUILDER_TEXT_FIELDS = ["patient_name", "therapist_name", "exercises-0-note", "exercises-1-note",
                       "own_activity_modifications", "own_sitting_advice", "own_sleep_advice",
                       "own_red_flags_emergency", "own_red_flags_today", "own_red_flags_next_visit"]


def assert_shown_as_text(html: str, payload: str, where: str) -> None:
    """The payload appears only escaped: no tag, attribute or template expression from it survives."""
    if any(c in payload for c in "<>\"'"):
        assert payload not in html, f"{where}: raw payload {payload!r}"
        assert str(escape(payload)) in html, f"{where}: payload missing"
    else:
        assert payload in html, f"{where}: payload missing"
    for tag in ("<script>alert", "<img src=x", "<svg onload"):
        assert tag not in html, f"{where}: {tag}"
    assert 'href="javascript:' not in html and "49 {%" not in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_builder_text_fields_show_markup_as_text(client, payload):
    form = builder_form(client, "hip-pain")
    for name in BUILDER_TEXT_FIELDS:
        form[name] = payload
    form["exercises-0-resistance"] = payload[:40]
    html = client.post("/build/", data={**form, "action": "update"}).get_data(as_text=True)
    assert_shown_as_text(html, payload, "builder")


def test_saved_handout_pages_and_pdf_show_markup_as_text(client):
    form = builder_form(client, "hip-pain")
    form.update({"patient_name": PAYLOADS[0], "therapist_name": PAYLOADS[1], "exercises-0-note": PAYLOADS[2],
                 "exercises-0-resistance": PAYLOADS[4],
                 "own_sitting_advice": "\n".join(PAYLOADS), "action": "download"})
    response = client.post("/build/", data=form)
    assert response.status_code == 200
    printed = " ".join(page_texts(response.data)).replace(" ", "")
    for payload in PAYLOADS:
        assert payload.replace(" ", "") in printed, payload
    home = client.get("/").get_data(as_text=True)
    assert_shown_as_text(home, PAYLOADS[0], "start page")
    assert_shown_as_text(client.get("/handouts/1").get_data(as_text=True), PAYLOADS[0], "handout page")
    edit = client.get("/build/from/1").get_data(as_text=True)
    for payload in PAYLOADS[:3]:
        assert_shown_as_text(edit, payload, "builder from a saved handout")


def test_clinic_and_user_names_show_markup_as_text_everywhere(admin_client, client):
    form = form_fields(admin_client.get("/clinic/settings").get_data(as_text=True))
    form.update(name=PAYLOADS[3], address=PAYLOADS[1], footer_line=PAYLOADS[2])
    assert admin_client.post("/clinic/settings", data=form).status_code == 302
    settings = admin_client.get("/clinic/settings").get_data(as_text=True)
    for payload in PAYLOADS[1:4]:
        assert_shown_as_text(settings, payload, "clinic settings")
    for path in ("/", "/exercises/", "/account/", "/build/hip-pain", "/no/such/page"):
        assert_shown_as_text(client.get(path).get_data(as_text=True), PAYLOADS[3], f"top bar of {path}")
    token = page_csrf_token(admin_client, "/admin/users")
    added = admin_client.post("/admin/users", data={"csrf_token": token, "email": "xss@riverside.example",
                                                    "name": PAYLOADS[0][:80], "role": "therapist"})
    assert_shown_as_text(added.get_data(as_text=True), PAYLOADS[0], "password page")
    assert_shown_as_text(admin_client.get("/admin/users").get_data(as_text=True), PAYLOADS[0], "users page")
    download = client.post("/build/", data={**form_fields(client.get("/build/hip-pain").get_data(as_text=True)),
                                            "action": "download"})
    assert PAYLOADS[3].replace(" ", "") in " ".join(page_texts(download.data)).replace(" ", "")


def test_markup_in_every_printed_field_makes_the_pdf_engine_fetch_nothing(admin_client, loopback_server):
    url, hits = loopback_server
    tag = f'<img src="{url}/x.png"><link rel=stylesheet href="{url}/s.css">'
    settings = form_fields(admin_client.get("/clinic/settings").get_data(as_text=True))
    settings.update(name=tag[:120], address=f'<img src="{url}/a.png">', footer_line=f'<img src="{url}/f.png">')
    assert admin_client.post("/clinic/settings", data=settings).status_code == 302
    form = builder_form(admin_client, "hip-pain")
    form.update({"patient_name": f'<img src="{url}/p">', "therapist_name": f'<img src="{url}/t">',
                 "exercises-0-note": tag[:200], "own_red_flags_today": tag, "action": "download"})
    response = admin_client.post("/build/", data=form)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert hits == []
