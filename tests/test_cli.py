"""The command-line contract other tools rely on."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pikepdf

from .pdf_helpers import metadata, page_texts

REPO = Path(__file__).resolve().parents[1]


def test_catalog_export_lists_every_diagnosis_and_exercise(runner, catalog):
    result = runner.invoke(args=["catalog-export"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert {d["slug"] for d in data["diagnoses"]} == set(catalog.diagnoses)
    assert {e["slug"] for e in data["exercises"]} == set(catalog.exercises)
    impingement = next(d for d in data["diagnoses"] if d["slug"] == "hip-impingement")
    assert impingement["program"][0]["exercise"] == catalog.diagnoses["hip-impingement"].program[0].exercise
    assert {"steps", "tips", "stop_if", "dose", "position", "equipment", "moves"} <= set(data["exercises"][0])
    assert all(e["illustration"] and e["illustration"]["alt"] for e in data["exercises"])
    trochanteric = next(d for d in data["diagnoses"] if d["slug"] == "trochanteric-pain")
    assert {rule["move"] for rule in trochanteric["avoid"]} >= {"hip-adduction", "side-lying"}


def test_handout_command_writes_a_pdf(runner, tmp_path):
    out = tmp_path / "fai.pdf"
    result = runner.invoke(args=["handout", "hip-impingement", "--out", str(out),
                                 "--patient", "Ann Example", "--paper", "a4"])
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    assert metadata(pdf).title == "Home exercise program: Hip impingement"
    assert "Ann Example" in page_texts(pdf)[0]


def test_handout_command_prints_in_spanish_for_one_side(runner, tmp_path):
    out = tmp_path / "es.pdf"
    result = runner.invoke(args=["handout", "hip-pain", "--out", str(out), "--language", "es", "--side", "right"])
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    assert pikepdf.open(io.BytesIO(pdf)).Root.Lang == "es-US"
    text = " ".join(" ".join(page_texts(pdf)).split())
    assert "Acuéstate sobre tu lado izquierdo. Sube la rodilla derecha." in text  # clamshell, on the right


def test_handout_command_refuses_a_language_the_diagnosis_is_not_ready_in(runner, tmp_path, monkeypatch):
    monkeypatch.setattr("prescribe.cli.handout_languages", lambda catalog, slug: ("en",))
    result = runner.invoke(args=["handout", "hip-pain", "--out", str(tmp_path / "x.pdf"), "--language", "es"])
    assert result.exit_code != 0
    assert "not ready in 'es'" in result.output and not (tmp_path / "x.pdf").exists()


def test_handout_command_names_the_known_diagnoses_on_a_typo(runner, tmp_path):
    result = runner.invoke(args=["handout", "hip-impingment", "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0
    assert "hip-impingement" in result.output


def test_commands_work_in_a_fresh_clone_without_set_up(tmp_path):
    """`flask --app wsgi handout` creates its database when needed (here in a temp instance)."""
    env = {"PATH": "/usr/bin:/bin", "PRESCRIBE_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite'}",
           "PRESCRIBE_SECRET_KEY": "a-long-enough-secret-key-for-this-test-0123456789"}
    out = tmp_path / "pain.pdf"
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "handout", "hip-pain", "--out", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF") and len(page_texts(out.read_bytes())) >= 3
    check = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "check-content"],
                           cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr
