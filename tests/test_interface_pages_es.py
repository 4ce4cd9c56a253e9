"""The patients, clinic and users pages in Spanish for a browser that asks for it: headings, buttons
and a refused form's message beside its field (the pages' English is checked in their own tests)."""

from __future__ import annotations

import re
from io import BytesIO

import pytest

from .conftest import page_csrf_token

SPANISH = {"Accept-Language": "es-MX,es;q=0.9"}


def _page(client, path: str) -> str:
    response = client.get(path, headers=SPANISH)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_patients_page_in_spanish(client):
    page = _page(client, "/patients/")
    assert '<html lang="es">' in page
    assert "<h1>Pacientes</h1>" in page and "<h2>Agregar un paciente</h2>" in page
    assert '<button type="submit">Buscar</button>' in page
    assert '<button type="submit" class="primary">Agregar paciente</button>' in page
    assert "Buscar un paciente por nombre o número de referencia" in page


def test_the_clinic_settings_page_in_spanish(admin_client):
    page = _page(admin_client, "/clinic/settings")
    assert "<h1>Configuración de la clínica</h1>" in page and "<legend>La página del paciente</legend>" in page
    assert '<button type="submit" class="primary">Guardar configuración</button>' in page
    assert "Se imprime con las señales de alarma, para que los pacientes sepan a quién llamar." in page


@pytest.mark.parametrize(("path", "data", "field", "message"), [
    ("/clinic/webhooks", {"url": ""}, "url", "Escriba la dirección que recibe los eventos."),
    ("/admin/users", {"email": "not-an-address", "role": "therapist"}, "email",
     "Escriba un correo electrónico como nombre@clinica.example."),
    # refused by the account rules (prescribe.accounts), not by the form
    ("/admin/users", {"email": "Admin.User@riverside.example", "role": "therapist"}, "email",
     "Ese correo electrónico ya tiene una cuenta en esta clínica."),
])
def test_a_refused_form_says_why_in_spanish_beside_its_field(admin_client, path, data, field, message):
    token = page_csrf_token(admin_client, path)
    response = admin_client.post(path, data={"csrf_token": token, **data}, headers=SPANISH)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<p class="error" id="{field}-error">{message}</p>' in page
    assert f'aria-describedby="{field}-error"' in page


def test_a_refused_logo_says_why_in_spanish(admin_client):
    token = page_csrf_token(admin_client, "/clinic/settings")
    page = admin_client.get("/clinic/settings", headers={"Accept-Language": "es"}).get_data(as_text=True)
    fields = {name: value for name, value in re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', page)}
    response = admin_client.post("/clinic/settings", headers={"Accept-Language": "es"}, data={
        **fields, "csrf_token": token, "logo": (BytesIO(b"GIF89a not a logo"), "logo.gif")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "El logotipo debe ser una imagen PNG o JPEG." in response.get_data(as_text=True)
