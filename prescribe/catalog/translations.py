"""Content translations: the ``[es]`` table at the end of a content file, checked against its English.

A translated file has the Spanish of every patient text the English has, under the same keys, with
lists of the same lengths and the same markup (dose placeholders, optional parts, the clinic's
``{number}``); Spanish names sides in gender (``{side_f}``/``{side_m}`` for ``{side}``). Therapist
text stays English only. Each table says whether a clinician has checked it (``status``). SCHEMA.md
"Translations" describes the format.
"""

from __future__ import annotations

from typing import Any

from . import markup
from .model import TRANSLATION_STATUSES, Translation

EXERCISE_FIELDS = ("name", "purpose", "one_side", "to_switch", "steps", "tips", "stop_if")
DIAGNOSIS_FIELDS = ("patient_name", "explanation", "goal", "how_long", "activity_modifications", "sitting_advice",
                    "sleep_advice", "red_flags_emergency", "red_flags_today", "red_flags_next_visit", "progress",
                    "flare")
PAIN_GUIDE_FIELDS = ("green", "amber", "red")
# Fields of a translation table that are about the translation, not texts.
ABOUT = ("status", "translated_by")
# Spanish sides in gender stand for the English {side} and {other}.
_SAME_AS = {"side_f": "side", "side_m": "side", "other_f": "other", "other_m": "other"}

Text = str | list[str]
Problem = tuple[str, str, str]  # file, field, message


def english_texts(file: str, data: dict[str, Any]) -> dict[str, Text]:
    """The patient texts of a content file by dotted key, as its ``[es]`` table must mirror them."""
    found: dict[str, Any] = {}
    folder = file.split("/", 1)[0] if "/" in file else file

    def take(names: tuple[str, ...], table: dict[str, Any], prefix: str = "") -> None:
        for name in names:
            if isinstance(table.get(name), (str, list)):
                found[prefix + name] = table[name]

    def pain_guide(table: dict[str, Any]) -> None:
        if isinstance(table.get("pain_guide"), dict):
            take(PAIN_GUIDE_FIELDS, table["pain_guide"], "pain_guide.")

    def rules(table: dict[str, Any], key: str) -> None:
        avoid = table.get("avoid")
        if isinstance(avoid, list) and avoid:
            found[key] = [rule.get("patient_text", "") for rule in avoid if isinstance(rule, dict)]

    if folder == "exercises":
        take(EXERCISE_FIELDS, data)
    elif folder == "diagnoses":
        take(DIAGNOSIS_FIELDS, data)
        rules(data, "avoid")
        pain_guide(data)
    elif folder == "illustrations":
        take(("alt",), data)
    elif folder == "advice_pictures":
        take(("caption", "alt"), data)
    elif file == "handout.toml":
        take(tuple(name for name, value in data.items()
                   if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))),
             data)
        pain_guide(data)
    elif file == "surgery.toml":
        for key, approach in (data.get("approach") or {}).items():
            if isinstance(approach, dict):
                take(("patient_text",), approach, f"approach.{key}.")
                rules(approach, f"approach.{key}.avoid")
        for key, text in (data.get("weight_bearing") or {}).items():
            if isinstance(text, str):
                found[f"weight_bearing.{key}"] = text
    elif file == "regions.toml":
        for key, region in data.items():
            if isinstance(region, dict):
                take(("patient_label",), region, f"{key}.")
    return {key: [str(v).strip() for v in value] if isinstance(value, list) else value.strip()
            for key, value in found.items()}


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = value
    return flat


def _stripped(table: dict[str, Any]) -> dict[str, Any]:
    """The table without its ``status`` and ``translated_by``, every text stripped."""
    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value.strip() if isinstance(value, str) else value

    return {key: clean(value) for key, value in table.items() if key not in ABOUT}


def markup_names(text: str) -> set[str]:
    """The placeholders a text uses, Spanish sides counted as the English ``{side}``/``{other}``."""
    return {_SAME_AS.get(name, name) for name in markup.placeholders(text)}


def text_problems(english: str, spanish: str, language: str) -> list[str]:
    """What is wrong with one translated text beside its English."""
    if not spanish.strip():
        return ["is empty"]
    problems = []
    wanted, used = markup_names(english), markup_names(spanish)
    if wanted != used:
        names = ", ".join(f"{{{n}}}" for n in sorted(wanted)) or "none"
        problems.append(f"must use the same placeholders as the English ({names}); uses "
                        f"{', '.join(f'{{{n}}}' for n in sorted(used)) or 'none'}")
    plain_sides = markup.placeholders(spanish) & {"side", "other"}
    if plain_sides:
        problems.append("names a side as {side}/{other}: Spanish writes {side_f}/{other_f} (pierna, rodilla, "
                        "cadera, mano) or {side_m}/{other_m} (lado, brazo, pie, hombro, tobillo)")
    if markup.optional_parts(english) != markup.optional_parts(spanish):
        problems.append(f"must have the English's {markup.optional_parts(english)} optional [...] part(s)")
    problems += [problem for problem in markup.markup_errors(spanish) if "unknown placeholder" not in problem]
    problems += [f"states {count!r}: take it from the dose or mark it {{=...}} as the English does"
                 for count in markup.unmarked_counts(spanish, language)]
    return problems


def check_translation(language: str, file: str, english: dict[str, Any], table: Any
                      ) -> tuple[Translation | None, list[Problem]]:
    """One file's ``[language]`` table checked against the file's English; None when it is wrong."""
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        problems.append((file, f"{language}.{key}" if key else language, message))

    if not isinstance(table, dict):
        problem("", "must be a table ([es]) at the end of the file")
        return None, problems
    status = table.get("status")
    if status not in TRANSLATION_STATUSES:
        problem("status", f"must be one of {', '.join(TRANSLATION_STATUSES)} (got {status!r})")
    by = table.get("translated_by")
    if not isinstance(by, str) or not by.strip():
        problem("translated_by", "is required: who translated it")
    expected = english_texts(file, english)
    given = _flatten({key: value for key, value in table.items() if key not in ABOUT})
    for key in sorted(set(given) - set(expected)):
        problem(key, "is not a patient text of this file (therapist text and other fields stay English only)")
    for key, source in expected.items():
        if key not in given:
            problem(key, "is missing: the English has it")
            continue
        value = given[key]
        if isinstance(source, str):
            if not isinstance(value, str):
                problem(key, "must be text, like the English")
                continue
            problems.extend((file, f"{language}.{key}", message) for message in text_problems(source, value, language))
        else:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problem(key, "must be a list of texts, like the English")
                continue
            if len(value) != len(source):
                problem(key, f"has {len(value)} item(s); the English has {len(source)}, in the same order")
                continue
            for index, (en, es) in enumerate(zip(source, value, strict=True)):
                problems.extend((file, f"{language}.{key}[{index}]", message)
                                for message in text_problems(en, es, language))
    if problems:
        return None, problems
    return Translation(file, language, str(status), str(by).strip(), _stripped(table), english=expected), problems


def check_translations(translated: dict[tuple[str, str], tuple[dict[str, Any], Any]]
                       ) -> tuple[dict[str, dict[str, Translation]], list[Problem]]:
    """Every translation table read, checked: the good ones by language and file, and the problems."""
    found: dict[str, dict[str, Translation]] = {}
    problems: list[Problem] = []
    for (language, file), (english, table) in sorted(translated.items()):
        translation, wrong = check_translation(language, file, english, table)
        problems += wrong
        if translation is not None:
            found.setdefault(language, {})[file] = translation
    return found, problems
