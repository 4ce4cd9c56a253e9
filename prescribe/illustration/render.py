"""Drawing an :class:`Illustration` as one compact, deterministic inline SVG."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from html import escape
from typing import NamedTuple

from ..colour import contrast_ratio, relative_luminance
from .poses import Arrow, Illustration, Pose
from .props import BED_HEIGHT, FRONT_PROPS, MAT_THICKNESS, WHITE, Shape, body_shapes, fixed_shapes
from .skeleton import LIMB_JOINTS, SIDES, Figure, Part, Point, pose_figure

# Colours. The body is light with a dark outline and the working part is filled with the accent,
# so the working part stands out by lightness, not by hue alone: it reads in greyscale and for
# colour-blind readers. Any accent the clinic settings accept (>= 4.5:1 on white, so relative
# luminance <= 0.183) is >= 3:1 against BODY_FILL (luminance 0.69) and >= 4.5:1 against FAR_FILL.
# In the side view the far arm and leg are drawn behind the body, white with a lighter outline;
# a far working limb is the accent lightened as far as it still keeps 4.5:1 on white.
BODY_FILL = "#d9d9d9"
OUTLINE = "#2b2b2b"
FAR_FILL = "#ffffff"
FAR_OUTLINE = "#8c8c8c"
OUTLINE_WIDTH = 1.8         # on each side of a body part
HALO = 2.3                  # white outline that keeps arrows visible over the body
FLOOR = "#8a8a8a"
DIVIDER = "#c8c8c8"         # the line between the two panels
DEFAULT_ACCENT = "#1d6fb8"
MIN_ACCENT_CONTRAST = 4.5   # arrows and working parts against the white paper

# Print size. The handout prints a figure in the card's side column, up to NARROW_PRINT_MM wide,
# or, when its viewBox is at least WIDE_FIGURE_ASPECT times as wide as high (two panels of
# someone lying down), across most of the card beside its dose, up to WIDE_PRINT_MM wide; neither taller than its
# *_MAX_HEIGHT_MM (print_width_mm). Arrowheads are sized so that they are at least
# MIN_ARROWHEAD_MM long on paper at that width.
WIDE_FIGURE_ASPECT = 2.2
NARROW_PRINT_MM, NARROW_MAX_HEIGHT_MM = 64.0, 38.0
WIDE_PRINT_MM, WIDE_MAX_HEIGHT_MM = 110.0, 30.0
MIN_ARROWHEAD_MM = 4.0

# Arrows (units): at least this big; bigger where the figure prints small.
HEAD_LENGTH, HEAD_HALF_WIDTH = 11.0, 7.5
SHAFT = 4.0
MIN_MOTION_ARROW = 24.0     # motion arrows shorter than this are stretched at both ends

MARGIN = 9.0
PANEL_GAP = 16.0
# Width / height of one panel: a standing figure gets some room at its sides; someone lying down
# is drawn as wide as they are, not padded with sky (their two panels then span the card).
MIN_ASPECT, MAX_ASPECT = 0.85, 2.6

_ACCENT = re.compile(r"^#[0-9a-fA-F]{6}$")

# Advice pictures: a badge left of the picture says "do this" (a tick) or "not this" (a cross).
# Both are white on a dark disc, so they read in greyscale and by shape alone.
MARK_COLOURS = {"do": "#1e6b34", "avoid": "#b3141b"}

# The joint a point swings around, for motion arrows.
_PARENT = {"knee": "hip", "ankle": "knee", "heel": "knee", "toe": "ankle", "elbow": "shoulder",
           "wrist": "elbow", "hand": "shoulder", "hip": "pelvis", "head": "pelvis",
           "neck": "pelvis", "chest": "pelvis", "waist": "pelvis"}


@dataclass(frozen=True)
class _Panel:
    figure: Figure
    shapes_back: tuple[Shape, ...]
    shapes_front: tuple[Shape, ...]
    arrows: tuple[Shape, ...]


@dataclass(frozen=True)
class _Layout:
    left: float     # picture x of the left edge of the first panel
    top: float      # picture y of the top edge (y grows upwards)
    panel_width: float
    height: float
    count: int

    @property
    def width(self) -> float:
        return self.panel_width * self.count + PANEL_GAP * (self.count - 1)


class PanelLayout(NamedTuple):
    """Where the panels of a figure are, as fractions of the figure's printed width."""

    count: int  # type: ignore[assignment]  # 1 (a hold) or 2 (start and finish); shadows tuple.count()
    panel_width: float      # width of each panel (all panels are equally wide)
    gap: float              # the gap between two panels (0 with one panel)
    width: float            # the viewBox's width and height (print_width_mm takes them)
    height: float


