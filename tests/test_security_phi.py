"""No patient name in any URL, log line or error page (B8, J2), checked with a canary name."""

from __future__ import annotations

import logging
import re

from .conftest import CANARY, builder_form


def _links(html: str) -> list[str]:
    return re.findall(r'(?:href|src|action|formaction)="([^"]*)"', html)


def test_the_canary_patient_never_reaches_a_url_a_log_line_or_an_error_page(app, client, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    seen_urls: list[str] = []
    error_pages: list[str] = []

    def visit(method: str, url: str, **kwargs):
        response = client.open(url, method=method, **kwargs)
        seen_urls.append(url)
        seen_urls.append(response.headers.get("Location", ""))
        seen_urls.append(response.headers.get("Content-Disposition", ""))
        if response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            seen_urls.extend(_links(html))
            if response.status_code >= 400 and response.status_code != 422:  # 422: the form, kept as typed
                error_pages.append(html)
        return response

    form = builder_form(client, "hip-impingement")
    form["patient_name"] = CANARY
    visit("POST", "/build/", data={**form, "action": "update"})
    visit("POST", "/build/", data={**form, "action": "search", "catalog_query": "band"})
    visit("POST", "/build/", data={**form, "action": "add:figure-4-stretch"})
    invalid = visit("POST", "/build/", data={**form, "exercises-0-sets": "99", "action": "download"})
    assert invalid.status_code == 422 and CANARY in invalid.get_data(as_text=True)  # kept in the form, as typed
    visit("POST", "/build/", data={**form, "action": "preview"})
    visit("POST", "/build/", data={**form, "action": "download"})
    home = visit("GET", "/")
    assert CANARY in home.get_data(as_text=True)
    handout_id = re.search(r'href="/handouts/(\d+)"', home.get_data(as_text=True)).group(1)
    visit("GET", f"/handouts/{handout_id}")
    visit("GET", f"/handouts/{handout_id}/versions/1.pdf")
    visit("GET", f"/build/from/{handout_id}")
    visit("GET", f"/handouts/{int(handout_id) + 100}")
    visit("GET", "/no/such/page")

    def crash(*_args, **_kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr("prescribe.handouts.render_program", crash)
    crashed = visit("POST", "/build/", data={**form, "action": "preview", "therapist_name": "Other"})
    assert crashed.status_code == 500
    error_pages.append(crashed.get_data(as_text=True))

    assert [url for url in seen_urls if "zqxcanary" in url.lower()] == []
    assert len(error_pages) >= 3 and all("Zqxcanary" not in page for page in error_pages)
    assert any("Exception on /build/" in record.getMessage() for record in caplog.records)
    logged = "\n".join(f"{record.getMessage()} {record.exc_text or ''}" for record in caplog.records)
    assert "Zqxcanary" not in logged
    assert "Zqxcanary" not in caplog.text
