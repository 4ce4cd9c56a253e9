"""Drawing an exercise's movement as one animated panel for the patient's phone page.

:func:`render_motion_svg` draws the same figure as :func:`.render.render_svg` (floor, props, body,
working parts in the accent) in one panel, without arrows, and moves it from the start pose to the
finish pose and back with SVG SMIL ``<animate>`` elements: no script and no inline style is needed
to draw it (the site's Content-Security-Policy forbids style attributes). Every animation begins
``indefinite``: the page's script starts them, and without script the picture stands still at the
start pose.

Frames
    The joint angles are interpolated linearly between the two poses at ``frames`` evenly spaced
    points; each frame is placed on the floor the way the panels are (its fixed point kept where
    the start pose had it, or between the start's and the finish's placement). A foot that is flat
    on the floor in only one of the poses turns smoothly between the two. The drawing order of
    the body's groups is the start pose's and stays.

Equal path structure
    SMIL interpolates a path only between values with the same commands and the same count of
    numbers. Limbs are two-point lines, band loops always have both of their arcs, and the trunk
    and the pelvis (convex outlines with a varying count of corners) are resampled where rays from
    their centre cross them, at the same angles from the body part's own axis in every frame (the
    angles of its corners at the start and at the finish), so each point keeps to its place on
    the outline while the body turns. Neighbouring parts of the same paint are one path only where
    they move alike (all still, or all moving).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from html import escape

from .poses import Illustration, Pose
from .props import FRONT_PROPS, Shape, body_shapes, fixed_shapes
from .render import (
    _ACCENT,
    DEFAULT_ACCENT,
    FLOOR,
    OUTLINE_WIDTH,
    _figure_bounds,
    _layout,
    _n,
    _Panel,
    _place,
    _solved,
    _union,
    figure_colours,
    posed_panels,
    surface_height,
)
from .skeleton import SIDES, Figure, Part, Point, body_frames, pose_figure

DURATION = "4s"         # one cycle: start, there, pause, back
HOLD = 0.1              # fraction of the cycle the figure rests at the start, and at the finish
MAX_SOLVE = 12.0        # degrees a frame's solve joint may move to bring its ground parts down
BLOB_POINTS = 8         # at most this many points on each resampled trunk and pelvis outline
# The axis each blob's sample rays are measured from: from the first point towards the second.
_BLOB_AXIS = {"trunk": ("waist", "neck"), "pelvis": ("pelvis", "waist")}

At = Callable[[Point], str]


@dataclass(frozen=True)
class _Track:
    """One element through the frames: a path's ``d`` (or a circle's ``"cx cy"``) per frame.

    ``paint`` is the element's other attributes. Neighbouring path tracks with the same paint
    that are stroked only, or convex outlines (``union``), may be drawn as one path.
    """

    kind: str                   # "path" or "circle"
    values: tuple[str, ...]
    paint: str
    union: bool = False

    @property
    def moves(self) -> bool:
        """Whether the element changes between frames."""
        return len(set(self.values)) > 1


def render_motion_svg(illustration: Illustration, *, accent: str = DEFAULT_ACCENT, title: str | None = None,
                      frames: int = 5) -> str | None:
    """Draw a movement as one panel that moves from the start pose to the finish and back.

    Returns None for a hold (one panel: nothing moves). Otherwise an inline ``<svg>`` with
    ``class="exercise-motion"``, ``data-motion="1"``, ``role="img"`` and a ``<title>`` (``title``
    or the alt text), drawn like :func:`.render.render_svg` but without arrows. Every moving
    element holds ``<animate>`` children (``begin="indefinite"``, repeating): their ``values`` go
    through ``frames`` poses to the finish and back, with a short rest at the start and at the
    finish; each element's own attribute is the start pose. The same input gives the same string.
    """
    if illustration.end is None:
        return None
    if frames < 2:
        raise ValueError(f"frames: at least 2 (the start and the finish), not {frames}")
    if not isinstance(accent, str) or not _ACCENT.match(accent):
        raise ValueError(f"accent: must be a colour like #1d6fb8, not {accent!r}")
    colours = figure_colours(accent.lower())
    figures = motion_frames(illustration, frames)
    view, elevation = illustration.view, illustration.elevation
    surface = surface_height(illustration)
    extent = _union([_figure_bounds(f) for f in figures])
    placed = [figures[0], figures[-1]]     # furniture fitted to the start (or the finish: panel = 2)
    back = tuple(s for prop in illustration.props   # (a band's door is furniture; the band is not)
                 for s in fixed_shapes(prop, placed, view, elevation, surface, extent))
    fronts = [tuple(s for prop in illustration.props if prop.type in FRONT_PROPS
                    for s in body_shapes(prop, f, placed[prop.get("panel", 1) - 1])) for f in figures]
    layout = replace(_layout([_Panel(f, back, front, ()) for f, front in zip(figures, fronts, strict=True)]),
                     count=1)

    def at(p: Point) -> str:
        return f"{_n(p[0] - layout.left)} {_n(layout.top - p[1])}"

    still: list[_Track] = []
    if view != "top" and not elevation:
        floor = Shape("path", ((layout.left + 2, 0.0), (layout.left + layout.panel_width - 2, 0.0)),
                      stroke=FLOOR, width=2.0)
        still.append(_shape_track([floor], at))
    still.extend(_shape_track([s], at) for s in back)
    order, times = _timeline(frames)

    tracks = _body_tracks(figures, view, set(illustration.highlight), colours, at)
    tracks.extend(_shape_track(list(same), at) for same in zip(*fronts, strict=True))

    text = title if title is not None else illustration.alt
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(layout.panel_width)} {_n(layout.height)}" '
        f'role="img" class="exercise-motion" data-motion="1" stroke-linecap="round" stroke-linejoin="round">',
        f"<title>{escape(text, quote=True)}</title>",
    ]
    out.extend(_element(track, order, times) for track in (*_joined(still), *_joined(tracks)))
    out.append("</svg>")
    return "".join(out)


# -- frames --------------------------------------------------------------------------------------

def motion_frames(illustration: Illustration, frames: int = 5) -> list[Figure]:
    """The placed figures at ``frames`` evenly spaced steps from the start pose to the finish.

    The first and the last are the panels' figures (:func:`.render.posed_panels`).
    """
    start, end = illustration.start, illustration.end
    assert end is not None
    view, elevation, turn = illustration.view, illustration.elevation, illustration.turn
    surface = surface_height(illustration)
    solved, panels = posed_panels(illustration)
    flat = tuple(side for side in SIDES if side in start.flat and side in end.flat)
    # a foot flat in only one pose turns between its flat angle there and its angle in the other
    ankles = {side: (_ankle(solved[0], side, start), _ankle(solved[1], side, end))
              for side in SIDES if side not in flat}
    out = [panels[0]]
    for step in range(1, frames - 1):
        t = step / (frames - 1)
        angles = {k: solved[0].get(k, 0.0) * (1 - t) + solved[1].get(k, 0.0) * t
                  for k in sorted(set(solved[0]) | set(solved[1]))}
        for side, (a, b) in ankles.items():
            angles[f"{side}_ankle"] = a * (1 - t) + b * t
        angles = _grounded(angles, _rule(start, end, panels, t), flat, illustration)
        figure = pose_figure(angles, view, flat, elevation, turn)
        out.append(_placed(figure, start, end, t, view, surface, panels[0]))
    out.append(panels[1])
    return out


def _rule(start: Pose, end: Pose, panels: list[Figure], t: float) -> Pose | None:
    """The pose whose ground parts a frame ``t`` of the way brings down together (its ``solve``).

    Best the nearer pose's, else the other's, whose ground parts are down in both panels: a knee
    that the movement lifts off the floor does not hold the body up half way. Else the nearer
    pose's (a heel that comes down onto the floor as it slides).
    """
    near, other = (start, end) if t < 0.5 else (end, start)
    for rule in (near, other):
        if rule.solve and all(_down(figure, pose, rule.ground)
                              for figure, pose in zip(panels, (start, end), strict=True)):
            return rule
    return near if near.solve else None


def _down(figure: Figure, pose: Pose, parts: tuple[str, ...]) -> bool:
    """Whether ``parts`` rest as low as the pose's own ground parts (within a unit)."""
    base = figure.lowest(pose.ground)
    return all(figure.part(name).floor - base <= 1.0 for name in parts)


