"""Props (floor, mat, chair, wall, counter, table, step, rail, door, pillow, towel roll, ball, band,
belt, towel, weight, stick, dumbbell, bike, and for advice pictures bed and reacher) as simple
shapes fitted to the posed body.

Furniture is fitted once to the start pose and stays put in both panels; things strapped to or
held by the body (band, belt, towel, weight, stick, dumbbell) follow the body in each panel. A
band tied to a door: the door and its knot are furniture, the band follows the hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .poses import Prop
from .skeleton import Figure, Point

MAT_THICKNESS = 3.0
BED_HEIGHT = 42.0           # top of the mattress above the floor

PROP_FILL = "#dedede"
PROP_LINE = "#8c8c8c"
FRAME = "#9a9a9a"
STRAP = "#6a6a6a"
STICK = "#5e5e5e"
WHITE = "#ffffff"

# Props drawn in front of the body; the rest stand behind it.
FRONT_PROPS = frozenset({"band", "belt", "towel", "weight", "stick", "dumbbell"})

DOOR_HEIGHT = 200.0         # a door or doorway frame, from the floor to above the head
DOOR_GAP = 42.0             # from the hand holding a band to the door it is tied to
STICK_BEYOND = 12.0         # a stick held in both hands shows this much past each hand


@dataclass(frozen=True)
class Shape:
    """A simple SVG shape in picture coordinates (y up).

    ``kind`` is ``"path"`` (``points`` joined by straight lines, ``closed`` or not), ``"circle"``
    (centre ``points[0]``, ``radius``) or ``"loop"`` (a rounded band of half-width ``radius``
    around the line ``points[0]``-``points[1]``, drawn as an outline).
    """

    kind: str
    points: tuple[Point, ...]
    fill: str = "none"
    stroke: str = "none"
    width: float = 0.0
    closed: bool = False
    radius: float = 0.0

    def bounds(self) -> tuple[float, float, float, float]:
        """(min x, min y, max x, max y) including the stroke."""
        grow = self.radius + self.width / 2
        xs = [x for x, _ in self.points]
        ys = [y for _, y in self.points]
        return min(xs) - grow, min(ys) - grow, max(xs) + grow, max(ys) + grow


def box(x0: float, y0: float, x1: float, y1: float, fill: str = PROP_FILL,
        stroke: str = PROP_LINE, width: float = 1.6) -> Shape:
    """A filled rectangle between two corners."""
    return Shape("path", ((x0, y0), (x1, y0), (x1, y1), (x0, y1)), fill, stroke, width, True)


def line(*points: Point, stroke: str = FRAME, width: float = 4.0) -> Shape:
    """A thick open line through ``points``."""
    return Shape("path", tuple(points), stroke=stroke, width=width)


def haloed(shape: Shape, halo: float = 2.4) -> list[Shape]:
    """``shape`` drawn over a wider white copy, so it stays visible on top of the body."""
    under = Shape(shape.kind, shape.points, "none", WHITE, shape.width + 2 * halo,
                  shape.closed, shape.radius)
    return [under, shape]


def _along(figure: Figure, part: str, fraction: float) -> tuple[Point, float]:
    """The point ``fraction`` of the way along a part, and the part's radius."""
    p = figure.part(part)
    (x1, y1), (x2, y2) = p.points[0], p.points[-1]
    return (x1 + (x2 - x1) * fraction, y1 + (y2 - y1) * fraction), p.radius


