"""Movement tags computed from what an exercise's figure shows.

A diagnosis's safety rules ("avoid bending the hip past a right angle") are checked against an
exercise's movement tags. Tags that a pose can show are measured here on the posed 3-D body of
every panel, both legs, rather than written from memory, so a tag cannot disagree with the
picture. The loader adds them to the hand-written ones (only what a pose cannot show, such as
pressure on the lower hip when lying on the side).

Hip angles are the true angles of the thigh in the pelvis's own axes (the pelvis leans with the
trunk, so leaning forward on a chair bends the hip more), measured in the usual clinical order:
bending in the side plane first, then out or across, then turning about the thigh's own axis.

Thresholds (degrees; a panel shows a tag when the condition holds for either leg):

``deep-hip-flexion``
    hip bent more than 90 (plus 0.5 of float tolerance: sitting upright at 90 is not past).
``hip-extension``
    thigh more than 10 behind the line of the pelvis and trunk (walking's back leg reaches ~10-15).
``hip-adduction``
    thigh more than 10 across the midline relative to the pelvis, so a pelvis dropped or hiked
    over a hanging or standing leg counts as well as a leg crossed over the other.
``hip-internal-rotation`` / ``hip-external-rotation``
    thigh turned in / out about its own axis by more than 15.
``flexion-rotation``
    hip bent more than 60 and turned (in or out) more than 15 at once, on the same leg.
``loaded-knee-bend``
    a knee bent more than 45 while its foot rests on the floor or a step in a standing pose, or
    in a seated pose from which the body rises to standing (sit to stand).
``single-leg-load``
    a standing pose with exactly one foot on the floor or a step.
``kneeling``
    a knee resting on the floor, mat or pillow with its thigh rising within 45 of upright above
    it (kneeling, half kneeling, hands and knees).

``deep-loaded-knee-bend``
    as ``loaded-knee-bend``, with the knee bent more than 90 (plus the float tolerance).
``spine-loaded-flexion``
    the low back rounded (``spine`` more than 15 in the chest's axes) while the trunk is held up
    against gravity: standing, seated, or the pelvis on the floor with the chest lifted off it
    (sitting up from lying), the chest resting on nothing and neither hand bearing weight (so
    cat-camel on hands and knees does not count, and neither does a flat-backed hip hinge).
``spine-end-extension``
    the low back arched to the end: ``spine`` below -25 (a prone press-up, a standing back bend;
    cat-camel's -15 to -20 does not count).
``spine-rotation``
    the pelvis turned against the chest about the spine (``spine_turn``) by more than 20.
``arm-overhead``
    an upper arm raised more than 120 from hanging, the true angle in the chest's axes.
``arm-overhead-loaded``
    ``arm-overhead`` while that hand holds a dumbbell or a band, or bears weight.
``shoulder-external-rotation`` / ``shoulder-internal-rotation``
    an upper arm turned out / in about its own axis (``shoulder_turn``) by more than 30.

A hand *bears weight* when its forearm rests on the floor, mat, a step or a pillow with the upper
arm standing on it, within 50 of upright (an arm under the head of someone lying on the side
props nothing up), or the hand
is on a counter, table or rail, or holds a chair. Spine angles are read from the pelvis in the
chest's axes (``spine`` about the side axis, then ``spine_turn`` about the spine).

A pose is *standing* when no chair or bike seat carries the pelvis, at least one foot rests on
the floor or a step, and no pelvis, trunk, head, thigh or forearm rests on anything. Resting
means within 1.5 units (cm) of the floor, the mat, a step's top or a pillow's top; seated, the
pelvis within 1.5 of the height a chair or bike seat is drawn to carry it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from .poses import Illustration
from .render import posed_panels, surface_height
from .skeleton import SIDES, Figure, Mat3, Vec3, body_frames

DEEP_FLEXION = 90.0
FLOAT_TOLERANCE = 0.5
EXTENSION = 10.0
ADDUCTION = 10.0
ROTATION = 15.0
FLEXION_WITH_ROTATION = 60.0
LOADED_KNEE = 45.0
KNEELING_THIGH = 45.0       # the thigh within this many degrees of upright above a resting knee
RESTING = 1.5               # cm above a support that still counts as resting on it
SEAT_DROP = 2.5             # a chair or bike seat is drawn this far below the pelvis it carries
DEEP_KNEE = 90.0
SPINE_FLEXION = 15.0        # low back rounded more than this, held up against gravity
SPINE_END_EXTENSION = -25.0
SPINE_ROTATION = 20.0
ARM_OVERHEAD = 120.0
SHOULDER_ROTATION = 30.0
PROPPING_ARM = 50.0         # an upper arm within this many degrees of upright over a resting forearm

COMPUTED_MOVES: tuple[str, ...] = (
    "deep-hip-flexion", "hip-extension", "hip-adduction", "hip-internal-rotation",
    "hip-external-rotation", "flexion-rotation", "loaded-knee-bend", "single-leg-load", "kneeling",
    "deep-loaded-knee-bend", "spine-loaded-flexion", "spine-end-extension", "spine-rotation",
    "arm-overhead", "arm-overhead-loaded", "shoulder-external-rotation", "shoulder-internal-rotation",
)
_HELD_LOADS = ("dumbbell", "band")
_HAND_SUPPORTS = ("counter", "table", "rail")

_NOT_FOR_STANDING = ("pelvis", "trunk", "head", "near_thigh", "far_thigh", "near_forearm",
                     "far_forearm")


@dataclass(frozen=True)
class HipAngles:
    """One hip in the pelvis's axes: ``flexion`` forward (negative: extension, the thigh behind),
    ``abduction`` out to its own side (negative: adduction, across the midline), ``rotation``
    turned out about the thigh's axis (negative: turned in)."""

    flexion: float
    abduction: float
    rotation: float


