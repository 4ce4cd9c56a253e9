"""The real flow in headless Chromium: choose a diagnosis, change a dose, download, read the PDF."""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server
from werkzeug.wsgi import ClosingIterator

from .conftest import TEST_PASSWORD
from .pdf_helpers import column_texts

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


@contextmanager
def running_chromium():
    """Headless Chromium, or a skip (a failure with PRESCRIBE_REQUIRE_BROWSER) where it is missing."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("PRESCRIBE_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required here but not installed (apt-get install chromium)")
        pytest.skip("Chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def serving(app):
    """``app`` on a local port, for as long as the block runs; yields its base URL."""
    # Local http development: browsers keep no Secure (or __Host-) cookie from http://127.0.0.1.
    app.config.update(SESSION_COOKIE_SECURE=False, SESSION_COOKIE_NAME="session")
    # Threaded, as the page's script sends requests side by side (a render ahead, a row action);
    # a one-at-a-time server resets the second connection where gunicorn's workers would queue it.
    requests = InFlight(app.wsgi_app)
    server = make_server("127.0.0.1", 0, requests, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        # A request the page sent last (a render ahead) may still be running in its thread: let it
        # finish and hand its database connection back before the test's app closes the database.
        requests.wait_until_idle(timeout=20)


class InFlight:
    """WSGI middleware counting the requests being handled, so the server can wait for none."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.running = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            self.running += 1
        try:
            body = self.wsgi_app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return ClosingIterator(body, self._done)  # closes the body, then counts the request done

    def _done(self) -> None:
        with self.changed:
            self.running -= 1
            self.changed.notify_all()

    def wait_until_idle(self, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.running == 0, timeout)


@pytest.fixture
def browser():
    with running_chromium() as browser:
        yield browser


@pytest.fixture
def live_server(app):
    with serving(app) as url:
        yield url


def sign_in(page, live_server: str, account) -> None:
    """Sign in through the page, as a person would."""
    page.goto(live_server + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for(timeout=30_000)  # the start page, signed in


def test_therapist_tailors_and_downloads_a_handout(browser, live_server, default_therapist, tmp_path):
    page = browser.new_page(accept_downloads=True)
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text and "script" in message.text else None)
    sign_in(page, live_server, default_therapist)
    page.get_by_label("Find a diagnosis").fill("impingement")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Hip impingement (FAI)").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Hip impingement (FAI)"

    status = page.locator("[data-preview-status]")
    status.get_by_text("Handout up to date.").wait_for(timeout=30_000)
    page.evaluate("""() => {
        window.statusLog = [];
        const node = document.querySelector("[data-preview-status]");
        new MutationObserver(() => window.statusLog.push(node.textContent))
            .observe(node, {childList: true, characterData: true, subtree: true});
    }""")
    page.get_by_label("Patient name as printed").fill("Ann Example")
    first_row = page.locator("li.row").first
    first_row.get_by_label("Sets").fill("4")
    first_row.get_by_label("Reps").fill("12")
    # The handout re-renders in the background after the edit, so Download is instant.
    page.wait_for_function("""() => window.statusLog.some(s => s.startsWith("Updating"))
        && window.statusLog[window.statusLog.length - 1] === "Handout up to date." """, timeout=30_000)

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
    assert blocked == []  # the CSP lets our own script run and nothing else was tried
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    page.goto(live_server + "/handouts/1")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    page.close()


def post_and_load(page, button) -> None:
    """Without JavaScript a button posts the form: waits for the page that comes back."""
    locator = page.locator(button) if isinstance(button, str) else button
    with page.expect_navigation(wait_until="load", timeout=15_000):
        locator.click()


def test_builder_works_without_javascript_for_adding_and_removing(browser, live_server, default_therapist):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, default_therapist)
    page.goto(live_server + "/build/hip-pain")
    rows_before = page.locator("li.row").count()
    page.get_by_label("Find an exercise").fill("clamshell with band")
    post_and_load(page, page.get_by_role("button", name="Search"))
    post_and_load(page, page.get_by_role("button", name="Add").first)
    assert page.locator("li.row").count() == rows_before + 1
    assert "Clamshell with band" in page.locator("li.row").last.inner_text()
    post_and_load(page, page.locator("li.row").first.get_by_role("button", name="Remove"))
    assert page.locator("li.row").count() == rows_before
    context.close()