def fixed_shapes(prop: Prop, figures: list[Figure], view: str, elevation: float,
                 surface: float, extent: tuple[float, float, float, float]) -> list[Shape]:
    """Shapes of a piece of furniture, fitted to the figure of its panel (the start by default).

    ``extent`` is the box (min x, min y, max x, max y) holding every pose of the body.
    """
    start = figures[prop.get("panel", 1) - 1]
    pts = start.points
    kind = prop.type
    if kind == "mat":
        x0, y0, x1, y1 = extent
        if view == "top":
            return [box(x0 - 8, y0 - 10, x1 + 8, y1 + 10, "#ececec", "#b4b4b4", 1.6)]
        if elevation:  # the mat seen from above: a floor area from behind to in front of the body
            dip = math.sin(math.radians(elevation))
            return [box(x0 - 6, -42 * dip, x1 + 6, 26 * dip, "#eeeeee", "#c4c4c4", 1.4)]
        return [box(x0 - 6, 0, x1 + 6, MAT_THICKNESS, "#b9b9b9", "#b9b9b9", 1.0)]
    if kind == "chair":
        return _chair(start, prop, view)
    if kind == "wall":
        x, _ = pts[prop.get("at")]
        sign = 1 if prop.get("side", "right") == "right" else -1
        face = x + sign * 7.5
        return [box(face, surface, face + sign * 9, 190, "#d2d2d2", "#d2d2d2", 1.0)]
    if kind == "counter":
        hx, hy = pts[prop.get("at", "near_hand")]
        top = hy - 4.0
        if prop.get("side") == "behind":  # a counter behind the body, centred on it
            cx = pts["pelvis"][0] if view == "front" else hx
            return [box(cx - 38, 0, cx + 38, top - 5),
                    box(cx - 42, top - 5, cx + 42, top, "#c4c4c4", PROP_LINE)]
        sign = 1 if prop.get("side", "right") == "right" else -1
        front = hx - sign * 7
        back = front + sign * 40
        return [
            box(front + sign * 5, 0, back, top - 5),
            box(front, top - 5, back, top, "#c4c4c4", PROP_LINE),
        ]
    if kind == "step":
        foot = start.part(prop.get("at", "near_foot"))
        top = prop.get("height") or foot.lowest()
        (hx, _), (tx, _) = foot.points
        if view == "side":
            x0, x1 = min(hx, tx) - 10, max(hx, tx) + 24
            name = prop.get("at", "near_foot")
            other = ("far_" if name.startswith("near_") else "near_") + name.split("_", 1)[1]
            if any(f.part(other).lowest() < top - 3 and max(x for x, _ in f.part(other).points) > tx
                   for f in figures):   # the other foot steps down in front: the step ends at the toes
                x1 = max(hx, tx) + 3
        else:
            sign = 1 if hx >= pts["pelvis"][0] else -1
            x0, x1 = hx - sign * 8, hx + sign * 40
        return [box(x0, 0, x1, top)]
    if kind == "rail":
        # a stair rail running away from the viewer: its post, and the rail seen end on, under the hand
        hx, hy = pts[prop.get("at")]
        top = hy - 5.5
        return [line((hx, 0), (hx, top), width=4),
                Shape("circle", ((hx, top),), "#c4c4c4", PROP_LINE, 1.6, radius=5.0)]
    if kind == "pillow" and prop.get("between"):
        return [_pillow_between(start, prop.get("between"))]
    if kind == "bed":
        return _bed(extent, view, elevation, surface)
    if kind == "reacher":
        return _reacher(start, prop.get("from"), view)
    if kind == "pillow" and prop.get("along") is not None:
        return [_pillow_under(start, prop.get("at", "head"), prop.get("along"), surface)]
    if kind == "pillow":
        part = start.part(prop.get("at", "head"))
        cx = sum(x for x, _ in part.points) / len(part.points)
        top = part.lowest()
        bottom = top - (part.floor - surface) * start.rise
        return [Shape("path", ((cx - 13, bottom + 1.5), (cx + 13, bottom + 1.5),
                               (cx + 13, top - 1.5), (cx - 13, top - 1.5)),
                      "#ececec", "#9a9a9a", 3.0, True)]
    if kind == "ball":
        return [Shape("circle", (pts[prop.get("at")],), "#d4d4d4", PROP_LINE, 1.6,
                      radius=prop.get("radius", 12.0))]
    if kind == "bike":
        return _bike(start)
    if kind == "table":
        return _table(start, prop, view)
    if kind == "door":
        x, _ = pts[prop.get("at")]
        sign = 1 if prop.get("side", "right") == "right" else -1
        face = x + sign * 5.0    # the frame's edge just past the hand or forearm resting on it
        top = max(DOOR_HEIGHT, max(y for _, y in pts.values()) + 20)
        return [box(face, surface, face + sign * 8, top, "#c8c8c8", PROP_LINE, 1.6),
                line((face + sign * 8, top), (face + sign * 30, top), width=4)]   # the lintel
    if kind == "towel_roll":
        return [_towel_roll(start, prop.get("at"), surface)]
    if kind == "band" and prop.get("to") == "door":
        face, knot, sign = door_knot(prop, start)
        return [box(face, surface, face + sign * 34, DOOR_HEIGHT, "#ececec", PROP_LINE, 1.6),
                Shape("circle", ((face + sign * 27, 96.0),), "#b0b0b0", PROP_LINE, 1.2, radius=2.6),
                Shape("circle", (knot,), STRAP, STRAP, 1.0, radius=3.2)]
    return []


