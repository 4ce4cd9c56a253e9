"""Movement tags computed from the figures: each tag from a pose built to show it, every catalog
exercise's tags checked against its own figure, and the safety rules that use them."""

from __future__ import annotations

import math
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from markupsafe import escape

from prescribe.catalog import check_content, default_content_root
from prescribe.illustration import Illustration, parse_illustration
from prescribe.illustration.movement import (
    COMPUTED_MOVES,
    EXTENSION,
    LOADED_KNEE,
    RESTING,
    ROTATION,
    illustration_moves,
)
from prescribe.illustration.render import posed_panels, surface_height
from prescribe.illustration.skeleton import SIDES, body_frames
from prescribe.programs import Precaution, safety_warnings

from .conftest import builder_form

ROOT = default_content_root()


def _figure(start: dict, end: dict | None = None, props: list | None = None,
            view: str = "side") -> Illustration:
    data = {"alt": "A test pose.", "highlight": ["near_thigh"], "view": view, "start": start}
    if props:
        data["props"] = props
    if end is not None:
        data["end"] = end
        data["motion"] = {"point": "near_knee"}
    return parse_illustration("test", data)


def _moves(start: dict, **kwargs) -> frozenset[str]:
    return illustration_moves(_figure(start, **kwargs))


# -- one pose per computed tag -------------------------------------------------------------------

def test_a_hip_bent_past_a_right_angle_is_deep_flexion_and_sitting_at_90_is_not():
    seated = {"hip": 90, "knee": 90, "flat": ["near", "far"]}
    assert "deep-hip-flexion" not in _moves(seated, props=["chair"])
    lifted = _figure(seated, {**seated, "near_hip": 100, "flat": ["far"], "fixed": "pelvis"},
                     props=["chair"])
    assert "deep-hip-flexion" in illustration_moves(lifted)


def test_leaning_forward_on_a_chair_bends_the_hip_past_a_right_angle():
    """The thigh is level in the picture, but the trunk leans forward over it."""
    leaning = {"trunk": 20, "hip": 110, "knee": 110, "flat": ["near", "far"]}
    _, (figure,) = posed_panels(_figure(leaning, props=["chair"]))
    (hx, hy), (kx, ky) = figure.points["near_hip"], figure.points["near_knee"]
    assert abs(math.degrees(math.atan2(ky - hy, kx - hx))) < 1   # the thigh is level
    assert "deep-hip-flexion" in _moves(leaning, props=["chair"])


def test_a_thigh_behind_the_body_is_hip_extension():
    assert "hip-extension" in _moves({"near_hip": -20, "ground": ["far_foot"]})
    assert "hip-extension" not in _moves({"near_hip": -5, "ground": ["far_foot"]})


def test_a_leg_across_the_body_is_adduction_also_under_a_hiked_pelvis():
    assert "hip-adduction" in _moves({"near_hip_out": -20, "ground": ["far_foot"]}, view="front")
    # The far side of the pelvis hiked 20 degrees and the far leg hanging straight down: relative
    # to the pelvis the hanging leg is across the body, as in a hip hike.
    hiked = _figure({"spine_side": -20, "far_hip_out": -20, "near_hip_out": 20, "ground": ["near_foot"],
                     "lift": 18}, props=[{"type": "step", "at": "near_foot", "height": 18}], view="front")
    _, (figure,) = posed_panels(hiked)
    (hx, _), (ax, _) = figure.points["far_hip"], figure.points["far_ankle"]
    assert abs(hx - ax) < 1   # the hanging leg is upright in the picture
    assert "hip-adduction" in illustration_moves(hiked)
    assert "hip-adduction" not in _moves({"hip_out": 8}, view="front")


def test_turning_the_thigh_in_or_out_and_bent_and_turned_at_once():
    assert _moves({"near_hip_turn": -30}) >= {"hip-internal-rotation"}
    assert "hip-external-rotation" in _moves({"near_hip_turn": 30})
    assert not _moves({"near_hip_turn": 10}) & {"hip-internal-rotation", "hip-external-rotation"}
    assert "flexion-rotation" not in _moves({"trunk": -90, "near_hip": 40, "near_hip_turn": 40})
    assert "flexion-rotation" in _moves({"trunk": -90, "near_hip": 75, "near_hip_turn": 40})


