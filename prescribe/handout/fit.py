"""Pages without waste: where a page ends early because the next block could not be split.

Exercise cards and the log never split over pages, so a page may end early when the next one does
not fit. :func:`gaps` finds those pages in a laid-out document; the handout then fills each gap
with a lined "Notes" box the patient can use and lays the document out again (the blocks after a
gap do not move, so one more layout is enough).

This walks WeasyPrint's laid-out page boxes, which are not public API: the page's box tree comes
from :func:`prescribe.handout.weasy_internals.page_box` (pinned with ``weasyprint==70.0`` in
requirements.txt), and the boxes' fields read here are tested in tests/test_handout_fit.py.
"""

from __future__ import annotations

from collections.abc import Iterator

from .weasy_internals import page_box as laid_out_box

MIN_FILL = 0.62  # a page but the last is at least 60 % full (with a little room for rounding)
MIN_NOTES_MM = 22.0  # a smaller gap is left (the page is full enough anyway)
SAFETY_MM = 6.0  # the collapsed margin before the box, and rounding
HEAD_ROOM_MM = 20.0  # a block this near the top starts its page (a section heading may be above it)
PX_PER_MM = 96 / 25.4


def _boxes(box) -> Iterator:
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def _drawn(box) -> bool:
    """A line of text, an image, or a box with a bottom border (a card, a table cell)."""
    kind = type(box).__name__
    if kind == "LineBox" or kind.endswith("ReplacedBox"):
        return True
    return bool(box.style["border_bottom_width"]) and box.style["border_bottom_style"] != "none"


def _page_content(page) -> tuple[float, float, float, str | None]:
    """(top, bottom of the body area, bottom of what is printed, id of the first block) in px."""
    page_box = laid_out_box(page)
    top = page_box.content_box_y()
    limit = top + page_box.height
    root = next(child for child in page_box.children if getattr(child, "element_tag", None) == "html")
    bottom, first = top, None
    for box in _boxes(root):
        if _drawn(box):
            bottom = max(bottom, box.position_y + box.margin_height() - (box.margin_bottom or 0))
        # The block may sit under its section's heading (kept with it) or below its own margin.
        if first is None and box.element is not None and box.element.get("data-fit") is not None \
                and box.position_y <= top + HEAD_ROOM_MM * PX_PER_MM:
            first = box.element.get("id")
    return top, limit, bottom, first


def gaps(document) -> dict[str, float]:
    """For each page but the last that is under MIN_FILL full because the block starting the next
    page did not fit: that block's id -> the height in mm a notes box there may take."""
    found: dict[str, float] = {}
    pages = [_page_content(page) for page in document.pages]
    for (top, limit, bottom, _), (_, _, _, next_first) in zip(pages, pages[1:], strict=False):
        if next_first is None or (bottom - top) / (limit - top) >= MIN_FILL:
            continue
        room = (limit - bottom) / PX_PER_MM - SAFETY_MM
        if room >= MIN_NOTES_MM:
            found[next_first] = round(room, 1)
    return found
