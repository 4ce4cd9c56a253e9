"""Body regions: in the content (regions.toml, each diagnosis's and exercise's), on the start page
and in the catalog; surgery approaches per region (the knee's beside the hip's)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from markupsafe import escape

from prescribe.catalog import check_content, default_content_root, load_catalog_collecting

from .conftest import add_user, builder_form, default_clinic_id, form_fields, make_app, sign_in

KNEE_SLUG = "test-knee-replacement"
# A knee replacement diagnosis for these tests only (the shipped one is written elsewhere).
KNEE_DIAGNOSIS = '''
name = "Knee replacement (test)"
patient_name = "New knee"
summary = "After a total knee replacement: early exercises."
region = "knee"
surgery = true
default_approach = "knee-standard"
explanation = ["Your surgeon gave you a new knee. Exercise helps it bend and straighten again."]
goal = "These exercises help your new knee bend, straighten and get strong."
activity_modifications = ["Walk a little, often."]
sitting_advice = ["Get up and move often."]
red_flags_emergency = ["you have chest pain or trouble breathing."]
red_flags_today = ["you have a fever.", "your wound gets red or leaks."]
red_flags_next_visit = ["your knee is not getting easier to bend."]

[[icd10]]
code = "Z96.651"
label = "Presence of right artificial knee joint"

[[program]]
exercise = "quad-set"

[[program]]
exercise = "heel-slide"

[[program]]
exercise = "ankle-pumps"
'''


def _content(tmp_path: Path, knee: bool = False) -> Path:
    root = tmp_path / "content"
    shutil.copytree(default_content_root(), root)
    if knee:
        (root / "diagnoses" / f"{KNEE_SLUG}.toml").write_text(KNEE_DIAGNOSIS)
    return root


def _errors(root: Path) -> set[tuple[str, str]]:
    """Every error check-content finds (with the figures' movements, as the app loads them)."""
    return {(e.file, e.field) for e in check_content(root)}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


# 1. Regions as content ------------------------------------------------------------------------

def test_regions_are_listed_in_order_with_both_labels(catalog):
    assert list(catalog.regions) == ["hip", "knee", "low-back", "shoulder"]
    assert [r.label for r in catalog.regions.values()] == ["Hip", "Knee", "Low back", "Shoulder"]
    assert catalog.regions["low-back"].patient_label == "Your low back"


def test_every_diagnosis_and_exercise_names_known_regions(catalog):
    assert {d.region for d in catalog.diagnoses.values()} <= set(catalog.regions)
    assert catalog.diagnoses["hip-impingement"].region == "hip"
    for exercise in catalog.exercises.values():
        assert exercise.regions and set(exercise.regions) <= set(catalog.regions), exercise.slug
    assert set(catalog.exercises["bridge"].regions) == {"hip", "low-back", "knee"}
    assert set(catalog.exercises["pelvic-tilt"].regions) == {"low-back", "hip"}
    assert "knee" in catalog.exercises["seated-knee-extension"].regions
    assert catalog.exercises["hip-hike"].regions == ("hip",)


@pytest.mark.parametrize(("file", "old", "new", "field", "message"), [
    ("diagnoses/hip-pain.toml", 'region = "hip"\n', "", "region", "is required"),
    ("diagnoses/hip-pain.toml", 'region = "hip"', 'region = "elbow"', "region", "must be one of"),
    ("exercises/bridge.toml", 'regions = ["hip", "low-back", "knee"]\n', "", "regions", "is required"),
    ("exercises/bridge.toml", 'regions = ["hip", "low-back", "knee"]', 'regions = ["hip", "elbow"]', "regions",
     "unknown value(s) ['elbow']"),
    ("exercises/bridge.toml", 'regions = ["hip", "low-back", "knee"]', "regions = []", "regions",
     "at least one body region"),
    ("exercises/bridge.toml", 'regions = ["hip", "low-back", "knee"]', 'regions = "hip"', "regions", "must be a list"),
    ("regions.toml", 'patient_label = "Your knee"\n', "", "knee.patient_label", "is required"),
])
def test_a_missing_or_unknown_region_names_the_file_and_field(tmp_path, file, old, new, field, message):
    root = _content(tmp_path)
    _edit(root / file, old, new)
    _, errors = load_catalog_collecting(root)
    assert any(e.file == file and e.field == field and message in e.message for e in errors), [str(e) for e in errors]


def test_a_missing_regions_file_is_reported(tmp_path):
    root = _content(tmp_path)
    (root / "regions.toml").unlink()
    assert ("regions.toml", "(file)") in _errors(root)


def test_catalog_export_prints_the_regions(runner):
    data = json.loads(runner.invoke(args=["catalog-export"]).output)
    assert [r["key"] for r in data["regions"]] == ["hip", "knee", "low-back", "shoulder"]
    assert data["regions"][2] == {"key": "low-back", "label": "Low back", "patient_label": "Your low back",
                                  "side_needed": False}
    assert data["regions"][3]["side_needed"] is True  # a shoulder handout is printed for the sore side
    hip = next(d for d in data["diagnoses"] if d["slug"] == "hip-impingement")
    assert hip["region"] == "hip"
    assert {d["region"] for d in data["diagnoses"]} <= {r["key"] for r in data["regions"]}
    bridge = next(e for e in data["exercises"] if e["slug"] == "bridge")
    assert bridge["regions"] == ["hip", "low-back", "knee"]


# 4. Surgery beyond the hip ----------------------------------------------------------------------

def test_each_approach_names_its_region_and_the_knee_has_its_own(catalog):
    approaches = catalog.surgery.approaches
    assert {key: a.region for key, a in approaches.items()} == {
        "posterior": "hip", "anterior": "hip", "other": "hip", "knee-standard": "knee"}
    knee = approaches["knee-standard"]
    assert knee.label == "Knee replacement"
    assert [rule.move for rule in knee.avoid] == ["kneeling", "pivoting", "impact", "pillow-under-knee"]
    assert list(catalog.approaches_for(catalog.diagnoses["hip-replacement-early"])) == ["posterior", "anterior",
                                                                                         "other"]
    assert catalog.approaches_for(catalog.diagnoses["hip-pain"]) == {}  # not after surgery


def test_surgery_content_errors_name_the_file_and_field(tmp_path):
    root = _content(tmp_path, knee=True)
    assert _errors(root) == set()
    surgery = root / "surgery.toml"
    shipped = surgery.read_text()
    _edit(surgery, '[approach.knee-standard]\nregion = "knee"\n', "[approach.knee-standard]\n")
    assert ("surgery.toml", "approach.knee-standard.region") in _errors(root)
    surgery.write_text(shipped)
    _edit(root / "diagnoses" / "hip-replacement-anterior.toml", 'region = "hip"', 'region = "shoulder"')
    found = _errors(root)
    # a shoulder diagnosis after surgery: surgery.toml has no shoulder approach, and its default is the hip's
    assert ("diagnoses/hip-replacement-anterior.toml", "surgery") in found
    assert ("diagnoses/hip-replacement-anterior.toml", "default_approach") in found


def test_a_default_approach_that_does_not_exist_is_reported(tmp_path):
    root = _content(tmp_path, knee=True)
    _edit(root / "diagnoses" / f"{KNEE_SLUG}.toml", '"knee-standard"', '"knee-sideways"')
    _, errors = load_catalog_collecting(root)
    assert any(e.file == f"diagnoses/{KNEE_SLUG}.toml" and e.field == "default_approach"
               and "knee-sideways" in e.message for e in errors)


def _signed_in(tmp_path: Path, root: Path):
    """A signed-in therapist on an app loaded from the content in ``root``, and the app."""
    app = make_app(tmp_path, CONTENT_ROOT=str(root))
    therapist = add_user(app, default_clinic_id(app), "regions@riverside.example")
    return sign_in(app, app.test_client(), therapist), app


@pytest.fixture
def knee_client(tmp_path):
    """A signed-in therapist on an app whose content has a knee replacement diagnosis."""
    client, app = _signed_in(tmp_path, _content(tmp_path, knee=True))
    yield client
    app.extensions["db_engine"].dispose()


def test_the_builder_offers_only_the_approaches_of_the_region(knee_client):
    hip = knee_client.get("/build/hip-replacement-early").get_data(as_text=True)
    assert '<select id="approach"' in hip
    assert all(f'value="{key}"' in hip for key in ("posterior", "anterior", "other"))
    assert "knee-standard" not in hip
    knee = knee_client.get(f"/build/{KNEE_SLUG}").get_data(as_text=True)
    assert '<select id="approach"' not in knee  # one approach: not asked
    assert "Surgery: Knee replacement." in knee
    assert form_fields(knee)["approach"] == "knee-standard"
    assert "posterior" not in knee


def test_a_hip_approach_is_refused_for_the_knee(knee_client):
    form = builder_form(knee_client, KNEE_SLUG)
    form.update(approach="posterior", affected_side="left", weight_bearing="full", action="download")
    response = knee_client.post("/build/", data=form)
    assert response.status_code == 422
    assert "Choose one of the approaches in the list." in response.get_data(as_text=True)


def test_the_knee_approach_is_saved_and_printed(knee_client):
    from .pdf_helpers import page_texts

    form = builder_form(knee_client, KNEE_SLUG)
    form.update(patient_name="Kim Example", affected_side="left", weight_bearing="partial", action="download")
    response = knee_client.post("/build/", data=form)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    text = " ".join(" ".join(page_texts(response.data)).split())
    assert "Your surgeon replaced the worn surfaces of your knee." in text
    assert "Your new knee: Left." in text and "Your new hip" not in text
    assert "Kneeling on your new knee." in text
    assert "A pillow under your new knee when you rest." in text
    assert "Put only part of your weight on your left leg" in text
    handouts = knee_client.get("/").get_data(as_text=True)
    handout_id = handouts.split("/build/from/", 1)[1].split('"', 1)[0]
    again = form_fields(knee_client.get(f"/build/from/{handout_id}").get_data(as_text=True))
    assert again["approach"] == "knee-standard" and again["weight_bearing"] == "partial"


def test_the_knee_rules_warn_about_an_exercise_from_another_region(knee_client):
    form = builder_form(knee_client, KNEE_SLUG)
    form["action"] = "add:kneeling-hip-flexor-stretch"  # a hip exercise whose figure kneels
    page = knee_client.post("/build/", data=form).get_data(as_text=True)
    assert "Kneeling hip flexor stretch" in page
    assert "After this surgery: Kneeling on your new knee." in page


# 2. The start page by region ----------------------------------------------------------------------

def _start_page_groups(html: str) -> list[tuple[str, list[str]]]:
    """Each region heading of the start page with the diagnoses (builder links) listed under it."""
    groups = []
    for match in re.finditer(r'<h2 class="region" id="region-([a-z-]+)">[^<]*</h2>\s*'
                             r'<ul class="diagnoses" aria-labelledby="region-\1">(.*?)</ul>', html, re.S):
        groups.append((match.group(1), re.findall(r'href="/build/([a-z0-9-]+)', match.group(2))))
    return groups


def test_the_start_page_lists_diagnoses_under_their_regions_in_order(knee_client):
    catalog = knee_client.application.extensions["catalog"]
    html = knee_client.get("/").get_data(as_text=True)
    groups = _start_page_groups(html)
    used = {d.region for d in catalog.diagnoses.values()}
    assert [region for region, _ in groups] == [key for key in catalog.regions if key in used]
    for region, slugs in groups:
        assert sorted(slugs) == sorted(s for s, d in catalog.diagnoses.items() if d.region == region)
    assert KNEE_SLUG in dict(groups)["knee"] and "hip-impingement" in dict(groups)["hip"]
    assert '<h2 class="region" id="region-knee">Knee</h2>' in html
    for key in set(catalog.regions) - used:  # a region without diagnoses gets no heading
        assert f"region-{key}" not in html


def test_the_start_page_jumps_to_each_region_heading(knee_client):
    html = knee_client.get("/").get_data(as_text=True)
    jump = html[html.index('<nav class="region-jump"'):html.index("</nav>", html.index('<nav class="region-jump"'))]
    targets = re.findall(r'href="#(region-[a-z-]+)"', jump)
    assert targets == [f"region-{region}" for region, _ in _start_page_groups(html)]
    assert all(f'id="{target}"' in html for target in targets)


def test_a_region_without_diagnoses_gets_no_heading(client, catalog):
    html = client.get("/").get_data(as_text=True)
    used = {d.region for d in catalog.diagnoses.values()}
    assert [region for region, _ in _start_page_groups(html)] == [key for key in catalog.regions if key in used]
    assert [(r.key, [d.slug for d in found]) for r, found in
            catalog.diagnoses_by_region([catalog.diagnoses["hip-impingement"]])] == [("hip", ["hip-impingement"])]


@pytest.mark.parametrize("query", ["knee", "Z96.651", "new knee"])
def test_the_start_page_search_finds_knee_diagnoses_across_regions(knee_client, query):
    groups = dict(_start_page_groups(knee_client.get(f"/?q={query}").get_data(as_text=True)))
    assert KNEE_SLUG in groups["knee"]
    assert "hip-impingement" not in groups.get("hip", [])


def test_the_start_page_search_says_when_nothing_matches(client):
    html = client.get("/?q=zebra").get_data(as_text=True)
    assert _start_page_groups(html) == []
    assert "No diagnosis matches “zebra”." in html


# 3. The catalog by region -------------------------------------------------------------------------

def _cards(html: str) -> set[str]:
    return set(re.findall(r'<article class="exercise-card" id="([a-z0-9-]+)"', html))


def test_the_catalog_filters_by_region(client, catalog):
    every = client.get("/exercises/").get_data(as_text=True)
    assert _cards(every) == set(catalog.exercises)
    assert '<option value="">All regions</option>' in every
    assert every.index('<option value="hip"') < every.index('<option value="knee"') < every.index(
        '<option value="low-back"') < every.index('<option value="shoulder"')
    low_back = _cards(client.get("/exercises/?region=low-back").get_data(as_text=True))
    assert low_back == {slug for slug, e in catalog.exercises.items() if "low-back" in e.regions}
    assert "pelvic-tilt" in low_back and "hip-hike" not in low_back
    both = client.get("/exercises/?region=knee&position=standing").get_data(as_text=True)
    assert _cards(both) and all({"knee"} <= set(catalog.exercises[s].regions)
                                and catalog.exercises[s].position == "standing" for s in _cards(both))
    assert '<option value="knee" selected>' in both


@pytest.mark.parametrize("bad", ["elbow", "<script>", "HIP", "x" * 300])
def test_a_bad_region_in_the_catalog_says_so_and_shows_every_region(client, catalog, bad):
    response = client.get("/exercises/", query_string={"region": bad})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is no body region" in html and "Showing every region." in html
    assert "<script>" not in html.split("<main", 1)[-1]
    assert _cards(html) == set(catalog.exercises)


def test_the_builder_search_keeps_to_the_chosen_region(client, catalog):
    form = builder_form(client, "hip-pain")
    assert '<select id="catalog_region" name="catalog_region">' in client.get("/build/hip-pain").get_data(as_text=True)
    def found(query: str, region: str) -> set[str]:
        form.update(catalog_query=query, catalog_region=region, action="search")
        return set(re.findall(r'value="add:([a-z0-9-]+)"', client.post("/build/", data=form).get_data(as_text=True)))

    low_back = found("stretch", "low-back")
    assert low_back and all("low-back" in catalog.exercises[s].regions for s in low_back)
    assert "knee-to-chest-stretch" in found("knee to chest", "low-back")
    assert "seated-hip-flexor-stretch" not in found("seated hip flexor stretch", "low-back")  # hip only
    assert "seated-hip-flexor-stretch" in found("seated hip flexor stretch", "")
    assert "seated-hip-flexor-stretch" in found("seated hip flexor stretch", "hip")


def test_a_bad_region_in_the_builder_search_says_so(client):
    form = builder_form(client, "hip-pain")
    form.update(catalog_query="bridge", catalog_region="elbow", action="search")
    response = client.post("/build/", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a body region from the list, or all regions." in html
    assert 'value="add:bridge"' not in html


def test_an_exercise_of_another_region_still_gets_the_diagnosis_warning(tmp_path):
    root = _content(tmp_path)
    _edit(root / "exercises" / "knee-to-chest-stretch.toml", 'regions = ["low-back", "hip"]', 'regions = ["low-back"]')
    client, app = _signed_in(tmp_path, root)
    try:
        catalog = app.extensions["catalog"]
        stretch = catalog.exercises["knee-to-chest-stretch"]
        diagnosis = catalog.diagnoses["hip-impingement"]
        assert "hip" not in stretch.regions and diagnosis.region == "hip"
        rule = next(r for r in diagnosis.avoid if r.move in stretch.moves)  # it breaks one of the FAI rules
        form = builder_form(client, "hip-impingement")
        form["action"] = "add:knee-to-chest-stretch"
        html = client.post("/build/", data=form).get_data(as_text=True)
        added = html.split('value="knee-to-chest-stretch"', 1)[1].split("</li>", 1)[0]
        assert "Caution for this diagnosis:" in added
        assert str(escape(rule.patient_text)) in added
    finally:
        app.extensions["db_engine"].dispose()


def test_a_fresh_knee_builder_and_the_same_program_posted_back_show_the_same_inputs(knee_client):
    from .test_builder_page import page_inputs

    fresh = knee_client.get(f"/build/{KNEE_SLUG}").get_data(as_text=True)
    posted = knee_client.post("/build/", data={**builder_form(knee_client, KNEE_SLUG), "action": "update"})
    assert posted.status_code == 200
    assert page_inputs(fresh) == page_inputs(posted.get_data(as_text=True))
    assert page_inputs(fresh)["approach"]["value"] == "knee-standard"


def test_a_shoulder_handout_is_printed_for_the_sore_side_only(client):
    """The shoulder's steps speak of the sore arm and the good one: the builder asks which first."""
    form = builder_form(client, "rotator-cuff-pain")
    refused = client.post("/build/", data=dict(form, affected_side="", action="download"))
    assert refused.status_code == 422
    assert "Choose the affected side (left or right)" in refused.get_data(as_text=True)
    form = builder_form(client, "rotator-cuff-pain")
    form["affected_side"] = "left"
    for key in [k for k in form if k.endswith("-side") and form[k] == "both"]:
        form[key] = "left"
    printed = client.post("/build/", data=dict(form, action="download"))
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    hip = client.post("/build/", data=dict(builder_form(client, "hip-pain"), action="download"))
    assert hip.status_code == 200  # a hip handout may still print for both sides
