"""The wording layer in Spanish: doses, frequencies and sides with plurals right, from the gettext
catalog; the committed .mo matches the .po, and every fixed text of the handout has its Spanish."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from hypothesis import given, settings
from hypothesis import strategies as st

from prescribe.catalog import Dose
from prescribe.i18n import TRANSLATIONS_DIR, words_for
from prescribe.programs import amount_in_short, dose_in_words, duration, frequency_phrase, how_often_lines
from prescribe.programs.wording import side_values

ROOT = Path(__file__).resolve().parents[1]
PO = TRANSLATIONS_DIR / "es" / "LC_MESSAGES" / "messages.po"
# English words of dose sentences that are not Spanish words too.
ENGLISH = {"do", "time", "times", "once", "twice", "hold", "each", "one", "for", "rest", "this", "keep", "going",
           "minute", "minutes", "second", "seconds", "day", "days", "week", "every", "with", "leg", "side", "on",
           "rounds", "round", "of", "start", "add", "until", "you", "it", "and", "all", "your", "exercises",
           "off", "between", "in", "the", "switch", "gently", "first", "them", "then", "as", "says", "exercise"}
SINGULAR = ("repetición", "serie", "vez", "segundo", "minuto", "día")
PLURAL = ("repeticiones", "series", "veces", "segundos", "minutos", "días")


def _dose(**values) -> Dose:
    base = {"sets": 1, "reps": None, "hold_seconds": None, "minutes": None, "rest_seconds": 0, "times_per_day": 1,
            "days_per_week": 7}
    return Dose(**(base | values))


def test_the_spanish_dose_reads_as_the_examples():
    dose = _dose(sets=2, reps=10, hold_seconds=5, rest_seconds=60, times_per_day=1, days_per_week=3)
    assert amount_in_short(dose, lang="es") == "2 series de 10 repeticiones, mantén 5 segundos"
    assert dose_in_words(dose, lang="es") == ["Haz 10 repeticiones.", "Mantén cada una 5 segundos.",
                                              "Descansa 1 minuto.", "Haz 2 series.",
                                              "1 vez al día, 3 días a la semana."]
    assert frequency_phrase(_dose(reps=10, times_per_day=2), "es") == "2 veces al día, cada día"
    assert amount_in_short(_dose(reps=1), lang="es") == "1 repetición"
    assert amount_in_short(_dose(sets=3, hold_seconds=30), "both", "es") == "Mantén 30 segundos de cada lado, 3 veces"
    assert duration(150, "es") == "2 minutos y 30 segundos" and duration(60, "es") == "1 minuto"
    assert dose_in_words(_dose(reps=8), "alternate", lang="es")[0] == "Haz 8 repeticiones con cada pierna."
    assert dose_in_words(_dose(minutes=1, days_per_week=1), lang="es") == ["Sigue 1 minuto.", "1 vez al día, 1 día a "
                                                                            "la semana."]
    lines = how_often_lines([("Puente", _dose(reps=10, days_per_week=3)), ("Almeja", _dose(reps=10)),
                             ("Marcha", _dose(reps=10))], start_gently=True, lang="es")
    assert lines == ["1 vez al día, 3 días a la semana, con un día de descanso en medio: Puente.",
                     "1 vez al día, cada día: Almeja y Marcha.",
                     "Empieza con calma. La primera semana, hazlos 1 o 2 días. Luego agrega un día cada semana, "
                     "como dice cada ejercicio."]


def test_english_wording_is_unchanged():
    dose = _dose(sets=3, reps=10, hold_seconds=5, rest_seconds=90, times_per_day=2, days_per_week=7)
    assert dose_in_words(dose, "both") == ["Do 10 times with each leg.", "Hold each one for 5 seconds.",
                                           "Rest 1 minute 30 seconds.", "Do this 3 times.", "Twice a day, every day."]
    assert amount_in_short(dose, "both") == "3 rounds of 10 with each leg, hold 5 seconds"
    assert amount_in_short(_dose(reps=2)) == "Twice" and amount_in_short(_dose(reps=3)) == "3 times"


def test_spanish_sides_agree_in_gender():
    assert side_values("left", "es") == {"side_f": "izquierda", "side_m": "izquierdo", "other_f": "derecha",
                                         "other_m": "derecho"}
    assert side_values("right", "en") == {"side": "right", "other": "left"}
    assert side_values("", "es", operated=True) == {"side_f": "operada", "side_m": "operado"}


doses = st.one_of(
    st.builds(lambda sets, reps, hold, rest: _dose(sets=sets, reps=reps, hold_seconds=hold, rest_seconds=rest),
              st.integers(1, 10), st.integers(1, 100), st.one_of(st.none(), st.integers(1, 300)), st.integers(0, 600)),
    st.builds(lambda sets, hold, rest: _dose(sets=sets, hold_seconds=hold, rest_seconds=rest),
              st.integers(1, 10), st.integers(1, 300), st.integers(0, 600)),
    st.builds(lambda minutes: _dose(minutes=minutes), st.integers(1, 60)),
).flatmap(lambda dose: st.builds(lambda tpd, dpw: Dose(**{**dose.as_dict(), "times_per_day": tpd,
                                                               "days_per_week": dpw}),
                                 st.integers(1, 6), st.integers(1, 7)))


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(dose=doses, side=st.sampled_from(["", "both", "left", "right", "alternate"]), gently=st.booleans())
def test_every_spanish_dose_sentence_has_the_doses_numbers_right_plurals_and_no_english(dose, side, gently):
    lines = [*dose_in_words(dose, side, gently, "es"), amount_in_short(dose, side, "es"), frequency_phrase(dose, "es")]
    text = " ".join(lines)
    numbers = set(re.findall(r"\d+", text))
    expected = {str(dose.times_per_day)} | ({str(dose.days_per_week)} if dose.days_per_week != 7 else set())
    if dose.minutes is not None:
        expected.add(str(dose.minutes))
    else:
        if dose.reps is not None:
            expected.add(str(dose.reps))
        for seconds in (dose.hold_seconds, dose.rest_seconds if dose.sets > 1 else None):
            if seconds:
                minutes, rest = divmod(seconds, 60)
                expected |= {str(n) for n in (minutes, rest) if n} or {"0"}
        if dose.sets > 1:
            expected.add(str(dose.sets))
    assert expected <= numbers, (expected - numbers, lines)
    for number, word in re.findall(r"\b(\d+) ([a-záéíóúñ]+)", text):
        if number == "1":
            assert word not in PLURAL, (number, word, lines)
        elif word in SINGULAR:
            raise AssertionError(f"{number} {word}: {lines}")
    words = set(re.findall(r"[a-záéíóúñ]+", text.lower()))
    assert not words & ENGLISH, (words & ENGLISH, lines)


@pytest.mark.parametrize("domain", ["messages", "interface"])
def test_the_committed_mo_is_the_compiled_po(domain):
    folder = TRANSLATIONS_DIR / "es" / "LC_MESSAGES"
    with (folder / f"{domain}.po").open("rb") as po_file, (folder / f"{domain}.mo").open("rb") as mo_file:
        po, mo = read_po(po_file), read_mo(mo_file)
    def key(m):  # babel reads a .mo's contexts as bytes
        context = m.context.decode() if isinstance(m.context, bytes) else m.context
        return context, m.id if isinstance(m.id, str) else tuple(m.id)

    def text(m):
        return m.string if isinstance(m.string, str) else tuple(m.string)

    compiled = {key(m): text(m) for m in mo if m.id}
    written = {key(m): text(m) for m in po if m.id and not m.fuzzy}
    assert compiled == written, f"run `make translations` (pybabel compile) and commit {domain}.mo"


def test_every_fixed_text_of_the_handout_has_its_spanish():
    method_map = [("prescribe/programs/**.py", "python"), ("prescribe/handout/**.py", "python"),
                  ("prescribe/web/patient_page.py", "python"), ("prescribe/mail.py", "python"),
                  ("templates/handout/**.html", "jinja2"), ("templates/patient/**.html", "jinja2"),
                  ("templates/mail/**.*", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
                "npgettext": ((1, "c"), 2, 3), "_n": None}
    found = {(context, message if isinstance(message, str) else message[0])
             for _, _, message, _, context in extract_from_dir(ROOT, method_map, keywords=keywords)}
    with PO.open("rb") as po_file:
        translated = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m.string for m in read_po(po_file)}
    missing = sorted(str(key) for key in found if not translated.get(key))
    assert not missing, f"no Spanish for {missing}: add it to messages.po (make translations)"
    assert (None, "Hold for %(time)s.") in found and ("reps", "Once") in found  # the extraction finds them
    es = words_for("es")
    assert es.gettext("Translation not yet checked by a clinician.") == (
        "Traducción aún no revisada por un profesional clínico.")
