"""Security headers on every kind of response, from one after_request (H items, security.md 6.18)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import builder_form, page_csrf_token

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def _directives(response) -> dict[str, str]:
    policy = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def assert_secure_headers(response, label: str) -> None:
    csp = _directives(response)
    assert csp.get("default-src") == "default-src 'self'", label
    assert csp.get("script-src") == "script-src 'self'", label  # no inline script, no eval
    assert csp.get("style-src") == "style-src 'self'", label
    assert csp.get("object-src") == "object-src 'none'", label
    assert csp.get("base-uri") == "base-uri 'none'", label
    assert csp.get("frame-ancestors") == "frame-ancestors 'none'", label
    assert "unsafe" not in response.headers["Content-Security-Policy"], label
    assert response.headers.get("X-Content-Type-Options") == "nosniff", label
    assert response.headers.get("Referrer-Policy") == "same-origin", label
    assert response.headers.get("X-Frame-Options") == "DENY", label
    assert response.headers.get("Strict-Transport-Security", "").startswith("max-age="), label


@pytest.fixture
def crashing_app(app):
    """The app with a route that fails, to see the last-resort 500 page (J5)."""
    def boom():
        raise RuntimeError("simulated failure")

    app.add_url_rule("/test-only/boom", "boom", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_every_kind_of_response_carries_the_security_headers(crashing_app, client, anonymous, caplog):
    form = builder_form(client, "hip-pain")
    responses = {
        "sign-in page": anonymous.get("/auth/login"),
        "redirect to sign-in": anonymous.get("/"),
        "404 anonymous": anonymous.get("/no/such/page"),
        "static css": anonymous.get("/static/css/app.css"),
        "static js": anonymous.get("/static/js/builder.js"),
        "csrf refusal": anonymous.post("/auth/login", data={"email": "x"}),
        "start page": client.get("/"),
        "builder": client.get("/build/hip-pain"),
        "404 signed in": client.get("/handouts/999"),
        "405": client.get("/auth/logout"),
        "422 builder": client.post("/build/", data={**form, "exercises-0-sets": "99", "action": "update"}),
        "pdf preview": client.post("/build/", data={**form, "action": "preview"}),
        "pdf download": client.post("/build/", data={**form, "action": "download"}),
        "saved pdf": client.get("/handouts/1/versions/1.pdf"),
        "logo (none)": client.get("/clinic/logo.png"),
        "500": client.get("/test-only/boom"),
    }
    for label, response in responses.items():
        assert_secure_headers(response, label)
        response.close()
    assert responses["500"].status_code == 500
    assert "Something went wrong on our side" in responses["500"].get_data(as_text=True)
    assert "simulated failure" not in responses["500"].get_data(as_text=True)
    assert any("Exception on /test-only/boom" in r.getMessage() for r in caplog.records)
    for label in ("start page", "pdf download", "saved pdf"):
        assert responses[label].headers["Cache-Control"] == "no-store", label


def test_pages_have_no_inline_script_style_or_event_handlers():
    """The CSP allows only files from this site: every web template must keep to that."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if path.relative_to(TEMPLATES).parts[0] in ("handout", "mail"):
            continue  # the print templates go to WeasyPrint, the mail ones to a mail reader, not to a browser
        source = path.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)", r"<style", r"\sstyle=", r"\son[a-z]+=", r"javascript:"):
            if re.search(pattern, source, re.I):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {pattern}")
    assert offenders == []


def test_hsts_is_sent_only_where_cookies_are_secure(tmp_path):
    from .conftest import make_app

    local = make_app(tmp_path, SESSION_COOKIE_SECURE=False)
    response = local.test_client().get("/auth/login")
    assert "Strict-Transport-Security" not in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"
    local.extensions["db_engine"].dispose()


def test_the_logo_is_served_as_a_png_that_cannot_be_sniffed_as_html(admin_client):
    import io

    from .conftest import png_bytes

    token = page_csrf_token(admin_client, "/clinic/settings")
    from .conftest import form_fields

    form = form_fields(admin_client.get("/clinic/settings").get_data(as_text=True))
    form.update(csrf_token=token, logo=(io.BytesIO(png_bytes()), "logo.png"))
    admin_client.post("/clinic/settings", data=form, content_type="multipart/form-data")
    response = admin_client.get("/clinic/logo.png")
    assert response.mimetype == "image/png"
    assert_secure_headers(response, "logo")