def _grounded(angles: dict[str, float], rule: Pose | None, flat: tuple[str, ...],
              illustration: Illustration) -> dict[str, float]:
    """``angles`` with the rule's ``solve`` joint adjusted so both its ground parts touch, unless
    that takes more than MAX_SOLVE degrees (then the interpolated angles are closer to the truth)."""
    if rule is None:
        return angles
    pose = Pose(tuple(sorted(angles.items())), rule.ground, rule.solve, flat=flat)
    solved = _solved(pose, illustration.view, illustration.elevation, illustration.turn)
    if max(abs(solved[k] - angles.get(k, 0.0)) for k in solved) > MAX_SOLVE:
        return angles
    return solved


def _ankle(angles: dict[str, float], side: str, pose: Pose) -> float:
    """The ankle angle of one side as drawn: for a flat foot, the angle that levels its sole."""
    if side not in pose.flat:
        return angles.get(f"{side}_ankle", 0.0)
    shin = body_frames(angles)[f"{side}_shin"]
    # the foot's forward axis is cos(a) * shin x + sin(a) * shin y: no height when level
    return math.degrees(math.atan2(-shin[1][0], shin[1][1]))


def _placed(figure: Figure, start: Pose, end: Pose, t: float, view: str, surface: float,
            reference: Figure) -> Figure:
    """Place a frame ``t`` of the way: keeping the end pose's fixed point where the start had it,
    or between where the start's and the end's rules would put it."""
    if end.fixed:
        return _place(figure, end, view, surface, reference)
    x, y = figure.points["pelvis"]
    (ax, ay) = _place(figure, start, view, surface, None).points["pelvis"]
    (bx, by) = _place(figure, end, view, surface, None).points["pelvis"]
    return figure.moved(ax + (bx - ax) * t - x, ay + (by - ay) * t - y)


