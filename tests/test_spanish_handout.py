"""The Spanish and the bilingual handout: every text from the catalog's Spanish and the gettext
catalog, no English sentence in a Spanish handout, both languages in a bilingual one, the PDF's
language tags, and the draft note exactly when a draft translation prints."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date
from functools import cache

import pdfplumber
import pikepdf
import pytest
from babel.messages.pofile import read_po

from prescribe.catalog.markup import fill
from prescribe.handout import Branding, render_program
from prescribe.i18n import TRANSLATIONS_DIR
from prescribe.programs import default_program, handout_languages

from .conftest import form_fields

SLUG = "hip-pain"
DRAFT_ES = "Traducción aún no revisada por un profesional clínico."
DRAFT_EN = "Translation not yet checked by a clinician."
BRANDING = Branding(name="Clínica Río", phone="555-0100")


def _program(catalog, language: str, **changes):
    program = default_program(catalog.diagnoses[SLUG], catalog, today=date(2026, 11, 21), language=language)
    assert program.language == language
    return replace(program, patient_name="Ana Pérez", affected_side="left", **changes)


_RENDERED: dict[tuple[int, str], bytes] = {}


def _render(catalog, language: str) -> bytes:
    """The default handout in ``language`` (each rendered once per module's catalog)."""
    key = (id(catalog), language)
    if key not in _RENDERED:
        _RENDERED[key] = render_program(_program(catalog, language), catalog, BRANDING).pdf
    return _RENDERED[key]


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        text = " ".join(page.extract_text() or "" for page in document.pages)
    return re.sub(r"\s+", " ", text.replace("-\n", ""))


def _sentences(texts) -> set[str]:
    """The sentences of English patient texts, as printed, of four words or more."""
    found = set()
    for text in texts:
        for sentence in re.split(r"(?<=[.!?:])\s+", fill(text).replace("{number}", "911")):
            if len(sentence.split()) >= 4:
                found.add(sentence.strip())
    return found


def _english_texts(catalog, slug: str = SLUG) -> set[str]:
    """The English sentences a handout of ``slug``'s default program would print, from the catalog."""
    diagnosis = catalog.diagnoses[slug]
    texts = [text for _, text in diagnosis.patient_fields()]
    for entry in diagnosis.program:
        exercise = catalog.exercises[entry.exercise]
        texts += [exercise.name, *exercise.patient_texts()]
        if exercise.illustration is not None:
            texts.append(exercise.illustration.alt)
    texts += [text for _, text in catalog.handout_text.patient_fields()]
    texts += [p.caption for p in catalog.advice_pictures.values()]
    return _sentences(texts)


def english_left(text: str, catalog, slug: str = SLUG) -> list[str]:
    """The English catalog sentences and fixed words found in a handout's ``text``."""
    sentences = sorted(sentence for sentence in _english_texts(catalog, slug) if sentence in text)
    words = [word for word in _msgids() if re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", text)]
    return sentences + words


@cache
def _msgids() -> list[str]:
    """The English fixed words of the handout: each msgid's text between its placeholders."""
    with (TRANSLATIONS_DIR / "es" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        ids = [m.id if isinstance(m.id, str) else m.id[1] for m in read_po(po) if m.id]
    pieces = [piece.strip(" ,.:") for text in ids for piece in re.split(r"%\(\w+\)[sd]", text)]
    return sorted({piece for piece in pieces if len(piece) >= 3 and piece.lower() != "once"})


@pytest.fixture(scope="module")
def spanish_catalog():
    from prescribe.catalog import load_default_catalog

    catalog = load_default_catalog()
    assert handout_languages(catalog, SLUG) == ("en", "es", "en-es"), "the hip-pain Spanish has not landed"
    return catalog


def test_a_spanish_handout_prints_no_english_sentence_of_the_catalog_or_fixed_words(spanish_catalog):
    text = _text(_render(spanish_catalog, "es"))
    assert "Tu programa de ejercicios en casa" in text and "Dolor de cadera" in text
    assert "21 de noviembre de 2026" in text and "Página 1 de" in text
    assert english_left(text, spanish_catalog) == []


def test_the_english_checks_would_catch_english(spanish_catalog):
    english = _text(_render(spanish_catalog, "en"))
    assert len([s for s in _english_texts(spanish_catalog) if s in english]) > 20
    assert len([w for w in _msgids() if re.search(rf"(?<![\w]){re.escape(w)}(?![\w])", english)]) > 15


def test_a_bilingual_handout_prints_each_text_in_spanish_then_english(spanish_catalog):
    text = _text(_render(spanish_catalog, "en-es"))
    spanish = spanish_catalog.in_language("es")
    for english, said in ((spanish_catalog, spanish),):
        bridge_en, bridge_es = english.exercises["bridge"], said.exercises["bridge"]
        assert fill(bridge_es.purpose) in text and fill(bridge_en.purpose) in text
        assert text.index(fill(bridge_es.purpose)) < text.index(fill(bridge_en.purpose))
        goal_en, goal_es = english.diagnoses[SLUG].goal, said.diagnoses[SLUG].goal
        assert fill(goal_es)[:60] in text and fill(goal_en)[:60] in text
        assert text.index(fill(goal_es)[:60]) < text.index(fill(goal_en)[:60])
    assert "Tus ejercicios" in text and "Your exercises" in text
    assert DRAFT_ES in text and DRAFT_EN in text


def _languages(pdf: bytes) -> tuple[str, set[str]]:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        found: set[str] = set()
        stack = [document.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Dictionary):
                if "/Lang" in node:
                    found.add(str(node.Lang))
                kids = node.get("/K")
                if isinstance(kids, pikepdf.Array):
                    stack.extend(kids)
                elif isinstance(kids, pikepdf.Dictionary):
                    stack.append(kids)
        return str(document.Root.get("/Lang", "")), found


def test_the_pdf_says_its_language_and_a_bilingual_one_marks_its_english_parts(spanish_catalog):
    assert _languages(_render(spanish_catalog, "en"))[0] == "en"
    document, parts = _languages(_render(spanish_catalog, "es"))
    assert document == "es-US" and "en" not in parts
    document, parts = _languages(_render(spanish_catalog, "en-es"))
    assert document == "es-US" and "en" in parts


def _reviewed(catalog, *draft_files: str):
    """The catalog with every Spanish table reviewed but ``draft_files``."""
    tables = {file: replace(t, status="draft" if file in draft_files else "reviewed")
              for file, t in catalog.translations["es"].items()}
    return replace(catalog, translations={"es": tables})


def test_the_draft_line_prints_exactly_when_a_draft_text_prints(spanish_catalog):
    assert DRAFT_ES in _text(_render(spanish_catalog, "es"))  # the hip content is a first draft
    reviewed = _reviewed(spanish_catalog)
    assert DRAFT_ES not in _text(render_program(_program(reviewed, "es"), reviewed, BRANDING).pdf)
    unused = next(f"exercises/{slug}.toml" for slug in spanish_catalog.exercises
                  if f"exercises/{slug}.toml" in spanish_catalog.translations["es"]
                  and slug not in {e.exercise for e in spanish_catalog.diagnoses[SLUG].program})
    one_unused = _reviewed(spanish_catalog, unused)
    assert DRAFT_ES not in _text(render_program(_program(one_unused, "es"), one_unused, BRANDING).pdf)
    printed = f"exercises/{spanish_catalog.diagnoses[SLUG].program[0].exercise}.toml"
    one_printed = _reviewed(spanish_catalog, printed)
    text = _text(render_program(_program(one_printed, "en-es"), one_printed, BRANDING).pdf)
    assert DRAFT_ES in text and DRAFT_EN in text
    assert DRAFT_EN not in _text(_render(spanish_catalog, "en"))


def test_the_builder_shows_the_draft_note_for_a_spanish_handout(app, client):
    form = form_fields(client.get(f"/build/{SLUG}").get_data(as_text=True))
    form.update(language="es", action="update")
    html = client.post("/build/", data=form).get_data(as_text=True)
    assert DRAFT_EN in html
    app.extensions["catalog"] = _reviewed(app.extensions["catalog"])
    html = client.post("/build/", data=form).get_data(as_text=True)
    assert DRAFT_EN not in html


def test_a_diagnosis_missing_one_translation_offers_english_only(spanish_catalog):
    assert all(handout_languages(spanish_catalog, slug) == ("en", "es", "en-es") for slug in spanish_catalog.diagnoses)
    missing = f"exercises/{spanish_catalog.diagnoses[SLUG].program[-1].exercise}.toml"
    tables = {file: t for file, t in spanish_catalog.translations["es"].items() if file != missing}
    partial = replace(spanish_catalog, translations={"es": tables})
    assert handout_languages(partial, SLUG) == ("en",)
    assert default_program(partial.diagnoses[SLUG], partial, language="es").language == "en"
    others = [slug for slug in partial.diagnoses
              if missing not in partial.handout_files(partial.diagnoses[slug])]
    assert others and all(handout_languages(partial, slug) == ("en", "es", "en-es") for slug in others)


@pytest.mark.parametrize("language", ["es", "en-es"])
def test_spanish_and_bilingual_handouts_pass_the_structure_and_page_fill_checks(spanish_catalog, language, tmp_path):
    from pdfua import Severity, validate

    from .test_handout_pages import _marked_content, _reached, page_fill

    pdf = _render(spanish_catalog, language)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        reached = _reached(document, document.Root.StructTreeRoot.K[0])
        for number, ids in _marked_content(document):
            assert ids, f"page {number + 1} has no marked content"
            for mcid, artifact in ids:
                assert artifact != ((number, mcid) in reached), (number + 1, mcid, artifact)
    path = tmp_path / "handout.pdf"
    path.write_bytes(pdf)
    findings = [(f.rule_id, f.message) for f in validate(str(path)).findings if f.severity >= Severity.INFO]
    assert findings == []
    fills = page_fill(pdf, "standard")
    assert all(fill >= 0.6 for fill in fills[:-1]), [round(f, 2) for f in fills]


def test_spanish_and_bilingual_large_print_fit_their_page_budget(spanish_catalog):
    program = _program(spanish_catalog, "es", layout="large")
    spanish = render_program(program, spanish_catalog, BRANDING, max_pages=20)  # 21 pages today: over 20, in 25
    both = render_program(replace(program, language="en-es"), spanish_catalog, BRANDING, max_pages=20)
    assert spanish.page_count < both.page_count <= 40
    with pytest.raises(Exception, match="pages long"):
        render_program(replace(program, language="en-es"), spanish_catalog, BRANDING, max_pages=10)