@dataclass(frozen=True)
class PanelBody:
    """What one panel shows: both hips and knees, and what rests on the floor."""

    hips: dict[str, HipAngles]
    knees: dict[str, float]
    feet_down: tuple[str, ...]       # sides whose foot rests on the floor, mat or a step
    knees_down: tuple[str, ...]      # sides kneeling (knee resting, thigh rising above it)
    seated: bool
    standing: bool
    spine: float = 0.0               # low back rounded (negative: arched), in the chest's axes
    spine_turn: float = 0.0          # pelvis turned against the chest about the spine
    trunk_held_up: bool = False      # the trunk carried against gravity by the spine alone
    arm_raise: tuple[tuple[str, float], ...] = ()      # per side: upper arm from hanging
    shoulder_turn: tuple[tuple[str, float], ...] = ()  # per side: turned out (negative: in)
    hands_loaded: tuple[str, ...] = ()                 # sides holding a weight or band, or bearing weight


def hip_angles(frames: dict[str, Mat3], side: str) -> HipAngles:
    """The hip angles of ``side`` from the posed body's frames (see :func:`body_frames`)."""
    joint = _mul_t(frames["pelvis"], frames[f"{side}_thigh"])   # the thigh in the pelvis's axes
    if side == "far":   # mirror the far leg so that out, across, in and turned out read alike
        joint = tuple(tuple(v * (-1 if (i == 2) != (j == 2) else 1) for j, v in enumerate(row))  # type: ignore[assignment]
                      for i, row in enumerate(joint))
    # joint = Rz(flexion) . Rx(-abduction) . Ry(-rotation), the clinical order of the angles
    across = math.degrees(math.asin(max(-1.0, min(1.0, joint[2][1]))))
    flexion = math.degrees(math.atan2(-joint[0][1], joint[1][1]))
    turn = math.degrees(math.atan2(-joint[2][0], joint[2][2]))
    return HipAngles(flexion=flexion, abduction=-across, rotation=-turn)


def knee_bend(frames: dict[str, Mat3], side: str) -> float:
    """The angle between the thigh and the shin of ``side`` (0 = straight)."""
    thigh, shin = _axis(frames[f"{side}_thigh"]), _axis(frames[f"{side}_shin"])
    dot = sum(a * b for a, b in zip(thigh, shin, strict=True))
    return math.degrees(math.acos(max(-1.0, min(1.0, dot))))


def spine_angles(frames: dict[str, Mat3]) -> tuple[float, float]:
    """The low back's (``spine``, ``spine_turn``): the pelvis in the chest's axes."""
    joint = _mul_t(frames["trunk"], frames["pelvis"])   # Rz(spine) . Ry(spine_turn) . Rx(...)
    bend = math.degrees(math.atan2(joint[1][0], joint[0][0]))
    turn = math.degrees(math.asin(max(-1.0, min(1.0, -joint[2][0]))))
    return bend, turn


