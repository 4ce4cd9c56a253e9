"""The browsable exercise catalog at /exercises."""

from __future__ import annotations

import re


def _names(html: str) -> set[str]:
    return set(re.findall(r'<article class="exercise-card" id="([a-z0-9-]+)"', html))


def test_catalog_page_shows_every_exercise_with_steps_and_dose(client, catalog):
    html = client.get("/exercises/").get_data(as_text=True)
    assert _names(html) == set(catalog.exercises)
    assert "Default dose:" in html
    assert catalog.exercises["bridge"].steps[0] in html
    assert "{" not in html.split('<div class="catalog-grid">')[1] and "[Hold for" not in html  # steps as printed
    assert "Hold for 3 seconds. Lower your hips slowly." in html.replace("\n", " ")  # bridge's default hold


def test_catalog_filters_by_position_equipment_and_diagnosis(client, catalog):
    lying_side = _names(client.get("/exercises/?position=lying-side").get_data(as_text=True))
    assert lying_side and all(catalog.exercises[s].position == "lying-side" for s in lying_side)
    banded = _names(client.get("/exercises/?equipment=band").get_data(as_text=True))
    assert banded and all("band" in catalog.exercises[s].equipment for s in banded)
    fai = _names(client.get("/exercises/?diagnosis=hip-impingement").get_data(as_text=True))
    assert fai == {e.exercise for e in catalog.diagnoses["hip-impingement"].program}
    none = client.get("/exercises/?q=zzzz").get_data(as_text=True)
    assert "No exercise matches these filters." in none


def test_names_and_aliases_are_unique(catalog):
    seen: dict[str, str] = {}
    for exercise in catalog.exercises.values():
        for label in (exercise.name, *exercise.aliases):
            assert seen.setdefault(label.lower(), exercise.slug) == exercise.slug, label
