"""The knee, low back and shoulder additions to the illustration engine: each new angle moves the
part it names in the documented direction (measured on the posed body), and each new prop
validates its options and draws."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from prescribe.illustration import parse_illustration, render_svg
from prescribe.illustration.render import posed_panels
from prescribe.illustration.skeleton import BODY_JOINTS, LIMB_JOINTS
from prescribe.illustration.skeleton import pose_figure as posed_figure

SVG = "{http://www.w3.org/2000/svg}"


def pose_figure(angles: dict[str, float], view: str):
    """The posed figure; plain limb joints (``elbow``) set both sides, as in a pose file."""
    full = {}
    for key, value in sorted(angles.items(), key=lambda item: item[0].startswith(("near_", "far_"))):
        names = [f"{side}_{key}" for side in ("near", "far")] if key in LIMB_JOINTS else [key]
        full.update(dict.fromkeys(names, value))
    return posed_figure(full, view)


def _figure(data: dict):
    base = {"alt": "A test pose.", "highlight": ["near_upper_arm"]}
    return parse_illustration("test", {**base, **data})


# -- angles --------------------------------------------------------------------------------------

def test_the_new_angles_and_their_ranges_are_named_as_the_content_uses_them():
    assert LIMB_JOINTS["shoulder_turn"] == (-90, 90)
    assert BODY_JOINTS["spine_turn"] == (-60, 60)
    low, high = BODY_JOINTS["spine"]
    assert low <= -40 and high >= 30                    # press-up and cat-camel fit
    assert LIMB_JOINTS["shoulder_out"][0] <= -60        # cross-body reach
    for key, value in (("shoulder_turn", 45), ("near_shoulder_turn", -45), ("far_shoulder_turn", 30),
                       ("spine_turn", 30), ("spine", -45)):
        assert _figure({"start": {key: value}}).start.angle_map()
    with pytest.raises(ValueError, match=r"^start\.shoulder_turn: 95 degrees is outside -90\.\.90$"):
        _figure({"start": {"shoulder_turn": 95}})
    with pytest.raises(ValueError, match=r"^start\.spine_turn: -61 degrees is outside -60\.\.60$"):
        _figure({"start": {"spine_turn": -61}})


def test_turning_the_arm_out_swings_the_bent_forearm_away_from_the_belly():
    """Standing, elbow at the side bent 90, seen from the front: the near side is the picture's right."""
    def hand_x(side: str, turn: float) -> float:
        fig = pose_figure({"elbow": 90, f"{side}_shoulder_turn": turn}, "front")
        return fig.points[f"{side}_hand"][0] - fig.points[f"{side}_elbow"][0]

    assert abs(hand_x("near", 0)) < 1          # the forearm points at the viewer
    assert hand_x("near", 60) > 15             # turned out: the hand moves out to the near side
    assert hand_x("near", -60) < -15           # turned in: across the belly
    assert hand_x("far", 60) < -15             # the far arm turns out to the far side
    # the upper arm does not move: the turn is about its own axis
    plain, turned = pose_figure({"elbow": 90}, "front"), pose_figure({"elbow": 90, "shoulder_turn": 60}, "front")
    assert plain.points["near_elbow"] == pytest.approx(turned.points["near_elbow"])


def test_turning_the_arm_out_lying_on_the_back_brings_the_forearm_towards_the_head():
    """Top view: lying on the back, arm out to the side and elbow bent up; the head is at the left."""
    angles = {"trunk": -90, "near_shoulder_out": 80, "near_elbow": 90}
    start = pose_figure(angles, "top")
    out = pose_figure({**angles, "near_shoulder_turn": 70}, "top")
    reach = math.dist(out.points["near_hand"], out.points["near_elbow"])
    assert math.dist(start.points["near_hand"], start.points["near_elbow"]) < 5   # pointing up
    assert reach > 20 and out.points["near_hand"][0] < out.points["near_elbow"][0] - 15


def test_turning_the_pelvis_drops_bent_knees_to_the_far_side():
    """Lying on the back with the knees bent up, seen from above: the far side is up in the picture."""
    angles = {"trunk": -90, "hip": 60, "knee": 100}
    straight = pose_figure(angles, "top")
    turned = pose_figure({**angles, "spine_turn": 45}, "top")
    for side in ("near", "far"):
        assert turned.points[f"{side}_knee"][1] > straight.points[f"{side}_knee"][1] + 15
    # the chest stays where it was: the pelvis turns against it
    assert turned.points["neck"] == pytest.approx(straight.points["neck"])
    back = pose_figure({**angles, "spine_turn": -45}, "top")
    assert back.points["near_knee"][1] < straight.points["near_knee"][1] - 15