def arm_raise(frames: dict[str, Mat3], side: str) -> float:
    """How far the upper arm of ``side`` is raised from hanging, in the chest's axes (degrees)."""
    arm, chest = _axis(frames[f"{side}_upper_arm"]), _axis(frames["trunk"])   # both pointing down
    dot = sum(a * b for a, b in zip(arm, chest, strict=True))
    return math.degrees(math.acos(max(-1.0, min(1.0, dot))))


def measure(illustration: Illustration) -> tuple[PanelBody, ...]:
    """Every panel of ``illustration`` as the picture shows it."""
    solved, figures = posed_panels(illustration)
    supports = _supports(illustration, figures)
    seats = _seats(illustration, figures)
    bodies = []
    for index, (angles, figure) in enumerate(zip(solved, figures, strict=True)):
        frames = body_frames(angles)
        on_ground = illustration.view != "top"   # the top view shows lying on the back only

        def rests(part: str, figure: Figure = figure, on_ground: bool = on_ground) -> bool:
            return on_ground and any(abs(figure.part(part).floor - s) <= RESTING for s in supports)

        feet = tuple(side for side in SIDES if rests(f"{side}_foot"))
        kneeling = tuple(side for side in SIDES if rests(f"{side}_thigh")
                         and -_axis(frames[f"{side}_thigh"])[1] > math.cos(math.radians(KNEELING_THIGH)))
        seated = any(abs(figure.part("pelvis").floor - seat - SEAT_DROP) <= RESTING
                     for seat in seats.get(index, ()))
        standing = bool(feet) and not seated and not any(rests(p) for p in _NOT_FOR_STANDING)
        # a forearm on the floor props the body up when its upper arm stands on it (an arm lying
        # under the head of someone on their side does not)
        bearing = tuple(side for side in SIDES if (
            rests(f"{side}_forearm")
            and _axis(frames[f"{side}_upper_arm"])[1] < -math.cos(math.radians(PROPPING_ARM))
        ) or _on_hand_support(illustration, side))
        held = tuple(side for side in SIDES if _holds_load(illustration, side))
        sitting_up = rests("pelvis") and not rests("trunk") and not rests("head")
        bend, turn = spine_angles(frames)
        bodies.append(PanelBody(
            hips={side: hip_angles(frames, side) for side in SIDES},
            knees={side: knee_bend(frames, side) for side in SIDES},
            feet_down=feet, knees_down=kneeling, seated=seated, standing=standing,
            spine=bend, spine_turn=turn,
            trunk_held_up=(standing or seated or sitting_up) and not bearing
            and not rests("trunk") and not rests("head"),
            arm_raise=tuple((side, arm_raise(frames, side)) for side in SIDES),
            shoulder_turn=tuple((side, angles.get(f"{side}_shoulder_turn", 0.0)) for side in SIDES),
            hands_loaded=tuple(side for side in SIDES if side in bearing or side in held)))
    return tuple(bodies)


def panel_moves(body: PanelBody, rises_to_standing: bool = False) -> frozenset[str]:
    """The movement tags one panel shows (``rises_to_standing``: a seated start of a stand-up)."""
    tags: set[str] = set()
    for side in SIDES:
        hip = body.hips[side]
        if hip.flexion > DEEP_FLEXION + FLOAT_TOLERANCE:
            tags.add("deep-hip-flexion")
        if hip.flexion < -EXTENSION:
            tags.add("hip-extension")
        if hip.abduction < -ADDUCTION:
            tags.add("hip-adduction")
        if hip.rotation < -ROTATION:
            tags.add("hip-internal-rotation")
        if hip.rotation > ROTATION:
            tags.add("hip-external-rotation")
        if hip.flexion > FLEXION_WITH_ROTATION and abs(hip.rotation) > ROTATION:
            tags.add("flexion-rotation")
        loaded = body.standing or (body.seated and rises_to_standing)
        if loaded and side in body.feet_down and body.knees[side] > LOADED_KNEE:
            tags.add("loaded-knee-bend")
        if loaded and side in body.feet_down and body.knees[side] > DEEP_KNEE + FLOAT_TOLERANCE:
            tags.add("deep-loaded-knee-bend")
        if dict(body.arm_raise).get(side, 0.0) > ARM_OVERHEAD:
            tags.add("arm-overhead")
            if side in body.hands_loaded:
                tags.add("arm-overhead-loaded")
        turned = dict(body.shoulder_turn).get(side, 0.0)
        if turned > SHOULDER_ROTATION:
            tags.add("shoulder-external-rotation")
        if turned < -SHOULDER_ROTATION:
            tags.add("shoulder-internal-rotation")
    if body.spine > SPINE_FLEXION and body.trunk_held_up:
        tags.add("spine-loaded-flexion")
    if body.spine < SPINE_END_EXTENSION:
        tags.add("spine-end-extension")
    if abs(body.spine_turn) > SPINE_ROTATION:
        tags.add("spine-rotation")
    if body.standing and len(body.feet_down) == 1:
        tags.add("single-leg-load")
    if body.knees_down:
        tags.add("kneeling")
    return frozenset(tags)