def print_width_mm(width: float, height: float) -> float:
    """How wide the handout prints a figure whose viewBox is ``width`` by ``height``."""
    aspect = width / height
    if aspect >= WIDE_FIGURE_ASPECT:
        return min(WIDE_PRINT_MM, WIDE_MAX_HEIGHT_MM * aspect)
    return min(NARROW_PRINT_MM, NARROW_MAX_HEIGHT_MM * aspect)


def panel_layout(figure: Illustration | str) -> PanelLayout:
    """The panels of an illustration, or of an SVG drawn by :func:`render_svg`.

    The handout centres a caption ("Start", "Finish") under each panel: panel ``i`` (from 0)
    spans ``i * (panel_width + gap)`` to that plus ``panel_width`` of the figure's width.
    """
    svg = render_svg(figure) if isinstance(figure, Illustration) else figure
    head = svg[:svg.index(">")]
    panels = re.search(r' data-panels="(\d+)"', head)
    box = re.search(r' viewBox="-?[\d.]+ 0 ([\d.]+) ([\d.]+)"', head)
    if panels is None or box is None:
        raise ValueError("not an SVG drawn by render_svg: no data-panels or viewBox")
    count = int(panels.group(1))
    width, height = (float(v) for v in box.groups())
    gap = PANEL_GAP / width if count > 1 else 0.0
    return PanelLayout(count, (1 - gap * (count - 1)) / count, gap, width, height)


def figure_colours(accent: str = DEFAULT_ACCENT, *, greyscale: bool = False) -> dict[str, str]:
    """The colours a figure is drawn in: ``working`` (and the far side's ``far_working``),
    ``body``, ``far_body``, ``outline``, ``far_outline`` and ``arrow``."""
    if greyscale:
        accent = _grey(relative_luminance(accent))
    far_working = accent
    if contrast_ratio(accent) >= MIN_ACCENT_CONTRAST:
        low, high = 0.0, 1.0   # the lightest tint of the accent that keeps the bar on white
        for _ in range(12):
            middle = (low + high) / 2
            if contrast_ratio(_mix(accent, WHITE, middle)) >= MIN_ACCENT_CONTRAST:
                low = middle
            else:
                high = middle
        far_working = _mix(accent, WHITE, low)
    return {"working": accent, "far_working": far_working, "body": BODY_FILL, "far_body": FAR_FILL,
            "outline": OUTLINE, "far_outline": FAR_OUTLINE, "arrow": accent}


