"""The catalog in another language: every patient text from the files' ``[es]`` tables.

``in_language(catalog, "es")`` is a copy of the catalog whose exercises, diagnoses, pictures,
handout text, surgery rules and regions read in Spanish wherever their file has a translation
(therapist text, slugs, doses and movement tags stay as they are); a file without one stays English,
which the builder never lets a patient's handout print (``Catalog.content_languages``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .model import (
    AdvicePicture,
    Approach,
    Catalog,
    Diagnosis,
    Exercise,
    HandoutText,
    PainGuide,
    Region,
    SafetyRule,
    SurgeryText,
    Translation,
)
from .translations import DIAGNOSIS_FIELDS, EXERCISE_FIELDS, PAIN_GUIDE_FIELDS


def _texts(translation: Translation, names: tuple[str, ...], current: Any) -> dict[str, Any]:
    """The translated value of each name the translation has, as the dataclass holds it."""
    changes: dict[str, Any] = {}
    for name in names:
        value = translation.get(name)
        if value is None or not hasattr(current, name):
            continue
        changes[name] = tuple(value) if isinstance(value, list) else value
    return changes


def _pain_guide(guide: PainGuide | None, translation: Translation) -> PainGuide | None:
    if guide is None or translation.get("pain_guide") is None:
        return guide
    return replace(guide, **{name: translation.get(f"pain_guide.{name}") for name in PAIN_GUIDE_FIELDS})


def _rules(rules: tuple[SafetyRule, ...], texts: list[str] | None) -> tuple[SafetyRule, ...]:
    if not texts:
        return rules
    return tuple(replace(rule, patient_text=text) for rule, text in zip(rules, texts, strict=True))


def _exercise(exercise: Exercise, translation: Translation | None, picture: Translation | None) -> Exercise:
    if translation is not None:
        changes = _texts(translation, EXERCISE_FIELDS, exercise)
        if "stop_if" in changes:
            changes["stop_if"] = changes["stop_if"].rstrip(".")  # as the loader keeps the English
        exercise = replace(exercise, **changes)
    if picture is not None and exercise.illustration is not None and picture.get("alt"):
        exercise = replace(exercise, illustration=replace(exercise.illustration, alt=picture.get("alt")))
    return exercise


def _diagnosis(diagnosis: Diagnosis, translation: Translation | None) -> Diagnosis:
    if translation is None:
        return diagnosis
    return replace(diagnosis, **_texts(translation, DIAGNOSIS_FIELDS, diagnosis),
                   avoid=_rules(diagnosis.avoid, translation.get("avoid")),
                   pain_guide=_pain_guide(diagnosis.pain_guide, translation))


def _advice_picture(picture: AdvicePicture, translation: Translation | None) -> AdvicePicture:
    if translation is None:
        return picture
    alt = translation.get("alt", picture.alt)
    illustration = replace(picture.illustration, alt=alt) if picture.illustration is not None else None
    return replace(picture, caption=translation.get("caption", picture.caption), alt=alt, illustration=illustration)


def _handout_text(text: HandoutText | None, translation: Translation | None) -> HandoutText | None:
    if text is None or translation is None:
        return text
    names = tuple(name for name in vars(text) if name != "pain_guide")
    guide = _pain_guide(text.pain_guide, translation)
    return replace(text, **_texts(translation, names, text), pain_guide=guide or text.pain_guide)


def _surgery(surgery: SurgeryText | None, translation: Translation | None) -> SurgeryText | None:
    if surgery is None or translation is None:
        return surgery
    approaches: dict[str, Approach] = {}
    for key, approach in surgery.approaches.items():
        approaches[key] = replace(approach,
                                  patient_text=translation.get(f"approach.{key}.patient_text", approach.patient_text),
                                  avoid=_rules(approach.avoid, translation.get(f"approach.{key}.avoid")))
    weights = {key: translation.get(f"weight_bearing.{key}", text) for key, text in surgery.weight_bearing.items()}
    return SurgeryText(approaches, weights)


def _regions(regions: dict[str, Region], translation: Translation | None) -> dict[str, Region]:
    if translation is None:
        return regions
    return {key: replace(region, patient_label=translation.get(f"{key}.patient_label", region.patient_label))
            for key, region in regions.items()}


def in_language(catalog: Catalog, language: str) -> Catalog:
    """``catalog`` with every patient text it has in ``language`` (English: the catalog itself)."""
    if language == "en":
        return catalog
    found = catalog.translations.get(language, {})
    return replace(
        catalog,
        exercises={slug: _exercise(e, found.get(f"exercises/{slug}.toml"), found.get(f"illustrations/{slug}.toml"))
                   for slug, e in catalog.exercises.items()},
        diagnoses={slug: _diagnosis(d, found.get(f"diagnoses/{slug}.toml")) for slug, d in catalog.diagnoses.items()},
        advice_pictures={slug: _advice_picture(p, found.get(f"advice_pictures/{slug}.toml"))
                         for slug, p in catalog.advice_pictures.items()},
        handout_text=_handout_text(catalog.handout_text, found.get("handout.toml")),
        surgery=_surgery(catalog.surgery, found.get("surgery.toml")),
        regions=_regions(catalog.regions, found.get("regions.toml")),
    )