def test_a_bent_knee_on_a_weight_bearing_foot_is_a_loaded_knee_bend():
    squat = {"trunk": 25, "hip": 60, "knee": 70, "flat": ["near", "far"]}
    assert "loaded-knee-bend" in _moves(squat)
    assert "loaded-knee-bend" not in _moves({**squat, "knee": 30, "hip": 20, "trunk": 10})
    seated = {"hip": 90, "knee": 90, "flat": ["near", "far"]}
    assert "loaded-knee-bend" not in _moves(seated, props=["chair"])   # sitting still
    stand_up = _figure(seated, {"flat": ["near", "far"], "fixed": "near_heel"}, props=["chair"])
    assert "loaded-knee-bend" in illustration_moves(stand_up)          # rising from that seat


def test_one_foot_down_standing_is_single_leg_load_and_knees_down_is_kneeling():
    assert "single-leg-load" in _moves({"far_hip": 30, "far_knee": 60, "ground": ["near_foot"]})
    assert "single-leg-load" not in _moves({"flat": ["near", "far"]})
    assert "single-leg-load" not in _moves({"trunk": -90, "far_hip": 30}, props=["mat"])  # lying
    all_fours = {"trunk": 82, "hip": 90, "knee": 98, "ankle": -40, "shoulder": 98,
                 "ground": ["near_forearm", "near_shin"], "solve": "shoulder"}
    assert "kneeling" in _moves(all_fours, props=["mat"])
    assert "kneeling" not in _moves({"trunk": -90}, props=["mat"])


# -- the catalog: every computed tag holds in the figure ------------------------------------------

def _illustrations() -> dict[str, Illustration]:
    return {path.stem: parse_illustration(path.stem, tomllib.loads(path.read_text(encoding="utf-8")))
            for path in sorted((ROOT / "illustrations").glob("*.toml"))}


def _thigh_in_pelvis(angles: dict[str, float], side: str) -> tuple[float, float, float]:
    """The thigh's direction in the pelvis's (forward, up, own side) axes, from the posed body."""
    frames = body_frames(angles)
    pelvis, thigh = frames["pelvis"], frames[f"{side}_thigh"]
    down = [-thigh[row][1] for row in range(3)]
    forward, up, out = ([pelvis[row][col] for row in range(3)] for col in range(3))
    sign = 1 if side == "near" else -1
    return (sum(a * b for a, b in zip(down, forward, strict=True)),
            sum(a * b for a, b in zip(down, up, strict=True)),
            sign * sum(a * b for a, b in zip(down, out, strict=True)))