def door_knot(prop: Prop, start: Figure) -> tuple[float, Point, int]:
    """Where a band's door stands: its edge's x, the knot on that edge and the side (+1 = right)."""
    hx, hy = start.points[prop.get("from")]
    sign = 1 if prop.get("side", "right") == "right" else -1
    face = hx + sign * DOOR_GAP
    return face, (face, prop.get("at") or hy), sign


def body_shapes(prop: Prop, figure: Figure, fitted: Figure | None = None) -> list[Shape]:
    """Shapes of something strapped to or held by the body in one panel.

    ``fitted`` is the figure furniture is fitted to (the start), for a band tied to a door.
    """
    kind = prop.type
    if kind == "band" and prop.get("from"):
        hand = figure.points[prop.get("from")]
        if prop.get("to") == "door":
            _, knot, _ = door_knot(prop, fitted or figure)
        else:
            knot = figure.points[prop.get("to")]
        return haloed(line(hand, knot, stroke=STRAP, width=2.6), 1.1)
    if kind == "stick":
        return _stick(figure, prop)
    if kind == "dumbbell":
        return _dumbbell(figure, prop.get("in"))
    if kind in ("band", "belt", "weight") and prop.get("around"):
        parts = prop.get("around")
        ends = [_along(figure, part, prop.get("at", 0.8)) for part in parts]
        radius = max(r for _, r in ends)
        a, b = ends[0][0], ends[-1][0]
        if kind == "weight":
            return haloed(Shape("loop", (a, b), "#555555", "#555555", 1.0, radius=radius + 1.5), 1.8)
        width, colour = (2.4, STRAP) if kind == "band" else (3.2, "#4d4d4d")
        return haloed(Shape("loop", (a, b), "none", colour, width, radius=radius + 0.6), 1.1)
    if kind in ("belt", "towel") and prop.get("from"):
        hand = figure.points[prop.get("from")]
        target = prop.get("to")
        side = target.split("_")[0]
        if f"{side}_heel" in figure.points and target.endswith(("heel", "toe", "ankle")):
            # loop under the middle of the sole
            (hx, hy), (tx, ty) = figure.points[f"{side}_heel"], figure.points[f"{side}_toe"]
            mx, my = (hx + tx * 2) / 3, (hy + ty * 2) / 3
            length = math.hypot(tx - hx, ty - hy) or 1.0
            nx, ny = (ty - hy) / length, -(tx - hx) / length  # the sole side of the foot
            sole = (mx + nx * 5.5, my + ny * 5.5)
        else:
            sole = figure.points[target]
        width, colour = (3.0, "#4d4d4d") if kind == "belt" else (4.2, "#8a8a8a")
        return haloed(line(hand, sole, stroke=colour, width=width), 1.6)
    if kind == "towel" and prop.get("at"):
        x, y = figure.points[prop.get("at")]
        sign = 1 if prop.get("side", "right") == "right" else -1
        cx = x + sign * 6   # white with a dark edge: it must show against a grey wall
        return [box(cx - 4, y - 13, cx + 4, y + 13, WHITE, STRAP, 2.0)]
    return []


