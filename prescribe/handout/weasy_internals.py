"""Every use of WeasyPrint's internals, in one place, pinned to WeasyPrint 70.0.

What is here reads or wraps objects WeasyPrint does not document: a laid-out page's box tree
(``Page._page_box``, read by :mod:`prescribe.handout.fit`); the same trees copied with some boxes
swapped (``copy_with_children``, margin boxes, ``Page(page_box)``, ``Document.copy``) to put one
patient's blocks into a kept layout (:func:`splice_personal`); and the drawing of SVG figures
(``SVGImage._svg.draw`` and the ``Stream`` it writes to, for :class:`FigureCache`). They change
between releases without notice, so this module names the version it was written against
(:data:`WEASYPRINT_VERSION`, the pin in requirements.txt), and tests/test_handout_speed.py fails
if the installed WeasyPrint is another one: a bump of the PDF stack starts with a look here.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

WEASYPRINT_VERSION = "70.0"

# SVG elements and attributes whose drawing is plain path operators: no text (fonts), images
# (XObjects), opacity, clip paths, masks, filters, markers, gradients or patterns (resources named
# by a per-page counter, or operators computed from where the figure sits on the page).
PLAIN_TAGS = frozenset({"svg", "g", "path", "circle", "ellipse", "rect", "line", "polyline", "polygon",
                        "title", "desc"})
UNSAFE_ATTRIBUTES = frozenset({"opacity", "fill-opacity", "stroke-opacity", "clip-path", "mask", "filter",
                               "marker-start", "marker-mid", "marker-end", "style", "font-size"})
# Only graphics states that set a constant alpha (Stream.set_alpha's names) may be replayed; any
# other operator that names a resource (an XObject, a font, a colour space, a shading, marked
# content) makes the drawing depend on the document it was first drawn in.
ALPHA_STATE = re.compile(rb"^/([aA][0-9.]+) gs$")
RESOURCE_OPERATORS = (b" Do", b" Tf", b" cs", b" CS", b" scn", b" SCN", b" sh", b"BDC", b"BMC", b" ri")
DRAWINGS_PER_FIGURE = 8  # a figure is drawn at one or two sizes; entry states differ little
_UNTOUCHED = object()  # the font "in force" while a figure is recorded (see _drawing_cache)
DRAWINGS_LIMIT_MB = 32  # about 1,400 drawings of ~23 KB: every figure of several clinics' colours, two sizes


def page_box(page: Any) -> Any:
    """The laid-out box tree of a :class:`weasyprint.Page` (``Page._page_box``)."""
    return page._page_box


# ---- The personal part of a kept layout (prescribe/handout/personal.py) ----

PERSONAL = "data-personal"
# What one laid-out box holds in memory, the text layouts Pango keeps for it included: measured as
# the growth of a process's RSS over 20 kept handouts of 8 to 12 pages (about 4.2 KB a box, 6.8 MB
# a handout), with some room.
BYTES_PER_BOX = 4600


def _boxes(box: Any) -> Any:
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def document_bytes(document: Any) -> int:
    """About how much memory a laid-out document holds (its boxes times :data:`BYTES_PER_BOX`)."""
    return BYTES_PER_BOX * sum(1 for page in document.pages for _ in _boxes(page._page_box))


def _personal_blocks(box: Any, path: tuple[int, ...] = ()) -> Any:
    """(name, path from ``box``, box) of each outermost box of a ``data-personal`` element."""
    element = getattr(box, "element", None)
    if element is not None and element.get(PERSONAL) is not None:
        yield element.get(PERSONAL), path, box
        return
    for index, child in enumerate(getattr(box, "children", ())):
        yield from _personal_blocks(child, (*path, index))


def _with_replaced(box: Any, path: tuple[int, ...], new: Any) -> Any:
    """A copy of ``box`` with the box at ``path`` replaced by ``new`` (the boxes on the way copied,
    everything else shared: the kept tree is never changed)."""
    if not path:
        return new
    children = list(box.children)
    children[path[0]] = _with_replaced(children[path[0]], path[1:], new)
    return box.copy_with_children(children)


def _same_place(kept: Any, personal: Any) -> bool:
    """True when ``personal`` starts where ``kept`` does and is as tall. A block in the normal flow
    may be narrower or wider (a table fits its content): what follows it starts below it anyway.
    Anything else (a float, a positioned box, a margin box) must take the same width too."""
    if (kept.position_x, kept.position_y, kept.margin_height()) != \
            (personal.position_x, personal.position_y, personal.margin_height()):
        return False
    from weasyprint.formatting_structure.boxes import BlockBox

    # A table's wrapper is a BlockBox too (``is_table_wrapper``); captions and footnote areas are not in the flow.
    in_flow = all(type(box) is BlockBox and box.style["float"] == "none" and box.style["position"] == "static"
                  for box in (kept, personal))
    return in_flow or kept.margin_width() == personal.margin_width()


def splice_personal(kept: Any, personal: Any) -> Any | None:
    """``kept`` (a laid-out ``Document``) with its personal blocks taken from ``personal``, or None.

    ``personal`` is the same handout laid out up to its personal blocks, with a second page: its
    page 1 gives the blocks of page 1 and its page 2 the margin boxes of every later page. Each
    block of ``kept`` must find its namesake at exactly the same place and size, or there is no
    splice (None: the caller lays the handout out whole). The result has ``personal``'s metadata
    and fresh pages; ``kept`` is left as it was, for the next patient.
    """
    from weasyprint.document import Page
    from weasyprint.formatting_structure.boxes import MarginBox

    if len(personal.pages) != 2:
        return None
    sources = [personal.pages[0]._page_box, personal.pages[1]._page_box]
    body_blocks: dict[str, Any] = {}
    for child in sources[0].children:
        for name, _, box in () if isinstance(child, MarginBox) else _personal_blocks(child):
            if name in body_blocks:
                return None
            body_blocks[name] = box
    margins = [{box.at_keyword: box for box in source.children if isinstance(box, MarginBox)} for source in sources]
    pages, found = [], set()
    for number, page in enumerate(kept.pages):
        tree = page._page_box
        for index, child in enumerate(tree.children):
            if isinstance(child, MarginBox) and next(_personal_blocks(child), None) is not None:
                new = margins[min(number, 1)].get(child.at_keyword)
                if new is None or not _same_place(child, new):
                    return None
                tree = _with_replaced(tree, (index,), new)
        body = [block for index, child in enumerate(tree.children) if not isinstance(child, MarginBox)
                for block in _personal_blocks(child, (index,))]
        for name, path, box in body:
            new = body_blocks.get(name)
            if new is None or name in found or not _same_place(box, new):
                return None
            found.add(name)
            tree = _with_replaced(tree, path, new)
        pages.append(Page(tree) if tree is not page._page_box else page)
    if found != set(body_blocks):
        return None
    return personal.copy(pages)


@dataclass(frozen=True)
class Drawing:
    """A figure's operators at one size and entry state, with the graphics states they name."""

    operators: tuple[bytes, ...]
    alpha_states: tuple[tuple[str, dict[str, float]], ...]
    exit_state: tuple[Any, ...]
    resets_font: bool  # the drawing ended with a restored graphics state, which forgets the font

    @property
    def size(self) -> int:
        """Bytes this drawing holds (its operators and their tuple)."""
        return sys.getsizeof(self.operators) + sum(sys.getsizeof(op) for op in self.operators)


