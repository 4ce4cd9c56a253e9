"""The patient's page and the email of its link speak the handout's language: a Spanish handout's
page is Spanish (its fixed words from the handout's catalog, not the browser's), a bilingual one
opens in Spanish with the English a tap away, an English one is as before; the pages that know no
handout follow the browser."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from prescribe.mail import compose_link_email

from .conftest import csrf_token
from .test_mail import (
    link_email,
    parts,
    smtp_server,  # noqa: F401  (a pytest fixture)
)
from .test_patient_page import _use_mail_server, open_as_patient, page_text, path_of, print_handout, qr_address

ROOT = Path(__file__).resolve().parents[1]
SPANISH = "hip-pain"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def english_phrases() -> set[str]:
    """The English of every fixed text of the patient's page, cut at its blanks (``%(date)s``)
    into the phrases a reader would see, the short and all-blank ones left out."""
    messages = extract_from_dir(ROOT, [("templates/patient/**.html", "jinja2")], keywords=KEYWORDS)
    phrases = set()
    for _, _, message, _, _ in messages:
        for text in (message,) if isinstance(message, str) else message:
            phrases |= {piece.strip(" .:") for piece in re.split(r"%\(\w+\)[sd]", text)}
    return {phrase for phrase in phrases if len(phrase) > 3}


def visible_text(page: str) -> str:
    """What a patient reads or hears: the text, and the attributes read aloud or shown by the script."""
    attributes = re.findall(r'\b(?:aria-label|alt|title|data-[a-z-]+)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style|svg)\b.*?</\1>", " ", page, flags=re.S))
    return re.sub(r"%\(\w+\)[sd]", " ", html.unescape(" ".join([text, *attributes])))  # the script's blanks


def test_a_spanish_handouts_page_is_spanish_with_no_english_fixed_text_left(app, client):
    page = page_text(open_as_patient(app, qr_address(print_handout(client, SPANISH, language="es"))))
    assert '<html lang="es">' in page
    for spanish in ("Tus ejercicios", "Hice mis ejercicios", "Cómo hacerlo", "Llama al 911", "Mis últimos 7 días",
                    "Mi dolor hoy, de 0 a 10", "Este enlace funciona hasta el"):
        assert spanish in page, spanish
    # What the script shows comes from the page: the timer and today's count in Spanish too.
    assert 'data-stop="Detener el tiempo"' in page and 'data-left="Faltan %(time)s"' in page
    assert 'data-times="Los hiciste %(num)d veces hoy. ¡Muy bien!"' in page
    assert re.search(r"data-timer>Medir el tiempo: \d+ (segundos|minutos?)", page)
    assert "Read in English" not in page  # a Spanish handout has no English to offer
    text = visible_text(page)
    left = sorted(phrase for phrase in english_phrases() if re.search(rf"\b{re.escape(phrase)}\b", text))
    assert not left, f"English left on the Spanish page: {left}"
    manifest = re.search(r'<link rel="manifest" href="([^"]+)"', page).group(1)
    assert json.loads(app.test_client().get(html.unescape(manifest)).data)["name"] == "Mis ejercicios"


def test_a_bilingual_handout_opens_in_spanish_and_reads_in_english_on_request(app, client, catalog):
    address = path_of(qr_address(print_handout(client, SPANISH, language="en-es")))
    phone = app.test_client()
    spanish = page_text(phone.get(address, follow_redirects=True))
    assert '<html lang="es">' in spanish and "Tus ejercicios" in spanish and "Your exercises" not in spanish
    english_link = re.search(r'<a class="other-language" href="([^"]+)" hreflang="en" lang="en">Read in English</a>',
                             spanish)
    assert english_link
    english = page_text(phone.get(html.unescape(english_link.group(1))))
    assert '<html lang="en">' in english
    assert "Your exercises" in english and "I did my exercises" in english and "Call 911" in english
    assert "Tus ejercicios" not in english
    first = catalog.diagnoses[SPANISH].program[0].exercise
    assert catalog.exercises[first].name in english  # the catalog's English, not only the fixed words
    back = re.search(r'<a class="other-language" href="([^"]+)" hreflang="es" lang="es">Leer en español</a>', english)
    assert back and "Tus ejercicios" in page_text(phone.get(html.unescape(back.group(1))))
    # Only the two languages: anything else shows the handout's own (Spanish) page.
    assert '<html lang="es">' in page_text(phone.get(address.replace("/P/", "/p/") + "?lang=fr"))


def test_an_english_handouts_page_stays_english_whatever_is_asked(app, client):
    address = path_of(qr_address(print_handout(client, SPANISH)))
    phone = app.test_client()
    for page in (page_text(phone.get(address, headers={"Accept-Language": "es"}, follow_redirects=True)),
                 page_text(phone.get(address.replace("/P/", "/p/") + "?lang=es"))):
        assert '<html lang="en">' in page
        assert "Your exercises" in page and "I did my exercises" in page and "How to do it" in page
        assert 'data-stop="Stop the timer"' in page and "Read in English" not in page
        assert "Tus ejercicios" not in page


def test_the_pages_that_know_no_handout_follow_the_browser(app):
    phone = app.test_client()
    enter = phone.get("/p", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="es">' in enter and "Abrir mis ejercicios" in enter and "Open my exercises" not in enter
    wrong = phone.get("/p", query_string={"code": "12"}, headers={"Accept-Language": "es"})
    assert wrong.status_code == 422 and "El código tiene 10 letras y números" in wrong.get_data(as_text=True)
    unknown = phone.get("/p/" + "A" * 26, headers={"Accept-Language": "es"})
    assert unknown.status_code == 404 and "Este código o enlace no funciona" in unknown.get_data(as_text=True)
    english = phone.get("/p", headers={"Accept-Language": "fr, en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Open my exercises" in english
    assert '<html lang="en">' in phone.get("/p").get_data(as_text=True)  # no preference: English


def test_the_email_of_a_spanish_handouts_link_is_spanish(app, client, smtp_server):
    port, inbox = smtp_server
    _use_mail_server(app, port)
    print_handout(client, SPANISH, language="es")
    page = client.get("/handouts/1").get_data(as_text=True)
    sent = client.post("/handouts/1/links/email", data={"csrf_token": csrf_token(page), "email": "ann@example.com"})
    assert sent.status_code == 200
    (_, message), = inbox.received
    plain, body = parts(message)
    assert message["Subject"] == "Tu programa de ejercicios de Riverside Physical Therapy"
    for text in (plain, body):
        assert "Hola:" in text and "te envió tu programa de ejercicios" in text
        assert re.search(r"En una emergencia, llama al (<strong>)?911", text)
        assert re.search(r"El enlace funciona hasta el (<strong>)?\d+ de [a-z]+ de \d{4}", text)
        assert "Hello" not in text and "Open" not in text
    assert '<html lang="es">' in body


def test_the_email_of_a_bilingual_handouts_link_is_spanish_then_english():
    message = compose_link_email(link_email(language="en-es"), "clinic@riverside.example")
    assert message["Subject"] == ("Tu programa de ejercicios de Riverside Physio / "
                                  "Your exercise program from Riverside Physio")
    plain, body = parts(message)
    for text in (plain, body):
        assert text.index("Hola:") < text.index("Hello,")
        assert "5 de marzo de 2027" in text and "March 5, 2027" in text
        assert "This does not replace your therapist's care." in text  # the apostrophe stays one
    assert '<td lang="en"' in body


@pytest.mark.browser
def test_on_a_phone_the_bilingual_page_works_in_spanish_and_then_in_english(tmp_path):
    """The script's words come from the page: ticks, the timer and the pause button speak Spanish,
    nothing overflows 390 px, and the English page keeps the same day's ticks."""
    from axe_playwright_python.sync_playwright import Axe

    from .conftest import add_user, builder_form, default_clinic_id, make_app, sign_in
    from .test_browser import running_chromium, serving

    app = make_app(tmp_path)
    with serving(app) as url, running_chromium() as chromium:
        therapist = sign_in(app, app.test_client(),
                            add_user(app, default_clinic_id(app), "therapist@riverside.example", "therapist"))
        app.config["PUBLIC_URL"] = url
        form = dict(builder_form(therapist, SPANISH), action="download", language="en-es")
        address = qr_address(therapist.post("/build/", data=form).data)
        context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        tab = context.new_page()
        tab.goto(address)
        assert tab.get_by_role("heading", level=1).inner_text() == "Tus ejercicios"
        assert tab.evaluate("() => document.documentElement.scrollWidth") <= 390
        tab.get_by_role("button", name="Hice mis ejercicios").click()
        assert tab.locator("[data-count]").inner_text() == "Los hiciste 1 vez hoy. ¡Muy bien!"
        timer = tab.locator(".timer").first
        timer.get_by_role("button").click()
        assert timer.get_by_role("button").inner_text() == "Detener el tiempo"
        assert re.fullmatch(r"Faltan \d+ segundos?", timer.locator("[data-left]").inner_text())
        tab.get_by_role("button", name="Pausar los dibujos").click()
        assert tab.locator("[data-pause]").inner_text() == "Mover los dibujos"
        assert [v["id"] for v in Axe().run(tab).response["violations"] if v["impact"] in {"serious", "critical"}] == []
        tab.get_by_role("link", name="Read in English").click()
        assert tab.evaluate("() => document.documentElement.lang") == "en"
        assert tab.get_by_role("heading", level=1).inner_text() == "Your exercises"
        assert tab.locator("[data-count]").inner_text() == "Done once today. Well done."
        context.close()
    app.extensions["db_engine"].dispose()
