"""The pictogram body: joint names, angle ranges, proportions and forward kinematics.

The body is posed in 3-D by joint angles (so a leg that turns out or bends towards the viewer
is foreshortened correctly) and projected onto the picture plane of one of three views. Units are
roughly centimetres of a 170 cm person; the picture's y axis points up and the floor is y = 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Vec3 = tuple[float, float, float]
Mat3 = tuple[Vec3, Vec3, Vec3]
Point = tuple[float, float]

VIEWS = ("side", "front", "top")
SIDES = ("near", "far")

# Whole-body angles (degrees) and their allowed range.
BODY_JOINTS: dict[str, tuple[float, float]] = {
    "trunk": (-180, 180),       # forward lean of the chest from upright; -90 = lying on the back
    "trunk_side": (-180, 180),  # sideways lean towards the far side; 90 = lying on the far side
    "spine": (-50, 45),         # pelvis tucked under (rounding the low back) relative to the chest;
                                # negative = low back arched
    "spine_turn": (-60, 60),    # pelvis turned about the spine towards the far side, relative to the chest
    "trunk_turn": (-90, 90),    # the chest (and all the body below it) turned about its own long axis
                                # towards the near side; with spine_turn alike the hips stay (a twist)
    "spine_side": (-30, 30),    # near side of the pelvis hitched up relative to the chest
    "neck": (-60, 80),          # chin towards the chest
}

# Angles of each limb (degrees); written ``knee`` for both sides or ``near_knee`` / ``far_knee``.
LIMB_JOINTS: dict[str, tuple[float, float]] = {
    "shoulder": (-70, 180),     # arm raised forward from hanging at the side
    "shoulder_out": (-60, 180), # arm raised out to the side; negative = reached across the body
    "shoulder_turn": (-90, 90), # upper arm turned out about its own axis (the bent forearm swings
                                # out, away from the belly); negative = turned in
    "elbow": (0, 160),          # forearm bent forward
    "hip": (-50, 150),          # thigh raised forward; negative = leg behind the body
    "hip_out": (-45, 90),       # leg out to its own side; negative = across the body
    "hip_turn": (-60, 90),      # thigh turned out (knee opens out); negative = turned in
    "knee": (0, 160),           # heel towards the buttock
    "ankle": (-70, 45),         # toes pulled up; negative = toes pointed
}

JOINTS: tuple[str, ...] = (
    *BODY_JOINTS,
    *(f"{side}_{joint}" for side in SIDES for joint in LIMB_JOINTS),
)

PARTS: tuple[str, ...] = (
    "head", "trunk", "pelvis",
    *(f"{side}_{limb}" for side in SIDES
      for limb in ("upper_arm", "forearm", "thigh", "shin", "foot")),
)

POINTS: tuple[str, ...] = (
    "head", "neck", "chest", "waist", "pelvis",
    *(f"{side}_{joint}" for side in SIDES
      for joint in ("shoulder", "elbow", "wrist", "hand", "hip", "knee", "ankle", "heel", "toe")),
)

# Proportions (cm for a 170 cm person).
HIP_HALF_WIDTH = 9.0
SHOULDER_HALF_WIDTH = 17.0
PELVIS_HEIGHT = 18.0        # hip joint to waist
CHEST_HEIGHT = 36.0         # waist to shoulder joint
NECK = 2.5                  # shoulder joint to base of the neck
HEAD_RADIUS = 10.5
HEAD_OFFSET = 13.0          # base of the neck to the centre of the head
THIGH = 42.0
SHIN = 40.0
UPPER_ARM = 29.0
FOREARM = 25.0
HAND = 5.5

RADIUS: dict[str, float] = {
    "upper_arm": 4.6, "forearm": 4.0, "thigh": 7.0, "shin": 5.6, "foot": 4.0,
}
ROUNDING = 5.0              # corner radius of the trunk and pelvis shapes
CURVED_SPINE = 10.0         # from this much ``spine`` bend the low back is drawn as a curve ...
LUMBAR_CURVE = 9.0          # ... taking in this much of the bottom of the chest


@dataclass(frozen=True)
class Part:
    """One drawable piece of the body, already projected to the picture plane.

    ``kind`` is ``"limb"`` (a rounded bar from ``points[0]`` to ``points[1]``), ``"blob"``
    (a convex outline with rounded corners) or ``"head"`` (a circle around ``points[0]``).
    ``group`` says which pieces are drawn together (one limb, or the torso) and ``depth`` how near
    the viewer the group is.
    """

    name: str
    kind: str
    points: tuple[Point, ...]
    radius: float
    group: str
    depth: float
    floor: float    # height above the floor of the lowest point of the real (3-D) shape

    def lowest(self) -> float:
        """The lowest picture y the drawn shape reaches."""
        return min(y for _, y in self.points) - self.radius

    def moved(self, dx: float, dy: float, dfloor: float) -> Part:
        """The same part shifted by (dx, dy) in the picture and ``dfloor`` in height."""
        pts = tuple((x + dx, y + dy) for x, y in self.points)
        return Part(self.name, self.kind, pts, self.radius, self.group, self.depth,
                    self.floor + dfloor)


@dataclass(frozen=True)
class Figure:
    """A posed, projected body: drawable parts and named points in picture coordinates."""

    parts: tuple[Part, ...]
    points: dict[str, Point]
    depths: dict[str, float]
    rise: float     # picture units per unit of real height (less than 1 when seen from above)

    def part(self, name: str) -> Part:
        """The part called ``name``."""
        for part in self.parts:
            if part.name == name:
                return part
        raise KeyError(name)

    def lowest(self, names: tuple[str, ...] = ()) -> float:
        """Height above the floor of the lowest of the named parts (of all parts if none)."""
        chosen = [p for p in self.parts if not names or p.name in names]
        return min(p.floor for p in chosen)

    def moved(self, dx: float, dy: float) -> Figure:
        """The whole figure shifted by (dx, dy) in the picture (and so also in height)."""
        dfloor = dy / self.rise if self.rise > 1e-6 else 0.0
        return Figure(
            tuple(p.moved(dx, dy, dfloor) for p in self.parts),
            {k: (x + dx, y + dy) for k, (x, y) in self.points.items()},
            self.depths,
            self.rise,
        )


# -- small 3-D helpers ---------------------------------------------------------------------------

def _rot(axis: str, degrees: float) -> Mat3:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    if axis == "x":
        return ((1, 0, 0), (0, c, -s), (0, s, c))
    if axis == "y":
        return ((c, 0, s), (0, 1, 0), (-s, 0, c))
    return ((c, -s, 0), (s, c, 0), (0, 0, 1))


def _mul(a: Mat3, b: Mat3) -> Mat3:
    (a0, a1, a2), (a3, a4, a5), (a6, a7, a8) = a
    (b0, b1, b2), (b3, b4, b5), (b6, b7, b8) = b
    return ((a0 * b0 + a1 * b3 + a2 * b6, a0 * b1 + a1 * b4 + a2 * b7, a0 * b2 + a1 * b5 + a2 * b8),
            (a3 * b0 + a4 * b3 + a5 * b6, a3 * b1 + a4 * b4 + a5 * b7, a3 * b2 + a4 * b5 + a5 * b8),
            (a6 * b0 + a7 * b3 + a8 * b6, a6 * b1 + a7 * b4 + a8 * b7, a6 * b2 + a7 * b5 + a8 * b8))


def _apply(m: Mat3, v: Vec3) -> Vec3:
    x, y, z = v
    return (m[0][0] * x + m[0][1] * y + m[0][2] * z,
            m[1][0] * x + m[1][1] * y + m[1][2] * z,
            m[2][0] * x + m[2][1] * y + m[2][2] * z)


def _add(a: Vec3, b: Vec3) -> Vec3:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def _project(view: str, v: Vec3, elevation: float = 0.0, turn: float = 0.0) -> tuple[Point, float]:
    """Picture point and depth (bigger = nearer the viewer) of a world vector.

    World axes: x = the way the body faces when standing (right in the side view), y = up,
    z = towards the body's near side (towards the viewer in the side view). ``elevation`` raises
    the side or front camera so that it looks down at that many degrees; ``turn`` first swings it
    that many degrees round the body towards the picture's right (a three-quarter view).
    """
    x, y, z = v
    if view == "top":   # looking down, head to the left when lying on the back
        if turn:            # the picture turned (towards the left for a positive turn)
            ct, st = math.cos(math.radians(turn)), math.sin(math.radians(turn))
            return (x * ct + z * st, x * st - z * ct), y
        return (x, -z), y
    toward = z if view == "side" else x
    across = x if view == "side" else z
    if turn:
        ct, st = math.cos(math.radians(turn)), math.sin(math.radians(turn))
        toward, across = toward * ct + across * st, across * ct - toward * st
    c, s = math.cos(math.radians(elevation)), math.sin(math.radians(elevation))
    return (across, y * c - toward * s), toward * c + y * s


def _limb_frames(chest: Mat3, pelvis: Mat3, angles: dict[str, float], side: str) -> dict[str, Mat3]:
    """Orientation of each segment of one arm and one leg."""
    sign = 1.0 if side == "near" else -1.0

    def a(name: str) -> float:
        return angles.get(f"{side}_{name}", 0.0)

    thigh = _mul(_mul(_mul(pelvis, _rot("x", -sign * a("hip_out"))), _rot("z", a("hip"))),
                 _rot("y", -sign * a("hip_turn")))   # turning is about the thigh's own axis
    shin = _mul(thigh, _rot("z", -a("knee")))
    foot = _mul(shin, _rot("z", a("ankle")))
    out = _rot("x", -sign * a("shoulder_out"))
    if a("shoulder_out") >= 0:      # raised out to the side, then forward
        upper = _mul(_mul(chest, out), _rot("z", a("shoulder")))
    else:                           # raised forward, then swung across the body (cross-body reach)
        upper = _mul(_mul(chest, _rot("z", a("shoulder"))), out)
    upper = _mul(upper, _rot("y", -sign * a("shoulder_turn")))   # about the arm's own axis
    fore = _mul(upper, _rot("z", a("elbow")))
    return {"thigh": thigh, "shin": shin, "foot": foot, "upper_arm": upper, "forearm": fore}


def body_frames(angles: dict[str, float]) -> dict[str, Mat3]:
    """Orientation in the world of the chest (``trunk``), the ``pelvis`` and every limb segment.

    Each frame maps the segment's own axes (x forward, y up along the body, z towards the near
    side) to world axes; limb segments are named like the parts (``near_thigh``). Missing angles
    are 0. This is the posed 3-D body that :func:`pose_figure` draws, so anything measured on
    these frames (the true angle between pelvis and thigh) is what the picture shows.
    """
    root = _mul(_mul(_rot("z", -angles.get("trunk", 0.0)), _rot("x", -angles.get("trunk_side", 0.0))),
                _rot("y", -angles.get("trunk_turn", 0.0)))
    pelvis = _mul(_mul(_mul(root, _rot("z", angles.get("spine", 0.0))),
                       _rot("y", angles.get("spine_turn", 0.0))),
                  _rot("x", -angles.get("spine_side", 0.0)))
    frames: dict[str, Mat3] = {"trunk": root, "pelvis": pelvis}
    for side in SIDES:
        for limb, frame in _limb_frames(root, pelvis, angles, side).items():
            frames[f"{side}_{limb}"] = frame
    return frames


def pose_figure(angles: dict[str, float], view: str, flat_feet: tuple[str, ...] = (),
                elevation: float = 0.0, turn: float = 0.0) -> Figure:
    """Pose the body with ``angles`` (missing joints are 0) and project it for ``view``.

    The centre of the pelvis (between the hip joints) is at the origin. A side listed in
    ``flat_feet`` ("near" or "far") gets the ankle angle that keeps its sole level with the floor.
    ``elevation`` and ``turn`` move the camera (see :func:`_project`).
    """
    frames = body_frames(angles)
    root, pelvis = frames["trunk"], frames["pelvis"]
    points3: dict[str, Vec3] = {"pelvis": (0.0, 0.0, 0.0)}
    points3["waist"] = _apply(pelvis, (0.0, PELVIS_HEIGHT, 0.0))
    points3["chest"] = _add(points3["waist"], _apply(root, (0.0, CHEST_HEIGHT, 0.0)))
    points3["neck"] = _add(points3["chest"], _apply(root, (0.0, NECK, 0.0)))
    head = _mul(root, _rot("z", -angles.get("neck", 0.0)))
    points3["head"] = _add(points3["neck"], _apply(head, (1.5, HEAD_OFFSET, 0.0)))

    segments: list[tuple[str, Vec3, Vec3, str]] = []
    for side in SIDES:
        sign = 1.0 if side == "near" else -1.0
        limb = {name: frames[f"{side}_{name}"] for name in ("thigh", "shin", "foot", "upper_arm", "forearm")}
        if side in flat_feet:
            limb["foot"] = _flat_foot(limb["shin"])
        hip = _apply(pelvis, (0.0, 0.0, sign * HIP_HALF_WIDTH))
        knee = _add(hip, _apply(limb["thigh"], (0.0, -THIGH, 0.0)))
        ankle = _add(knee, _apply(limb["shin"], (0.0, -SHIN, 0.0)))
        heel = _add(ankle, _apply(limb["foot"], (-3.5, -4.0, 0.0)))
        toe = _add(ankle, _apply(limb["foot"], (16.5, -4.0, 0.0)))
        shoulder = _add(points3["waist"], _apply(root, (0.0, CHEST_HEIGHT - 3.0, sign * SHOULDER_HALF_WIDTH)))
        elbow = _add(shoulder, _apply(limb["upper_arm"], (0.0, -UPPER_ARM, 0.0)))
        wrist = _add(elbow, _apply(limb["forearm"], (0.0, -FOREARM, 0.0)))
        hand = _add(elbow, _apply(limb["forearm"], (0.0, -FOREARM - HAND, 0.0)))
        for name, value in (("hip", hip), ("knee", knee), ("ankle", ankle), ("heel", heel),
                            ("toe", toe), ("shoulder", shoulder), ("elbow", elbow),
                            ("wrist", wrist), ("hand", hand)):
            points3[f"{side}_{name}"] = value
        segments += [
            (f"{side}_thigh", hip, knee, f"{side}_leg"),
            (f"{side}_shin", knee, ankle, f"{side}_leg"),
            (f"{side}_foot", heel, toe, f"{side}_leg"),
            (f"{side}_upper_arm", shoulder, elbow, f"{side}_arm"),
            (f"{side}_forearm", elbow, hand, f"{side}_arm"),
        ]

    points: dict[str, Point] = {}
    depths: dict[str, float] = {}
    for name, v in points3.items():
        points[name], depths[name] = _project(view, v, elevation, turn)

    parts: list[Part] = []
    torso_depth = depths["waist"] - 2.0  # limbs level with the trunk are drawn in front of it
    # A rounded or arched back bends smoothly: the pelvis outline takes in the bottom of the chest,
    # so the outside of the bend is a curve instead of a notch between two boxes.
    bend = [(root, points3["waist"], height, (-12.5, 11.0), 14.0) for height in (0.0, LUMBAR_CURVE)] \
        if abs(angles.get("spine", 0.0)) >= CURVED_SPINE else []
    parts.append(_blob("pelvis", pelvis, (0, 0, 0), -6.0, PELVIS_HEIGHT + 2, (-13.0, 9.0),
                       (14.5, 15.5), view, elevation, torso_depth, turn, bend))
    parts.append(_blob("trunk", root, points3["waist"], 0.0, CHEST_HEIGHT, (-12.5, 11.0),
                       (14.0, 17.5), view, elevation, torso_depth, turn))
    head_point, _ = _project(view, points3["head"], elevation, turn)
    parts.append(Part("head", "head", (head_point,), HEAD_RADIUS, "torso", torso_depth,
                      points3["head"][1] - HEAD_RADIUS))
    for name, start, end, group in segments:
        (p1, d1) = _project(view, start, elevation, turn)
        (p2, d2) = _project(view, end, elevation, turn)
        kind = name.split("_", 1)[1]
        parts.append(Part(name, "limb", (p1, p2), RADIUS[kind], group, (d1 + d2) / 2,
                          min(start[1], end[1]) - RADIUS[kind]))
    # A limb's group depth is the mean of its parts, so a whole arm or leg stays in one layer.
    group_depth: dict[str, list[float]] = {}
    for part in parts:
        group_depth.setdefault(part.group, []).append(part.depth)
    parts = [Part(p.name, p.kind, p.points, p.radius, p.group,
                  sum(group_depth[p.group]) / len(group_depth[p.group]), p.floor) for p in parts]
    rise = 1.0 if view == "top" else math.cos(math.radians(elevation))
    return Figure(tuple(parts), points, depths, rise)


def _flat_foot(shin: Mat3) -> Mat3:
    """A foot frame that points forward along the floor, keeping the shin's sideways turn."""
    forward = _apply(shin, (1.0, 0.0, 0.0))
    heading = math.atan2(-forward[2], forward[0])
    return _rot("y", math.degrees(heading))


