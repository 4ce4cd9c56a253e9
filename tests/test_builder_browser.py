"""The builder in headless Chromium, as a therapist uses it: keyboard alone, phone and tablet widths,
row actions without a page reload, drag and drop, and the same actions with JavaScript off."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from .pdf_helpers import column_texts
from .test_browser import browser, live_server, post_and_load, sign_in  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 800}
WIDTHS = {"phone": {"width": 390, "height": 844}, "tablet": {"width": 768, "height": 1024}}


def focused_id(page) -> str:
    return page.evaluate("() => document.activeElement ? document.activeElement.id : ''")


def wait_for_focus(page, element_id: str) -> None:
    page.wait_for_function("(id) => document.activeElement && document.activeElement.id === id",
                           arg=element_id, timeout=10_000)


def row_names(page) -> list[str]:
    return [name.split(". ", 1)[1] for name in page.locator("li.row .row-name").all_inner_texts()]


def announced(page, words: str) -> str:
    """Waits until the screen-reader announcement holds ``words``; returns it."""
    page.wait_for_function("(words) => document.querySelector('[data-announce]').textContent.includes(words)",
                           arg=words, timeout=5_000)
    return page.locator("[data-announce]").inner_text()


class Keys:
    """The keyboard, counting every key pressed (a typed word counts one per character)."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)
            self.count += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.count += len(text)


def open_builder(browser, live_server, account, diagnosis="hip-impingement", *, viewport=LAPTOP, javascript=True,
                 **context_options):
    # The page's CSP stays on: axe-core runs through the DevTools connection, which it does not govern.
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript, **context_options)
    page = context.new_page()
    sign_in(page, live_server, account)
    page.goto(f"{live_server}/build/{diagnosis}")
    if javascript:
        page.locator("[data-preview-status]").get_by_text("Handout up to date.").wait_for(timeout=30_000)
        page.evaluate("() => { window.notReloaded = true; }")
    return context, page


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']}: {[node['target'] for node in v['nodes']]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_row_actions_change_only_their_part_and_focus_follows(browser, live_server, default_therapist, catalog):
    context, page = open_builder(browser, live_server, default_therapist)
    before = row_names(page)
    assert page.locator("[data-move-button]").is_hidden()  # drag and drop's own button, never shown
    page.locator("#exercises-0-note").fill("Slowly, please")  # typed, never lost

    page.locator("#row-1-down").click()  # move the 2nd exercise down
    wait_for_focus(page, "row-2-down")
    assert row_names(page)[1:3] == [before[2], before[1]]
    announced(page, f"{before[1]} moved to place 3 of 7.")

    page.locator("#row-2-remove").click()
    wait_for_focus(page, "undo")
    assert before[1] not in row_names(page)
    announced(page, f"Removed {before[1]}. Undo puts it back.")
    page.keyboard.press("Enter")  # Undo
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'exercises-2-sets'")
    assert row_names(page)[2] == before[1]

    page.get_by_label("Find an exercise").fill("clamshel")  # a typo
    page.keyboard.press("Enter")
    wait_for_focus(page, "add-clamshell")
    announced(page, "exercises found. The first is Clamshell.")
    page.keyboard.press("Enter")
    wait_for_focus(page, "exercises-7-sets")
    assert row_names(page)[7] == "Clamshell"

    page.locator("#row-0-easier").click()  # standing march -> its easier variant
    wait_for_focus(page, "exercises-0-sets")
    easier = catalog.exercise(catalog.exercise("standing-march").easier)
    assert row_names(page)[0] == easier.name
    assert page.locator("#exercises-0-note").input_value() == "Slowly, please"
    assert page.locator("#exercises-0-reps").input_value() == str(easier.dose.reps)

    page.get_by_role("button", name="Check").click()
    announced(page, "No problems found: the handout is ready to print.")
    assert page.evaluate("() => window.notReloaded === true")  # every change above without a reload
    assert page.locator("#exercises-0-note").input_value() == "Slowly, please"
    context.close()