def render_svg(illustration: Illustration, *, accent: str = DEFAULT_ACCENT,
               title: str | None = None, greyscale: bool = False, mark: str | None = None,
               print_scale: float = 1.0) -> str:
    """Draw ``illustration`` as an inline ``<svg>`` element (no XML declaration).

    The SVG has a ``viewBox`` and no fixed size (it fills the width of its container), a
    ``<title>`` with ``title`` or the illustration's alt text, ``role="img"`` and
    ``data-panels`` (1 or 2; :func:`panel_layout` says where they are). Panels carry no numbers or
    words: the handout captions them. The working body parts and the arrows use ``accent``
    (``#rrggbb``); with ``greyscale`` they use the grey of the accent's lightness, and the
    figure has no colour at all. Arrowheads are at least MIN_ARROWHEAD_MM long at the width
    the handout prints the figure (:func:`print_width_mm`). ``mark`` (``"do"`` or ``"avoid"``,
    for advice pictures) adds a tick or a cross badge in a column left of the picture, so it
    never hides the body. ``print_scale`` says the handout prints it that much smaller or larger
    than :func:`print_width_mm` (compact, large print): arrowheads stay at least MIN_ARROWHEAD_MM.
    The same input always gives the same string.
    """
    if mark is not None and mark not in MARK_COLOURS:
        raise ValueError(f"mark: must be one of {', '.join(MARK_COLOURS)}, not {mark!r}")
    if not isinstance(accent, str) or not _ACCENT.match(accent):
        raise ValueError(f"accent: must be a colour like #1d6fb8, not {accent!r}")
    colours = figure_colours(accent.lower(), greyscale=greyscale)
    head = HEAD_LENGTH
    for _ in range(4):   # arrows big enough on paper; bigger arrows may widen the figure a little
        panels = _build_panels(illustration, head)
        layout = _layout(panels)
        printed = print_width_mm(layout.width, layout.height) * print_scale
        needed = MIN_ARROWHEAD_MM * 1.05 * layout.width / printed
        if not illustration.arrows or needed <= head:
            break
        head = math.ceil(needed * 2) / 2
    pw, ph = layout.panel_width, layout.height

    text = title if title is not None else illustration.alt
    badge = 0.1 * max(pw, ph) if mark else 0.0   # the badge's radius
    column = 2 * badge + 4 if mark else 0.0
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{_n(-column)} 0 {_n(layout.width + column)} {_n(ph)}" '
        f'role="img" class="exercise-illustration" data-panels="{len(panels)}" '
        f'stroke-linecap="round" stroke-linejoin="round">',
        f"<title>{escape(text, quote=True)}</title>",
    ]
    highlight = set(illustration.highlight)
    view = illustration.view
    drawn: list[list[_Mark]] = []
    for index, panel in enumerate(panels):
        shift = index * (pw + PANEL_GAP)

        def at(p: Point, shift: float = shift) -> str:
            return f"{_n(p[0] - layout.left + shift)} {_n(layout.top - p[1])}"

        marks: list[_Mark] = []
        if view != "top" and not illustration.elevation:
            marks.append(_mark(Shape("path", ((layout.left + 2, 0.0), (layout.left + pw - 2, 0.0)),
                                     stroke=FLOOR, width=2.0), at))
        marks.extend(_mark(s, at) for s in panel.shapes_back)
        marks.extend(_figure_marks(panel.figure, view, highlight, colours, at))
        marks.extend(_mark(s, at) for s in panel.shapes_front)
        marks.extend(_mark(_recolour(s, colours["arrow"]), at) for s in panel.arrows)
        drawn.append(marks)
    if len(panels) == 1:
        out.extend(_merged(drawn[0]))
    else:
        # The panels never overlap (each keeps a margin inside its own width), so their drawings
        # are interleaved, each in its own order, and the same element of both becomes one.
        out.extend(_merged(_interleaved(drawn[0], drawn[1])))
        mid = pw + PANEL_GAP / 2
        out.append(f'<path d="M{_n(mid)} {_n(ph * 0.1)}V{_n(ph * 0.9)}" stroke="{DIVIDER}" '
                   f'stroke-width="1.2"/>')
    if mark:
        out.append(_badge(mark, -badge - 2, badge + 2, badge, greyscale))
    out.append("</svg>")
    return "".join(out)


def _layout(panels: list[_Panel]) -> _Layout:
    """Equal panels, each the drawing plus a margin, neither too tall nor too wide."""
    x0, y0, x1, y1 = _extent(panels)
    cw, ch = x1 - x0 + 2 * MARGIN, y1 - y0 + 2 * MARGIN
    pw = max(cw, ch * MIN_ASPECT)
    ph = max(ch, pw / MAX_ASPECT)
    return _Layout(left=x0 - MARGIN - (pw - cw) / 2, top=y1 + MARGIN + (ph - ch) / 2,
                   panel_width=pw, height=ph, count=len(panels))


