"""What every handout says about pain, progress, flares and warning signs, and how urgently.

Warning signs print in three tiers, emergencies first with the clinic's emergency number and
"call us today" with the clinic's phone; each diagnosis prints its own pain guide, and no line of
a diagnosis states a pain score its guide does not allow.
"""

from __future__ import annotations

import re
import shutil
from datetime import date

from prescribe.catalog import RED_FLAG_TIERS, default_content_root, load_catalog_collecting
from prescribe.catalog.markup import fill
from prescribe.handout import Branding, build_handout_view, render_program
from prescribe.handout.html import render_handout_html
from prescribe.programs import AdviceLine, default_program

from .pdf_helpers import page_texts

BRANDING = Branding(name="Harbour Physio", phone="555 0188", emergency_number="999")
# "5 or less out of 10", "at 3 or less out of 10": the highest score a line says is OK.
OK_UP_TO = re.compile(r"\b(\d+) or (?:less|lower) out of 10")
FIRST_SCORE = re.compile(r"\b(\d+)(?: to \d+| or \d+)? out of 10")


def _view(catalog, slug="hip-pain", branding=BRANDING, **changes):
    program = default_program(catalog.diagnoses[slug], catalog, today=date(2026, 12, 6))
    if changes:
        from dataclasses import replace
        program = replace(program, **changes)
    return build_handout_view(program, catalog, branding)


def test_warning_signs_print_by_urgency_with_the_clinic_numbers(catalog):
    diagnosis = catalog.diagnoses["hip-replacement-early"]
    view = _view(catalog, "hip-replacement-early")
    assert [tier.kind for tier in view.red_flag_tiers] == ["emergency", "today", "next-visit"]
    emergency, today, next_visit = view.red_flag_tiers
    assert emergency.heading == "Call 999 now if"
    assert emergency.lines == tuple(fill(line) for line in diagnosis.red_flags_emergency)
    assert any("chest pain" in line for line in emergency.lines)
    assert today.heading == "Call us today if"
    assert today.call == "Harbour Physio: 555 0188"
    assert today.note == "If we are closed, call your doctor."
    assert any("38 °C (100.4 °F)" in line for line in today.lines)
    assert next_visit.heading == "Tell us at your next visit if"
    assert next_visit.call == ""
    assert view.emergency_line == "In any other emergency, call 999."


def test_a_tier_with_no_ticked_line_is_left_out_and_a_clinic_without_phone_prints_none(catalog):
    program = default_program(catalog.diagnoses["hip-pain"], catalog, today=date(2026, 12, 6))
    unticked = tuple(AdviceLine(a.text, included=False) for a in program.red_flags_next_visit)
    view = _view(catalog, red_flags_next_visit=unticked, branding=Branding(name="No Phone PT"))
    assert [tier.kind for tier in view.red_flag_tiers] == ["emergency", "today"]
    assert view.red_flag_tiers[0].heading == "Call 911 now if"
    assert view.red_flag_tiers[1].call == ""


def test_the_html_prints_the_tiers_in_order_emergency_first(catalog):
    html = render_handout_html(_view(catalog, "hip-impingement"))
    positions = [html.index(text) for text in
                 ("tier-emergency", "Call 999 now if", "tier-today", "Call us today if", "Harbour Physio: 555 0188",
                  "tier-next-visit", "Tell us at your next visit if", "In any other emergency, call 999.")]
    assert positions == sorted(positions)
    for line in catalog.diagnoses["hip-impingement"].red_flags:
        assert fill(line) in html
    assert "Call your doctor or us if" not in html


def test_every_diagnosis_has_every_tier_and_no_line_names_a_number_to_call(catalog):
    for diagnosis in catalog.diagnoses.values():
        for tier in RED_FLAG_TIERS:
            assert getattr(diagnosis, tier), (diagnosis.slug, tier)
        for line in diagnosis.red_flags:
            assert not re.search(r"\b(911|999|112|000)\b|emergency room", line), (diagnosis.slug, line)


def test_review_lines_are_in_every_diagnosis(catalog):
    """Clinical review, SHOULD FIX 8 and "Beyond the hip": each region's own warning signs; any fall; not better
    after N weeks."""
    for diagnosis in catalog.diagnoses.values():
        emergency = " ".join(diagnosis.red_flags_emergency)
        flags = " ".join(diagnosis.red_flags)
        if diagnosis.region == "shoulder":  # no saddle line for the arm; heart pain can be felt in the shoulder
            assert "chest pain" in emergency, diagnosis.slug
        elif diagnosis.region == "knee" and diagnosis.surgery:  # clots and the wound after surgery
            assert "chest pain" in emergency and "calf" in flags and "wound" in flags, diagnosis.slug
        elif diagnosis.region == "knee":  # a locked knee; cannot bear weight after an injury
            assert "locks" in flags and "{=4 steps}" in flags, diagnosis.slug
        elif diagnosis.region == "low-back":  # the cauda equina signs, in the patient's words
            assert "bottom, groin" in emergency and ("urine" in emergency or "bladder" in emergency), diagnosis.slug
        else:
            assert "bladder or bowels" in emergency and "bottom or groin" in emergency, diagnosis.slug
        assert any("fall" in line for line in diagnosis.red_flags), diagnosis.slug
        assert any(re.search(r"\{=\d+ weeks?\}", line) for line in diagnosis.red_flags_next_visit), diagnosis.slug
    for slug in ("hip-impingement", "hip-labral-tear", "it-band-syndrome", "hip-flexor-strain"):
        assert any("each run" in line for line in catalog.diagnoses[slug].red_flags_today), slug


