"""The moving figure for the phone page: one panel, start to finish and back, with SVG SMIL."""

from __future__ import annotations

import re
import statistics
import tomllib
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest

from prescribe.illustration import Illustration, parse_illustration, render_motion_svg
from prescribe.illustration.render import posed_panels
from prescribe.illustration.skeleton import HEAD_RADIUS

ROOT = Path(__file__).resolve().parents[1] / "exercises_db"
FILES = sorted((ROOT / "illustrations").glob("*.toml"))
SVG = "{http://www.w3.org/2000/svg}"
TOKEN = re.compile(r"[A-Za-z]|-?\d*\.?\d+")
MAX_BYTES = 16_000


@cache
def _load(path: Path) -> Illustration:
    return parse_illustration(path.stem, tomllib.loads(path.read_text(encoding="utf-8")))


MOVEMENTS = [p for p in FILES if _load(p).panels == 2]
HOLDS = [p for p in FILES if _load(p).panels == 1]


@cache
def _motion(path: Path) -> str:
    svg = render_motion_svg(_load(path), accent="#C0392B")
    assert svg is not None
    return svg


def _shape(d: str) -> tuple[str, int]:
    """A path's command letters in order, and its count of numbers."""
    tokens = TOKEN.findall(d)
    return "".join(t for t in tokens if t.isalpha()), sum(1 for t in tokens if not t.isalpha())


def _vertices(d: str) -> list[tuple[float, float]]:
    """The end points of a path's commands (M, L, relative l and a, Z), in absolute coordinates."""
    tokens = TOKEN.findall(d)
    points: list[tuple[float, float]] = []
    x = y = 0.0
    command, i = "", 0
    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
            if command in "Zz":
                continue
        count = {"M": 2, "L": 2, "l": 2, "a": 7, "A": 7}[command]
        args = [float(t) for t in tokens[i:i + count]]
        i += count
        if command in "ML":
            x, y = args
        elif command == "A":
            x, y = args[5:]
        else:
            x, y = x + args[-2], y + args[-1]
        points.append((x, y))
    return points


def _parents(root: ET.Element) -> dict[ET.Element, ET.Element]:
    return {child: parent for parent in root.iter() for child in parent}


def test_a_hold_has_nothing_to_move() -> None:
    assert HOLDS, "the catalog has holds"
    for path in HOLDS:
        assert render_motion_svg(_load(path)) is None, path.stem


@pytest.mark.parametrize("path", MOVEMENTS, ids=lambda p: p.stem)
def test_movement_is_one_moving_panel(path: Path) -> None:
    illustration = _load(path)
    svg = _motion(path)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("class") == "exercise-motion"
    assert root.get("data-motion") == "1"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == illustration.alt
    # The site's CSP forbids inline style: nothing may need it.
    for element in root.iter():
        assert element.tag != f"{SVG}style"
        assert "style" not in element.attrib
    tags = {el.tag.removeprefix(SVG) for el in root.iter()}
    assert tags <= {"svg", "title", "path", "circle", "animate"}
    assert "#c0392b" in svg                     # the working parts in the accent
    assert "marker" not in svg and "#2b2b2b" in svg    # no arrows; the dark outline
    # Coordinates with at most one decimal (keyTimes are fractions of the cycle).
    for element in root.iter():
        for name in ("d", "cx", "cy", "values"):
            assert not re.search(r"\d\.\d\d", element.get(name, "")), (element.tag, name)

    _assert_animations(root)