def _stream_state(stream: Any) -> tuple[Any, ...]:
    """What a drawing depends on in the stream it is drawn into: the colours and alpha already set
    (a figure without text never sets a font, so the one in force does not change its operators)."""
    return (stream._current_color, stream._current_color_stroke, stream._current_alpha,
            stream._current_alpha_stroke)


def _resource_counts(stream: Any) -> tuple[int, ...]:
    resources = stream._resources
    return (len(resources["XObject"]), len(resources["Pattern"]), len(resources["Shading"]),
            len(resources["ColorSpace"]), len(stream._fonts), len(stream._images),
            len(stream._tags) if stream._tags is not None else -1)


def _is_plain(node: Any) -> bool:
    """True when an SVG tree draws only path operators (see PLAIN_TAGS, UNSAFE_ATTRIBUTES)."""
    if node.tag not in PLAIN_TAGS or UNSAFE_ATTRIBUTES & set(node.attrib):
        return False
    if any("url(" in str(value) for value in node.attrib.values()):
        return False
    return all(_is_plain(child) for child in node)


def _recorded(stream: Any, start: int, before: tuple[int, ...], font_after: Any) -> Drawing | None:
    """The operators a figure just wrote from ``start``, or None when they cannot be replayed.

    ``before`` is the stream's resource counts before the drawing; ``font_after`` the font it left
    in force: None when it restored a graphics state (which forgets the font), :data:`_UNTOUCHED`
    when it did neither.
    """
    if _resource_counts(stream) != before or font_after not in (None, _UNTOUCHED):
        return None
    operators = tuple(stream.stream[start:])
    alpha_states: dict[str, dict[str, float]] = {}
    for operator in operators:
        if not isinstance(operator, bytes) or any(operator.endswith(op) for op in RESOURCE_OPERATORS):
            return None
        if operator.endswith(b" gs"):
            match = ALPHA_STATE.match(operator)
            if match is None:
                return None
            name = match.group(1).decode()
            alpha_states.setdefault(name, dict(stream._resources["ExtGState"][name]))
    return Drawing(operators, tuple(alpha_states.items()), _stream_state(stream), font_after is None)


