"""Program templates: saved from the builder as personal or clinic templates, offered on the start page."""

from __future__ import annotations

import re

from .conftest import add_user, builder_form, form_fields, page_csrf_token, sign_in


def _save(client, name: str, scope: str, **changes):
    form = builder_form(client, "hip-impingement")
    form.update(patient_name="Ann Example", patient_reference="R-1", template_name=name, template_scope=scope,
                action="template", **changes)
    return client.post("/build/", data=form)


def _template_links(html: str) -> dict[str, int]:
    return {name: int(i) for i, name in re.findall(r'href="/build/template/(\d+)"><strong>([^<]+)</strong>', html)}


def test_a_saved_template_starts_a_handout_with_its_program_and_no_patient(client):
    response = _save(client, "FAI, weeks 1-4", "personal", **{"exercises-0-sets": "4"})
    assert response.status_code == 200
    assert "Template \u201cFAI, weeks 1-4\u201d saved" in response.get_data(as_text=True)
    links = _template_links(client.get("/").get_data(as_text=True))
    assert "FAI, weeks 1-4" in links
    fields = form_fields(client.get(f"/build/template/{links['FAI, weeks 1-4']}").get_data(as_text=True))
    assert fields["exercises-0-sets"] == "4"
    assert fields["diagnosis"] == "hip-impingement"
    assert fields["patient_name"] == "" and fields["patient_reference"] == "" and fields["handout_id"] == ""


def test_personal_templates_are_private_and_clinic_templates_shared(app, client, default_therapist, default_admin):
    _save(client, "Mine only", "personal")
    _save(client, "For everyone", "clinic")
    colleague = sign_in(app, app.test_client(), add_user(app, default_therapist.clinic_id, "tom@riverside.example"))
    links = _template_links(colleague.get("/").get_data(as_text=True))
    assert "For everyone" in links and "Mine only" not in links
    mine = _template_links(client.get("/").get_data(as_text=True))
    assert colleague.get(f"/build/template/{mine['Mine only']}").status_code == 404


def test_only_admins_replace_or_delete_clinic_templates(app, client, admin_client):
    assert _save(client, "Shared", "clinic").status_code == 200
    refused = _save(client, "Shared", "clinic")
    assert refused.status_code == 422 and "only an admin can replace" in refused.get_data(as_text=True)
    template_id = _template_links(client.get("/").get_data(as_text=True))["Shared"]
    token = page_csrf_token(client)
    assert f"/templates/{template_id}/delete" not in client.get("/templates/").get_data(as_text=True)
    client.post(f"/templates/{template_id}/delete", data={"csrf_token": token})
    assert "Shared" in _template_links(client.get("/").get_data(as_text=True))
    assert _save(admin_client, "Shared", "clinic", **{"exercises-0-sets": "5"}).status_code == 200  # replaced
    fields = form_fields(client.get(f"/build/template/{template_id}").get_data(as_text=True))
    assert fields["exercises-0-sets"] == "5"
    token = page_csrf_token(admin_client)
    assert admin_client.post(f"/templates/{template_id}/delete", data={"csrf_token": token}).status_code == 302
    assert "Shared" not in _template_links(client.get("/").get_data(as_text=True))


def test_a_template_needs_a_name(client):
    response = _save(client, "  ", "personal")
    assert response.status_code == 422
    assert "Give the template a name" in response.get_data(as_text=True)
