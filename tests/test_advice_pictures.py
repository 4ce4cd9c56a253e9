"""Pictures for the advice pages: sitting, sleeping, picking things up and the positions to avoid.

Each is a pose file in ``exercises_db/advice_pictures/`` drawn by the exercise renderer with a tick
("do") or a cross ("avoid"); each diagnosis (and each surgical approach) names the pictures it
prints, and the loader checks them against its safety rules.
"""

from __future__ import annotations

import base64
import copy
import shutil
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from markupsafe import escape

from prescribe.catalog import check_content, default_content_root
from prescribe.catalog.model import PICTURE_FIELDS
from prescribe.handout import Branding, build_handout_view
from prescribe.handout.html import render_handout_html
from prescribe.illustration import parse_illustration, render_svg
from prescribe.programs import AdviceLine, default_program

FOLDER = default_content_root() / "advice_pictures"
FILES = sorted(FOLDER.glob("*.toml"))
BRANDING = Branding(name="Harbour Physio", phone="555 0188")
SVG = "{http://www.w3.org/2000/svg}"


def _pose(path: Path) -> tuple[str, dict]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    kind = data.pop("kind")
    data.pop("caption")
    data.pop("moves", None)
    return kind, data


def _copy_content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(default_content_root(), root)
    return root


def test_there_are_do_and_avoid_pictures():
    kinds = {_pose(path)[0] for path in FILES}
    assert kinds == {"do", "avoid"} and len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_picture_is_valid_deterministic_svg_with_its_mark(path: Path):
    kind, data = _pose(path)
    picture = parse_illustration(path.stem, copy.deepcopy(data))
    svg = render_svg(picture, accent="#C0392B", mark=kind)
    assert svg == render_svg(parse_illustration(path.stem, copy.deepcopy(data)), accent="#C0392B", mark=kind)
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.find(f"{SVG}title").text == picture.alt
    marks = [g for g in root.iter(f"{SVG}g") if g.get("class") == "mark"]
    assert [g.get("data-mark") for g in marks] == [kind]
    # the badge sits in its own column left of the picture, so it never hides the body
    x0, _, width, _ = map(float, root.get("viewBox").split())
    assert x0 < 0
    assert render_svg(picture).count('class="mark"') == 0


def test_a_mark_leaves_the_picture_itself_unchanged():
    _, data = _pose(FOLDER / "sit-well.toml")
    picture = parse_illustration("sit-well", data)
    plain, marked = render_svg(picture), render_svg(picture, mark="do")
    assert plain.split('role="img"')[1] in marked.split('<g class="mark"')[0] + "</svg>"
    with pytest.raises(ValueError, match="mark"):
        render_svg(picture, mark="maybe")


def test_captions_and_alt_text_pass_the_plain_language_check(catalog):
    assert [e for e in check_content() if e.file.startswith("advice_pictures/")] == []
    for picture in catalog.advice_pictures.values():
        assert picture.caption and picture.alt
        assert picture.caption.startswith("Not this") == (picture.kind == "avoid")


def test_every_diagnosis_names_existing_pictures_and_shows_its_rules(catalog):
    for diagnosis in catalog.diagnoses.values():
        slugs = [s for field in PICTURE_FIELDS for s in getattr(diagnosis, field)]
        assert slugs, f"{diagnosis.slug} prints no advice picture"
        assert all(s in catalog.advice_pictures for s in slugs)
        own = {rule.move for rule in diagnosis.avoid}
        approach = catalog.surgery.approaches.get(diagnosis.default_approach)
        avoided = own | ({r.move for r in approach.avoid} if approach else set())
        avoid_pictures = [catalog.advice_pictures[s] for s in slugs if catalog.advice_pictures[s].kind == "avoid"]
        if own:
            assert avoid_pictures, f"{diagnosis.slug} has safety rules but no avoid picture"
        for picture in avoid_pictures:
            assert avoided & set(picture.moves), (diagnosis.slug, picture.slug)
    for key, approach in catalog.surgery.approaches.items():
        if approach.avoid:
            assert approach.avoid_pictures, f"the {key} approach has rules but no avoid picture"