def test_a_stored_line_naming_a_phone_number_or_the_old_single_list_is_an_error(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(default_content_root(), root)
    path = root / "diagnoses" / "hip-pain.toml"
    text = path.read_text()
    text = text.replace('red_flags_today = [\n', 'red_flags_today = [\n  "you feel faint. Call 911",\n', 1)
    path.write_text('red_flags = ["you feel unwell"]\n' + text)
    _, errors = load_catalog_collecting(root)
    fields = {(e.file, e.field) for e in errors}
    assert ("diagnoses/hip-pain.toml", "red_flags") in fields
    assert ("diagnoses/hip-pain.toml", "red_flags_today[0]") in fields


def test_each_diagnosis_prints_its_own_pain_guide(catalog):
    strain = _view(catalog, "hip-flexor-strain")
    assert strain.pain_guide.green == fill(catalog.diagnoses["hip-flexor-strain"].pain_guide.green)
    assert strain.pain_guide.ok_up_to == 3
    default = _view(catalog, "hip-pain")
    assert default.pain_guide.amber == fill(catalog.handout_text.pain_guide.amber)
    html = render_handout_html(strain)
    for text in (strain.pain_guide.green, strain.pain_guide.amber, strain.pain_guide.red, *strain.pain_notes):
        assert text in html
    assert fill(catalog.handout_text.pain_guide.amber) not in html
    surgery = render_handout_html(_view(catalog, "hip-replacement-early"))
    assert fill(catalog.diagnoses["hip-replacement-early"].pain_guide.green) in surgery


def test_no_diagnosis_states_a_pain_score_its_guide_does_not_allow(catalog):
    """Clinical review, SHOULD FIX 7: a handout never contradicts its own pain guide."""
    for diagnosis in catalog.diagnoses.values():
        guide = catalog.pain_guide_for(diagnosis)
        assert f"{guide.ok_up_to} out of 10" in f"{guide.green} {guide.amber}", diagnosis.slug
        red_from = int(FIRST_SCORE.search(guide.red).group(1))
        assert red_from > guide.ok_up_to, diagnosis.slug
        texts = [*diagnosis.patient_texts(), *catalog.progress_for(diagnosis), *catalog.flare_for(diagnosis)]
        for text in texts:
            for found in OK_UP_TO.findall(text):
                assert int(found) == guide.ok_up_to, (diagnosis.slug, text)
            assert "pain that lasts" not in text.lower(), (diagnosis.slug, text)


def test_what_settled_means_is_said_once_and_the_guide_uses_it(catalog):
    text = catalog.handout_text
    assert any("next morning" in note and "settled" in note for note in text.pain_notes)
    assert any("often above 5" in note for note in text.pain_notes)
    for diagnosis in catalog.diagnoses.values():
        guide = catalog.pain_guide_for(diagnosis)
        assert "settled by the next morning" in guide.red, diagnosis.slug
        assert "lasts" not in f"{guide.green} {guide.amber} {guide.red}"


def test_every_diagnosis_says_when_to_do_more_and_what_to_do_on_a_bad_day(catalog):
    for diagnosis in catalog.diagnoses.values():
        view = _view(catalog, diagnosis.slug)
        assert view.progress and view.flare, diagnosis.slug
        html = render_handout_html(view)
        assert "When to do more" in html and "On a bad day" in html
        for line in (*view.progress, *view.flare):
            assert line in html
    assert catalog.progress_for(catalog.diagnoses["hip-replacement-early"])[0].startswith("Your surgeon")
    assert "Arthritis" in " ".join(catalog.flare_for(catalog.diagnoses["hip-osteoarthritis"]))


def test_therapist_cautions_show_in_the_builder_and_never_print(client, catalog):
    diagnosis = catalog.diagnoses["hip-flexor-strain"]
    assert any("slipped capital femoral epiphysis" in c for c in diagnosis.therapist_cautions)
    assert any("Avascular necrosis" in c for c in catalog.diagnoses["hip-osteoarthritis"].therapist_cautions)
    page = client.get("/build/hip-flexor-strain").get_data(as_text=True)
    assert "Rule out first" in page and "Perthes" in page
    html = render_handout_html(_view(catalog, "hip-flexor-strain"))
    assert "Perthes" not in html and "Rule out" not in html


def test_the_builder_offers_the_three_tiers_with_own_lines(client, catalog):
    page = client.get("/build/hip-pain").get_data(as_text=True)
    for tier in RED_FLAG_TIERS:
        assert f'name="own_{tier}"' in page
        assert f'name="{tier}-0-text"' in page or f'name="{tier}-0-included"' in page


def test_the_pdf_prints_the_emergency_tier_first_with_the_clinic_number(app, catalog):
    program = default_program(catalog.diagnoses["hip-replacement-early"], catalog, today=date(2026, 12, 6))
    rendered = render_program(program, catalog, BRANDING)
    text = " ".join(" ".join(page.split()) for page in page_texts(rendered.pdf))
    positions = [text.index(s) for s in ("Call 999 now if", "Call us today if", "Harbour Physio: 555 0188",
                                        "Tell us at your next visit if")]
    assert positions == sorted(positions)
    assert "Call 911" not in text


def test_the_therapist_s_own_lines_print_in_their_tier(client):
    from .conftest import builder_form

    form = builder_form(client, "hip-pain")
    form.update({"own_red_flags_emergency": "you faint and do not wake up quickly",
                 "own_red_flags_next_visit": "your other hip starts to hurt", "action": "download"})
    response = client.post("/build/", data=form)
    assert response.status_code == 200
    text = " ".join(" ".join(page.split()) for page in page_texts(response.data))
    order = [text.index(s) for s in ("Call 911 now if", "you faint and do not wake up quickly", "Call us today if",
                                     "Tell us at your next visit if", "your other hip starts to hurt")]
    assert order == sorted(order)