def _holds(tag: str, illustration: Illustration) -> bool:
    """Whether ``tag``'s condition holds in a panel, checked another way than the module does."""
    solved, figures = posed_panels(illustration)
    surface = surface_height(illustration)
    supports = [surface, *(p.get("height") or figures[0].part(p.get("at", "near_foot")).floor
                           for p in illustration.props if p.type == "step")]

    def down(figure, part):
        return any(abs(figure.part(part).floor - s) <= RESTING for s in supports) or any(
            p.type == "pillow" and p.get("at") == part for p in illustration.props)

    for angles, figure in zip(solved, figures, strict=True):
        for side in SIDES:
            forward, up, out = _thigh_in_pelvis(angles, side)
            flexion = math.degrees(math.atan2(forward, -up))
            turn = angles.get(f"{side}_hip_turn", 0.0)
            if tag == "deep-hip-flexion" and flexion > 90.5:
                return True
            if tag == "hip-extension" and flexion < -EXTENSION:
                return True
            if tag == "hip-adduction" and math.degrees(math.asin(out)) < -10:
                return True
            if tag == "hip-internal-rotation" and turn < -ROTATION:
                return True
            if tag == "hip-external-rotation" and turn > ROTATION:
                return True
            if tag == "flexion-rotation" and flexion > 60 and abs(turn) > ROTATION:
                return True
            foot_down = down(figure, f"{side}_foot")
            if tag == "loaded-knee-bend" and foot_down and angles.get(f"{side}_knee", 0) > LOADED_KNEE:
                return True
            if tag == "deep-loaded-knee-bend" and foot_down and angles.get(f"{side}_knee", 0) > 90.5:
                return True
            frames = body_frames(angles)
            arm, chest = frames[f"{side}_upper_arm"], frames["trunk"]
            # the upper arm's own up axis against the chest's up axis: 180 straight overhead
            raised = math.degrees(math.acos(max(-1.0, min(1.0, sum(arm[r][1] * chest[r][1] for r in range(3))))))
            if tag == "arm-overhead" and raised > 120:
                return True
            if tag == "arm-overhead-loaded" and raised > 120 and (
                    any(p.type in ("dumbbell", "band") and f"{side}_hand" in (p.get("in"), p.get("from"), p.get("to"))
                        for p in illustration.props)
                    or (down(figure, f"{side}_forearm")   # the elbow well below the shoulder
                        and figure.points[f"{side}_shoulder"][1] - figure.points[f"{side}_elbow"][1] > 29 * 0.64)):
                return True
            arm_turn = angles.get(f"{side}_shoulder_turn", 0.0)
            if tag == "shoulder-external-rotation" and arm_turn > 30:
                return True
            if tag == "shoulder-internal-rotation" and arm_turn < -30:
                return True
            thigh_drop = -body_frames(angles)[f"{side}_thigh"][1][1]   # world height change, hip to knee
            if tag == "kneeling" and down(figure, f"{side}_thigh") and down(figure, f"{side}_shin") \
                    and thigh_drop < -0.7:
                return True
        feet = [side for side in SIDES if down(figure, f"{side}_foot")]
        if tag == "single-leg-load" and len(feet) == 1 and not down(figure, "pelvis"):
            return True
        if tag == "spine-end-extension" and angles.get("spine", 0.0) < -25:
            return True
        if tag == "spine-rotation" and abs(angles.get("spine_turn", 0.0)) > 20:
            return True
        arms_down = any(down(figure, f"{side}_forearm") for side in SIDES)
        held_up = (feet or down(figure, "pelvis") or any(p.type == "chair" for p in illustration.props)) \
            and not down(figure, "trunk")
        if tag == "spine-loaded-flexion" and angles.get("spine", 0.0) > 15 and held_up and not arms_down:
            return True
    return False


ILLUSTRATIONS = _illustrations()


@pytest.mark.parametrize("slug", sorted(ILLUSTRATIONS))
def test_every_computed_tag_holds_in_the_exercises_own_figure(slug: str):
    illustration = ILLUSTRATIONS[slug]
    computed = illustration_moves(illustration)
    assert computed <= set(COMPUTED_MOVES)
    for tag in computed:
        assert _holds(tag, illustration), (slug, tag)


def test_the_catalog_adds_the_tags_the_figures_show(catalog):
    """The clinical review's blind spots: tags that the pictures show are on the exercises."""
    expected = {
        "seated-march": {"deep-hip-flexion"},
        "sit-to-stand": {"deep-hip-flexion", "loaded-knee-bend"},
        "seated-hip-flexion-hold": {"deep-hip-flexion"},
        "exercise-bike": {"deep-hip-flexion"},
        "squat": {"deep-hip-flexion", "loaded-knee-bend"},
        "hip-hike": {"hip-adduction", "single-leg-load"},
        "standing-hip-extension": {"hip-extension", "single-leg-load"},
        "clamshell": {"hip-external-rotation", "side-lying"},
    }
    for slug, tags in expected.items():
        assert tags <= set(catalog.exercises[slug].moves), slug
    assert "deep-hip-flexion" not in catalog.exercises["standing-march"].moves


def test_no_default_program_breaks_its_own_rules_with_the_computed_tags(catalog):
    for diagnosis in catalog.diagnoses.values():
        for entry in diagnosis.program:
            assert catalog.broken_rules(diagnosis, catalog.exercises[entry.exercise]) == [], \
                (diagnosis.slug, entry.exercise)
    for slug in ("hip-impingement", "hip-labral-tear"):
        assert "seated-march" not in {e.exercise for e in catalog.diagnoses[slug].program}


# -- check-content and the builder ---------------------------------------------------------------

def test_check_content_refuses_a_hand_written_tag_the_pose_shows(tmp_path: Path):
    root = tmp_path / "content"
    shutil.copytree(ROOT, root)
    path = root / "exercises" / "seated-march.toml"
    path.write_text(re.sub(r"(?m)^moves = \[\]$", 'moves = ["deep-hip-flexion"]', path.read_text()))
    errors = [e for e in check_content(root) if e.file == "exercises/seated-march.toml"]
    assert [e.field for e in errors] == ["moves"]
    assert "deep-hip-flexion" in errors[0].message and "illustrations/seated-march.toml" in errors[0].message


