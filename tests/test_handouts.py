"""Saved handouts: recent list, exact reprints, editing into a new version."""

from __future__ import annotations

import hashlib
import re

from .conftest import builder_form, form_fields


def _download(client, form):
    form = dict(form, action="download")
    response = client.post("/build/", data=form)
    assert response.status_code == 200
    return response


def test_downloaded_handout_is_listed_and_reprints_byte_for_byte(client):
    form = builder_form(client, "hip-impingement")
    form["patient_name"] = "Ann Example"
    printed = _download(client, form).data
    home = client.get("/").get_data(as_text=True)
    assert "Ann Example" in home
    handout_id = re.search(r'href="/handouts/(\d+)"', home).group(1)
    page = client.get(f"/handouts/{handout_id}").get_data(as_text=True)
    assert hashlib.sha256(printed).hexdigest()[:12] in page
    reprint = client.get(f"/handouts/{handout_id}/versions/1.pdf")
    assert reprint.data == printed
    assert reprint.headers["ETag"].strip('"') == hashlib.sha256(printed).hexdigest()
    cached = client.get(f"/handouts/{handout_id}/versions/1.pdf",
                        headers={"If-None-Match": reprint.headers["ETag"]})
    assert cached.status_code == 304


def test_downloading_the_same_program_twice_keeps_one_version(client):
    form = builder_form(client, "hip-pain")
    first = _download(client, form).data
    second = _download(client, form).data
    assert first == second
    assert client.get("/handouts/1").status_code == 200
    assert client.get("/handouts/2").status_code == 404


def test_editing_a_handout_prints_a_new_version_and_keeps_the_old_one(client):
    form = builder_form(client, "hip-pain")
    form["patient_name"] = "Ann Example"
    first = _download(client, form).data
    edit_page = client.get("/build/from/1").get_data(as_text=True)
    assert 'name="handout_id" type="hidden" value="1"' in edit_page
    assert 'value="Ann Example"' in edit_page
    form = form_fields(edit_page)
    form["exercises-0-sets"] = "1"
    second = _download(client, form).data
    assert second != first
    assert client.get("/handouts/1/versions/1.pdf").data == first
    assert client.get("/handouts/1/versions/2.pdf").data == second
    assert client.get("/handouts/2").status_code == 404  # a version of handout 1, not a new one


def test_unknown_handout_and_version_are_404(client):
    assert client.get("/handouts/999").status_code == 404
    assert client.get("/handouts/999/versions/1.pdf").status_code == 404
    assert client.get("/build/from/999").status_code == 404