def _blob(name: str, frame: Mat3, origin: Vec3, bottom: float, top: float,
          front_back: tuple[float, float], half_widths: tuple[float, float], view: str,
          elevation: float, depth: float, turn: float = 0.0,
          more: list[tuple[Mat3, Vec3, float, tuple[float, float], float]] | None = None) -> Part:
    """A rounded box (trunk or pelvis) seen from ``view``: the convex hull of its corners.

    ``more`` adds rings of corners (frame, origin, height, (back, front), half width) from a
    neighbouring segment to the hull: the bottom of the chest for a bent spine.
    """
    back, front = front_back
    rings = [(frame, origin, bottom, (back, front), half_widths[0]),
             (frame, origin, top, (back, front), half_widths[1]), *(more or [])]
    corners: list[Point] = []
    floor = math.inf
    for ring_frame, ring_origin, height, (ring_back, ring_front), half in rings:
        for x in (ring_back + ROUNDING, ring_front - ROUNDING):
            for z in (-half + ROUNDING, half - ROUNDING):
                corner = _add(ring_origin, _apply(ring_frame, (x, height, z)))
                floor = min(floor, corner[1] - ROUNDING)
                corners.append(_project(view, corner, elevation, turn)[0])
    return Part(name, "blob", tuple(convex_hull(corners)), ROUNDING, "torso", depth, floor)


def convex_hull(points: list[Point]) -> list[Point]:
    """Convex hull (monotone chain), counter-clockwise, without repeated points."""
    pts = sorted(set((round(x, 3), round(y, 3)) for x, y in points))
    if len(pts) <= 2:
        return pts

    def cross(o: Point, a: Point, b: Point) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[Point] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[Point] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]
