"""The real flow in headless Chromium: choose a diagnosis, change a dose, download, read the PDF."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from .pdf_helpers import column_texts

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("PRESCRIBE_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required here but not installed (apt-get install chromium)")
        pytest.skip("Chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_therapist_tailors_and_downloads_a_handout(browser, live_server, tmp_path):
    page = browser.new_page(accept_downloads=True)
    page.goto(live_server + "/")
    page.get_by_label("Find a diagnosis").fill("impingement")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Hip impingement (FAI)").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Hip impingement (FAI)"

    page.get_by_label("Patient name as printed").fill("Ann Example")
    first_row = page.locator("li.row").first
    first_row.get_by_label("Sets").fill("4")
    first_row.get_by_label("Reps").fill("12")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename.startswith("hip-impingement-")
    target = tmp_path / download.suggested_filename
    download.save_as(target)

    columns = column_texts(target.read_bytes())
    left = " ".join(text for text, _ in columns)
    assert "Do 12 times with each leg. Rest 1 minute. Do this 4 times." in left
    page.goto(live_server + "/")
    assert "Ann Example" in page.locator("section.recent").inner_text()
    page.close()


def test_builder_works_without_javascript_for_adding_and_removing(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/build/hip-pain")
    rows_before = page.locator("li.row").count()
    page.get_by_label("Find an exercise").fill("clamshell with band")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Add").first.click()
    assert page.locator("li.row").count() == rows_before + 1
    assert "Clamshell with band" in page.locator("li.row").last.inner_text()
    page.locator("li.row").first.get_by_role("button", name="Remove").click()
    assert page.locator("li.row").count() == rows_before
    context.close()
