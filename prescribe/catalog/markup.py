"""The small markup of patient text in ``exercises_db/``: where a number comes from.

A patient reads numbers in two kinds: the dose the therapist set (which the builder can change) and
a few fixed facts of a movement or an advice line ("lift your foot about 5 cm", "get up every 30
minutes"). Content may state a *count* (of seconds, minutes, reps, sets, times, days, weeks, hours
or sessions) only in one of these forms, so that no sentence can contradict the tailored dose:

``{hold}``, ``{reps}``, ``{minutes}``, ``{sets}``
    filled from the dose at print time ("Hold for {hold}." -> "Hold for 7 seconds.").
``{side}``, ``{other}``
    the leg that works and the other leg ("left" / "right"), in side sentences only.
``{side_f}``, ``{other_f}``, ``{side_m}``, ``{other_m}``
    Spanish only, where sides agree in gender: "izquierda"/"derecha" (pierna, rodilla, cadera, mano)
    or "izquierdo"/"derecho" (lado, brazo, pie, hombro, tobillo, glúteo), in place of ``{side}``/``{other}``.
``{=...}``
    a fixed number that is part of the movement or advice: printed as written, braces removed.
``[...]``
    an optional part, dropped when a placeholder inside it has no value ("Lift your hips.[ Hold for
    {hold}.]" prints without the hold when the therapist sets none).

:func:`fill` resolves a text; :func:`unmarked_counts` finds the counts a content check refuses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

SPANISH_SIDES = frozenset({"side_f", "side_m", "other_f", "other_m"})
PLACEHOLDERS = frozenset({"hold", "reps", "minutes", "sets", "side", "other", *SPANISH_SIDES})
DOSE_PLACEHOLDERS = frozenset({"hold", "reps", "minutes", "sets"})

_FIXED = re.compile(r"\{=([^{}\[\]]+)\}")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_OPTIONAL = re.compile(r"\[([^\[\]]*)\]")
_ANY_BRACE = re.compile(r"[{}\[\]]")

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    "forty|fifty|sixty|ninety|hundred|half an?|a couple of"
)
_NUMBER = rf"(?:\d+(?:[.,]\d+)?|{_NUMBER_WORDS})"
_UNITS = r"(?:second|sec|minute|min|hour|hr|day|week|month|time|rep|repetition|set|session|breath|step|lap|round)s?"
_NUMBER_WORDS_ES = (
    "uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|quince|veinte|treinta|"
    "cuarenta|cincuenta|sesenta|noventa|cien|media|un par de"
)
_NUMBER_ES = rf"(?:\d+(?:[.,]\d+)?|{_NUMBER_WORDS_ES})"
_UNITS_ES = (r"(?:segundos?|seg|minutos?|min|horas?|vez|veces|d[ií]as?|semanas?|mes|meses|series?|"
             r"repeticiones|repetici[oó]n|sesiones|sesi[oó]n|respiraciones|respiraci[oó]n|pasos?|vueltas?)")
# "30 minutos", "2 o 3 días", "10-15 repeticiones", "5 segundos más", "dos veces al día"; not "una vez que" (once).
_COUNT_ES = re.compile(
    rf"\b{_NUMBER_ES}(?:\s*(?:-|–|a|o|y)\s*{_NUMBER_ES})?\s+{_UNITS_ES}\b(?!\s+que\b)"
    rf"|\bcada\s+\d+\s*(?:-\s*\d+\s*)?{_UNITS_ES}",
    re.IGNORECASE,
)
# "30 minutes", "2 or 3 days", "10-15 reps", "5 more seconds", "twice a day", "once a week".
_COUNT = re.compile(
    rf"\b{_NUMBER}(?:\s*(?:-|–|to|or|and)\s*{_NUMBER})?\s+(?:(?:more|full|short|whole|extra)\s+)?{_UNITS}\b"
    r"|\b(?:once|twice|three times)\s+(?:a|an|per|each|every)\b"
    r"|\b(?:every|each)\s+(?:other\s+)?\d+\s*(?:-\s*\d+\s*)?" + _UNITS,
    re.IGNORECASE,
)


def fill(text: str, values: Mapping[str, str | None] | None = None) -> str:
    """``text`` as a patient reads it: placeholders filled, fixed numbers unmarked.

    ``values`` maps placeholder names to their words; an optional ``[...]`` part whose placeholder
    has no value is dropped, and so is a required placeholder with none (content checks make sure
    that cannot happen for the default dose).
    """
    values = values or {}

    def optional(match: re.Match[str]) -> str:
        inner = match.group(1)
        names = _PLACEHOLDER.findall(inner)
        return inner if all(values.get(name) for name in names) else ""

    text = _OPTIONAL.sub(optional, text)
    # Only our own placeholders: another layer may fill its own (the clinic's {number}).
    text = _PLACEHOLDER.sub(lambda m: (values.get(m.group(1)) or "") if m.group(1) in PLACEHOLDERS else m.group(0),
                            text)
    text = _FIXED.sub(lambda m: m.group(1), text)
    return re.sub(r"\s{2,}", " ", text).strip()


def plain(text: str) -> str:
    """The text with sample values, for reading-grade checks of content as written."""
    return fill(text, {"hold": "5 seconds", "reps": "10", "minutes": "10 minutes", "sets": "2",
                       "side": "left", "other": "right"})


def plain_es(text: str) -> str:
    """A Spanish text with Spanish sample values, for the Spanish reading check."""
    return fill(text, {"hold": "5 segundos", "reps": "10", "minutes": "10 minutos", "sets": "2",
                       "side_f": "izquierda", "other_f": "derecha", "side_m": "izquierdo", "other_m": "derecho"})


def placeholders(text: str) -> set[str]:
    """The placeholder names a text uses (fixed numbers excluded)."""
    return set(_PLACEHOLDER.findall(_FIXED.sub("", text)))


def required_placeholders(text: str) -> set[str]:
    """The placeholders outside any optional ``[...]`` part: they must always have a value."""
    return placeholders(_OPTIONAL.sub("", text))


def markup_errors(text: str) -> list[str]:
    """What is wrong with the markup itself: unknown names, unbalanced braces or brackets."""
    problems = [f"unknown placeholder {{{name}}}; known: {', '.join(sorted(PLACEHOLDERS))}"
                for name in sorted(placeholders(text) - PLACEHOLDERS)]
    rest = _OPTIONAL.sub(lambda m: m.group(1), _PLACEHOLDER.sub("", _FIXED.sub("", text)))
    if _ANY_BRACE.search(rest):
        problems.append("has a brace or bracket that is not a placeholder, {=fixed number} or [optional part]")
    return problems


def unmarked_counts(text: str, language: str = "en") -> list[str]:
    """Counts of time, reps, sets or days written into the text, rather than taken from the dose
    or marked as fixed with ``{=...}``: each would print whatever the therapist set."""
    unmarked = _PLACEHOLDER.sub("", _FIXED.sub("", text))
    pattern = _COUNT_ES if language == "es" else _COUNT
    return [match.group(0) for match in pattern.finditer(unmarked)]


def optional_parts(text: str) -> int:
    """How many optional ``[...]`` parts a text has."""
    return len(_OPTIONAL.findall(_FIXED.sub("", text)))
