"""Clinic settings: branding that prints, and a logo checked by its content."""

from __future__ import annotations

import io
import re

import pytest
from markupsafe import escape
from PIL import Image

from prescribe.clinics import LogoError, process_logo
from prescribe.db import get_session

from .conftest import csrf_token, default_clinic_id, form_fields
from .pdf_helpers import page_texts


@pytest.fixture
def client(admin_client):
    """Clinic settings belong to clinic admins (therapists get a 404: see test_accounts)."""
    return admin_client


def _png(size=(300, 120), colour=(29, 111, 184)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def _settings_form(client) -> dict:
    return form_fields(client.get("/clinic/settings").get_data(as_text=True))


def test_settings_change_what_new_handouts_print(client):
    form = _settings_form(client)
    form.update(name="Hillside Rehab", phone="555 0199", accent_colour="#aa3300",
                footer_line="Open Monday to Friday, 8 to 6")
    response = client.post("/clinic/settings", data=form, follow_redirects=True)
    assert "Clinic settings saved" in response.get_data(as_text=True)
    download = client.post("/build/", data={**form_fields(client.get("/build/hip-pain").get_data(as_text=True)),
                                            "action": "download"})
    pages = page_texts(download.data)
    assert "Hillside Rehab" in pages[0]
    assert "555 0199" in " ".join(pages)
    assert all("Open Monday to Friday, 8 to 6" in page for page in pages)


def test_logo_upload_is_reencoded_and_printed(client):
    form = _settings_form(client)
    form["logo"] = (io.BytesIO(_png()), "logo.png")
    response = client.post("/clinic/settings", data=form, content_type="multipart/form-data",
                           follow_redirects=True)
    assert "Clinic settings saved" in response.get_data(as_text=True)
    stored = client.get("/clinic/logo.png")
    assert stored.mimetype == "image/png"
    assert Image.open(io.BytesIO(stored.data)).format == "PNG"


@pytest.mark.parametrize(("payload", "filename", "message"), [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg",
     "The logo must be a PNG or JPEG image."),
    (b"<html><body>not an image</body></html>", "logo.png", "The logo must be a PNG or JPEG image."),
    (_png()[:200], "logo.png", "damaged or incomplete"),
    (_png(size=(2500, 100)), "wide.png", "larger than 2000 pixels"),
])
def test_bad_logos_get_a_clear_message_and_keep_the_other_fields(client, payload, filename, message):
    form = _settings_form(client)
    form.update(name="Hillside Rehab", logo=(io.BytesIO(payload), filename))
    response = client.post("/clinic/settings", data=form, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'value="Hillside Rehab"' in html


def test_decompression_bomb_is_refused_before_decoding():
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")  # tiny file, 400 megapixels
    data = out.getvalue()
    assert len(data) < 1024 * 1024
    with pytest.raises(LogoError, match="larger than 2000 pixels"):
        process_logo(data, max_bytes=1024 * 1024, max_pixels=2000)


def test_logo_over_one_megabyte_is_refused():
    with pytest.raises(LogoError, match="larger than 1024 KB"):
        process_logo(b"\x89PNG" + b"0" * (1024 * 1024 + 1), max_bytes=1024 * 1024, max_pixels=2000)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "", "Enter the clinic's name."),
    ("accent_colour", "red; background:url(x)", "Use a colour like #1d6fb8."),
    ("phone", "call <b>me</b>", "Use digits, spaces and + ( ) - . / only."),
    ("website", "javascript:alert(1)", "Enter a web address like"),
])
def test_invalid_settings_are_explained_next_to_the_field(client, field, value, message):
    form = _settings_form(client)
    form.update(address="1 New Road", **{field: value})
    response = client.post("/clinic/settings", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert str(escape(message)) in html
    assert 'value="1 New Road"' in html


def test_settings_post_needs_csrf(client):
    form = _settings_form(client)
    assert csrf_token(client.get("/clinic/settings").get_data(as_text=True))
    del form["csrf_token"]
    assert client.post("/clinic/settings", data=form).status_code == 400


def test_the_emergency_number_is_saved_and_printed_in_the_warning_signs(client, app):
    form = _settings_form(client)
    assert form["emergency_number"] == "911"
    response = client.post("/clinic/settings", data={**form, "emergency_number": " 112 "}, follow_redirects=True)
    assert "Clinic settings saved" in response.get_data(as_text=True)
    assert _settings_form(client)["emergency_number"] == "112"
    with app.app_context():
        from prescribe.clinics import branding_for
        from prescribe.models import Clinic

        clinic = get_session().get(Clinic, default_clinic_id(app))
        assert branding_for(clinic).emergency_number == "112"
    preview = client.post("/build/", data={**form_fields(client.get("/build/hip-pain").get_data(as_text=True)),
                                           "action": "download"})
    text = " ".join(page_texts(preview.data))
    assert "Call 112 now if" in text and "call 112." in text


@pytest.mark.parametrize("value", ["", "9", "1234567", "91 1", "999a", "+44"])
def test_an_emergency_number_that_is_not_2_to_6_digits_is_refused_next_to_the_field(client, value):
    form = _settings_form(client)
    response = client.post("/clinic/settings", data={**form, "emergency_number": value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="emergency_number-error"' in html
    assert ("2 to 6 digits" in html) or ("Enter the emergency number" in html)
    assert _settings_form(client)["emergency_number"] == "911"


def test_an_accent_too_light_for_white_paper_is_refused_with_the_nearest_shade_that_passes(client):
    from prescribe.colour import contrast_ratio

    form = _settings_form(client)
    form.update(name="Sunny Side PT", accent_colour="#ffcc00")
    response = client.post("/clinic/settings", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "too light for arrows and text on white paper: 1.5 to 1" in html
    suggestion = re.search(r'id="accent_suggestion" value="(#[0-9a-f]{6})"', html).group(1)
    assert contrast_ratio(suggestion) >= 4.5 and contrast_ratio(suggestion) < 5  # the nearest, not black
    assert f"The nearest shade that passes is {suggestion}." in html
    assert 'value="Sunny Side PT"' in html  # nothing typed is lost
    form.update(accent_colour=suggestion)
    saved = client.post("/clinic/settings", data=form, follow_redirects=True)
    assert "Clinic settings saved" in saved.get_data(as_text=True)


def test_contrast_follows_wcag():
    from prescribe.colour import contrast_ratio, nearest_passing_shade

    assert round(contrast_ratio("#000000"), 1) == 21.0
    assert round(contrast_ratio("#767676"), 2) == 4.54  # the lightest grey that passes on white
    assert contrast_ratio("#777777") < 4.5 and nearest_passing_shade("#777777") == "#767676"
    assert nearest_passing_shade("#1d6fb8") == "#1d6fb8"  # the default passes as it is