def _badge(mark: str, cx: float, cy: float, r: float, greyscale: bool = False) -> str:
    """A dark disc with a white tick ("do") or a white cross ("avoid")."""
    k, w = r * 0.45, r * 0.26
    if mark == "avoid":
        glyph = (f"M{_n(cx - k)} {_n(cy - k)}L{_n(cx + k)} {_n(cy + k)}"
                 f"M{_n(cx + k)} {_n(cy - k)}L{_n(cx - k)} {_n(cy + k)}")
    else:
        glyph = (f"M{_n(cx - k)} {_n(cy + k * 0.05)}L{_n(cx - k * 0.25)} {_n(cy + k * 0.75)}"
                 f"L{_n(cx + k)} {_n(cy - k * 0.6)}")
    return (f'<g class="mark" data-mark="{mark}"><circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r)}" '
            f'fill="{figure_colours(MARK_COLOURS[mark], greyscale=greyscale)["working"]}"/>'
            f'<path d="{glyph}" fill="none" stroke="{WHITE}" stroke-width="{_n(w)}"/></g>')


# -- posing and placing --------------------------------------------------------------------------

def surface_height(illustration: Illustration) -> float:
    """Height of what the body rests on: the top of the mat or the bed, or the floor."""
    if any(p.type == "bed" for p in illustration.props) and illustration.view != "top":
        return BED_HEIGHT
    has_mat = any(p.type == "mat" for p in illustration.props)
    return MAT_THICKNESS if has_mat and illustration.view != "top" else 0.0


def _solved(pose: Pose, view: str, elevation: float, turn: float = 0.0) -> dict[str, float]:
    """The pose's angles, with ``pose.solve`` adjusted so both ground parts touch together."""
    angles = pose.angle_map()
    if not pose.solve or len(pose.ground) != 2 or view == "top":
        return angles
    first, second = pose.ground
    names = [f"{side}_{pose.solve}" for side in SIDES] if pose.solve in LIMB_JOINTS else [pose.solve]
    cache: dict[float, float] = {}

    def gap(value: float) -> float:
        if value not in cache:
            trial = dict(angles)
            trial.update((name, value) for name in names)
            fig = pose_figure(trial, view, pose.flat, elevation, turn)
            cache[value] = fig.lowest((first,)) - fig.lowest((second,))
        return cache[value]

    base = angles.get(names[0], 0.0)
    if abs(gap(base)) < 0.05:
        return angles
    bracket: tuple[float, float] | None = None
    for step in range(1, 31):  # the nearest sign change either side of the written angle
        for direction in (1, -1):
            a, b = base + direction * 3 * (step - 1), base + direction * 3 * step
            if gap(a) * gap(b) <= 0:
                bracket = (a, b)
                break
        if bracket:
            break
    if bracket is None:
        return angles
    a, b = bracket
    for _ in range(14):
        mid = (a + b) / 2
        if gap(a) * gap(mid) <= 0:
            b = mid
        else:
            a = mid
    angles.update((name, round((a + b) / 2, 3)) for name in names)
    return angles


def _place(figure: Figure, pose: Pose, view: str, surface: float,
           reference: Figure | None) -> Figure:
    """Move a posed figure onto the floor, or keep its fixed point where the start had it."""
    if pose.fixed and reference is not None:
        (rx, ry), (x, y) = reference.points[pose.fixed], figure.points[pose.fixed]
        return figure.moved(rx - x, ry - y)
    px, py = figure.points["pelvis"]
    if view == "top":
        return figure.moved(-px, -py)
    return figure.moved(-px, (surface + pose.lift - figure.lowest(pose.ground)) * figure.rise)


