"""Every page a user can reach, at phone, tablet and desktop widths, in headless Chromium.

Each page must fit the window (no sideways scrolling: wide tables scroll inside their own box) and
axe-core must find no serious or critical fault on it. One browser serves the whole walk, with one
signed-in context per width; the app and its data are made once for the module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import Account, ClinicData, _make_clinic, make_app
from .test_browser import running_chromium, serving, sign_in

pytestmark = pytest.mark.browser

WIDTHS = {"390x844": (390, 844), "768x1024": (768, 1024), "1280x800": (1280, 800)}
SERIOUS = {"serious", "critical"}


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # may hold {patient_id} and {handout_id}
    signed_in: bool = True
    status: int = 200


PAGES = [
    Page("sign-in", "/auth/login", signed_in=False),
    Page("start page", "/"),
    Page("diagnosis search results", "/?q=hip"),
    Page("builder", "/build/hip-impingement"),
    Page("exercise catalog", "/exercises/"),
    Page("patients", "/patients/"),
    Page("a patient", "/patients/{patient_id}"),
    Page("a handout", "/handouts/{handout_id}"),
    Page("templates", "/templates/"),
    Page("your account", "/account/"),
    Page("second-factor setup", "/account/second-factor"),
    Page("users", "/admin/users"),
    Page("audit log", "/admin/audit"),
    Page("clinic settings", "/clinic/settings"),
    Page("webhooks", "/clinic/webhooks"),
    Page("API documentation", "/api/v1/docs"),
    Page("page not found", "/no/such/page", status=404),
]

def cases():
    for width in WIDTHS:
        for page in PAGES:
            yield pytest.param(page, width, id=f"{page.name}-{width}")


@dataclass(frozen=True)
class Site:
    url: str
    clinic: ClinicData

    @property
    def admin(self) -> Account:
        return self.clinic.admin

    def address(self, page: Page) -> str:
        return self.url + page.path.format(patient_id=self.clinic.patient_id, handout_id=self.clinic.handout_id)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The app on a live server, with a clinic whose long names try the wrapping: an admin (who
    reaches every page), a patient, a saved handout and a clinic template."""
    app = make_app(tmp_path_factory.mktemp("pages"))
    clinic = _make_clinic(app, "riverbend", "Riverbend Physiotherapy and Sports Rehabilitation",
                          (29, 111, 184), "Margaret Okonkwo-Fitzgerald")
    with serving(app) as url:
        yield Site(url, clinic)
    app.extensions["db_engine"].dispose()


@pytest.fixture(scope="module")
def chromium():
    with running_chromium() as browser:
        yield browser


def new_context(chromium, width: str, **options):
    # No bypass_csp: axe-core goes in through page.evaluate (the DevTools protocol), which the page's
    # CSP does not govern, so the walk sees every page under its real policy, and any CSP refusal
    # (of our own app.js, say) is a finding.
    columns, rows = WIDTHS[width]
    context = chromium.new_context(viewport={"width": columns, "height": rows}, **options)
    context.refused = []  # what the CSP blocked, from the console
    context.on("console", lambda message: context.refused.append(message.text)
               if "Content Security Policy" in message.text else None)
    return context


@pytest.fixture(scope="module")
def tabs(chromium, site):
    """One signed-in tab per width, opened when first asked for."""
    opened = {}

    def tab(width: str):
        if width not in opened:
            page = new_context(chromium, width).new_page()
            sign_in(page, site.url, site.admin)
            opened[width] = page
        return opened[width]

    yield tab
    for page in opened.values():
        page.context.close()


