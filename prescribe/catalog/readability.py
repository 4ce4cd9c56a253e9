"""Plain-language checks for patient-facing text: reading grade and a jargon list.

The grade is the Flesch-Kincaid grade from textstat 0.7.3, the last release that counts
syllables with pyphen alone and so works offline (0.7.10+ download a dictionary at first use).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Highest Flesch-Kincaid grade a content file's patient text may score as a whole, and the
# highest any one sentence may score (single sentences score noisily, so the bar is higher).
MAX_GRADE = 7.0
MAX_SENTENCE_GRADE = 10.0

# Clinical words a patient may not know; patient text must use everyday words instead.
JARGON = frozenset({
    "abduction", "abduct", "adduction", "adduct", "flexion", "extension",
    "contralateral", "ipsilateral", "bilateral", "unilateral", "lateral", "medial", "anterior",
    "posterior", "proximal", "distal", "supine", "prone", "isometric", "isotonic", "eccentric",
    "concentric", "gluteus", "gluteal", "glutes", "iliopsoas", "psoas", "piriformis",
    "quadriceps", "hamstrings", "trochanter", "trochanteric", "acetabulum", "acetabular",
    "femoroacetabular", "labrum", "labral", "tendinopathy", "bursa", "bursitis", "rom",
    "dorsiflexion", "plantarflexion", "neutral spine", "internal rotation", "external rotation",
    "impingement", "musculoskeletal", "ambulate", "ambulation", "contraindicated", "pelvis",
    "sciatic", "quadruped", "repetitions", "reps",
})



@dataclass(frozen=True)
class ReadabilityReport:
    grade: float
    jargon: tuple[str, ...]
    hard_sentences: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.grade <= MAX_GRADE and not self.jargon and not self.hard_sentences


def reading_grade(sentences: list[str]) -> float:
    """Flesch-Kincaid grade of the sentences read as one text."""
    import textstat  # here, not at the top: only the content check needs it, and it takes 0.3 s to import

    text = " ".join(s if s.rstrip().endswith((".", "!", "?", ":")) else f"{s}." for s in sentences)
    return round(float(textstat.flesch_kincaid_grade(text)), 1)


def find_jargon(sentences: list[str]) -> tuple[str, ...]:
    """Jargon words and two-word terms used anywhere in the sentences."""
    found: set[str] = set()
    for sentence in sentences:
        lowered = sentence.lower()
        words = re.findall(r"[a-z]+", lowered)
        pairs = {" ".join(words[i:i + 2]) for i in range(len(words) - 1)}
        found.update(term for term in JARGON if term in words or term in pairs)
    return tuple(sorted(found))


def assess(sentences: list[str]) -> ReadabilityReport:
    """Grade and jargon of one exercise's or diagnosis's patient text."""
    hard = tuple(s for s in sentences if reading_grade([s]) > MAX_SENTENCE_GRADE)
    return ReadabilityReport(grade=reading_grade(sentences), jargon=find_jargon(sentences),
                             hard_sentences=hard)


# --- Spanish --------------------------------------------------------------------------------------
# Fernández-Huerta reading ease (textstat 0.7.3 with pyphen's Spanish dictionary): 70 or more is
# "bastante fácil" (fairly easy), about grade 6, for each file's Spanish patient text as a whole.
MIN_READING_EASE_ES = 70.0

# Clinical words a patient may not know, in Spanish; the patient text says it in everyday words.
JARGON_ES = frozenset({
    "abducción", "aducción", "abducir", "aducir", "flexión", "dorsiflexión", "flexión plantar",
    "contralateral", "ipsilateral", "bilateral", "unilateral", "medial", "proximal", "distal", "supino",
    "prono", "decúbito", "isométrico", "isométrica", "isotónico", "excéntrico", "concéntrico", "glúteo medio",
    "iliopsoas", "psoas", "piriforme", "cuádriceps", "isquiotibiales", "trocánter", "trocantérico",
    "trocantérea", "acetábulo", "acetabular", "femoroacetabular", "labrum", "tendinopatía", "bursa",
    "bursitis", "musculoesquelético", "deambular", "deambulación", "contraindicado", "contraindicada",
    "pelvis", "ciático", "cuadrupedia", "rotación interna", "rotación externa", "columna neutra",
})


def _spanish_textstat():
    """A textstat instance of its own set to Spanish (textstat's module instance stays English)."""
    import textstat

    reader = type(textstat.textstat)()  # textstat's own class, a new instance
    reader.set_lang("es")
    return reader


_reader_es = None


def reading_ease_es(sentences: list[str]) -> float:
    """Fernández-Huerta reading ease of the sentences read as one text (higher is easier)."""
    global _reader_es
    if _reader_es is None:
        _reader_es = _spanish_textstat()
    text = " ".join(s if s.rstrip().endswith((".", "!", "?", ":")) else f"{s}." for s in sentences)
    return round(float(_reader_es.fernandez_huerta(text)), 1)


def find_jargon_es(sentences: list[str]) -> tuple[str, ...]:
    """Spanish jargon words and two-word terms used anywhere in the sentences."""
    found: set[str] = set()
    for sentence in sentences:
        words = re.findall(r"[a-záéíóúüñ]+", sentence.lower())
        pairs = {" ".join(words[i:i + 2]) for i in range(len(words) - 1)}
        found.update(term for term in JARGON_ES if term in words or term in pairs)
    return tuple(sorted(found))
