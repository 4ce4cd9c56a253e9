"""Every use of WeasyPrint's internals, in one place, pinned to WeasyPrint 70.0.

What is here reads or wraps objects WeasyPrint does not document: a laid-out page's box tree
(``Page._page_box``, read by :mod:`prescribe.handout.fit`) and the drawing of SVG figures
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