def test_a_rounded_back_tucks_the_pelvis_and_an_arched_one_tips_it_and_both_draw_curved():
    """On hands and knees (side view, facing right): rounding lifts the low back, arching drops it."""
    def hump(spine: float) -> float:
        """How far the waist is above the line from the hip joints to the chest."""
        fig = pose_figure({"trunk": 90, "spine": spine}, "side")
        (px, py), (wx, wy), (cx, cy) = (fig.points[p] for p in ("pelvis", "waist", "chest"))
        return wy - (py + (cy - py) * (wx - px) / (cx - px))

    assert abs(hump(0)) < 0.01
    assert hump(28) > 3            # rounded: the low back humps up
    assert hump(-20) < -2          # arched: it sags
    # the pelvis outline takes in the bottom of the chest when the back bends: no notch at the waist
    for spine, reach in ((5, 3), (28, 7), (-20, 7)):
        fig = pose_figure({"trunk": 90, "spine": spine}, "side")
        beyond = max(x for x, _ in fig.part("pelvis").points) - fig.points["waist"][0]
        assert (beyond > reach) == (spine != 5), spine


@pytest.mark.parametrize("side", ["near", "far"])
def test_an_arm_reaches_overhead_across_the_body_and_behind_the_back(side: str):
    sign = 1 if side == "near" else -1
    overhead = pose_figure({f"{side}_shoulder": 165}, "side")
    assert overhead.points[f"{side}_hand"][1] > overhead.points["head"][1] + 10
    out = pose_figure({f"{side}_shoulder_out": 170}, "front")
    assert out.points[f"{side}_hand"][1] > out.points["head"][1] + 10
    # shoulder 90 then across: the hand ends up past the middle of the chest on the other side
    across = pose_figure({f"{side}_shoulder": 90, f"{side}_shoulder_out": -55}, "front")
    middle = across.points["neck"][0]
    assert sign * (across.points[f"{side}_hand"][0] - middle) < -15
    assert abs(across.points[f"{side}_hand"][1] - across.points[f"{side}_shoulder"][1]) < 3   # level
    behind = pose_figure({f"{side}_shoulder": -30, f"{side}_elbow": 90,
                          f"{side}_shoulder_turn": -80}, "side")
    assert behind.points[f"{side}_elbow"][0] < behind.points["waist"][0] - 10   # elbow behind the back
    assert behind.points[f"{side}_hand"][0] < behind.points["waist"][0]


# -- props ---------------------------------------------------------------------------------------

STANDING_ARMS_FORWARD = {"shoulder": 80, "flat": ["near", "far"]}


def _drawn(data: dict) -> tuple[list, ET.Element]:
    """The panels' back and front prop shapes, and the SVG, of a one-panel figure."""
    from prescribe.illustration.render import _build_panels
    illustration = _figure(data)
    (panel,) = _build_panels(illustration)
    svg = render_svg(illustration)
    assert render_svg(illustration, greyscale=True).count("#1d6fb8") == 0
    return [*panel.shapes_back, *panel.shapes_front], ET.fromstring(svg)


@pytest.mark.parametrize(("prop", "field", "message"), [
    ({"type": "stick"}, "props[0].from", "missing"),
    ({"type": "stick", "from": "near_hand"}, "props[0].to", "one of the two"),
    ({"type": "stick", "from": "near_hand", "to": "far_hand", "length": 90}, "props[0].to", "one of the two"),
    ({"type": "stick", "from": "near_knee", "to": "far_hand"}, "props[0].from", "in the hands"),
    ({"type": "stick", "from": "near_hand", "to": "near_hand"}, "props[0].to", "the other hand"),
    ({"type": "stick", "from": "near_hand", "length": 500}, "props[0].length", "outside"),
    ({"type": "door"}, "props[0].at", "missing"),
    ({"type": "door", "at": "near_hand", "side": "behind"}, "props[0].side", "left or right"),
    ({"type": "door", "at": "near_hand", "side": "up"}, "props[0].side", "must be one of"),
    ({"type": "band", "from": "near_hand"}, "props[0]", "both 'from' and 'to'"),
    ({"type": "band", "from": "near_hand", "to": "window"}, "props[0].to", "unknown point or 'door'"),
    ({"type": "band", "around": ["near_thigh"], "from": "near_hand", "to": "door"}, "props[0].around",
     "one of the two"),
    ({"type": "band", "from": "near_hand", "to": "door", "at": 250}, "props[0].at", "outside 10..200"),
    ({"type": "band", "around": ["near_thigh"], "side": "left"}, "props[0].side", "tied to the door"),
    ({"type": "dumbbell"}, "props[0].in", "missing"),
    ({"type": "dumbbell", "in": "near_knee"}, "props[0].in", "held in a hand"),
    ({"type": "table", "at": "near_tummy"}, "props[0].at", "unknown point"),
    ({"type": "towel_roll"}, "props[0].at", "missing"),
    ({"type": "towel_roll", "at": "near_ankle", "height": 4}, "props[0].height", "unknown field"),
])
def test_each_new_prop_refuses_bad_options_naming_the_field(prop: dict, field: str, message: str):
    with pytest.raises(ValueError) as error:
        _figure({"props": [prop], "start": STANDING_ARMS_FORWARD})
    assert str(error.value).startswith(f"{field}: ") or str(error.value).startswith(f"{field}.")
    assert message in str(error.value)


