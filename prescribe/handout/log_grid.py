"""The exercise log grid as one SVG drawing.

A table of 15 columns by up to 21 rows costs WeasyPrint hundreds of boxes to lay out; the same
grid drawn as lines and a few labels is a single replaced element, and prints identically.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

# Geometry in millimetres, matching the printable width of Letter and A4 with our margins.
NAME_WIDTH = 52.0
DAY_WIDTH = 9.0
HEADER_HEIGHT = 8.0
ROW_HEIGHT = 11.0
FONT_SIZE = 3.9  # mm, about 11 pt
MAX_NAME_CHARS = 26


def _wrap(name: str) -> list[str]:
    """Split a long exercise name over two lines at a word boundary."""
    if len(name) <= MAX_NAME_CHARS:
        return [name]
    cut = name.rfind(" ", 0, MAX_NAME_CHARS)
    cut = cut if cut > 0 else MAX_NAME_CHARS
    return [name[:cut], name[cut:].strip()[:MAX_NAME_CHARS]]


ROWS_PER_PAGE = 14


def log_grids(rows: tuple[str, ...], days: int) -> tuple[str, ...]:
    """The log as page-sized grids (a drawing cannot break across pages); pain row on the last."""
    chunks = [rows[i:i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)] or [()]
    return tuple(log_grid_svg(chunk, days, with_pain_row=index == len(chunks) - 1)
                 for index, chunk in enumerate(chunks))


def log_grid_svg(rows: tuple[str, ...], days: int, pain_label: str = "Pain (0 to 10)",
                 with_pain_row: bool = True) -> str:
    """A tick-box grid: one row per exercise (plus a pain row), one column per day."""
    width = NAME_WIDTH + days * DAY_WIDTH
    all_rows = [*rows, pain_label] if with_pain_row else list(rows)
    height = HEADER_HEIGHT + len(all_rows) * ROW_HEIGHT
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="log-grid" viewBox="0 0 {width:g} {height:g}" '
        f'width="{width:g}mm" height="{height:g}mm" role="img">',
        f"<title>Blank log: {len(rows)} exercises by {days} days"
        f"{', with a pain score row' if with_pain_row else ''}</title>",
        f'<g font-family="Atkinson, sans-serif" font-size="{FONT_SIZE}" fill="#1a1a1a">',
        f'<text x="2" y="{HEADER_HEIGHT - 2.4:g}" font-weight="700">Exercise</text>',
    ]
    for day in range(days):
        x = NAME_WIDTH + day * DAY_WIDTH + DAY_WIDTH / 2
        parts.append(f'<text x="{x:g}" y="{HEADER_HEIGHT - 2.4:g}" text-anchor="middle" '
                     f'font-weight="700">{day + 1}</text>')
    for index, name in enumerate(all_rows):
        top = HEADER_HEIGHT + index * ROW_HEIGHT
        lines = _wrap(name)
        first_baseline = top + ROW_HEIGHT / 2 + FONT_SIZE * 0.35 - (len(lines) - 1) * FONT_SIZE * 0.55
        for line_number, line in enumerate(lines):
            y = first_baseline + line_number * FONT_SIZE * 1.1
            parts.append(f'<text x="2" y="{y:.2f}">{escape(line)}</text>')
    parts.append("</g>")
    # Grid lines: one path for the thin lines, one for the heavier rule above the pain row.
    lines = [f"M0 {y:g}H{width:g}" for y in
             [0, HEADER_HEIGHT, *(HEADER_HEIGHT + i * ROW_HEIGHT for i in range(1, len(all_rows) + 1))]]
    lines += [f"M{x:g} 0V{height:g}" for x in
              [0, *(NAME_WIDTH + d * DAY_WIDTH for d in range(days + 1))]]
    parts.append(f'<path d="{" ".join(lines)}" stroke="#444" stroke-width="0.4" fill="none"/>')
    if with_pain_row:
        pain_top = HEADER_HEIGHT + len(rows) * ROW_HEIGHT
        parts.append(f'<path d="M0 {pain_top:g}H{width:g}" stroke="#1a1a1a" stroke-width="1"/>')
    parts.append("</svg>")
    return "".join(parts)
