"""Content in exercises_db/: valid, linked, safe by its own rules, and plain."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from prescribe.catalog import check_content, default_content_root, load_catalog_collecting
from prescribe.catalog.readability import assess, find_jargon


def test_shipped_content_has_no_errors():
    assert [str(e) for e in check_content()] == []


def test_catalog_has_the_articles_diagnoses_and_exercises(catalog):
    assert {"hip-impingement", "hip-pain"} <= set(catalog.diagnoses)
    names = {e.name.lower() for e in catalog.exercises.values()}
    aliases = {a.lower() for e in catalog.exercises.values() for a in e.aliases}
    for needed in ("donkey kick with band", "side-lying leg raise with band", "clamshell",
                   "seated hip flexor stretch", "figure-4 stretch", "squat", "seated march", "bridge"):
        assert needed in names | aliases, needed


def test_every_default_program_uses_existing_exercises_and_keeps_its_own_rules(catalog):
    for diagnosis in catalog.diagnoses.values():
        assert 1 <= len(diagnosis.program) <= 20
        for entry in diagnosis.program:
            exercise = catalog.exercises[entry.exercise]
            assert catalog.broken_rules(diagnosis, exercise) == [], (diagnosis.slug, exercise.slug)


def test_easier_and_harder_links_resolve(catalog):
    for exercise in catalog.exercises.values():
        for target in (exercise.easier, exercise.harder):
            assert target is None or target in catalog.exercises


def _copy_content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(default_content_root(), root)
    return root


def test_errors_name_the_file_and_field(tmp_path):
    root = _copy_content(tmp_path)
    bridge = root / "exercises" / "bridge.toml"
    bridge.write_text(bridge.read_text().replace("sets = 3", "sets = 40")
                      .replace('position = "lying-back"', 'position = "upside-down"'))
    _, errors = load_catalog_collecting(root)
    found = {(e.file, e.field) for e in errors}
    assert ("exercises/bridge.toml", "dose.sets") in found
    assert ("exercises/bridge.toml", "position") in found


def test_a_default_program_naming_a_missing_exercise_is_reported(tmp_path):
    root = _copy_content(tmp_path)
    path = root / "diagnoses" / "hip-pain.toml"
    path.write_text(path.read_text().replace('exercise = "bridge"', 'exercise = "no-such-exercise"', 1))
    _, errors = load_catalog_collecting(root)
    assert any(e.file == "diagnoses/hip-pain.toml" and "no-such-exercise" in e.message for e in errors)


def test_check_content_fails_hard_text_and_jargon(tmp_path):
    root = _copy_content(tmp_path)
    path = root / "exercises" / "clamshell.toml"
    text = path.read_text()
    path.write_text(text.replace(
        'purpose = ', 'purpose = "Facilitates neuromuscular recruitment of the posterolateral gluteal musculature, '
                      'improving contralateral pelvic stabilisation during ambulation." #', 1))
    errors = [e for e in check_content(root) if e.file == "exercises/clamshell.toml"]
    messages = " ".join(e.message for e in errors)
    assert "too hard to read" in messages
    assert "contralateral" in messages


def test_readability_separates_plain_from_clinical_text():
    plain = assess(["Lie on your back.", "Bend your knees.", "Lift your hips.", "Lower them slowly."])
    clinical = assess(["Perform unilateral hip abduction with concomitant lumbopelvic stabilisation."])
    assert clinical.grade > 7
    assert plain.ok
    assert not clinical.ok
    assert find_jargon(["Turn your leg in (internal rotation)."]) == ("internal rotation",)


def test_check_content_command_exits_non_zero_on_errors(tmp_path, app):
    root = _copy_content(tmp_path)
    (root / "exercises" / "squat.toml").write_text('name = "Squat"\n')
    app.config["CONTENT_ROOT"] = str(root)
    result = app.test_cli_runner().invoke(args=["check-content"])
    assert result.exit_code == 1
    assert "exercises/squat.toml" in result.output


def test_check_content_refuses_a_count_not_taken_from_the_dose(tmp_path):
    root = _copy_content(tmp_path)
    bridge = root / "exercises" / "bridge.toml"
    text = bridge.read_text()
    assert "[Hold for {hold}. ]" in text
    bridge.write_text(text.replace("[Hold for {hold}. ]", "Hold for 3 seconds. "))
    hip_pain = root / "diagnoses" / "hip-pain.toml"
    hip_pain.write_text(hip_pain.read_text().replace("every {=30 minutes}", "every 30 minutes", 1))
    errors = {(e.file, e.field): e.message for e in check_content(root)}
    step = next(field for (file, field) in errors if file == "exercises/bridge.toml" and not field.startswith("es."))
    assert step.startswith("steps[") and "'3 seconds'" in errors[("exercises/bridge.toml", step)]
    assert any(file == "diagnoses/hip-pain.toml" and "'every 30 minutes'" in message
               for (file, _), message in errors.items())


def test_check_content_refuses_a_hold_the_dose_may_not_have(tmp_path):
    root = _copy_content(tmp_path)
    bridge = root / "exercises" / "bridge.toml"
    bridge.write_text(bridge.read_text().replace("[Hold for {hold}. ]", "Hold for {hold}. "))
    _, errors = load_catalog_collecting(root)
    assert any(e.file == "exercises/bridge.toml" and e.field.startswith("steps[") and "{hold}" in e.message
               for e in errors)


def test_markup_fills_the_dose_and_drops_what_it_lacks():
    from prescribe.catalog.markup import fill, unmarked_counts

    assert fill("Lift.[ Hold for {hold}.] Lower.", {"hold": "7 seconds"}) == "Lift. Hold for 7 seconds. Lower."
    assert fill("Lift.[ Hold for {hold}.] Lower.", {"hold": None}) == "Lift. Lower."
    assert fill("Get up every {=30 minutes}.") == "Get up every 30 minutes."
    assert unmarked_counts("Hold for 3 seconds, twice a day, 4 days a week.") == ["3 seconds", "twice a", "4 days"]
    assert unmarked_counts("Lift your foot about {=5 cm}. Rest for {=2 or 3 days}.") == []


@pytest.mark.parametrize(("query", "expected"), [
    ("impingment", "hip-impingement"),  # a typo
    ("labrum", "hip-labral-tear"),  # the word the doctor used
    ("M16", "hip-osteoarthritis"),  # the start of an ICD-10-CM code
    ("m16.11", "hip-osteoarthritis"),
    ("bursitis", "trochanteric-pain"),
])
def test_diagnosis_search_forgives_typos_and_finds_codes(catalog, query, expected):
    assert catalog.search_diagnoses(query)[0].slug == expected


def test_exercise_search_forgives_typos_and_puts_exact_matches_first(catalog):
    assert catalog.search_exercises("brige")[0].slug in ("bridge", "banded-bridge")
    assert [e.slug for e in catalog.search_exercises("clamshel")][:2] == ["clamshell", "banded-clamshell"]
    assert catalog.search_exercises("no such thing at all") == []
    assert catalog.search_diagnoses("zebra") == []  # no near miss is forced on a word that matches nothing
    knee = [d.slug for d in catalog.search_diagnoses("knee")]
    assert "it-band-syndrome" in knee  # felt at the knee
    assert all(catalog.diagnoses[s].region == "knee" or "knee" in catalog.diagnoses[s].summary.lower() for s in knee)