def test_a_stick_runs_through_both_hands_and_a_little_beyond():
    shapes, _ = _drawn({"view": "front", "props": [{"type": "stick", "from": "near_hand", "to": "far_hand"}],
                        "start": {"shoulder": 80, "flat": ["near", "far"]}})
    stick = shapes[-1]
    (ax, ay), (bx, by) = stick.points
    _, (figure,) = posed_panels(_figure({"view": "front", "start": {"shoulder": 80}}))
    near, far = figure.points["near_hand"], figure.points["far_hand"]
    assert min(ax, bx) < min(near[0], far[0]) - 8 and max(ax, bx) > max(near[0], far[0]) + 8
    assert ay == pytest.approx(near[1], abs=0.5) and by == pytest.approx(near[1], abs=0.5)
    # one hand pushing the stick's end: it starts at that hand and runs ``length`` towards the other
    shapes, _ = _drawn({"view": "front", "props": [{"type": "stick", "from": "near_hand", "length": 90}],
                        "start": {"shoulder": 80, "flat": ["near", "far"]}})
    (ax, _), (bx, _) = shapes[-1].points
    assert ax > near[0] and bx == pytest.approx(near[0] - 90, abs=0.5)


def test_a_band_tied_to_a_door_runs_from_the_hand_to_a_knot_on_a_door_that_stays_put():
    data = {"props": [{"type": "band", "from": "near_hand", "to": "door", "side": "right"}],
            "start": STANDING_ARMS_FORWARD,
            "end": {"shoulder": -20, "elbow": 100, "flat": ["near", "far"]},
            "motion": {"point": "near_elbow"}}
    from prescribe.illustration.render import _build_panels
    first, second = _build_panels(_figure(data))
    door, _, knot = first.shapes_back
    assert first.shapes_back == second.shapes_back                       # furniture stays put
    assert door.bounds()[3] > 190 and door.bounds()[0] > first.figure.points["near_hand"][0]
    for panel in (first, second):
        band = panel.shapes_front[-1]
        assert band.points[0] == panel.figure.points["near_hand"]
        assert band.points[-1] == knot.points[0]
    render_svg(_figure(data))
    left = _figure({**data, "props": [{"type": "band", "from": "near_hand", "to": "door", "side": "left",
                                        "at": 120}]})
    (panel, _) = _build_panels(left)
    _, _, knot = panel.shapes_back
    assert knot.points[0][0] < panel.figure.points["near_hand"][0] and knot.points[0][1] == 120