def _chair(start: Figure, prop: Prop, view: str) -> list[Shape]:
    """A chair drawn as thick lines: under the buttocks, or beside the body under a hand."""
    hold = prop.get("hold")
    sign = -1 if prop.get("side", "left") == "left" else 1   # where the backrest is
    if hold:
        hx, hy = start.points[hold]
        seat = min(prop.get("height") or 46.0, hy - 30)
        back, front = hx, hx - sign * 41
        rest_top = hy - 4
    else:
        px = start.points[prop.get("at", "pelvis")][0]
        seat = prop.get("height") or start.part("pelvis").lowest() - 2.5
        back, front = px + sign * 24, px - sign * 17
        rest_top = seat + 46
    if prop.get("soft"):   # a low, soft armchair: the body sinks into a thick cushion
        x0, x1 = min(back, front) - 6, max(back, front) + 6
        base = seat - 9
        rest = [line((back + sign * 4, base), (back + sign * 8, seat + 40), width=12)] \
            if prop.get("backrest", True) else []
        return [*rest, box(x0, 0, x1, base, PROP_FILL, PROP_LINE, 1.6),
                Shape("path", ((x0, base), (x1, base), (x1, seat + 1), (x0, seat + 1)),
                      "#cfcfcf", PROP_LINE, 3.0, True)]
    if view != "side" or prop.get("side") == "behind":
        # seen from its front: the body sits across the seat (sideways on the chair in the side
        # view), the backrest, if any, standing behind the body
        mid = (back + front) / 2 if view != "side" else start.points[prop.get("at", "pelvis")][0]
        shapes = [line((mid - 21, seat), (mid - 21, 0), width=4),
                  line((mid + 21, seat), (mid + 21, 0), width=4)]
        if prop.get("side") == "behind" and prop.get("backrest", True):
            top = seat + 44
            shapes.append(line((mid - 21, seat), (mid - 21, top), (mid + 21, top),
                               (mid + 21, seat), width=4))
        return [*shapes, line((mid - 24, seat), (mid + 24, seat), width=5)]
    shapes = [line((back, seat), (front, seat), width=5),
              line((back - sign, seat), (back - sign, 0), width=4),
              line((front + sign, seat), (front + sign, 0), width=4)]
    if prop.get("backrest", True):
        shapes.append(line((back + sign * 2, seat), (back + sign * 4, rest_top), width=5))
    return shapes


def _pillow_under(start: Figure, name: str, fraction: float, surface: float) -> Shape:
    """A pillow on the floor or bed filling up under a part around ``fraction`` of the way along
    it (under the thigh near the knee), its top following the underside of the part."""
    part = start.part(name)
    bottom = part.lowest() - (part.floor - surface) * start.rise
    (x1, y1), (x2, y2) = part.points[0], part.points[-1]
    cx = x1 + (x2 - x1) * fraction
    half = 13.0

    def underside(x: float) -> float:
        if abs(x2 - x1) < 1e-6:
            return min(y1, y2) - part.radius
        t = min(max((x - x1) / (x2 - x1), 0.0), 1.0)
        return y1 + (y2 - y1) * t - part.radius

    left, right = cx - half, cx + half
    top_left, top_right = underside(left) + 0.5, underside(right) + 0.5
    return Shape("path", ((left, bottom + 1.5), (right, bottom + 1.5),
                          (right, max(top_right, bottom + 4)), (left, max(top_left, bottom + 4))),
                 "#ececec", "#9a9a9a", 3.0, True)