def sideways_overflow(tab) -> str | None:
    """None if the page fits its window; otherwise how wide it is and the widest elements."""
    return tab.evaluate("""() => {
        const width = window.innerWidth, page = document.documentElement.scrollWidth;
        if (page <= width) return null;
        const culprits = [...document.querySelectorAll("body *")]
            .filter((node) => node.getBoundingClientRect().right > width + 0.5)
            .filter((node) => node.parentElement.getBoundingClientRect().right <= width + 0.5)
            .slice(0, 6)
            .map((node) => {
                const name = node.tagName.toLowerCase() + (node.id ? "#" + node.id : "")
                    + [...node.classList].map((c) => "." + c).join("");
                return `${name} (right edge ${Math.round(node.getBoundingClientRect().right)} px)`;
            });
        return `the page is ${page} px wide in a ${width} px window; past the edge: ${culprits.join(", ")}`;
    }""")


def serious_violations(tab) -> list[str]:
    """axe-core's serious and critical findings: rule, impact, and the CSS targets of the nodes."""
    results = Axe().run(tab).response
    return [f"{v['id']} ({v['impact']}): {v['help']}; nodes: "
            + "; ".join(" ".join(node["target"]) for node in v["nodes"])
            for v in results["violations"] if v["impact"] in SERIOUS]


@pytest.mark.parametrize(("page", "width"), list(cases()))
def test_the_page_fits_the_window_and_axe_finds_no_serious_fault(page, width, site, chromium, tabs):
    if page.signed_in:
        tab = tabs(width)
    else:
        tab = new_context(chromium, width).new_page()
    try:
        tab.context.refused.clear()
        response = tab.goto(site.address(page))
        assert response is not None and response.status == page.status, f"{page.name} at {width}"
        problems = []
        overflow = sideways_overflow(tab)
        if overflow:
            problems.append(f"scrolls sideways: {overflow}")
        problems += [f"axe {finding}" for finding in serious_violations(tab)]
        problems += [f"CSP refused: {text}" for text in tab.context.refused]
        if os.environ.get("PRESCRIBE_SCREENSHOTS"):  # a folder: look at the pages as the walk saw them
            tab.screenshot(path=f"{os.environ['PRESCRIBE_SCREENSHOTS']}/{page.name}-{width}.png", full_page=True)
        assert not problems, f"{page.name} ({site.address(page)}) at {width}:\n  " + "\n  ".join(problems)
    finally:
        if not page.signed_in:
            tab.context.close()


def test_on_a_phone_the_menu_opens_from_a_button_and_escape_closes_it(site, chromium, tabs):
    tab = tabs("390x844")
    tab.goto(site.url + "/")
    button = tab.get_by_role("button", name="Menu")
    assert button.is_visible() and button.get_attribute("aria-expanded") == "false"
    menu = tab.locator("#" + button.get_attribute("aria-controls"))
    assert menu.evaluate("menu => menu.matches('nav[aria-label=Main]')")
    patients = menu.get_by_role("link", name="Patients")
    assert patients.is_hidden()
    assert tab.get_by_role("button", name="Sign out").is_visible()  # never behind the menu

    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    for name in ("New handout", "Patients", "Templates", "Exercises", "Users", "Audit log", "Clinic settings"):
        assert menu.get_by_role("link", name=name).is_visible(), name
    assert sideways_overflow(tab) is None

    patients.focus()
    tab.keyboard.press("Escape")
    assert patients.is_hidden()
    assert button.get_attribute("aria-expanded") == "false"
    assert button.evaluate("button => button === document.activeElement")


def test_on_a_wide_screen_the_menu_shows_without_a_button(site, tabs):
    tab = tabs("1280x800")
    tab.goto(site.url + "/")
    assert tab.get_by_role("button", name="Menu").is_hidden()
    assert tab.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").is_visible()


def test_without_javascript_a_phone_shows_the_menu_wrapped(site, chromium):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    tab = context.new_page()
    sign_in(tab, site.url, site.admin)
    tab.goto(site.url + "/patients/")
    assert tab.get_by_role("button", name="Menu").is_hidden()
    assert tab.get_by_role("navigation", name="Main").get_by_role("link", name="Clinic settings").is_visible()
    assert sideways_overflow(tab) is None
    context.close()