# -- the body ------------------------------------------------------------------------------------

def _body_tracks(figures: list[Figure], view: str, highlight: set[str], colours: dict[str, str],
                 at: At) -> list[_Track]:
    """The body, group by group from the back in the start pose's order: outlines, then fills."""
    first = figures[0]
    groups: dict[str, list[str]] = {}
    depth: dict[str, float] = {}
    for part in first.parts:
        groups.setdefault(part.group, []).append(part.name)
        depth.setdefault(part.group, part.depth)
    order = sorted(groups, key=lambda g: (round(depth[g], 3), g != "torso", g))
    rays = {name: _ray_angles([figures[0], figures[-1]], name) for name in _BLOB_AXIS}
    out: list[_Track] = []
    for group in order:
        far = "far_" if group.startswith("far_") and view == "side" else ""
        for grow, roles in ((2 * OUTLINE_WIDTH, False), (0.0, True)):
            for name in groups[group]:
                role = "working" if name in highlight else "body"
                colour = colours[f"{far}{role}"] if roles else colours[f"{far}outline"]
                parts = [f.part(name) for f in figures]
                out.append(_part_track(parts, figures, rays.get(name, ()), colour, grow, at))
    return out


def _part_track(parts: list[Part], figures: list[Figure], rays: tuple[float, ...], colour: str,
                grow: float, at: At) -> _Track:
    """One body part through the frames."""
    first = parts[0]
    if first.kind == "head":
        return _Track("circle", tuple(at(p.points[0]) for p in parts),
                      f'r="{_n(first.radius + grow / 2)}" fill="{colour}"')
    width = _n(2 * first.radius + grow)
    if first.kind == "blob":
        values = tuple(_relative([at(p) for p in _resampled(part, figure, rays)]) + "Z"
                       for part, figure in zip(parts, figures, strict=True))
        return _Track("path", values, f'fill="{colour}" stroke="{colour}" stroke-width="{width}"', True)
    values = tuple(_relative([at(p) for p in part.points]) for part in parts)
    return _Track("path", values, f'fill="none" stroke="{colour}" stroke-width="{width}"', True)


def _axis(figure: Figure, name: str) -> float:
    """The direction (radians) of a blob's own axis in the picture, 0 if it points at the viewer."""
    (ax, ay), (bx, by) = (figure.points[p] for p in _BLOB_AXIS[name])
    return math.atan2(by - ay, bx - ax) if math.hypot(bx - ax, by - ay) > 1.0 else 0.0


