"""The app's pages in the user's language: their setting, else their browser's; the handout's
language is chosen apart (tests/test_spanish_handout.py)."""

from __future__ import annotations

import re

from sqlalchemy import select

from prescribe.db import get_session
from prescribe.models import AuditEvent, User

from .conftest import builder_form, page_csrf_token


def test_the_browser_language_picks_the_pages_language(client):
    spanish = client.get("/account/", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="es">' in spanish and "Guardar idioma" in spanish
    english = client.get("/account/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Save language" in english
    unknown = client.get("/account/", headers={"Accept-Language": "fr-FR"}).get_data(as_text=True)
    assert '<html lang="en">' in unknown  # a language the app is not translated into: English


def test_a_users_setting_wins_over_the_browser_and_is_audited(app, client, default_therapist):
    token = page_csrf_token(client)
    response = client.post("/account/language", data={"csrf_token": token, "language": "es"},
                           headers={"Accept-Language": "en-US"})
    assert response.status_code == 302
    page = client.get("/account/", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert '<html lang="es">' in page and "La aplicación ahora muestra sus páginas en este idioma." in page
    with app.app_context():
        user = get_session().get(User, default_therapist.id)
        assert user.interface_language == "es"
        events = get_session().scalars(select(AuditEvent).where(AuditEvent.action == "interface_language")).all()
        assert [e.detail for e in events] == ["es"]
    client.post("/account/language", data={"csrf_token": token, "language": ""})
    assert '<html lang="en">' in client.get("/account/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_a_language_not_in_the_list_is_refused_beside_the_field(client):
    token = page_csrf_token(client)
    response = client.post("/account/language", data={"csrf_token": token, "language": "xx"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page and "Language of the app" in page


def test_the_builder_speaks_spanish_and_says_its_errors_beside_their_fields(client):
    spanish = {"Accept-Language": "es"}
    page = client.get("/build/hip-pain", headers=spanish).get_data(as_text=True)
    for text in ("<legend>Paciente y visita</legend>", "<legend>Impresión</legend>", ">Vista previa</button>",
                 ">Descargar PDF</button>", ">Guardar como plantilla</button>"):
        assert text in page
    assert "Download PDF" not in page and "Patient and visit" not in page

    form = builder_form(client, "hip-pain")
    form.update(handout_date="2026-11-21", next_visit="2026-11-01", action="download")
    refused = client.post("/build/", data=form, headers=spanish)
    assert refused.status_code == 422
    beside = re.search(r'<label for="next_visit">([^<]*)</label>.*?<p class="error" id="next_visit-error">([^<]*)</p>',
                       refused.get_data(as_text=True), re.S)
    assert beside is not None
    assert beside.groups() == ("Próxima visita", "La próxima visita no puede ser antes de la fecha de la hoja.")
