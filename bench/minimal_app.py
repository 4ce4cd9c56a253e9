"""The reference for the builder page's latency: a minimal Flask page (mounted by bench/served_app.py).

Served at ``/minimal/`` by the same gunicorn workers as the app, so "builder p95 / minimal p95"
isolates what the builder page itself costs: routing, Jinja and a response are in both.
"""

from flask import Flask, render_template_string

app = Flask(__name__)

PAGE = "<!doctype html><html lang=en><title>{{ title }}</title><h1>{{ title }}</h1><p>OK</p></html>"


@app.get("/")
def index():
    """A tiny templated page: routing, Jinja and a response, nothing else."""
    return render_template_string(PAGE, title="Minimal page")