def test_a_builder_left_open_past_the_idle_limit_keeps_its_changes(browser, live_server, app, default_therapist,
                                                                   tmp_path, monkeypatch):
    """Signed out while the page sat idle: Download keeps the page, and works after signing in again."""
    from datetime import timedelta

    import prescribe.web.guard as guard
    from prescribe.models import utcnow

    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    downloads: list = []
    page.on("download", lambda download: downloads.append(download))
    sign_in(page, live_server, default_therapist)
    page.goto(live_server + "/build/hip-impingement")
    page.locator("[data-preview-status]").get_by_text("Handout up to date.").wait_for(timeout=30_000)
    page.locator("li.row").first.get_by_label("Sets").fill("4")
    page.get_by_label("Patient name as printed").fill("Ann Example")
    # 16 minutes without a request: the server's clock moves on, and it ends the session.
    monkeypatch.setattr(guard, "utcnow", lambda: utcnow() + timedelta(minutes=16))

    page.get_by_role("button", name="Download PDF").click()
    page.locator("[data-signed-out]").wait_for(state="visible", timeout=10_000)
    assert downloads == [] and page.url.endswith("/build/hip-impingement")
    assert page.locator("li.row").first.get_by_label("Sets").input_value() == "4"
    monkeypatch.undo()  # back to the real clock for the new sign-in

    other_tab = context.new_page()
    sign_in(other_tab, live_server, default_therapist)
    other_tab.close()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download PDF").click()
    target = tmp_path / "handout.pdf"
    download_info.value.save_as(target)
    left = " ".join(text for text, _ in column_texts(target.read_bytes()))
    assert "Do this 4 times." in left
    assert page.locator("[data-signed-out]").is_hidden()
    context.close()


def test_after_a_hip_replacement_rows_follow_the_operated_side_and_the_handout_names_the_legs(
        browser, live_server, default_therapist, catalog, tmp_path):
    """Sides change with the affected side at once, a side set by hand stays, and the PDF says
    which leg stands and which moves; the page fits a phone's width."""
    program = [entry.exercise for entry in catalog.diagnoses["hip-replacement-early"].program]
    abduction, march, slide = (program.index(slug) for slug in ("standing-hip-abduction", "standing-march",
                                                                 "leg-slide-out"))
    page = browser.new_page(accept_downloads=True, viewport={"width": 1366, "height": 900})
    sign_in(page, live_server, default_therapist)
    page.goto(live_server + "/build/hip-replacement-early")
    def side(index: int):
        return page.get_by_label("Side", exact=True).and_(page.locator(f"#exercises-{index}-side"))

    side(slide).select_option("left")  # set by hand: keeps its choice
    page.get_by_label("Affected side").select_option("right")
    assert side(abduction).input_value() == "right"
    assert side(march).input_value() == "right"  # no taking turns on the new hip
    assert side(slide).input_value() == "left"
    page.screenshot(path=str(tmp_path / "builder-1366.png"), full_page=False)

    page.get_by_role("button", name="Download PDF").click()  # approach and weight not chosen yet
    page.get_by_text("Choose the surgical approach the surgeon used.", exact=True).wait_for(timeout=10_000)
    assert page.get_by_label("Affected side").input_value() == "right"  # nothing lost
    page.get_by_label("Surgical approach").select_option("posterior")
    page.get_by_label("Weight on the operated leg").select_option("as-tolerated")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download PDF").click()
    target = tmp_path / "handout.pdf"
    download_info.value.save_as(target)
    text = " ".join(" ".join(pair) for pair in column_texts(target.read_bytes()))
    assert "Stand on your left leg. Lift your right leg out to the side." in " ".join(text.split())
    assert "as much weight on your right leg as feels OK" in " ".join(text.split())

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + "/build/hip-replacement-early")
    page.screenshot(path=str(tmp_path / "builder-390.png"), full_page=False)
    page.close()