def posed_panels(illustration: Illustration) -> tuple[list[dict[str, float]], list[Figure]]:
    """Each panel's angles (with ``solve`` applied) and its figure, placed as it is drawn.

    What the picture shows: the movement tags (:mod:`.movement`) are measured on these.
    """
    view, elevation = illustration.view, illustration.elevation
    surface = surface_height(illustration)
    solved = [_solved(p, view, elevation, illustration.turn) for p in illustration.poses]
    figures: list[Figure] = []
    for pose, angles in zip(illustration.poses, solved, strict=True):
        fig = pose_figure(angles, view, pose.flat, elevation, illustration.turn)
        figures.append(_place(fig, pose, view, surface, figures[0] if figures else None))
    return solved, figures


def _build_panels(illustration: Illustration, head: float = HEAD_LENGTH) -> list[_Panel]:
    view, elevation = illustration.view, illustration.elevation
    surface = surface_height(illustration)
    solved, figures = posed_panels(illustration)
    extent = _union([_figure_bounds(f) for f in figures])
    back = [s for prop in illustration.props   # (a band's door is furniture; the band is not)
            for s in fixed_shapes(prop, figures, view, elevation, surface, extent)]
    panels = []
    for index, fig in enumerate(figures):
        front = [s for prop in illustration.props if prop.type in FRONT_PROPS
                 for s in body_shapes(prop, fig, figures[prop.get("panel", 1) - 1])]
        arrows = [s for arrow in illustration.arrows if arrow.panel == index + 1
                  for s in _arrow(arrow, illustration, solved, figures, index, surface, head)]
        panels.append(_Panel(fig, tuple(back), tuple(front), tuple(arrows)))
    return panels


# -- arrows --------------------------------------------------------------------------------------

def _arrow(arrow: Arrow, illustration: Illustration, solved: list[dict[str, float]],
           figures: list[Figure], index: int, surface: float,
           head: float = HEAD_LENGTH) -> list[Shape]:
    if arrow.direction is not None:
        x, y = figures[index].points[arrow.point]
        dx, dy = math.cos(math.radians(arrow.direction)), math.sin(math.radians(arrow.direction))
        start = (x + dx * arrow.offset, y + dy * arrow.offset)
        end = (start[0] + dx * arrow.length, start[1] + dy * arrow.length)
        return _arrow_shapes([start, end], arrow.both, head)
    end_pose = illustration.end
    assert end_pose is not None
    view = illustration.view
    pivot = arrow.pivot or _pivot(arrow.point)
    path: list[Point] = []
    steps = 10
    for i in range(steps + 1):
        t = i / steps
        angles = {k: solved[0].get(k, 0.0) * (1 - t) + solved[1].get(k, 0.0) * t
                  for k in set(solved[0]) | set(solved[1])}
        fig = pose_figure(angles, view, end_pose.flat if t > 0.5 else illustration.start.flat,
                          illustration.elevation, illustration.turn)
        fig = _place(fig, end_pose, view, surface, figures[0])
        px, py = fig.points[arrow.point]
        if pivot:
            cx, cy = fig.points[pivot]
            dist = math.hypot(px - cx, py - cy) or 1.0
            path.append((px + (px - cx) / dist * arrow.offset, py + (py - cy) / dist * arrow.offset))
        else:
            path.append((px, py))
    if not pivot:
        (ax, ay), (bx, by) = path[0], path[-1]
        dist = math.hypot(bx - ax, by - ay) or 1.0
        nx, ny = -(by - ay) / dist, (bx - ax) / dist   # left of the direction of travel
        path = [(x + nx * arrow.offset, y + ny * arrow.offset) for x, y in path]
    return _arrow_shapes(_lengthen(_trim(path), max(MIN_MOTION_ARROW, 2.2 * head)), arrow.both, head)


def _lengthen(path: list[Point], minimum: float) -> list[Point]:
    """Stretch a short path at both ends, along its end directions, to ``minimum`` units.

    A point that moves only a little (a hip hiking up, toes pointing) still gets an arrow long
    enough to read at print size.
    """
    length = sum(math.hypot(b[0] - a[0], b[1] - a[1]) for a, b in zip(path, path[1:], strict=False))
    if length >= minimum or length < 0.5:
        return path
    extra = (minimum - length) / 2
    (ax, ay), (bx, by) = path[0], path[-1]

    def unit(p: Point, q: Point) -> tuple[float, float]:
        d = math.hypot(q[0] - p[0], q[1] - p[1]) or 1.0
        return (q[0] - p[0]) / d, (q[1] - p[1]) / d

    ux, uy = unit(path[1], path[0])     # backwards off the start
    vx, vy = unit(path[-2], path[-1])   # forwards off the end
    return [(ax + ux * extra, ay + uy * extra), *path, (bx + vx * extra, by + vy * extra)]


def _pivot(point: str) -> str | None:
    side, _, joint = point.partition("_")
    if joint in _PARENT:
        parent = _PARENT[joint]
        return parent if parent == "pelvis" else f"{side}_{parent}"
    return _PARENT.get(point)


def _trim(path: list[Point]) -> list[Point]:
    """Drop points closer than 1.5 units to the previous one (keeps the arrow head steady)."""
    kept = [path[0]]
    for p in path[1:]:
        if math.hypot(p[0] - kept[-1][0], p[1] - kept[-1][1]) >= 1.5:
            kept.append(p)
    if len(kept) == 1:
        kept.append(path[-1])
    return kept


def _arrow_shapes(path: list[Point], both: bool, head: float = HEAD_LENGTH) -> list[Shape]:
    """A thick line along ``path`` with a filled head ``head`` long at the end (and the start if
    ``both``); the head's width and the line grow with it."""
    scale = head / HEAD_LENGTH
    head_len, head_half, shaft_width = head, HEAD_HALF_WIDTH * scale, SHAFT * min(scale, 1.4)
    path = list(path)
    heads: list[Shape] = []
    for at_start in ((False, True) if both else (False,)):
        seq = path[::-1] if at_start else path
        tip = seq[-1]
        # direction from a point about one head length back
        back = seq[0]
        for p in reversed(seq[:-1]):
            back = p
            if math.hypot(tip[0] - p[0], tip[1] - p[1]) >= head_len:
                break
        dx, dy = tip[0] - back[0], tip[1] - back[1]
        dist = math.hypot(dx, dy) or 1.0
        ux, uy = dx / dist, dy / dist
        base = (tip[0] - ux * head_len, tip[1] - uy * head_len)
        heads.append(Shape("path", (tip, (base[0] - uy * head_half, base[1] + ux * head_half),
                                    (base[0] + uy * head_half, base[1] - ux * head_half)),
                           "ACCENT", "ACCENT", 1.5, True))
        # shorten the line so its round end hides under the head
        cut = (tip[0] - ux * head_len * 0.7, tip[1] - uy * head_len * 0.7)
        seq = [p for p in seq[:-1] if math.hypot(tip[0] - p[0], tip[1] - p[1]) > head_len * 0.7] + [cut]
        path = seq[::-1] if at_start else seq
    shaft = Shape("path", tuple(path), stroke="ACCENT", width=shaft_width)
    halos = [Shape(shaft.kind, shaft.points, "none", WHITE, shaft_width + 2 * HALO),
             *(Shape(h.kind, h.points, WHITE, WHITE, h.width + 2 * HALO, True) for h in heads)]
    return [*halos, shaft, *heads]


def _recolour(shape: Shape, accent: str) -> Shape:
    def c(value: str) -> str:
        return accent if value == "ACCENT" else value
    return Shape(shape.kind, shape.points, c(shape.fill), c(shape.stroke), shape.width,
                 shape.closed, shape.radius)


# -- geometry helpers ----------------------------------------------------------------------------

