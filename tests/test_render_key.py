"""The render cache key: derived from everything that shapes the PDF, so a cached PDF is never stale.

The field tests walk the dataclasses generically (nested ones too), so a field added to Program,
ProgramItem, Dose, an advice line or Branding later is covered without touching this file.
"""

from __future__ import annotations

import shutil
from dataclasses import fields, is_dataclass, replace
from datetime import date, timedelta

import pytest

from prescribe.catalog import (
    default_content_root,
    load_catalog_collecting,
    load_default_catalog,
)
from prescribe.catalog.loader import content_version
from prescribe.handout import Branding, render_key
from prescribe.handout import cache as render_cache
from prescribe.programs import Program, default_program


@pytest.fixture(scope="module")
def catalog():
    return load_default_catalog()


@pytest.fixture(scope="module")
def program(catalog) -> Program:
    program = default_program(catalog.diagnoses["hip-impingement"], catalog, today=date(2026, 11, 21))
    return replace(program, patient_name="Pat Example", next_visit=date(2026, 12, 1), changes=("One more set",))


BRANDING = Branding(name="Clinic", address="1 Road", phone="555", website="clinic.example",
                    logo_png=b"\x89PNG logo", footer_line="Footer")


def _changed(value):
    """Another value of the same kind (render_key only serialises, so any other value will do)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, bytes):
        return value + b"x"
    if isinstance(value, date):
        return value + timedelta(days=1)
    if isinstance(value, tuple):
        return value[:-1] if value else ("x",)
    if isinstance(value, frozenset):
        return value | {("es", "x", "x")}
    if value is None:
        return "x"
    raise AssertionError(f"The test cannot change a {type(value).__name__}: teach _changed")


def _variants(obj, path: str = ""):
    """(field path, ``obj`` with that one field changed) for every field, nested dataclasses included."""
    for field in fields(obj):
        value = getattr(obj, field.name)
        if is_dataclass(value):  # changed one field at a time, below
            for sub_path, sub in _variants(value, f"{path}{field.name}."):
                yield sub_path, replace(obj, **{field.name: sub})
            continue
        yield f"{path}{field.name}", replace(obj, **{field.name: _changed(value)})
        if isinstance(value, tuple) and value and is_dataclass(value[0]):
            for sub_path, sub in _variants(value[0], f"{path}{field.name}[0]."):
                yield sub_path, replace(obj, **{field.name: (sub, *value[1:])})


def test_the_same_inputs_give_the_same_key(catalog, program):
    key = render_key(program, BRANDING, catalog)
    assert len(key) == 64
    assert render_key(replace(program), replace(BRANDING), replace(catalog)) == key
    assert render_key(Program.from_dict(program.as_dict()), BRANDING, catalog) == key


def test_changing_any_single_field_of_the_program_changes_the_key(catalog, program):
    key = render_key(program, BRANDING, catalog)
    paths = []
    for path, changed in _variants(program):
        paths.append(path)
        assert render_key(changed, BRANDING, catalog) != key, f"Program.{path} does not change the key"
    # The walk reached every top-level field and the nested item, dose and advice fields.
    assert {f.name for f in fields(Program)} <= set(paths)
    assert {"items[0].dose.sets", "items[0].note", "activity_modifications[0].included"} <= set(paths)


def test_changing_any_single_field_of_the_branding_changes_the_key(catalog, program):
    key = render_key(program, BRANDING, catalog)
    changed_fields = 0
    for path, changed in _variants(BRANDING):
        assert render_key(program, changed, catalog) != key, f"Branding.{path} does not change the key"
        changed_fields += 1
    assert changed_fields == len(fields(Branding))
    assert render_key(program, replace(BRANDING, logo_png=None), catalog) != key


def test_the_catalog_content_is_part_of_the_key(catalog, program, tmp_path):
    key = render_key(program, BRANDING, catalog)
    assert catalog.version == content_version(default_content_root())
    assert render_key(program, BRANDING, replace(catalog, version="another")) != key

    content = tmp_path / "content"
    shutil.copytree(default_content_root(), content)
    assert content_version(content) == catalog.version
    exercise = min((content / "exercises").glob("*.toml"))
    exercise.write_text(exercise.read_text(encoding="utf-8") + "\n# one more line\n", encoding="utf-8")
    edited, _errors = load_catalog_collecting(content)
    assert edited.version != catalog.version
    assert render_key(program, BRANDING, edited) != key


def test_the_templates_css_fonts_and_drawing_code_are_part_of_the_key(catalog, program, tmp_path, monkeypatch):
    checked = {root.relative_to(render_cache.PACKAGE_ROOT.parent).as_posix() for root, _ in render_cache.CODE_FILES}
    assert {"templates/handout", "prescribe/static/handout", "prescribe/static/fonts",
            "prescribe/illustration", "prescribe/handout"} <= checked
    key = render_key(program, BRANDING, catalog)
    template = tmp_path / "templates" / "handout" / "handout.html"
    template.parent.mkdir(parents=True)
    template.write_text("<p>before</p>", encoding="utf-8")
    monkeypatch.setattr(render_cache, "PACKAGE_ROOT", tmp_path / "prescribe")
    monkeypatch.setattr(render_cache, "CODE_FILES", ((template.parent, "**/*"),))
    try:
        render_cache.code_version.cache_clear()
        before = render_key(program, BRANDING, catalog)
        assert before != key and render_key(program, BRANDING, catalog) == before
        template.write_text("<p>after</p>", encoding="utf-8")
        render_cache.code_version.cache_clear()
        assert render_key(program, BRANDING, catalog) != before
    finally:
        render_cache.code_version.cache_clear()