def test_a_door_frame_a_dumbbell_a_table_and_a_towel_roll_draw_where_they_belong():
    shapes, svg = _drawn({"props": [{"type": "door", "at": "near_hand", "side": "right"}],
                          "start": STANDING_ARMS_FORWARD})
    frame = shapes[0].bounds()
    _, (figure,) = posed_panels(_figure({"start": STANDING_ARMS_FORWARD}))
    hand = figure.points["near_hand"]
    assert hand[0] < frame[0] < hand[0] + 10 and frame[1] <= 0 and frame[3] > figure.points["head"][1] + 10

    shapes, svg = _drawn({"props": [{"type": "dumbbell", "in": "near_hand"}], "start": {"flat": ["near", "far"]}})
    _, (figure,) = posed_panels(_figure({"start": {"flat": ["near", "far"]}}))
    hx, hy = figure.points["near_hand"]
    handle = shapes[1]
    assert all(math.dist(p, (hx, hy)) < 10 for p in handle.points)
    assert abs(handle.points[0][1] - handle.points[1][1]) < 0.5   # across the hanging forearm

    seated = {"hip": 90, "knee": 90, "near_shoulder": 30, "near_elbow": 60, "flat": ["near", "far"]}
    shapes, _ = _drawn({"props": ["chair", {"type": "table", "at": "near_hand"}], "start": seated})
    _, (figure,) = posed_panels(_figure({"props": ["chair"], "start": seated}))
    top = max(s.bounds()[3] for s in shapes[-3:])
    assert figure.points["near_hand"][1] - 6 < top < figure.points["near_hand"][1]
    assert top < 85                                     # sitting height, lower than a counter

    long_sit = {"trunk": -15, "hip": 75, "near_hip": 82, "near_knee": 0, "far_knee": 90, "far_hip": 130,
                "flat": ["far"]}
    shapes, _ = _drawn({"props": ["mat", {"type": "towel_roll", "at": "near_ankle"}], "start": long_sit})
    roll = shapes[-1]
    _, (figure,) = posed_panels(_figure({"props": ["mat"], "start": long_sit}))
    (cx, cy), r = roll.points[0], roll.radius
    assert roll.kind == "circle" and cx == pytest.approx(figure.points["near_ankle"][0])
    assert cy - r == pytest.approx(3.0)                                     # on the mat
    assert cy + r == pytest.approx(figure.points["near_ankle"][1] - 5.6, abs=0.5)   # under the shin


def test_stepping_down_off_the_edge_of_a_step_draws_the_hanging_foot_past_it():
    data = {"props": [{"type": "step", "at": "near_foot", "height": 18}],
            "start": {"far_hip": 15, "far_knee": 10, "ground": ["near_foot"], "lift": 18},
            "end": {"trunk": 10, "near_hip": 40, "near_knee": 60, "near_ankle": 15, "far_hip": 35,
                    "flat": ["near"], "fixed": "near_heel"},
            "motion": {"point": "far_heel"}}
    from prescribe.illustration.render import _build_panels
    first, second = _build_panels(_figure(data))
    (step,) = first.shapes_back
    x0, _, x1, top = step.bounds()
    assert top == pytest.approx(18 + 0.8)
    assert second.figure.points["far_heel"][1] < 18 and second.figure.points["far_heel"][0] > x1 - 4
    assert x1 == pytest.approx(max(first.figure.points["near_toe"][0], first.figure.points["near_heel"][0]) + 3.8)
    assert first.figure.part("near_foot").floor == pytest.approx(18, abs=0.01)
    render_svg(_figure(data))


def test_the_moving_figure_draws_the_new_props_in_every_frame():
    from prescribe.illustration import render_motion_svg
    data = {"props": [{"type": "band", "from": "near_hand", "to": "door"},
                      {"type": "dumbbell", "in": "far_hand"},
                      {"type": "stick", "from": "near_hand", "to": "far_hand"}],
            "view": "front", "elevation": 30,
            "start": {"elbow": 90, "flat": ["near", "far"]},
            "end": {"elbow": 90, "near_shoulder_turn": 60, "flat": ["near", "far"]},
            "motion": {"point": "near_hand"}}
    svg = render_motion_svg(_figure(data))
    assert svg is not None
    root = ET.fromstring(svg)
    assert len(root.findall(f".//{SVG}animate")) > 0


def test_a_twist_turns_the_chest_towards_the_near_side_and_with_spine_turn_the_hips_stay():
    """Seen from the front (the near side is the picture's right, depth grows towards the viewer)."""
    seated = {"hip": 90, "knee": 90, "shoulder_out": 80}
    still = pose_figure(seated, "front")
    twist = pose_figure({**seated, "trunk_turn": 45, "spine_turn": 45}, "front")
    for point in ("near_knee", "far_knee", "near_hip", "pelvis"):
        assert twist.points[point] == pytest.approx(still.points[point])
    # the near shoulder goes back (away from the viewer), the far one comes forward
    assert twist.depths["near_hand"] < still.depths["near_hand"] - 30
    assert twist.depths["far_hand"] > still.depths["far_hand"] + 30
    assert BODY_JOINTS["trunk_turn"] == (-90, 90)
    from prescribe.illustration.movement import illustration_moves
    assert "spine-rotation" in illustration_moves(_figure({"start": {**seated, "trunk_turn": 45, "spine_turn": 45}}))
    assert "spine-rotation" not in illustration_moves(_figure({"start": {**seated, "trunk_turn": 45}}))