def test_rows_reorder_by_drag_and_by_keyboard_keeping_every_value(browser, live_server, default_therapist):
    # A tall window: the 5th row and the 1st both on screen, as the mouse drags between them.
    context, page = open_builder(browser, live_server, default_therapist, viewport={"width": 1280, "height": 2600})
    before = row_names(page)
    page.locator("#exercises-4-sets").fill("5")

    handle, target = page.locator("#row-4 .drag-handle"), page.locator("#row-1")
    box, goal = handle.bounding_box(), target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 21):  # a person drags in many small moves
        page.mouse.move(box["x"] + 5, box["y"] + (goal["y"] + goal["height"] / 2 - box["y"]) * step / 20)
        page.wait_for_timeout(20)
    # Where the row shows while dragged is where it lands.
    shown = page.evaluate("""() => Array.from(document.querySelectorAll('#exercise-list > li.row'))
        .filter(row => !row.classList.contains('sortable-drag'))
        .map(row => row.querySelector('.row-name').textContent.split('. ')[1])""")
    assert shown != before and sorted(shown) == sorted(before)
    page.mouse.up()
    place = shown.index(before[4])
    page.wait_for_function("""([place, name]) =>
        document.querySelector(`#row-${place} .row-name`).textContent === `${place + 1}. ${name}`""",
                           arg=[place, before[4]], timeout=10_000)
    assert row_names(page) == shown
    assert page.locator(f"#exercises-{place}-sets").input_value() == "5"

    # The keyboard: Alt+Down from a field of the row moves it, and focus stays on the moved row.
    page.locator(f"#exercises-{place}-reps").focus()
    page.keyboard.press("Alt+ArrowDown")
    wait_for_focus(page, f"row-{place + 1}-down")
    assert row_names(page)[place + 1] == before[4]
    page.keyboard.press("Enter")  # its Down button again
    wait_for_focus(page, f"row-{place + 2}-down")
    assert row_names(page)[place + 2] == before[4]
    assert page.locator(f"#exercises-{place + 2}-sets").input_value() == "5"
    assert page.evaluate("() => window.notReloaded === true")
    context.close()


def test_the_impingement_handout_tailored_and_printed_with_the_keyboard_alone(browser, live_server,
                                                                             default_therapist, catalog, tmp_path):
    """Two doses changed, one exercise swapped, one removed, one added, then printed: key presses counted."""
    context, page = open_builder(browser, live_server, default_therapist, accept_downloads=True)
    program = [entry.exercise for entry in catalog.diagnoses["hip-impingement"].program]
    names = [catalog.exercise(slug).name for slug in program]
    keys = Keys(page)

    keys.press("Alt+PageDown", 2)  # to the 2nd exercise's first field, then Shift+Tab to the 1st's buttons
    keys.press("Shift+Tab", 2)
    assert focused_id(page) == "row-0-easier"
    keys.press("Enter")  # swap the 1st for its easier variant
    wait_for_focus(page, "exercises-0-sets")
    keys.press("Alt+PageDown")
    assert focused_id(page) == "exercises-1-sets"
    keys.type("2")  # 2nd exercise: 2 sets
    keys.press("Alt+PageDown")
    keys.press("Tab")
    assert focused_id(page) == "exercises-2-reps"
    keys.type("15")  # 3rd exercise: 15 reps
    keys.press("Alt+PageDown", 2)
    keys.press("Shift+Tab")
    assert focused_id(page) == "row-3-remove"
    keys.press("Enter")  # remove the 4th
    wait_for_focus(page, "undo")
    keys.press("/")
    keys.type("bird dog")
    keys.press("Enter")
    wait_for_focus(page, "add-bird-dog")
    keys.press("Enter")
    wait_for_focus(page, "exercises-6-sets")
    tailoring = keys.count
    assert tailoring <= 60

    with context.expect_page(timeout=30_000) as preview_info:
        keys.press("Control+p")  # previews the handout to print it, rather than printing this page
    assert preview_info.value.url.endswith("/build/")
    with page.expect_download(timeout=30_000) as download_info:
        keys.press("Control+s")  # downloads the PDF (and keeps it as a version)
    target = tmp_path / "handout.pdf"
    download_info.value.save_as(target)
    text = " ".join(" ".join(text for text, _ in column_texts(target.read_bytes())).split())
    easier = catalog.exercise(catalog.exercise(program[0]).easier).name
    assert easier in text and "Bird dog" in text
    assert names[3] not in text
    assert page.evaluate("() => window.notReloaded === true")
    print(f"keyboard: tailoring took {tailoring} key presses (at most 60), printing {keys.count - tailoring} more")
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_on_a_phone_and_a_tablet_nothing_scrolls_sideways_and_download_is_always_reachable(
        browser, live_server, default_therapist, width):
    context, page = open_builder(browser, live_server, default_therapist, viewport=WIDTHS[width])
    def no_sideways_scroll():
        assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTHS[width]["width"]
    no_sideways_scroll()
    download = page.get_by_role("button", name="Download PDF")
    for y in (0, 1500, 4000, 100_000):  # top, rows, advice, end
        page.evaluate("(y) => window.scrollTo(0, y)", y)
        box = download.bounding_box()
        assert box and 0 <= box["x"] and box["x"] + box["width"] <= WIDTHS[width]["width"]
        assert 0 <= box["y"] and box["y"] + box["height"] <= WIDTHS[width]["height"]
        hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y).textContent",
                            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
        assert "Download PDF" in hit
    # Rows stack: a row's inputs are no wider than the screen.
    widths = page.evaluate("() => Array.from(document.querySelectorAll('li.row')).map(r => r.scrollWidth)")
    assert max(widths) <= WIDTHS[width]["width"]
    assert serious_violations(page) == []
    page.locator("#row-2-remove").click()  # after a change, still fine
    wait_for_focus(page, "undo")
    no_sideways_scroll()
    assert serious_violations(page) == []
    context.close()


