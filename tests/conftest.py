"""Shared fixtures: an app on a fresh SQLite database per test, its client and CLI runner."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from prescribe import create_app
from prescribe.db import create_tables


@pytest.fixture
def app(tmp_path: Path):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite'}",
    })
    with app.app_context():
        create_tables(app)
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def catalog(app):
    return app.extensions["catalog"]


@pytest.fixture
def weasyprint_log(caplog):
    """Everything WeasyPrint logged at warning level or above during the test."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    yield lambda: [r for r in caplog.records if r.name.startswith("weasyprint") and r.levelno >= logging.WARNING]


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def builder_form(client, diagnosis: str) -> dict[str, str | list[str]]:
    """The builder's form fields exactly as a browser would submit them, with nothing changed."""
    return form_fields(client.get(f"/build/{diagnosis}").get_data(as_text=True))


def form_fields(html: str) -> dict[str, str | list[str]]:
    """The fields a browser would submit from the page's form (without pressing a button)."""
    from html.parser import HTMLParser

    class Fields(HTMLParser):
        def __init__(self):
            super().__init__()
            self.data: dict[str, list[str]] = {}
            self._textarea: str | None = None
            self._select: str | None = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            name = a.get("name")
            if tag == "input" and name and name != "action":
                if a.get("type") == "checkbox":
                    if "checked" in a:
                        self.data.setdefault(name, []).append(a.get("value") or "y")
                else:
                    self.data.setdefault(name, []).append(a.get("value") or "")
            elif tag == "textarea" and name:
                self._textarea = name
                self.data.setdefault(name, []).append("")
            elif tag == "select" and name:
                self._select = name
                self.data.setdefault(name, [])
            elif tag == "option" and self._select and "selected" in a:
                self.data[self._select] = [a.get("value", "")]

        def handle_endtag(self, tag):
            if tag == "textarea":
                self._textarea = None
            if tag == "select" and self._select:
                if not self.data[self._select]:
                    self.data[self._select] = [""]
                self._select = None

        def handle_data(self, data):
            if self._textarea:
                self.data[self._textarea][-1] += data

    parser = Fields()
    parser.feed(html)
    return {k: v if len(v) > 1 else v[0] for k, v in parser.data.items()}
