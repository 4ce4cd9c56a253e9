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
