"""Reading and validating one illustration file (``exercises_db/illustrations/<slug>.toml``).

Everything is checked here, so the renderer can trust what it gets. Every error is a
``ValueError("field.path: message")`` naming the field that is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .skeleton import BODY_JOINTS, LIMB_JOINTS, PARTS, POINTS, SIDES, VIEWS

PROP_TYPES: dict[str, str] = {
    "floor": "the floor (always drawn in the side and front views)",
    "mat": "an exercise mat under the body",
    "chair": "a chair whose seat is under the buttocks",
    "wall": "a wall touching a body point",
    "counter": "a counter or table top under a hand",
    "step": "a step under one foot",
    "rail": "a stair rail under a hand, seen end on: a post with the rail on top",
    "pillow": "a pillow under a body part (the head by default)",
    "ball": "a ball centred on a body point",
    "band": "an exercise band looped around one or two limbs, or held from a hand to a knot in a "
            "closed door (to = \"door\") or to another point",
    "belt": "a belt or strap looped around limbs, or held from a hand to a foot",
    "towel": "a towel held from a hand to a foot, or folded against a body point",
    "weight": "an ankle weight strapped to a limb",
    "bike": "an exercise bike fitted to the seat, hands and feet",
    # advice pictures (exercises_db/advice_pictures/)
    "bed": "a bed under the body: the body lies on its mattress",
    "reacher": "a long grabber held in a hand, reaching to the floor",
    # knee, low back and shoulder
    "stick": "a stick (a broom handle) held in both hands, or pushed at one end by one hand",
    "door": "the edge of a doorway at a point: a tall frame from the floor to above the head",
    "dumbbell": "a small hand weight held in one hand",
    "table": "a table top under a hand, at sitting height, drawn with legs",
    "towel_roll": "a rolled towel under a body point (the heel, the knee)",
}

# Which options each prop accepts, with their kinds: "point", "points", "part", "parts", "side",
# "panel", "number", "fraction", "bool", "anchor" (a point or "door") or "band_at" (a fraction
# along the parts a band loops around, or the height of its knot in the door).
PROP_OPTIONS: dict[str, dict[str, str]] = {
    "floor": {},
    "mat": {},
    "chair": {"at": "point", "backrest": "bool", "height": "number", "hold": "point",
              "side": "side", "panel": "panel", "soft": "bool"},
    "wall": {"at": "point", "side": "side", "panel": "panel"},
    "counter": {"at": "point", "side": "side", "panel": "panel"},
    "step": {"at": "part", "height": "number", "panel": "panel"},
    "rail": {"at": "point", "panel": "panel"},
    "pillow": {"at": "part", "along": "fraction", "between": "points", "panel": "panel"},
    "ball": {"at": "point", "radius": "number", "panel": "panel"},
    "band": {"around": "parts", "at": "band_at", "from": "point", "to": "anchor", "side": "side"},
    "belt": {"around": "parts", "at": "fraction", "from": "point", "to": "point"},
    "towel": {"from": "point", "to": "point", "at": "point", "side": "side"},
    "weight": {"around": "parts", "at": "fraction"},
    "bike": {},
    "bed": {},
    "reacher": {"from": "point"},
    "stick": {"from": "point", "to": "point", "length": "number"},
    "door": {"at": "point", "side": "side", "panel": "panel"},
    "dumbbell": {"in": "point"},
    "table": {"at": "point", "side": "side", "panel": "panel"},
    "towel_roll": {"at": "point", "panel": "panel"},
}
REQUIRED_OPTIONS: dict[str, tuple[str, ...]] = {"wall": ("at",), "ball": ("at",), "rail": ("at",),
                                                "reacher": ("from",), "stick": ("from",),
                                                "door": ("at",), "dumbbell": ("in",),
                                                "towel_roll": ("at",)}
DOOR = "door"               # a band's ``to``: a knot in a closed door beside the body
HANDS = ("near_hand", "far_hand")

SIDE_WORDS = ("left", "right", "behind")  # where furniture stands: picture left/right or behind
POSE_KEYS = ("ground", "solve", "fixed", "flat", "lift")
# ``es``: the file's Spanish (its alt text), read and checked by the catalog loader, not here.
TOP_KEYS = ("view", "elevation", "turn", "alt", "highlight", "props", "start", "end", "motion", "arrows", "es")


@dataclass(frozen=True)
class Pose:
    """One position of the body.

    ``angles`` maps full joint names (``near_knee``, ``trunk``) to degrees; joints not listed
    are 0. ``ground`` names the parts that rest on the floor (all parts when empty: the lowest one
    touches), ``solve`` the joint adjusted so that two ground parts touch together (a plain limb
    joint such as ``knee`` moves both sides alike), ``fixed`` the
    point that stays where it was in the start pose, ``flat`` the feet kept flat on the floor
    ("near"/"far") and ``lift`` how far the lowest ground part is above the floor.
    """

    angles: tuple[tuple[str, float], ...]
    ground: tuple[str, ...] = ()
    solve: str | None = None
    fixed: str | None = None
    flat: tuple[str, ...] = ()
    lift: float = 0.0

    def angle_map(self) -> dict[str, float]:
        """The angles as a dict."""
        return dict(self.angles)


@dataclass(frozen=True)
class Prop:
    """One piece of equipment or furniture: its type and its options."""

    type: str
    options: tuple[tuple[str, Any], ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        """The option ``key`` or ``default``."""
        return dict(self.options).get(key, default)


@dataclass(frozen=True)
class Arrow:
    """An arrow in the accent colour.

    A motion arrow (``direction is None``) follows ``point`` from its start to its end position,
    pushed ``offset`` units away from ``pivot`` (the point's parent joint by default). A straight
    arrow (for holds: push, lean, stretch) starts ``offset`` units from ``point`` and points
    ``direction`` degrees (0 = right, 90 = up) for ``length`` units.
    """

    point: str
    panel: int
    offset: float
    direction: float | None = None
    length: float = 20.0
    pivot: str | None = None
    both: bool = False


@dataclass(frozen=True)
class Illustration:
    """A validated illustration: one or two poses, props, highlighted parts and arrows."""

    slug: str
    alt: str
    view: str
    elevation: float
    highlight: tuple[str, ...]
    props: tuple[Prop, ...]
    start: Pose
    end: Pose | None
    arrows: tuple[Arrow, ...]
    turn: float = 0.0   # degrees the camera swings round the body (a three-quarter view)

    @property
    def panels(self) -> int:
        """1 for a held position, 2 for a movement (start and end)."""
        return 1 if self.end is None else 2

    @property
    def poses(self) -> tuple[Pose, ...]:
        """The poses in panel order."""
        return (self.start,) if self.end is None else (self.start, self.end)


def parse_illustration(slug: str, data: dict[str, Any]) -> Illustration:
    """Validate one parsed pose file and return it as an :class:`Illustration`.

    Raises ``ValueError("field.path: message")`` for anything wrong: an unknown key, joint,
    part, point or prop, an angle out of range, a missing start pose, alt text or motion arrow.
    """
    if not isinstance(data, dict):
        raise ValueError("(file): must be a table")
    _no_unknown_keys(data, TOP_KEYS, "")
    view = data.get("view", "side")
    if view not in VIEWS:
        raise ValueError(f"view: must be one of {', '.join(VIEWS)}, not {view!r}")
    elevation = _ranged(data.get("elevation", 0), "elevation", 0, 60)
    if elevation and view == "top":
        raise ValueError("elevation: the top view already looks straight down")
    # the top view turns the picture itself: turn = 90 puts the head of someone lying on the
    # side (who is drawn head up from above) to the left
    turn = _ranged(data.get("turn", 0), "turn", *((-90, 90) if view == "top" else (-60, 60)))
    alt = data.get("alt")
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("alt: missing; describe in plain words what the picture shows")
    if len(alt) > 300:
        raise ValueError("alt: too long (at most 300 characters)")
    highlight = _names(data.get("highlight"), "highlight", PARTS, "part")
    if not highlight:
        raise ValueError("highlight: name at least one working body part")
    props = tuple(_prop(item, f"props[{i}]") for i, item in enumerate(_list(data.get("props", []), "props")))

    if "start" not in data:
        raise ValueError("start: missing; every illustration needs a start pose")
    start = _pose(data["start"], "start", first=True)
    end = _pose(data["end"], "end", first=False) if "end" in data else None
    panels = 1 if end is None else 2

    for i, prop in enumerate(props):
        if prop.get("panel", 1) > panels:
            raise ValueError(f"props[{i}].panel: there is no panel {prop.get('panel')}")
    arrows: list[Arrow] = []
    if "motion" in data:
        if end is None:
            raise ValueError("motion: a motion arrow needs an end pose; use [[arrows]] for a hold")
        motions = data["motion"]
        if isinstance(motions, list):
            if not motions:
                raise ValueError("motion: give at least one motion arrow")
            arrows.extend(_motion(m, f"motion[{i}]") for i, m in enumerate(motions))
        else:
            arrows.append(_motion(motions, "motion"))
    elif end is not None and not data.get("arrows"):
        # a straight arrow may stand in for it when the moving point travels too little to follow
        raise ValueError("motion: missing; a movement (start and end) needs a motion arrow")
    for i, item in enumerate(_list(data.get("arrows", []), "arrows")):
        arrows.append(_straight_arrow(item, f"arrows[{i}]", panels))
    return Illustration(slug=slug, alt=" ".join(alt.split()), view=view, elevation=elevation,
                        highlight=highlight,
                        props=props, start=start, end=end, arrows=tuple(arrows), turn=turn)


# -- pieces --------------------------------------------------------------------------------------

def _pose(raw: Any, path: str, *, first: bool) -> Pose:
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: must be a table of joint angles")
    angles: dict[str, float] = {}
    # Plain limb names ("knee") set both sides; "near_knee" / "far_knee" override one side.
    for key in sorted(raw, key=lambda k: k.startswith(SIDES)):
        if key in POSE_KEYS:
            continue
        value = raw[key]
        side, _, joint = key.partition("_")
        if key in BODY_JOINTS:
            names, low_high = [key], BODY_JOINTS[key]
        elif key in LIMB_JOINTS:
            names, low_high = [f"{s}_{key}" for s in SIDES], LIMB_JOINTS[key]
        elif side in SIDES and joint in LIMB_JOINTS:
            names, low_high = [key], LIMB_JOINTS[joint]
        else:
            raise ValueError(f"{path}.{key}: unknown joint {key!r} (joints: "
                             f"{', '.join(BODY_JOINTS)}, and [near_|far_]{', '.join(LIMB_JOINTS)})")
        number = _number(value, f"{path}.{key}")
        low, high = low_high
        if not low <= number <= high:
            raise ValueError(f"{path}.{key}: {number:g} degrees is outside {low:g}..{high:g}")
        for name in names:
            angles[name] = float(number)
    ground = _names(raw.get("ground"), f"{path}.ground", PARTS, "part")
    if len(ground) > 2:
        raise ValueError(f"{path}.ground: name one or two parts")
    solve = raw.get("solve")
    if solve is not None:
        if not isinstance(solve, str):
            raise ValueError(f"{path}.solve: must be a joint name")
        if solve not in BODY_JOINTS and solve not in LIMB_JOINTS and not (
                solve.partition("_")[0] in SIDES and solve.partition("_")[2] in LIMB_JOINTS):
            raise ValueError(f"{path}.solve: unknown joint {solve!r}")
        if len(ground) != 2:
            raise ValueError(f"{path}.solve: needs two ground parts to bring down together")
    fixed = raw.get("fixed")
    if fixed is not None:
        if first:
            raise ValueError(f"{path}.fixed: only the end pose can keep a point fixed")
        _check_name(fixed, f"{path}.fixed", POINTS, "point")
    flat = _names(raw.get("flat"), f"{path}.flat", SIDES, "side")
    lift = _number(raw.get("lift", 0), f"{path}.lift")
    if not 0 <= lift <= 150:
        raise ValueError(f"{path}.lift: {lift:g} is outside 0..150")
    return Pose(tuple(sorted(angles.items())), ground, solve, fixed, flat, float(lift))


def _prop(raw: Any, path: str) -> Prop:
    if isinstance(raw, str):
        raw = {"type": raw}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: must be a prop name or a table with a type")
    kind = raw.get("type")
    if kind not in PROP_TYPES:
        raise ValueError(f"{path}.type: unknown prop {kind!r} (props: {', '.join(PROP_TYPES)})")
    allowed = PROP_OPTIONS[kind]
    _no_unknown_keys(raw, ("type", *allowed), path)
    for key in REQUIRED_OPTIONS.get(kind, ()):
        if key not in raw:
            raise ValueError(f"{path}.{key}: missing; a {kind} needs it")
    options: list[tuple[str, Any]] = []
    for key in sorted(allowed):
        if key not in raw:
            continue
        value, where, kind_of = raw[key], f"{path}.{key}", allowed[key]
        if kind_of == "point":
            _check_name(value, where, POINTS, "point")
        elif kind_of == "part":
            _check_name(value, where, PARTS, "part")
        elif kind_of == "points":
            value = _names(value, where, POINTS, "point")
            if len(value) != 2:
                raise ValueError(f"{where}: name two points")
        elif kind_of == "parts":
            value = _names(value, where, PARTS, "part")
            if not 1 <= len(value) <= 2:
                raise ValueError(f"{where}: name one or two parts")
        elif kind_of == "side":
            if value not in SIDE_WORDS:
                raise ValueError(f"{where}: must be one of {', '.join(SIDE_WORDS)}")
        elif kind_of == "panel":
            value = _panel(value, where, 2)
        elif kind_of == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"{where}: must be true or false")
        elif kind_of == "anchor":
            if value != DOOR:
                _check_name(value, where, (*POINTS, DOOR), "point or 'door'")
        elif kind_of == "band_at":
            # a fraction along the parts a band loops around, or the knot's height in the door
            value = float(_number(value, where))
            low, high = (10.0, 200.0) if raw.get("to") == DOOR else (0.0, 1.0)
            if not low <= value <= high:
                raise ValueError(f"{where}: {value:g} is outside {low:g}..{high:g}")
        else:
            value = float(_number(value, where))
            low, high = (0.0, 1.0) if kind_of == "fraction" else (1.0, 100.0)
            if not low <= value <= high:
                raise ValueError(f"{where}: {value:g} is outside {low:g}..{high:g}")
        options.append((key, value))
    if kind in ("belt", "towel", "band") and ("from" in raw) != ("to" in raw):
        raise ValueError(f"{path}: give both 'from' and 'to'")
    if kind == "band" and ("around" in raw) == ("from" in raw):
        raise ValueError(f"{path}.around: loop the band around parts, or hold it from a hand to "
                         "a point or the door (from/to), one of the two")
    if kind == "band" and "side" in raw and raw.get("to") != DOOR:
        raise ValueError(f"{path}.side: only a band tied to the door has a side")
    if kind == "stick":
        if ("to" in raw) == ("length" in raw):
            raise ValueError(f"{path}.to: hold the stick from one hand to the other (to), or give "
                             "its length from one hand (length), one of the two")
        if raw["from"] not in HANDS or raw.get("to", "far_hand") not in HANDS:
            raise ValueError(f"{path}.from: a stick is held in the hands (near_hand, far_hand)")
        if raw.get("to") == raw["from"]:
            raise ValueError(f"{path}.to: the other hand than 'from'")
    if kind == "dumbbell" and raw["in"] not in HANDS:
        raise ValueError(f"{path}.in: a dumbbell is held in a hand (near_hand, far_hand)")
    if kind == "door" and raw.get("side") == "behind":
        raise ValueError(f"{path}.side: a doorway edge stands left or right of the point")
    if kind == "belt" and "around" not in raw and "from" not in raw:
        raise ValueError(f"{path}.around: missing; loop the belt around parts or give from/to")
    if kind == "towel" and "from" not in raw and "at" not in raw:
        raise ValueError(f"{path}.from: missing; hold the towel from/to points or fold it at a point")
    return Prop(kind, tuple(options))


def _motion(raw: Any, path: str) -> Arrow:
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: must be a table")
    _no_unknown_keys(raw, ("point", "offset", "pivot", "panel", "both"), path)
    point = raw.get("point")
    if point is None:
        raise ValueError(f"{path}.point: missing; name the point whose path the arrow follows")
    _check_name(point, f"{path}.point", POINTS, "point")
    pivot = raw.get("pivot")
    if pivot is not None:
        _check_name(pivot, f"{path}.pivot", POINTS, "point")
    offset = _ranged(raw.get("offset", 12), f"{path}.offset", -80, 80)
    panel = _panel(raw.get("panel", 2), f"{path}.panel", 2)
    both = _bool(raw.get("both", False), f"{path}.both")
    return Arrow(point=point, panel=panel, offset=offset, pivot=pivot, both=both)


def _straight_arrow(raw: Any, path: str, panels: int) -> Arrow:
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: must be a table")
    _no_unknown_keys(raw, ("point", "direction", "length", "offset", "panel", "both"), path)
    for key in ("point", "direction"):
        if key not in raw:
            raise ValueError(f"{path}.{key}: missing")
    _check_name(raw["point"], f"{path}.point", POINTS, "point")
    return Arrow(
        point=raw["point"],
        panel=_panel(raw.get("panel", panels), f"{path}.panel", panels),
        offset=_ranged(raw.get("offset", 8), f"{path}.offset", -80, 80),
        direction=_ranged(raw["direction"], f"{path}.direction", -360, 360),
        length=_ranged(raw.get("length", 20), f"{path}.length", 6, 80),
        both=_bool(raw.get("both", False), f"{path}.both"),
    )


# -- checks --------------------------------------------------------------------------------------

def _no_unknown_keys(raw: dict[str, Any], allowed: tuple[str, ...], path: str) -> None:
    for key in raw:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            raise ValueError(f"{where}: unknown field (allowed: {', '.join(allowed)})")


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{path}: must be a list")
    return value


def _names(value: Any, path: str, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    for i, name in enumerate(_list(value, path)):
        _check_name(name, f"{path}[{i}]", allowed, what)
    return tuple(value)


def _check_name(value: Any, path: str, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"{path}: unknown {what} {value!r} (choose from {', '.join(allowed)})")


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{path}: must be a number, not {value!r}")
    return float(value)


def _ranged(value: Any, path: str, low: float, high: float) -> float:
    number = _number(value, path)
    if not low <= number <= high:
        raise ValueError(f"{path}: {number:g} is outside {low:g}..{high:g}")
    return number


def _panel(value: Any, path: str, panels: int) -> int:
    if value not in range(1, panels + 1) or isinstance(value, bool):
        raise ValueError(f"{path}: must be a panel number from 1 to {panels}")
    return int(value)


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{path}: must be true or false")
    return value