def test_a_default_program_with_an_exercise_whose_figure_breaks_a_rule_is_refused(tmp_path: Path):
    root = tmp_path / "content"
    shutil.copytree(ROOT, root)
    path = root / "diagnoses" / "hip-impingement.toml"
    path.write_text(path.read_text().replace('exercise = "standing-march"', 'exercise = "seated-march"', 1))
    errors = [e for e in check_content(root) if e.file == "diagnoses/hip-impingement.toml"]
    assert any("seated-march" in e.message and "deep-hip-flexion" in e.message for e in errors)


def test_the_builder_warns_when_seated_march_is_added_to_the_impingement_program(client, catalog):
    rule = next(r for r in catalog.diagnoses["hip-impingement"].avoid if r.move == "deep-hip-flexion")
    form = builder_form(client, "hip-impingement")
    assert "Caution for this diagnosis" not in client.get("/build/hip-impingement").get_data(as_text=True)
    form["action"] = "add:seated-march"
    html = client.post("/build/", data=form).get_data(as_text=True)
    assert 'type="hidden" value="seated-march"' in html
    assert "Caution for this diagnosis" in html
    assert str(escape(rule.patient_text)) in html
    precautions = [Precaution(r.move, r.patient_text) for r in catalog.diagnoses["hip-impingement"].avoid]
    assert safety_warnings(["standing-march", "seated-march"], precautions, catalog) == {1: [rule.patient_text]}


# -- knee, low back and shoulder -------------------------------------------------------------------

def test_a_knee_bent_past_a_right_angle_standing_or_rising_is_a_deep_loaded_knee_bend():
    deep = {"trunk": 35, "hip": 95, "knee": 100, "flat": ["near", "far"]}
    assert {"deep-loaded-knee-bend", "loaded-knee-bend"} <= _moves(deep)
    assert "deep-loaded-knee-bend" not in _moves({**deep, "trunk": 25, "hip": 70, "knee": 80})
    seated = {"hip": 90, "knee": 100, "flat": ["near", "far"]}
    assert "deep-loaded-knee-bend" not in _moves(seated, props=["chair"])          # sitting still
    rising = _figure(seated, {"flat": ["near", "far"], "fixed": "near_heel"}, props=["chair"])
    assert "deep-loaded-knee-bend" in illustration_moves(rising)
    lying = {"trunk": -90, "near_hip": 100, "near_knee": 120}
    assert "deep-loaded-knee-bend" not in _moves(lying, props=["mat"])             # not standing on it


def test_a_rounded_back_held_up_against_gravity_is_loaded_flexion_but_not_on_hands_and_knees():
    toe_touch = {"trunk": 85, "spine": 25, "hip": 55, "shoulder": 85, "flat": ["near", "far"]}
    assert "spine-loaded-flexion" in _moves(toe_touch)
    assert "spine-loaded-flexion" not in _moves({**toe_touch, "spine": 0, "hip": 80})   # flat-backed hinge
    assert "spine-loaded-flexion" not in _moves({**toe_touch, "spine": 12, "hip": 67})  # only a little round
    sit_up = {"trunk": -45, "spine": 25, "hip": 20, "knee": 90, "shoulder": 60, "flat": ["near", "far"],
              "ground": ["pelvis"]}
    assert "spine-loaded-flexion" in _moves(sit_up, props=["mat"])
    slumped = {"spine": 25, "hip": 65, "knee": 90, "flat": ["near", "far"]}
    assert "spine-loaded-flexion" in _moves(slumped, props=["chair"])
    knees_to_chest = {"trunk": -90, "spine": 25, "hip": 110, "knee": 120}
    assert "spine-loaded-flexion" not in _moves(knees_to_chest, props=["mat"])   # the trunk lies down
    cat = {"trunk": 82, "spine": 28, "neck": 40, "hip": 62, "knee": 98, "ankle": -40, "shoulder": 98,
           "ground": ["near_forearm", "near_shin"], "solve": "shoulder"}
    assert "spine-loaded-flexion" not in _moves(cat, props=["mat"])             # carried on the arms