def _centre(points: tuple[Point, ...]) -> Point:
    return sum(x for x, _ in points) / len(points), sum(y for _, y in points) / len(points)


def _ray_angles(figures: list[Figure], name: str) -> tuple[float, ...]:
    """Angles from the blob's axis through the corners of its outline in the given figures (the
    start and the finish, so both are drawn exactly); at most BLOB_POINTS of them."""
    found: list[float] = []
    for figure in figures:
        points = figure.part(name).points
        cx, cy = _centre(points)
        axis = _axis(figure, name)
        found.extend((math.atan2(y - cy, x - cx) - axis) % math.tau for x, y in points)
    angles: list[float] = []
    for angle in sorted(found):
        if not angles or angle - angles[-1] > math.radians(4):
            angles.append(angle)
    if len(angles) > 1 and angles[0] + math.tau - angles[-1] <= math.radians(4):
        angles.pop()

    def gaps(values: list[float]) -> list[float]:
        return [(values[(i + 1) % len(values)] - a) % math.tau or math.tau for i, a in enumerate(values)]

    while len(angles) > BLOB_POINTS:    # drop the corner whose neighbours are closest together
        spans = gaps(angles)
        joined = [spans[i - 1] + spans[i] for i in range(len(angles))]
        del angles[joined.index(min(joined))]
    while len(angles) < 4:              # split the widest gap
        spans = gaps(angles)
        i = spans.index(max(spans))
        angles.insert(i + 1, angles[i] + spans[i] / 2)
        angles = sorted(a % math.tau for a in angles)
    return tuple(angles)