def _figure_bounds(figure: Figure) -> tuple[float, float, float, float]:
    xs0, ys0, xs1, ys1 = [], [], [], []
    for part in figure.parts:
        for x, y in part.points:
            xs0.append(x - part.radius)
            xs1.append(x + part.radius)
            ys0.append(y - part.radius)
            ys1.append(y + part.radius)
    return min(xs0), min(ys0), max(xs1), max(ys1)


def _union(boxes: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def _extent(panels: list[_Panel]) -> tuple[float, float, float, float]:
    boxes = []
    for panel in panels:
        boxes.append(_figure_bounds(panel.figure))
        boxes.extend(s.bounds() for s in (*panel.shapes_back, *panel.shapes_front, *panel.arrows))
    x0, y0, x1, y1 = _union(boxes)
    return x0, min(y0, 0.0), x1, y1


# -- SVG -----------------------------------------------------------------------------------------

def _n(value: float) -> str:
    """A number with at most one decimal, without a trailing .0 (and never -0)."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _grey(luminance: float) -> str:
    """The grey of WCAG relative ``luminance`` (what a greyscale print of a colour looks like)."""
    channel = luminance * 12.92 if luminance <= 0.0031308 else 1.055 * luminance ** (1 / 2.4) - 0.055
    return "#" + f"{round(channel * 255):02x}" * 3


def _mix(colour: str, toward: str, amount: float) -> str:
    a = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(toward[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * amount):02x}" for x, y in zip(a, b, strict=True))


def _svg(shape: Shape, at) -> str:
    style = f'fill="{shape.fill}"'
    if shape.stroke != "none":
        style += f' stroke="{shape.stroke}" stroke-width="{_n(shape.width)}"'
    if shape.kind == "circle":
        x, y = at(shape.points[0]).split()
        return f'<circle cx="{x}" cy="{y}" r="{_n(shape.radius)}" {style}/>'
    if shape.kind == "loop":
        return f'<path d="{_loop_d(shape, at)}" {style}/>'
    d = "M" + "L".join(at(p) for p in shape.points) + ("Z" if shape.closed else "")
    return f'<path d="{d}" {style}/>'


def _loop_d(shape: Shape, at) -> str:
    (ax, ay), (bx, by) = shape.points
    r = shape.radius
    dist = math.hypot(bx - ax, by - ay)
    if dist < 0.5:
        x, y = at((ax, ay)).split()
        return (f"M{_n(float(x) - r)} {y}a{_n(r)} {_n(r)} 0 1 0 {_n(2 * r)} 0"
                f"a{_n(r)} {_n(r)} 0 1 0 {_n(-2 * r)} 0Z")
    nx, ny = -(by - ay) / dist * r, (bx - ax) / dist * r
    p1, p2 = at((ax + nx, ay + ny)), at((bx + nx, by + ny))
    p3, p4 = at((bx - nx, by - ny)), at((ax - nx, ay - ny))
    return f"M{p1}L{p2}A{_n(r)} {_n(r)} 0 0 0 {p3}L{p4}A{_n(r)} {_n(r)} 0 0 0 {p1}Z"


# Drawing cost: WeasyPrint pays a fixed price for every SVG element it paints (graphics state,
# colours, line style, about a quarter of a millisecond), so neighbouring elements with the same
# paint are drawn as one <path> with several subpaths. Only neighbours are merged, so the
# painting order, and the picture, stay the same. (Drawing body parts as filled outlines so
# that more of them could share a path was tried and is slower: WeasyPrint parses path points
# one by one, and an outline has many more points than the stroke it replaces.)

@dataclass(frozen=True)
class _Mark:
    """One element to draw: ``svg`` markup as is, or a path ``d`` with paint ``style``.

    Paths with a ``style`` may be merged with neighbours of the same ``style``: they are either
    stroked only (the stroke of several subpaths is the union of their strokes) or convex
    outlines wound the same way, filled and stroked in one colour (their non-zero fill is then
    the union of their fills).
    """

    svg: str = ""
    d: str = ""
    style: str = ""
    union: bool = False   # same-style neighbours in the same panel may join this path


def _mark(shape: Shape, at) -> _Mark:
    if shape.kind == "path":
        d = "M" + "L".join(at(p) for p in shape.points) + ("Z" if shape.closed else "")
        style = f'fill="{shape.fill}"'
        if shape.stroke != "none":
            style += f' stroke="{shape.stroke}" stroke-width="{_n(shape.width)}"'
        return _Mark(d=d, style=style, union=shape.fill == "none" and shape.stroke != "none")
    return _Mark(svg=_svg(shape, at))


def _merged(marks: list[_Mark]) -> list[str]:
    """The marks as SVG elements, runs of neighbours with the same style as one ``<path>``."""
    out: list[str] = []
    run: list[str] = []
    style, union = "", False
    for mark in (*marks, _Mark(svg="")):
        if run and not (union and mark.union and mark.style == style):
            out.append(f'<path d="{"".join(run)}" {style}/>')
            run = []
        if mark.style:
            style, union = mark.style, mark.union
            run.append(mark.d)
        elif mark.svg:
            out.append(mark.svg)
    return out


def _interleaved(first: list[_Mark], second: list[_Mark]) -> list[_Mark]:
    """The marks of two panels that do not overlap, each panel's in its own order.

    Paths of the same style, one from each panel, are paired up (a longest common subsequence of
    the two style sequences) and become one mark: each panel still paints in its own order, and
    what one panel paints never covers the other, so the picture is the same.
    """
    n, m = len(first), len(second)
    same = [[bool(a.style) and a.style == b.style for b in second] for a in first]
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best[i][j] = best[i + 1][j + 1] + 1 if same[i][j] else max(best[i + 1][j], best[i][j + 1])
    out: list[_Mark] = []
    i = j = 0
    while i < n and j < m:
        if same[i][j] and best[i][j] == best[i + 1][j + 1] + 1:
            a, b = first[i], second[j]
            out.append(_Mark(d=a.d + b.d, style=a.style, union=a.union and b.union))
            i, j = i + 1, j + 1
        elif best[i + 1][j] >= best[i][j + 1]:
            out.append(first[i])
            i += 1
        else:
            out.append(second[j])
            j += 1
    return out + first[i:] + second[j:]


def _figure_marks(figure: Figure, view: str, highlight: set[str], colours: dict[str, str],
                  at) -> list[_Mark]:
    """The body, group by group from the back: each group's outline, then its fill."""
    groups: dict[str, list[Part]] = {}
    for part in figure.parts:
        groups.setdefault(part.group, []).append(part)
    order = sorted(groups, key=lambda g: (round(groups[g][0].depth, 3), g != "torso", g))
    out: list[_Mark] = []
    for name in order:
        parts = groups[name]
        far = "far_" if name.startswith("far_") and view == "side" else ""
        for part in parts:
            out.append(_part_mark(part, colours[f"{far}outline"], 2 * OUTLINE_WIDTH, at))
        for part in parts:
            role = "working" if part.name in highlight else "body"
            out.append(_part_mark(part, colours[f"{far}{role}"], 0.0, at))
    return out


def _part_mark(part: Part, colour: str, grow: float, at) -> _Mark:
    if part.kind == "head":
        x, y = at(part.points[0]).split()
        return _Mark(svg=f'<circle cx="{x}" cy="{y}" r="{_n(part.radius + grow / 2)}" fill="{colour}"/>')
    width = _n(2 * part.radius + grow)
    d = "M" + "L".join(at(p) for p in part.points)
    if part.kind == "blob":   # convex hulls, all wound the same way: merging keeps their union
        return _Mark(d=d + "Z", style=f'fill="{colour}" stroke="{colour}" stroke-width="{width}"', union=True)
    return _Mark(d=d, style=f'fill="none" stroke="{colour}" stroke-width="{width}"', union=True)