def test_the_low_back_arched_to_the_end_turned_and_only_then():
    press_up = {"trunk": 25, "spine": -45, "hip": -20, "elbow": 10, "ankle": -60, "shoulder": 60,
                "ground": ["pelvis", "near_forearm"], "solve": "shoulder"}
    assert "spine-end-extension" in _moves(press_up, props=["mat"])
    camel = {"trunk": 76, "spine": -20, "hip": 118, "knee": 98, "ankle": -40, "shoulder": 90,
             "ground": ["near_forearm", "near_shin"], "solve": "shoulder"}
    assert "spine-end-extension" not in _moves(camel, props=["mat"])
    assert "spine-end-extension" in _moves({"spine": -30, "flat": ["near", "far"]})   # standing back bend
    knees_over = {"trunk": -90, "hip": 60, "knee": 100, "spine_turn": 40}
    assert "spine-rotation" in _moves(knees_over, props=["mat"])
    assert "spine-rotation" in _moves({**knees_over, "spine_turn": -25}, props=["mat"])
    assert "spine-rotation" not in _moves({**knees_over, "spine_turn": 15}, props=["mat"])


def test_an_arm_raised_past_120_is_overhead_and_loaded_with_a_weight_a_band_or_body_weight():
    assert "arm-overhead" in _moves({"near_shoulder": 130})
    assert "arm-overhead" in _moves({"far_shoulder_out": 135}, view="front")
    assert "arm-overhead" not in _moves({"near_shoulder": 110, "near_shoulder_out": 0})
    # measured in the chest's axes: leaning forward with the arm level in the picture is overhead
    assert "arm-overhead" in _moves({"trunk": 60, "near_shoulder": 150, "hip": 60, "flat": ["near", "far"]})
    dumbbell = [{"type": "dumbbell", "in": "near_hand"}]
    assert "arm-overhead-loaded" in _moves({"near_shoulder": 150}, props=dumbbell)
    assert "arm-overhead-loaded" not in _moves({"near_shoulder": 100}, props=dumbbell)
    assert "arm-overhead-loaded" not in _moves({"far_shoulder": 150}, props=dumbbell)   # the other arm
    band = [{"type": "band", "from": "far_hand", "to": "door", "side": "left"}]
    assert "arm-overhead-loaded" in _moves({"far_shoulder": 150}, props=band)
    stick = [{"type": "stick", "from": "near_hand", "to": "far_hand"}]
    assert "arm-overhead-loaded" not in _moves({"shoulder": 150}, props=stick)
    # bearing weight on the hands with the arms overhead (hips up, hands and feet on the floor)...
    hips_up = {"trunk": 120, "shoulder": 160, "hip": 80, "flat": ["near", "far"],
               "ground": ["near_forearm", "near_foot"], "solve": "hip"}
    assert "arm-overhead-loaded" in _moves(hips_up, props=["mat"])
    assert "arm-overhead-loaded" not in _moves({**hips_up, "shoulder": 110}, props=["mat"])
    # ... but an arm under the head of someone lying on the side props nothing up
    pillow_arm = {"trunk_side": 90, "hip": 45, "knee": 90, "far_shoulder_out": 170, "far_elbow": 0}
    moves = _moves(pillow_arm, props=["mat"], view="front")
    assert "arm-overhead" in moves and "arm-overhead-loaded" not in moves


def test_the_upper_arm_turned_out_or_in_past_30_is_shoulder_rotation():
    assert "shoulder-external-rotation" in _moves({"elbow": 90, "near_shoulder_turn": 45})
    assert "shoulder-internal-rotation" in _moves({"elbow": 90, "far_shoulder_turn": -45})
    tags = {"shoulder-external-rotation", "shoulder-internal-rotation"}
    assert not _moves({"elbow": 90, "shoulder_turn": 25}) & tags
    assert not _moves({"elbow": 90, "shoulder_turn": -25}) & tags


def test_every_movement_tag_is_known_to_the_catalog_with_a_meaning():
    from prescribe.catalog.model import MOVES
    assert set(COMPUTED_MOVES) <= set(MOVES)
    for tag in ("impact", "pivoting", "pillow-under-knee"):   # written by hand: no pose shows them
        assert tag in MOVES and tag not in COMPUTED_MOVES
    assert all(meaning.strip() for meaning in MOVES.values())