def _resampled(part: Part, figure: Figure, rays: tuple[float, ...]) -> list[Point]:
    """The blob's outline where rays from its centre at ``rays`` (from its axis) cross it."""
    points = part.points
    centre = _centre(points)
    axis = _axis(figure, part.name)
    if len(points) < 3:
        return [points[i * len(points) // len(rays)] for i in range(len(rays))]
    return [_hit(centre, axis + angle, points) for angle in rays]


def _hit(centre: Point, angle: float, polygon: tuple[Point, ...]) -> Point:
    """Where a ray from ``centre`` (inside the convex ``polygon``) leaves it."""
    cx, cy = centre
    dx, dy = math.cos(angle), math.sin(angle)
    best = 0.0
    for (ax, ay), (bx, by) in zip(polygon, (*polygon[1:], polygon[0]), strict=True):
        ex, ey = bx - ax, by - ay
        den = dx * ey - dy * ex
        if abs(den) < 1e-12:
            continue
        s = ((ax - cx) * ey - (ay - cy) * ex) / den
        u = ((ax - cx) * dy - (ay - cy) * dx) / den
        if s > 0 and -1e-9 <= u <= 1 + 1e-9:
            best = max(best, s)
    return cx + dx * best, cy + dy * best


# -- props ---------------------------------------------------------------------------------------

def _shape_track(shapes: list[Shape], at: At) -> _Track:
    """One prop shape through the frames (one shape: it stands still)."""
    first = shapes[0]
    paint = f'fill="{first.fill}"'
    if first.stroke != "none":
        paint += f' stroke="{first.stroke}" stroke-width="{_n(first.width)}"'
    if first.kind == "circle":
        return _Track("circle", tuple(at(s.points[0]) for s in shapes),
                      f'r="{_n(first.radius)}" {paint}')
    if first.kind == "loop":
        return _Track("path", _loops(shapes, at), paint)
    values = tuple("M" + "L".join(at(p) for p in s.points) + ("Z" if s.closed else "") for s in shapes)
    return _Track("path", values, paint, first.fill == "none" and first.stroke != "none")


def _loops(shapes: list[Shape], at: At) -> tuple[str, ...]:
    """A band's loop in every frame with the same commands, also where its two ends meet."""
    directions: list[tuple[float, float] | None] = []
    for shape in shapes:
        (ax, ay), (bx, by) = shape.points
        dist = math.hypot(bx - ax, by - ay)
        directions.append(((bx - ax) / dist, (by - ay) / dist) if dist >= 0.5 else None)
    known = [d for d in directions if d is not None] or [(1.0, 0.0)]
    values = []
    for i, shape in enumerate(shapes):
        ux, uy = directions[i] or next((d for d in directions[i:] if d), known[-1])
        (ax, ay), (bx, by) = shape.points
        r = _n(shape.radius)
        nx, ny = -uy * shape.radius, ux * shape.radius
        p1, p2 = at((ax + nx, ay + ny)), at((bx + nx, by + ny))
        p3, p4 = at((bx - nx, by - ny)), at((ax - nx, ay - ny))
        arc = f"a{r} {r} 0 0 0"
        values.append(f"M{p1}l{_step(p1, p2).lstrip()}{arc}{_step(p2, p3)}l{_step(p3, p4).lstrip()}{arc}"
                      f"{_step(p4, p1)}Z")
    return tuple(values)


def _relative(points: list[str]) -> str:
    """A polyline through ``points`` (``"x y"``, rounded) as a move and relative lines, which are
    shorter to write; measured between the rounded points, so they add up exactly."""
    return f"M{points[0]}l" + "".join(_step(a, b) for a, b in zip(points, points[1:], strict=False)).lstrip()


def _step(a: str, b: str) -> str:
    """The relative move from the rounded point ``a`` to ``b``, with its separating space
    (none before a minus sign)."""
    (ax, ay), (bx, by) = (map(float, p.split()) for p in (a, b))
    dx, dy = _n(bx - ax), _n(by - ay)
    return ("" if dx.startswith("-") else " ") + dx + ("" if dy.startswith("-") else " ") + dy


# -- SVG -----------------------------------------------------------------------------------------

def _joined(tracks: list[_Track]) -> list[_Track]:
    """Neighbouring paths with the same paint as one path (the still ones, and the moving ones,
    apart): each frame's value is the same subpaths in the same order, so frames stay alike."""
    out: list[_Track] = []
    for track in tracks:
        last = out[-1] if out else None
        if (last is not None and last.kind == track.kind == "path" and last.union and track.union
                and last.paint == track.paint and last.moves == track.moves):
            values = tuple(a + b for a, b in zip(last.values, track.values, strict=True)) \
                if track.moves else (last.values[0] + track.values[0],)
            out[-1] = _Track("path", values, last.paint, True)
        else:
            out.append(track if track.moves else replace(track, values=track.values[:1]))
    return out


def _timeline(frames: int) -> tuple[list[int], str]:
    """The frame shown at each key time (rest, there, rest, back) and the ``keyTimes``.

    The frames are spaced in time so that the movement eases in and out of each end.
    """
    last = frames - 1
    eased = [math.acos(1 - 2 * k / last) / math.pi for k in range(frames)]
    move = 0.5 - HOLD
    order = [0, *range(frames), *range(last, -1, -1)]
    times = [0.0, *(HOLD + move * e for e in eased), *(0.5 + HOLD + move * (1 - e) for e in reversed(eased))]
    return order, ";".join(f"{t:.2f}".rstrip("0").rstrip(".") or "0" for t in times)


def _element(track: _Track, order: list[int], times: str) -> str:
    """The SVG element of a track: its start value, and an ``<animate>`` for what moves."""
    if track.kind == "circle":
        x, y = track.values[0].split()
        animated = []
        for index, name in enumerate(("cx", "cy")):
            coordinate = [value.split()[index] for value in track.values]
            if len(set(coordinate)) > 1:
                animated.append(_animate(name, [coordinate[i] for i in order], times))
        return _tag(f'circle cx="{x}" cy="{y}" {track.paint}', animated, "circle")
    animated = [_animate("d", [track.values[i] for i in order], times)] if track.moves else []
    return _tag(f'path d="{track.values[0]}" {track.paint}', animated, "path")


def _tag(opening: str, children: list[str], name: str) -> str:
    return f"<{opening}>{''.join(children)}</{name}>" if children else f"<{opening}/>"


def _animate(attribute: str, values: list[str], times: str) -> str:
    return (f'<animate attributeName="{attribute}" values="{";".join(values)}" keyTimes="{times}" '
            f'dur="{DURATION}" begin="indefinite" repeatCount="indefinite"/>')
