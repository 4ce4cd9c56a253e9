"""Programs and doses as plain functions."""

from __future__ import annotations

from datetime import date

import pytest

from prescribe.catalog import Dose
from prescribe.catalog.markup import fill
from prescribe.programs import (
    Precaution,
    Program,
    default_program,
    dose_in_words,
    filled,
    how_often_lines,
    safety_warnings,
    side_line,
)


@pytest.mark.parametrize(("dose", "side", "expected"), [
    (Dose(3, 10, None, 60, 2, 7), "left",
     ["Do 10 times.", "Rest 1 minute.", "Do this 3 times.", "Twice a day, every day."]),
    (Dose(2, 12, None, 60, 1, 4), "both",
     ["Do 12 times with each leg.", "Rest 1 minute.", "Do this 2 times.", "Once a day, 4 days a week."]),
    (Dose(3, None, 30, 15, 1, 7), "both",
     ["Hold for 30 seconds on each side.", "Rest 15 seconds.", "Do this 3 times.", "Once a day, every day."]),
    (Dose(3, 10, 3, 90, 3, 5), "",
     ["Do 10 times.", "Hold each one for 3 seconds.", "Rest 1 minute 30 seconds.", "Do this 3 times.",
      "3 times a day, 5 days a week."]),
    (Dose(1, None, None, 0, 1, 5, minutes=10), "",
     ["Keep going for 10 minutes.", "Once a day, 5 days a week."]),
    (Dose(1, 1, None, 0, 1, 1), "right",
     ["Do 1 time.", "Once a day, 1 day a week."]),
])
def test_dose_in_plain_words(dose, side, expected):
    assert dose_in_words(dose, side) == expected


def test_default_program_follows_the_diagnosis(catalog):
    diagnosis = catalog.diagnoses["hip-impingement"]
    program = default_program(diagnosis, catalog, today=date(2026, 11, 21))
    assert [i.exercise for i in program.items] == [e.exercise for e in diagnosis.program]
    assert [i.dose for i in program.items] == [e.dose for e in diagnosis.program]
    for tier in ("red_flags_emergency", "red_flags_today", "red_flags_next_visit"):
        assert [a.text for a in getattr(program, tier)] == [fill(t) for t in getattr(diagnosis, tier)]
        assert all(a.included for a in getattr(program, tier))
    assert [a.text for a in program.sitting_advice] == [fill(t) for t in diagnosis.sitting_advice]
    assert {p.move for p in program.precautions} == {r.move for r in diagnosis.avoid}


def test_program_round_trips_through_its_stored_form(catalog):
    program = default_program(catalog.diagnoses["hip-pain"], catalog, today=date(2026, 11, 21))
    assert Program.from_dict(program.as_dict()) == program


def test_a_program_stored_with_one_warning_list_loads_with_tiers(catalog):
    """Before the tiers a program stored one "red_flags" list: emergencies stay emergencies, the
    rest become "call us today", and ticks and the therapist's own lines are kept."""
    stored = default_program(catalog.diagnoses["hip-pain"], catalog, today=date(2026, 11, 21)).as_dict()
    for tier in ("red_flags_emergency", "red_flags_today", "red_flags_next_visit"):
        del stored[tier]
    stored["red_flags"] = [
        {"text": "you cannot put weight on your leg", "included": True, "custom": False},
        {"text": "you cannot control your bladder or bowels. Go to the emergency room right away",
         "included": True, "custom": False},
        {"text": "you have pain at night or at rest that does not ease", "included": False, "custom": False},
        {"text": "you feel dizzy when you stand", "included": True, "custom": True},
    ]
    program = Program.from_dict(stored)
    assert [a.text for a in program.red_flags_emergency] == [
        "you cannot control your bladder or bowels. Go to the emergency room right away"]
    assert [(a.text, a.included, a.custom) for a in program.red_flags_today] == [
        ("you cannot put weight on your leg", True, False),
        ("you have pain at night or at rest that does not ease", False, False),
        ("you feel dizzy when you stand", True, True),
    ]
    assert program.red_flags_next_visit == ()
    assert Program.from_dict(program.as_dict()) == program


def test_adding_an_exercise_that_breaks_a_selected_rule_warns(catalog):
    precautions = [Precaution("flexion-rotation", "No bending and turning together.")]
    warnings = safety_warnings(["bridge", "figure-4-stretch"], precautions, catalog)
    assert list(warnings) == [1]
    unticked = [Precaution("flexion-rotation", "No bending and turning together.", included=False)]
    assert safety_warnings(["figure-4-stretch"], unticked, catalog) == {}