def _assert_animations(root: ET.Element) -> None:
    """Every animation starts on the page's signal, repeats, rests at the start and the finish,
    starts from what the element shows without script, and morphs between alike paths."""
    animations = root.findall(f".//{SVG}animate")
    assert animations, "something moves"
    parents = _parents(root)
    _, _, width, height = map(float, root.get("viewBox", "").split())
    for animation in animations:
        assert animation.get("begin") == "indefinite"     # the page's script starts it
        assert animation.get("repeatCount") == "indefinite"
        assert animation.get("dur")
        values = animation.get("values", "").split(";")
        times = [float(t) for t in animation.get("keyTimes", "").split(";")]
        assert len(values) == len(times) == 11      # 5 frames there and back, resting at both ends
        assert times[0] == 0 and times[-1] == 1 and times == sorted(times)
        assert values[0] == values[1] and values[5] == values[6]   # the rests
        assert values[1:6] == values[6:][::-1]     # there and back through the same frames
        parent = parents[animation]
        name = animation.get("attributeName", "")
        assert values[0] == parent.get(name), "the element shows the start pose without script"
        if name == "d":
            shapes = {_shape(v) for v in values}
            assert len(shapes) == 1, f"frames must share one path structure: {shapes}"
            for value in values:     # every frame stays in the picture
                for x, y in _vertices(value):
                    assert -0.1 <= x <= width + 0.1 and -0.1 <= y <= height + 0.1, (x, y)
        else:
            assert name in ("cx", "cy")


def _head(root: ET.Element, index: int) -> tuple[float, float]:
    """Where the head (filled, not its outline) is at key time ``index``."""
    heads = [c for c in root.iter(f"{SVG}circle") if float(c.get("r", 0)) == HEAD_RADIUS]
    assert len(heads) == 1
    head = heads[0]
    position = []
    for name in ("cx", "cy"):
        animations = [a for a in head.iter(f"{SVG}animate") if a.get("attributeName") == name]
        value = animations[0].get("values", "").split(";")[index] if animations else head.get(name, "")
        position.append(float(value))
    return position[0], position[1]


@pytest.mark.parametrize("path", MOVEMENTS, ids=lambda p: p.stem)
def test_finish_is_where_the_end_panel_puts_the_body(path: Path) -> None:
    """Half way through the cycle the head is where the finish panel of the handout draws it,
    measured from where the start panel draws it (the picture's y grows downwards)."""
    root = ET.fromstring(_motion(path))
    _, figures = posed_panels(_load(path))
    (sx, sy), (ex, ey) = figures[0].points["head"], figures[1].points["head"]
    x0, y0 = _head(root, 0)
    x1, y1 = _head(root, 5)
    assert x1 - x0 == pytest.approx(ex - sx, abs=0.15)
    assert y1 - y0 == pytest.approx(sy - ey, abs=0.15)


def test_a_turning_trunk_keeps_one_path_structure() -> None:
    """Seen from the front, a trunk leaning towards the viewer shows six corners instead of four:
    its outline still has the same points in every frame."""
    leaning = parse_illustration("lean", {
        "alt": "Standing, then leaning forward.", "highlight": ["trunk"], "view": "front",
        "start": {"flat": ["near", "far"]}, "end": {"trunk": 60, "spine": 30, "flat": ["near", "far"],
                                                     "fixed": "near_heel"},
        "arrows": [{"point": "head", "direction": -90, "panel": 2}]})
    svg = render_motion_svg(leaning)
    assert svg is not None
    _assert_animations(ET.fromstring(svg))


def test_frames_and_title() -> None:
    illustration = _load(ROOT / "illustrations" / "bridge.toml")
    svg = render_motion_svg(illustration, frames=3, title='Lift <your> "hips"')
    assert svg is not None
    root = ET.fromstring(svg)
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == 'Lift <your> "hips"'
    for animation in root.iter(f"{SVG}animate"):
        assert len(animation.get("values", "").split(";")) == 7
    with pytest.raises(ValueError, match="frames"):
        render_motion_svg(illustration, frames=1)
    with pytest.raises(ValueError, match="accent"):
        render_motion_svg(illustration, accent="red")


def test_motion_is_deterministic() -> None:
    for path in MOVEMENTS:
        fresh = parse_illustration(path.stem, tomllib.loads(path.read_text(encoding="utf-8")))
        assert render_motion_svg(fresh, accent="#C0392B") == _motion(path), path.stem


def test_motion_is_small() -> None:
    sizes = {path.stem: len(_motion(path).encode()) for path in MOVEMENTS}
    assert max(sizes.values()) <= MAX_BYTES, sorted(sizes.items(), key=lambda item: item[1])[-3:]
    assert statistics.median(sizes.values()) <= MAX_BYTES / 2
