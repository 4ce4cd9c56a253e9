"""``Server-Timing: app;dur=<ms>`` on every response (web/server_timing.py), and nothing more in it."""

from __future__ import annotations

import re
import time

import pytest

from .conftest import builder_form

ONLY_OUR_TIMING = re.compile(r"^app;dur=[0-9]+\.[0-9]$")


def server_ms(response) -> float:
    """The one Server-Timing header's duration, after checking it says nothing else."""
    values = response.headers.getlist("Server-Timing")
    assert len(values) == 1, values
    assert ONLY_OUR_TIMING.match(values[0]), values[0]
    return float(values[0].removeprefix("app;dur="))


@pytest.fixture
def slow_app(app):
    """The app with a route that takes 50 ms, and one that fails."""
    def slow():
        time.sleep(0.05)
        return "done"

    def boom():
        raise RuntimeError("simulated failure")

    app.add_url_rule("/test-only/slow", "slow", slow)
    app.add_url_rule("/test-only/boom", "boom", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_every_kind_of_response_says_how_long_the_app_took(slow_app, client, anonymous):
    form = builder_form(client, "hip-pain")
    responses = {
        "sign-in page": anonymous.get("/auth/login"),
        "redirect to sign-in": anonymous.get("/"),
        "static css": anonymous.get("/static/css/app.css"),
        "host refused": anonymous.get("/auth/login", headers={"Host": "elsewhere.example"}),
        "builder": client.get("/build/hip-pain"),
        "row action": client.post("/build/", data={**form, "action": "remove:0"}, headers={"HX-Request": "true"}),
        "404": client.get("/handouts/999"),
        "500": client.get("/test-only/boom"),
    }
    assert responses["host refused"].status_code == 400
    assert responses["500"].status_code == 500
    for label, response in responses.items():
        assert server_ms(response) >= 0, label
        response.close()


def test_the_time_covers_the_handling_of_the_request(slow_app, client):
    assert 50 <= server_ms(client.get("/test-only/slow")) < 5000
