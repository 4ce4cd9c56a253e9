"""The knee, low back and shoulder additions to the illustration engine: each new angle moves the
part it names in the documented direction (measured on the posed body), and each new prop
validates its options and draws."""

from __future__ import annotations

import math

import pytest

from prescribe.illustration import parse_illustration
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