@lru_cache(maxsize=512)
def illustration_moves(illustration: Illustration) -> frozenset[str]:
    """Every movement tag that any panel of ``illustration`` shows.

    Cached: illustrations are frozen, and the catalog is loaded again by every app (and test).
    """
    bodies = measure(illustration)
    rises = any(body.standing for body in bodies)
    return frozenset().union(*(panel_moves(body, rises) for body in bodies))


# -- where the body can rest ---------------------------------------------------------------------

def _supports(illustration: Illustration, figures: list[Figure]) -> tuple[float, ...]:
    """Heights a part can rest on: the floor or mat, the top of a step, the top of a pillow."""
    heights = [surface_height(illustration)]
    for prop in illustration.props:
        fitted = figures[prop.get("panel", 1) - 1]
        if prop.type == "step":
            heights.append(prop.get("height") or fitted.part(prop.get("at", "near_foot")).floor)
        elif prop.type == "pillow" and prop.get("at", "head") != "head":
            heights.append(fitted.part(prop.get("at")).floor)
    return tuple(heights)


def _seats(illustration: Illustration, figures: list[Figure]) -> dict[int, tuple[float, ...]]:
    """Per panel index, the heights of chair or bike seats that can carry the pelvis."""
    seats: dict[int, list[float]] = {}
    for prop in illustration.props:
        if prop.type not in ("chair", "bike") or prop.get("hold"):
            continue
        fitted = figures[prop.get("panel", 1) - 1]
        seat = prop.get("height") or fitted.part("pelvis").floor - SEAT_DROP
        for index in range(len(figures)):   # furniture stays put in every panel
            seats.setdefault(index, []).append(seat)
    return {index: tuple(heights) for index, heights in seats.items()}


def _on_hand_support(illustration: Illustration, side: str) -> bool:
    """Whether the hand of ``side`` leans on a counter, table or rail, or holds a chair."""
    hand = f"{side}_hand"
    for prop in illustration.props:
        if prop.type in _HAND_SUPPORTS and prop.get("at", "near_hand" if prop.type != "rail" else None) == hand:
            return True
        if prop.type == "chair" and prop.get("hold") == hand:
            return True
    return False


def _holds_load(illustration: Illustration, side: str) -> bool:
    """Whether the hand of ``side`` holds a dumbbell or a band (also a band looped round that arm)."""
    for prop in illustration.props:
        if prop.type not in _HELD_LOADS:
            continue
        if prop.get("in") == f"{side}_hand" or prop.get("from") == f"{side}_hand" \
                or prop.get("to") == f"{side}_hand":
            return True
        if any(part in (f"{side}_forearm", f"{side}_upper_arm") for part in prop.get("around") or ()):
            return True
    return False


# -- small 3-D helpers ---------------------------------------------------------------------------

def _mul_t(a: Mat3, b: Mat3) -> Mat3:
    """aᵀ·b: the frame ``b`` expressed in the axes of frame ``a``."""
    return tuple(tuple(sum(a[k][i] * b[k][j] for k in range(3)) for j in range(3))  # type: ignore[return-value]
                 for i in range(3))


def _axis(frame: Mat3) -> Vec3:
    """The world direction a segment points along, from its top joint down (its -y axis)."""
    return (-frame[0][1], -frame[1][1], -frame[2][1])
