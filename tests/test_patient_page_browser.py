"""The patient's page on a phone, in headless Chromium: what a patient who scanned the QR code sees,
with moving pictures (still under reduced motion), a timer, today's ticks, and no network after
the first visit."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import builder_form, make_app, sign_in
from .test_browser import running_chromium, serving
from .test_patient_page import qr_address

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """A live server and the address a phone reads from the QR code of a handout printed there."""
    app = make_app(tmp_path_factory.mktemp("patient-page"))
    from .conftest import default_clinic_id

    with serving(app) as url:
        therapist = app.test_client()
        from .conftest import add_user

        account = add_user(app, default_clinic_id(app), "therapist@riverside.example", "therapist")
        sign_in(app, therapist, account)
        app.config["PUBLIC_URL"] = url  # where patients reach this server: the QR code leads there
        form = dict(builder_form(therapist, "hip-impingement"), action="download")
        pdf = therapist.post("/build/", data=form).data
        yield url, qr_address(pdf)
    app.extensions["db_engine"].dispose()


@pytest.fixture(scope="module")
def chromium():
    with running_chromium() as browser:
        yield browser


def visit(chromium, address: str, **context_options):
    """A new phone opening ``address`` as its camera app would; returns (context, tab, requests seen)."""
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, **context_options)
    tab = context.new_page()
    seen: list[str] = []
    tab.on("request", lambda request: seen.append(request.url))
    tab.goto(address)
    return context, tab, seen


def test_a_phone_shows_the_program_moving_and_works_offline_after_the_first_visit(chromium, printed):
    url, address = printed
    context, tab, seen = visit(chromium, address)
    assert tab.url == address.replace(address.split("/P/")[0], url)  # the QR code's upper-case address
    assert tab.get_by_role("heading", level=1).inner_text() == "Your exercises"
    assert tab.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    moving = tab.locator(".moving svg").first
    moving.wait_for(state="visible")
    assert tab.locator(".still").first.is_hidden()
    tab.wait_for_function("() => document.querySelector('.moving svg').getCurrentTime() > 0.5")
    tab.get_by_role("button", name="Pause the moving pictures").click()
    assert tab.evaluate("() => [...document.querySelectorAll('.moving svg')].every((s) => s.animationsPaused())")

    tab.get_by_role("button", name="I did my exercises").click()
    tab.get_by_role("radio", name="3", exact=True).check()  # pain 3 of 10, as a finger taps it
    assert tab.locator("[data-count]").inner_text() == "Done once today. Well done."
    timer = tab.locator(".timer").first
    if timer.count():
        timer.get_by_role("button").click()
        assert "left" in timer.locator("[data-left]").inner_text()

    tab.wait_for_function("() => document.documentElement.dataset.offline === 'ready'", timeout=15_000)
    results = Axe().run(tab)
    serious = [v["id"] for v in results.response["violations"] if v["impact"] in SERIOUS]
    assert serious == []
    origins = {f"{urlsplit(r).scheme}://{urlsplit(r).netloc}" for r in seen if not r.startswith("data:")}
    assert origins == {url}  # nothing from any other site

    context.set_offline(True)
    tab.goto(address)  # the QR code scanned again, with no network
    assert tab.get_by_role("heading", level=1).inner_text() == "Your exercises"
    tab.goto(url + "/p/" + address.rsplit("/", 1)[1].lower())  # or the page's own address, however typed
    assert tab.get_by_role("heading", level=1).inner_text() == "Your exercises"
    assert tab.locator("[data-count]").inner_text() == "Done once today. Well done."
    assert tab.locator("input[data-pain][value='3']").is_checked()
    assert tab.locator(".moving svg").first.is_visible()  # its script and style came from the kept copy
    context.close()


def test_under_reduced_motion_the_pictures_stand_still_as_printed(chromium, printed):
    _, address = printed
    context, tab, _ = visit(chromium, address, reduced_motion="reduce")
    tab.locator(".still img").first.wait_for(state="visible")
    assert tab.locator(".moving").first.is_hidden()
    assert tab.get_by_role("button", name="Pause the moving pictures").is_hidden()
    assert tab.evaluate("() => [...document.querySelectorAll('.moving svg')].every((s) => s.animationsPaused())")
    context.close()


def test_the_short_code_typed_on_a_phone_opens_the_page(chromium, printed):
    url, address = printed
    key = re.search(r"/P/([A-Z2-7]+)$", address).group(1)
    context, tab, _ = visit(chromium, url + "/p/" + key)
    assert tab.get_by_role("heading", level=1).inner_text() == "Your exercises"
    context.close()
    context, tab, _ = visit(chromium, url + "/p")
    tab.get_by_label("The code from your sheet").fill("nope")
    tab.get_by_role("button", name="Open").click()
    assert "10 letters and numbers" in tab.locator(".error").inner_text()
    assert tab.get_by_label("The code from your sheet").input_value() == "nope"
    results = Axe().run(tab)
    assert [v["id"] for v in results.response["violations"] if v["impact"] in SERIOUS] == []
    context.close()
