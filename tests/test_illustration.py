"""Exercise illustrations: every pose file parses and draws; bad files fail clearly."""

from __future__ import annotations

import copy
import re
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from prescribe.illustration import Illustration, parse_illustration, render_svg

ROOT = Path(__file__).resolve().parents[1] / "exercises_db"
FILES = sorted((ROOT / "illustrations").glob("*.toml"))
SVG = "{http://www.w3.org/2000/svg}"

BRIDGE = {
    "alt": "Lying on your back, then lifting your hips.",
    "highlight": ["pelvis"],
    "props": ["mat"],
    "start": {"trunk": -90, "hip": 45, "knee": 90, "ground": ["trunk", "near_foot"], "solve": "knee"},
    "end": {"trunk": -118, "hip": 0, "knee": 105, "ground": ["trunk", "near_foot"],
            "solve": "trunk", "fixed": "near_heel"},
    "motion": {"point": "pelvis", "offset": -14},
}


def _load(path: Path) -> Illustration:
    return parse_illustration(path.stem, tomllib.loads(path.read_text(encoding="utf-8")))


def test_every_exercise_has_an_illustration() -> None:
    exercises = {p.stem for p in (ROOT / "exercises").glob("*.toml")}
    assert exercises <= {p.stem for p in FILES}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_pose_file_parses_and_renders(path: Path) -> None:
    illustration = _load(path)
    assert illustration.alt.strip()
    assert illustration.panels in (1, 2)
    svg = render_svg(illustration, accent="#C0392B")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert len(root.get("viewBox", "").split()) == 4
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == illustration.alt
    assert root.get("data-panels") == str(illustration.panels)
    assert "#c0392b" in svg
    # Compact and cheap to lay out: simple shapes only.
    tags = {el.tag.removeprefix(SVG) for el in root.iter()}
    assert tags <= {"svg", "title", "g", "path", "circle"}  # no <text>: it would need a font
    assert len(list(root.iter())) < 260


def test_panel_aspect_ratio() -> None:
    from prescribe.illustration.render import MAX_ASPECT, MIN_ASPECT, PANEL_GAP

    for path in FILES:
        illustration = _load(path)
        _, _, width, height = map(float, ET.fromstring(render_svg(illustration)).get("viewBox").split())
        ratio = width / height
        # A panel is between MIN_ASPECT and MAX_ASPECT wide: standing figures get room at their
        # sides, someone lying down is as wide as they are (no sky above them).
        panels = illustration.panels
        low = panels * MIN_ASPECT + (panels - 1) * PANEL_GAP / height
        high = panels * MAX_ASPECT + (panels - 1) * PANEL_GAP / height
        assert low - 0.01 <= ratio <= high + 0.01, path.stem


def test_render_is_deterministic() -> None:
    a = render_svg(parse_illustration("bridge", copy.deepcopy(BRIDGE)))
    b = render_svg(parse_illustration("bridge", copy.deepcopy(BRIDGE)))
    assert a == b


def test_title_is_escaped_and_can_be_replaced() -> None:
    illustration = parse_illustration("bridge", copy.deepcopy(BRIDGE))
    svg = render_svg(illustration, title='Knees <bent> & "hips" up')
    assert ET.fromstring(svg).find(f"{SVG}title").text == 'Knees <bent> & "hips" up'
    assert "<bent>" not in svg


@pytest.mark.parametrize("accent", ["blue", "#12345", "#1234567", "#gggggg", '#123456"/>'])
def test_bad_accent_is_refused(accent: str) -> None:
    with pytest.raises(ValueError, match="accent"):
        render_svg(parse_illustration("bridge", copy.deepcopy(BRIDGE)), accent=accent)