def test_the_action_bar_never_covers_the_field_in_use(browser, live_server, default_therapist):
    context, page = open_builder(browser, live_server, default_therapist, viewport={"width": 1280, "height": 700})
    covered, stops = [], 0
    page.locator("#patient_name").focus()
    while stops < 400:
        page.keyboard.press("Tab")
        stops += 1
        state = page.evaluate("""() => {
            const element = document.activeElement, bar = document.querySelector('[data-actionbar]');
            if (!element || bar.contains(element)) return {done: true};
            const box = element.getBoundingClientRect();
            return {id: element.id || element.name || element.textContent.slice(0, 30),
                    covered: box.bottom > bar.getBoundingClientRect().top + 1 && box.height > 0};
        }""")
        if state.get("done"):
            break
        if state["covered"]:
            covered.append(state["id"])
    assert stops > 100  # it walked the whole page to the action bar
    assert covered == []
    context.close()


def test_a_refused_print_focuses_the_error_summary_and_keeps_what_was_typed(browser, live_server,
                                                                            default_therapist):
    context, page = open_builder(browser, live_server, default_therapist)
    page.locator("#exercises-2-sets").fill("25")  # sets go from 1 to 10
    page.locator("#exercises-4-note").fill("x" * 230)
    page.get_by_role("button", name="Download PDF").click()
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'error-summary'",
                           timeout=15_000)
    summary = page.locator("#error-summary")
    assert "Please check 2 fields" in summary.inner_text()
    assert summary.is_visible() and summary.bounding_box()["y"] < 800
    page.get_by_role("link", name="Exercise 3").click()  # the link takes the keyboard to the field
    assert focused_id(page) == "exercises-2-sets"
    assert page.locator("#exercises-2-sets").input_value() == "25"
    assert page.locator("#exercises-4-note").input_value() == "x" * 230
    assert serious_violations(page) == []

    page.locator("#exercises-2-sets").fill("3")  # Check, without a reload, finds the note still too long
    page.get_by_role("button", name="Check").click()
    wait_for_focus(page, "error-summary")
    assert "Please check 1 field" in summary.inner_text()
    context.close()


def test_without_javascript_every_row_action_still_works(browser, live_server, default_therapist, catalog):
    context, page = open_builder(browser, live_server, default_therapist, javascript=False)
    before = row_names(page)
    page.locator("#exercises-0-note").fill("Keep this")
    post_and_load(page, "#row-0-down")
    assert row_names(page)[:2] == [before[1], before[0]]
    post_and_load(page, "#row-1-remove")
    assert before[0] not in row_names(page)
    post_and_load(page, page.get_by_role("button", name="Undo"))
    assert row_names(page)[1] == before[0] and page.locator("#exercises-1-note").input_value() == "Keep this"
    post_and_load(page, "#row-1-easier")
    assert row_names(page)[1] == catalog.exercise(catalog.exercise(program_slug(catalog, 0)).easier).name
    assert page.locator("#exercises-1-note").input_value() == "Keep this"
    post_and_load(page, page.get_by_role("button", name="Check"))
    assert "Please check" not in page.content()
    context.close()


def program_slug(catalog, index: int) -> str:
    return catalog.diagnoses["hip-impingement"].program[index].exercise


def test_saving_a_template_confirms_next_to_the_button_without_a_reload(browser, live_server, default_therapist):
    context, page = open_builder(browser, live_server, default_therapist)
    page.get_by_label("Template name").fill("FAI weeks 1-4")
    page.get_by_role("button", name="Save as template").click()
    wait_for_focus(page, "template-saved")
    saved = page.locator("#template-saved")
    assert "Template “FAI weeks 1-4” saved" in saved.inner_text()
    box = saved.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= page.locator("[data-actionbar]").bounding_box()["y"]
    assert page.evaluate("() => window.notReloaded === true")
    context.close()