def _pillow_between(start: Figure, points: tuple[str, str]) -> Shape:
    """A pillow squeezed between two body points (the knees), drawn behind the legs."""
    (ax, ay), (bx, by) = (start.points[name] for name in points)
    cx, cy = (ax + bx) / 2, (ay + by) / 2
    dist = math.hypot(bx - ax, by - ay)
    if dist < 4.0 and points[0].endswith("knee"):    # one knee on the other (seen from above)
        (hx, hy), (kx, ky) = start.points[points[0].replace("knee", "hip")], (ax, ay)
        length = math.hypot(kx - hx, ky - hy) or 1.0
        vx, vy = (kx - hx) / length, (ky - hy) / length   # along the thigh
        ux, uy = vy, -vx
        cx, cy = cx - vx * 6, cy - vy * 6                 # mostly under the thigh, above the knee
    else:
        dist = dist or 1.0
        ux, uy = (bx - ax) / dist, (by - ay) / dist      # across the gap
        vx, vy = -uy, ux                                 # along the legs
    # seen from above the knees lie one on the other: the pillow shows round the top knee
    half_gap, half_long = max(dist / 2 + 2.0, 15.0), 17.0
    corners = [(cx + ux * a * half_gap + vx * b * half_long, cy + uy * a * half_gap + vy * b * half_long)
               for a, b in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
    return Shape("path", tuple(corners), "#d6d6d6", "#7a7a7a", 3.0, True)


def _bed(extent: tuple[float, float, float, float], view: str, elevation: float,
         surface: float) -> list[Shape]:
    """A bed as long as the body: a mattress on a frame with two legs (seen from above: the mattress)."""
    x0, y0, x1, y1 = extent
    if view == "top":
        return [box(x0 - 8, y0 - 10, x1 + 8, y1 + 10, "#f2f2f2", "#9a9a9a", 2.0)]
    if elevation:   # seen from above at an angle: the mattress top, and its front face below it
        dip = math.sin(math.radians(elevation))
        top = surface * math.cos(math.radians(elevation))
        return [box(x0 - 6, top - 16, x1 + 6, top - 6, "#bdbdbd", "#9a9a9a", 1.4),
                box(x0 - 6, top - 6 - 0 * dip, x1 + 6, top + 44 * dip, "#f2f2f2", "#9a9a9a", 2.0)]
    return [line((x0 - 2, 0), (x0 - 2, surface - 12), width=5),
            line((x1 + 2, 0), (x1 + 2, surface - 12), width=5),
            box(x0 - 6, surface - 14, x1 + 6, surface - 10, "#bdbdbd", "#9a9a9a", 1.4),
            box(x0 - 6, surface - 10, x1 + 6, surface, "#f2f2f2", "#9a9a9a", 2.0)]


def _reacher(start: Figure, hand: str, view: str) -> list[Shape]:
    """A long grabber from the hand down to the floor in front of the feet, its jaws open."""
    hx, hy = start.points[hand]
    toe = max(start.points["near_toe"][0], start.points["far_toe"][0])
    tip = (max(toe + 14, hx + 10), 3.0)
    return [line((hx, hy), tip, stroke="#5a5a5a", width=3.0),
            line((tip[0] - 4, 0.5), tip, (tip[0] + 4, 0.5), stroke="#5a5a5a", width=2.4),
            line((hx - 1, hy - 6), (hx + 3, hy - 9), stroke="#5a5a5a", width=3.0)]


def _bike(start: Figure) -> list[Shape]:
    pts = start.points
    px = pts["pelvis"][0]
    seat = start.part("pelvis").lowest() - 2.5
    near, far = start.part("near_foot").points, start.part("far_foot").points
    pedal_near = ((near[0][0] + near[1][0]) / 2, (near[0][1] + near[1][1]) / 2 - 4)
    pedal_far = ((far[0][0] + far[1][0]) / 2, (far[0][1] + far[1][1]) / 2 - 4)
    cx, cy = (pedal_near[0] + pedal_far[0]) / 2, (pedal_near[1] + pedal_far[1]) / 2
    hx, hy = pts["near_hand"]
    return [
        Shape("circle", ((cx + 30, cy + 6),), "#e6e6e6", FRAME, 3.0, radius=19),
        line((cx - 42, 3), (cx + 62, 3), width=6),
        line((px - 4, seat - 2), (cx, cy), (cx - 26, 3), width=5),
        line((cx + 48, 3), (hx + 2, hy - 5), width=5),
        line((hx - 6, hy - 4.5), (hx + 6, hy - 4.5), width=5),
        line((px - 14, seat), (px + 10, seat), width=6),
        line(pedal_far, (cx, cy), pedal_near, stroke="#7a7a7a", width=3),
    ]


def _table(start: Figure, prop: Prop, view: str) -> list[Shape]:
    """A table top just under the hand (sitting at it), on two legs, reaching away from the body."""
    hx, hy = start.points[prop.get("at", "near_hand")]
    top = hy - 4.0
    if prop.get("side") == "behind" or view != "side":   # seen end on, centred under the hand
        return [line((hx - 30, 0), (hx - 30, top - 3), width=4), line((hx + 30, 0), (hx + 30, top - 3), width=4),
                box(hx - 36, top - 4, hx + 36, top, "#c4c4c4", PROP_LINE)]
    sign = 1 if prop.get("side", "right") == "right" else -1
    near, far = hx - sign * 16, hx + sign * 56
    return [line((near + sign * 5, 0), (near + sign * 5, top - 3), width=4),
            line((far - sign * 5, 0), (far - sign * 5, top - 3), width=4),
            box(min(near, far), top - 4, max(near, far), top, "#c4c4c4", PROP_LINE)]


def _towel_roll(start: Figure, point: str, surface: float) -> Shape:
    """A rolled towel on the floor (or mat) filling the gap under a body point."""
    x, y = start.points[point]
    side, _, joint = point.partition("_")
    under = {"ankle": "shin", "heel": "shin", "knee": "thigh", "hip": "thigh", "elbow": "upper_arm",
             "wrist": "forearm", "hand": "forearm"}.get(joint)
    radius = start.part(f"{side}_{under}").radius if under else 5.0
    floor = surface * start.rise
    r = min(max((y - radius - floor) / 2, 4.0), 11.0)    # as thick as the gap, within reason
    return Shape("circle", ((x, floor + r),), "#f4f4f4", STRAP, 2.2, radius=r)


def _stick(figure: Figure, prop: Prop) -> list[Shape]:
    """A straight stick through both hands and a little beyond, or from one hand ``length`` long
    towards the other hand."""
    first = prop.get("from")
    other = prop.get("to") or ("far_hand" if first == "near_hand" else "near_hand")
    (ax, ay), (bx, by) = figure.points[first], figure.points[other]
    dist = math.hypot(bx - ax, by - ay)
    if dist < 2.0:     # seen end on (both hands one behind the other in the side view): a dot
        return haloed(line((ax, ay), (ax + 0.5, ay), stroke=STICK, width=7.0), 1.2)
    ux, uy = (bx - ax) / dist, (by - ay) / dist
    if prop.get("length"):
        start, end = (ax - ux * 4, ay - uy * 4), (ax + ux * prop.get("length"), ay + uy * prop.get("length"))
    else:
        start = (ax - ux * STICK_BEYOND, ay - uy * STICK_BEYOND)
        end = (bx + ux * STICK_BEYOND, by + uy * STICK_BEYOND)
    return haloed(line(start, end, stroke=STICK, width=4.2), 1.2)


def _dumbbell(figure: Figure, hand: str) -> list[Shape]:
    """A short handle across the hand with a weight at each end, square to the forearm."""
    side = hand.split("_")[0]
    (ex, ey), (hx, hy) = figure.points[f"{side}_elbow"], figure.points[hand]
    dist = math.hypot(hx - ex, hy - ey)
    ux, uy = ((hx - ex) / dist, (hy - ey) / dist) if dist > 3.0 else (0.0, -1.0)
    nx, ny = -uy, ux          # across the forearm
    cx, cy = hx - ux * 1.5, hy - uy * 1.5
    shapes = [line((cx - nx * 8, cy - ny * 8), (cx + nx * 8, cy + ny * 8), stroke="#4d4d4d", width=3.0)]
    for end in (-1, 1):
        mx, my = cx + nx * end * 8, cy + ny * end * 8
        shapes.append(line((mx - ux * 4.5, my - uy * 4.5), (mx + ux * 4.5, my + uy * 4.5),
                           stroke="#3a3a3a", width=5.5))
    return [*haloed(shapes[0], 1.2), *shapes[1:]]