def test_the_loader_refuses_unknown_pictures_and_missing_captions(tmp_path):
    root = _copy_content(tmp_path)
    path = root / "diagnoses" / "hip-pain.toml"
    path.write_text(path.read_text().replace('sitting_pictures = ["sit-well"]',
                                             'sitting_pictures = ["sit-on-a-cloud"]'))
    picture = root / "advice_pictures" / "avoid-deep-squat.toml"
    picture.write_text("\n".join(line for line in picture.read_text().splitlines()
                                 if not line.startswith(("caption", "alt"))))
    errors = check_content(root)
    found = {(e.file, e.field) for e in errors}
    assert ("diagnoses/hip-pain.toml", "sitting_pictures[0]") in found
    assert ("advice_pictures/avoid-deep-squat.toml", "caption") in found
    assert ("advice_pictures/avoid-deep-squat.toml", "alt") in found


def test_a_picture_that_goes_against_the_rules_is_refused(tmp_path):
    root = _copy_content(tmp_path)
    path = root / "diagnoses" / "hip-impingement.toml"
    # a "do" picture that breaks the rules, and an "avoid" picture of a movement not ruled out
    path.write_text(path.read_text().replace('sleep_pictures = ["sleep-side-pillow"]',
                                             'sleep_pictures = ["sleep-side-pillow", "avoid-lying-sore-side"]'))
    picture = root / "advice_pictures" / "sit-well.toml"
    picture.write_text(picture.read_text().replace("hip = 76", "hip = 110"))
    errors = check_content(root)
    messages = {(e.field, e.message.split(" ")[0]) for e in errors if e.file == "diagnoses/hip-impingement.toml"}
    assert ("sleep_pictures[1]", "'avoid-lying-sore-side'") in messages
    assert ("sitting_pictures[0]", "'sit-well'") in messages


@pytest.mark.parametrize("slug", ["hip-flexor-strain", "hip-impingement", "hip-labral-tear", "hip-osteoarthritis",
                                  "hip-pain", "hip-replacement-anterior", "hip-replacement-early",
                                  "it-band-syndrome", "trochanteric-pain"])
def test_every_default_handout_prints_its_advice_pictures(catalog, slug):
    program = default_program(catalog.diagnoses[slug], catalog, today=date(2026, 12, 6))
    if catalog.diagnoses[slug].surgery:
        program = replace(program, approach=program.approach or "posterior", affected_side="right",
                          weight_bearing="full")
    view = build_handout_view(program, catalog, BRANDING)
    html = render_handout_html(view)
    printed = [p for block in view.advice_blocks for p in block.pictures] + list(view.avoid_pictures)
    assert printed
    for picture in printed:
        assert f'alt="{escape(picture.alt)}"' in html
        assert f"<figcaption>{escape(picture.caption)}</figcaption>" in html
        svg = base64.b64decode(picture.uri.split(",", 1)[1]).decode()
        assert f'data-mark="{picture.kind}"' in svg
    assert html.count('<figure class="advice-picture') == len(printed)


def test_avoid_pictures_follow_the_ticked_rules_and_the_approach(catalog):
    diagnosis = catalog.diagnoses["trochanteric-pain"]
    program = default_program(diagnosis, catalog, today=date(2026, 12, 6))
    view = build_handout_view(program, catalog, BRANDING)
    assert "Not this: lying on your sore side." in [p.caption for p in sleep_pictures(view)]
    # the therapist leaves out the side-lying rule: its picture goes with it
    untick = tuple(replace(p, included=p.move != "side-lying") for p in program.precautions)
    view = build_handout_view(replace(program, precautions=untick), catalog, BRANDING)
    assert "Not this: lying on your sore side." not in [p.caption for p in sleep_pictures(view)]
    # no sleep lines: no sleep pictures
    view = build_handout_view(replace(program, sleep_advice=tuple(AdviceLine(line.text, included=False)
                                                                  for line in program.sleep_advice)),
                              catalog, BRANDING)
    assert sleep_pictures(view) == ()

    early = catalog.diagnoses["hip-replacement-early"]
    program = default_program(early, catalog, today=date(2026, 12, 6))
    back = build_handout_view(replace(program, approach="posterior"), catalog, BRANDING)
    front = build_handout_view(replace(program, approach="anterior"), catalog, BRANDING)
    other = build_handout_view(replace(program, approach="other"), catalog, BRANDING)
    assert {p.kind for p in back.avoid_pictures} == {"avoid"} and len(back.avoid_pictures) >= 3
    assert "Not this: taking a big step back with your new hip's leg." in [p.caption for p in front.avoid_pictures]
    assert other.avoid_pictures == ()
    assert back.avoid_title == "Do not do these until your surgeon says it is OK"


def sleep_pictures(view):
    """The pictures of the handout's "Sleeping" block (none when it does not print)."""
    return next((block.pictures for block in view.advice_blocks if block.id == "advice-sleep"), ())