def test_marching_takes_turns_whatever_the_affected_side(catalog):
    """Its steps say to switch legs, so the card never says one leg only by default."""
    from prescribe.programs import for_patient

    program = default_program(catalog.diagnoses["hip-osteoarthritis"], catalog, today=date(2026, 11, 21))
    for_right_hip = for_patient(program, catalog, name="Ann Example", reference="", affected_side="right")
    sides = {item.exercise: item.side for item in for_right_hip.items if item.side}
    assert sides.pop("standing-march") == "alternate"
    assert sides and set(sides.values()) == {"right"}
    march = next(item for item in for_right_hip.items if item.exercise == "standing-march")
    words = dose_in_words(march.dose, march.side)
    assert words[0].endswith("with each leg.")
    assert side_line(catalog.exercises["standing-march"], march.side) == "Switch legs each time."


@pytest.mark.parametrize(("slug", "side", "expected"), [
    ("standing-hip-abduction", "right", "Stand on your left leg. Lift your right leg out to the side."),
    ("hip-hike", "left", "Stand on your left leg on the step. Let your right foot hang."),
    ("clamshell", "right", "Lie on your left side. Lift your right knee."),
    ("side-plank", "left", "Lie on your left side. Prop yourself up on your left elbow."),
    ("clamshell", "both", ""),
    ("seated-hip-flexor-stretch", "both", "To change sides, turn and sit facing the other way."),
    ("seated-hip-flexor-stretch", "left", "Slide your left leg back. Keep your right foot in front."),
    ("bridge", "", ""),
])
def test_the_side_line_names_the_leg_that_works_and_the_leg_that_stands(catalog, slug, side, expected):
    assert side_line(catalog.exercises[slug], side) == expected


def test_a_step_takes_the_hold_the_therapist_set(catalog):
    bridge = catalog.exercises["bridge"]
    seven = Dose(3, 10, 7, 60, 1, 3)
    assert "Hold for 7 seconds. Lower your hips slowly." in filled(bridge.steps, seven)
    no_hold = Dose(3, 10, None, 60, 1, 3)
    steps = filled(bridge.steps, no_hold)
    assert "Lower your hips slowly." in steps and not any("Hold" in step for step in steps)


def test_how_often_is_derived_from_the_rows():
    daily = Dose(2, 10, None, 60, 1, 7)
    three = Dose(3, 10, None, 60, 1, 3)
    assert how_often_lines([("Clamshell", daily), ("Bridge", daily)]) == [
        "Do all your exercises once a day, every day."]
    assert how_often_lines([("Clamshell", daily), ("Bridge", three), ("Squat", three)]) == [
        "Once a day, every day: Clamshell.",
        "Once a day, 3 days a week, with a day off in between: Bridge and Squat."]
    gently = how_often_lines([("Bridge", three)], start_gently=True)
    assert gently[-1].startswith("Start gently.")
    assert dose_in_words(three, start_gently=True)[-1] == (
        "Once a day. Start with 1 or 2 days a week. Add a day each week until you do it 3 days a week.")


def test_a_shoulder_exercise_speaks_of_arms_never_legs(catalog):
    from dataclasses import replace

    from prescribe.handout.view import Branding, build_handout_view
    from prescribe.programs import ProgramItem, amount_in_short, describe_changes, side_line

    band = catalog.exercises["band-turn-out"]
    assert band.limb == "arm" and catalog.exercises["bridge"].limb == "leg"
    assert dose_in_words(band.dose, "both", limb=band.limb)[0].endswith("with each arm.")
    assert "with each arm" in amount_in_short(band.dose, "both", limb=band.limb)
    assert side_line(band, "alternate") == "Switch arms each time."
    before = default_program(catalog.diagnoses["rotator-cuff-pain"], catalog, today=date(2026, 12, 6))
    item = ProgramItem(exercise="band-turn-out", dose=band.dose, side="both")
    after = before.with_items([*before.items, item])
    moved = after.with_items([*before.items, replace(item, side="right")])
    assert any("right arm only (was both arms)" in line for line in describe_changes(after, moved, catalog))
    view = build_handout_view(after, catalog, Branding(name="Clinic"))
    words = " ".join(" ".join(card.dose_lines) for card in view.cards)
    assert "with each arm" in words and "each leg" not in words