def _broken(change) -> dict:
    data = copy.deepcopy(BRIDGE)
    change(data)
    return data


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d.pop("alt"), "alt"),
    (lambda d: d.update(alt="  "), "alt"),
    (lambda d: d.pop("start"), "start"),
    (lambda d: d.pop("motion"), "motion"),
    (lambda d: d.pop("end"), "motion"),
    (lambda d: d["start"].update(kne=90), "start.kne"),
    (lambda d: d["start"].update(knee=200), "start.knee"),
    (lambda d: d["end"].update(near_hip="90"), "end.near_hip"),
    (lambda d: d["start"].update(fixed="pelvis"), "start.fixed"),
    (lambda d: d["start"].update(ground=["trunk", "tail"]), "start.ground[1]"),
    (lambda d: d["end"].update(solve="wrist"), "end.solve"),
    (lambda d: d.update(props=["mat", "trampoline"]), "props[1].type"),
    (lambda d: d.update(props=[{"type": "band", "around": ["near_thigh"], "at": 2}]), "props[0].at"),
    (lambda d: d.update(props=[{"type": "band"}]), "props[0].around"),
    (lambda d: d.update(props=[{"type": "rail"}]), "props[0].at"),
    (lambda d: d.update(highlight=["tail"]), "highlight[0]"),
    (lambda d: d.update(highlight=[]), "highlight"),
    (lambda d: d.update(view="back"), "view"),
    (lambda d: d.update(colour="red"), "colour"),
    (lambda d: d["motion"].update(point="nose"), "motion.point"),
    (lambda d: d.update(arrows=[{"point": "near_knee"}]), "arrows[0].direction"),
])
def test_invalid_data_names_the_field(change, field: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_illustration("bridge", _broken(change))
    assert str(info.value).startswith(f"{field}:"), str(info.value)


def test_one_panel_hold() -> None:
    data = _broken(lambda d: (d.pop("end"), d.pop("motion")))
    data["arrows"] = [{"point": "pelvis", "direction": 90, "offset": -40}]
    illustration = parse_illustration("bridge", data)
    assert illustration.panels == 1
    root = ET.fromstring(render_svg(illustration))
    assert root.get("data-panels") == "1"


def test_turned_camera_is_validated_and_changes_the_picture() -> None:
    plain = render_svg(parse_illustration("bridge", copy.deepcopy(BRIDGE)))
    turned = render_svg(parse_illustration("bridge", _broken(lambda d: d.update(turn=30))))
    assert turned != plain
    ET.fromstring(turned)
    for change, field in ((lambda d: d.update(turn=75), "turn"),
                          (lambda d: d.update(view="top", turn=120), "turn")):
        with pytest.raises(ValueError) as info:
            parse_illustration("bridge", _broken(change))
        assert str(info.value).startswith(f"{field}:"), str(info.value)


def test_straight_arrow_can_stand_in_for_the_motion_arrow() -> None:
    data = _broken(lambda d: d.pop("motion"))
    data["arrows"] = [{"point": "pelvis", "direction": 90, "offset": -30, "panel": 2}]
    illustration = parse_illustration("bridge", data)
    assert illustration.panels == 2
    ET.fromstring(render_svg(illustration))


def test_short_motion_arrow_is_stretched() -> None:
    from prescribe.illustration.render import MIN_MOTION_ARROW, _lengthen

    path = [(0.0, 0.0), (0.0, 4.0), (0.0, 8.0)]
    longer = _lengthen(path, MIN_MOTION_ARROW)
    assert longer[0] == pytest.approx((0.0, 4.0 - MIN_MOTION_ARROW / 2))
    assert longer[-1] == pytest.approx((0.0, 4.0 + MIN_MOTION_ARROW / 2))
    assert _lengthen([(0.0, 0.0), (30.0, 0.0)], MIN_MOTION_ARROW) == [(0.0, 0.0), (30.0, 0.0)]


def test_sideways_chair_draws_its_backrest_behind_the_body() -> None:
    seated = {"alt": "Sitting sideways on a chair.", "highlight": ["pelvis"],
              "start": {"hip": 90, "knee": 90, "flat": ["near", "far"]}}
    plain = render_svg(parse_illustration("sit", {**copy.deepcopy(seated), "props": ["chair"]}))
    sideways = render_svg(parse_illustration(
        "sit", {**copy.deepcopy(seated), "props": [{"type": "chair", "side": "behind"}]}))
    assert sideways != plain

    def pieces(svg: str) -> int:  # subpaths: neighbours with the same paint share one <path>
        return sum(d.count("M") for d in re.findall(r' d="([^"]*)"', svg))

    assert pieces(sideways) == pieces(plain)  # legs, seat and one backrest frame


def _subpaths(svg: str) -> list[tuple[str, str]]:
    """(paint, subpath) of every path in ``svg``, with coordinates, in document order."""
    out = []
    for d, paint in re.findall(r'<path d="([^"]*)"([^/]*)/>', svg):
        out.extend((paint.strip(), "M" + sub) for sub in d.split("M")[1:])
    return out


def test_same_paint_is_merged_without_losing_or_reordering_shapes(monkeypatch) -> None:
    from prescribe.illustration import render

    illustration = parse_illustration("bridge", copy.deepcopy(BRIDGE))
    merged = render_svg(illustration)
    # The same drawing with every shape as its own element, panel after panel.
    monkeypatch.setattr(render, "_interleaved", lambda first, second: [*first, *second])
    monkeypatch.setattr(render, "_merged", lambda marks: [
        m.svg or f'<path d="{m.d}" {m.style}/>' for m in marks])
    separate = render_svg(illustration)
    assert merged.count("<path") < separate.count("<path") * 0.7
    assert sorted(_subpaths(merged)) == sorted(_subpaths(separate))
    assert merged.count("<circle") == separate.count("<circle")
    assert merged.count("<text") == separate.count("<text")

    def panel_order(svg: str, panel: int) -> list[tuple[str, str]]:
        width = float(ET.fromstring(svg).get("viewBox").split()[2])
        first = [s for s in _subpaths(svg) if "V" not in s[1]]   # not the divider between panels
        return [s for s in first if (float(s[1][1:].split()[0]) < width / 2) == (panel == 1)]

    # Within each panel the shapes keep their painting order.
    for panel in (1, 2):
        assert panel_order(merged, panel) == panel_order(separate, panel)


def test_panels_carry_no_numbers_and_their_layout_is_public() -> None:
    """The handout captions each panel ("Start", "Finish") itself, centred under the panel."""
    from prescribe.illustration.render import PANEL_GAP, panel_layout

    illustration = parse_illustration("bridge", copy.deepcopy(BRIDGE))
    svg = render_svg(illustration)
    root = ET.fromstring(svg)
    assert not [g for g in root.iter(f"{SVG}g")]            # no numbered panel groups
    assert "#6b6b6b" not in svg                              # nor the old number grey
    layout = panel_layout(svg)
    assert layout == panel_layout(illustration)
    width = float(root.get("viewBox").split()[2])
    assert layout.count == 2
    assert layout.gap == pytest.approx(PANEL_GAP / width)
    assert 2 * layout.panel_width + layout.gap == pytest.approx(1.0)
    # The divider between the panels is in the middle of the gap.
    (divider,) = [d for d in re.findall(r' d="([^"]*)"', svg) if "V" in d]
    assert float(divider[1:].split()[0]) / width == pytest.approx(0.5, abs=0.001)
    assert (layout.width, layout.height) == tuple(map(float, ET.fromstring(svg).get("viewBox").split()[2:]))
    hold = parse_illustration("bridge", _broken(lambda d: (d.pop("end"), d.pop("motion"))))
    assert panel_layout(hold)[:3] == (1, 1.0, 0.0)


def _arrowheads(svg: str, colour: str) -> list[float]:
    """Length (tip to the middle of the base, in viewBox units) of every arrowhead in ``svg``."""
    heads = []
    for d, paint in re.findall(r'<path d="([^"]*)"([^/]*)/>', svg):
        if f'fill="{colour}"' not in paint or 'stroke-width="1.5"' not in paint:
            continue
        for sub in d.split("M")[1:]:
            points = [tuple(map(float, p.split())) for p in sub.rstrip("Z").split("L")]
            if len(points) == 3 and sub.endswith("Z"):
                (tx, ty), (ax, ay), (bx, by) = points
                heads.append(((tx - (ax + bx) / 2) ** 2 + (ty - (ay + by) / 2) ** 2) ** 0.5)
    return heads


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_arrowheads_are_big_enough_on_paper(path: Path) -> None:
    """At the width the handout prints the figure (side column, or across the card when wide),
    every arrowhead is at least 4 mm long."""
    from prescribe.illustration.render import print_width_mm

    illustration = _load(path)
    svg = render_svg(illustration, accent="#005a9c")
    _, _, width, height = map(float, ET.fromstring(svg).get("viewBox").split())
    print_mm = print_width_mm(width, height)  # the width the handout prints it at
    heads = _arrowheads(svg, "#005a9c")
    assert heads or not illustration.arrows, "no arrowhead found"
    for head in heads:
        assert head * print_mm / width >= 4.0, f"{head * print_mm / width:.1f} mm"


# The default accent, black, dark grey, dark red, dark blue and the lightest grey the clinic
# settings accept (4.5:1 on white).
ACCENTS = ["#1d6fb8", "#000000", "#595959", "#8b0000", "#005a9c", "#767676"]


def _colours(svg: str) -> set[str]:
    return {c.lower() for c in re.findall(r'(?:fill|stroke)="(#[0-9a-fA-F]{6})"', svg)}


def _is_grey(colour: str) -> bool:
    return colour[1:3] == colour[3:5] == colour[5:7]


@pytest.mark.parametrize("greyscale", [False, True], ids=["colour", "greyscale"])
@pytest.mark.parametrize("accent", ACCENTS)
def test_working_parts_stand_out_by_lightness(accent: str, greyscale: bool) -> None:
    """For any accent the settings accept, the working part differs from the body and from the
    far-side body by >= 3:1 in luminance (so it reads in greyscale and for colour-blind readers)
    and the arrows reach 4.5:1 on white; in greyscale the figure has no colour at all."""
    from prescribe.colour import contrast_ratio
    from prescribe.illustration.render import figure_colours

    roles = figure_colours(accent, greyscale=greyscale)
    assert contrast_ratio(roles["working"], roles["body"]) >= 3
    assert contrast_ratio(roles["working"], roles["far_body"]) >= 3
    assert contrast_ratio(roles["far_working"], roles["far_body"]) >= 3
    assert contrast_ratio(roles["far_working"], roles["body"]) >= 3
    assert contrast_ratio(roles["arrow"]) >= 4.5
    assert contrast_ratio(roles["outline"], roles["body"]) >= 4.5   # the body's edge
    assert contrast_ratio(roles["far_outline"], roles["far_body"]) >= 3
    for path in FILES:
        illustration = _load(path)
        svg = render_svg(illustration, accent=accent, greyscale=greyscale)
        used = _colours(svg)
        assert roles["working"] in used and roles["body"] in used, path.stem
        # Every colour in the picture is a figure colour or a grey (floor, props, outlines).
        assert used <= set(roles.values()) | {c for c in used if _is_grey(c)}, path.stem
        if greyscale:
            assert all(_is_grey(c) for c in used), path.stem
        if illustration.view == "side":
            far_limbs = any(p.startswith("far_") for p in illustration.highlight)
            assert (roles["far_working"] in used) >= far_limbs, path.stem


def test_greyscale_keeps_the_lightness_of_the_accent() -> None:
    from prescribe.colour import relative_luminance
    from prescribe.illustration.render import figure_colours

    grey = figure_colours("#1d6fb8", greyscale=True)["working"]
    assert _is_grey(grey)
    assert relative_luminance(grey) == pytest.approx(relative_luminance("#1d6fb8"), abs=0.005)


def test_a_rail_stands_under_the_hand_that_holds_it() -> None:
    """A stair rail (hip hike): a post from the floor with the rail, seen end on, under the hand."""
    from prescribe.illustration.props import fixed_shapes
    from prescribe.illustration.render import posed_panels

    data = _broken(lambda d: d.update(props=[{"type": "rail", "at": "near_hand"}]))
    illustration = parse_illustration("bridge", data)
    _, figures = posed_panels(illustration)
    post, rail = fixed_shapes(illustration.props[0], figures, "side", 0.0, 0.0, (0, 0, 1, 1))
    hx, hy = figures[0].points["near_hand"]
    assert post.points == ((hx, 0), (hx, hy - 5.5))
    assert rail.kind == "circle" and rail.points[0] == (hx, hy - 5.5)
    ET.fromstring(render_svg(illustration))