def _replay(stream: Any, drawing: Drawing) -> None:
    """Write a recorded figure as its drawing would: the alpha states it names, then its operators."""
    states = stream._resources["ExtGState"]
    for name, values in drawing.alpha_states:
        if name not in states:
            states[name] = type(states)(values)  # a pydyf.Dictionary, as Stream.set_alpha makes
    stream.stream.extend(drawing.operators)
    (stream._current_color, stream._current_color_stroke, stream._current_alpha,
     stream._current_alpha_stroke) = drawing.exit_state
    if drawing.resets_font:
        stream._current_font = None


def _drawing_cache(draw: Callable[..., None], owner: FigureCache) -> Callable[..., None]:
    """Wrap ``SVG.draw`` of one plain figure so each size and entry state is drawn only once.

    A drawing that raises is not kept (WeasyPrint logs it, and will again next time); one that
    touched anything but the stream's operators and alpha states is not kept either, nor one that
    would take ``owner`` over its size limit.
    """
    drawings: dict[tuple[Any, ...], Drawing] = {}

    def cached_draw(stream: Any, concrete_width: float, concrete_height: float, base_url: Any,
                    context: Any) -> None:
        key = (concrete_width, concrete_height, *_stream_state(stream))
        if (drawing := drawings.get(key)) is not None:
            _replay(stream, drawing)
            return
        start, before, depth = len(stream.stream), _resource_counts(stream), len(stream._ctm_stack)
        font, old_font = stream._current_font, stream._old_font
        # A plain figure never reads the font; the marker tells whether its drawing forgot it.
        stream._current_font = _UNTOUCHED
        try:
            draw(stream, concrete_width, concrete_height, base_url, context)
        finally:
            font_after = stream._current_font
            if font_after is _UNTOUCHED:
                stream._current_font = font
        if len(drawings) < DRAWINGS_PER_FIGURE and stream._old_font is old_font and len(stream._ctm_stack) == depth:
            if (drawing := _recorded(stream, start, before, font_after)) is not None and owner.admit(drawing.size):
                drawings[key] = drawing

    return cached_draw


class FigureCache(dict):
    """WeasyPrint's image cache (``render(cache=...)``), whose plain SVG figures also keep their
    drawing operators: drawn once per process at each size, then copied into every document.

    WeasyPrint draws an SVG by walking its tree for every page it is on, about an eighth of a
    handout's render; the operators only depend on the figure, its size and the colour and alpha
    in force, so the copy is byte for byte what drawing again would write (tested). The drawings
    kept take at most ``limit_mb``; past it, figures are drawn as before. They go with their
    figures when the cache is cleared.
    """

    def __init__(self, limit_mb: float = DRAWINGS_LIMIT_MB):
        super().__init__()
        self.limit_bytes = int(limit_mb * 1024 * 1024)
        self.drawing_bytes = 0

    def admit(self, size: int) -> bool:
        """Count a drawing of ``size`` bytes as kept, if it fits under the limit."""
        if self.drawing_bytes + size > self.limit_bytes:
            return False
        self.drawing_bytes += size
        return True

    def clear(self) -> None:
        super().clear()
        self.drawing_bytes = 0

    def __setitem__(self, url: str, image: Any) -> None:
        from weasyprint.images import SVGImage

        if isinstance(image, SVGImage) and _is_plain(image._svg.tree):
            image._svg.draw = _drawing_cache(image._svg.draw, self)
        super().__setitem__(url, image)
