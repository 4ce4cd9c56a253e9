"""Colour contrast as WCAG 2 measures it, for the clinic's accent colour on white paper.

The accent draws arrows, the working part of every figure and headings in the handout, so a light
accent washes them out: it must reach 4.5:1 against white, the bar for normal text.
"""

from __future__ import annotations

import colorsys

WHITE = "#ffffff"
MIN_CONTRAST = 4.5


def _rgb(colour: str) -> tuple[float, float, float]:
    value = colour.lstrip("#")
    return tuple(int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in rgb)


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance of a ``#rrggbb`` colour, 0 (black) to 1 (white)."""
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(channel) for channel in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str = WHITE) -> float:
    """WCAG contrast ratio of two colours, 1 to 21."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def nearest_passing_shade(colour: str, background: str = WHITE, minimum: float = MIN_CONTRAST) -> str:
    """The lightest shade of ``colour`` (same hue and saturation, darker) that reaches ``minimum``
    against ``background``; the colour itself when it already does."""
    if contrast_ratio(colour, background) >= minimum:
        return colour
    hue, lightness, saturation = colorsys.rgb_to_hls(*_rgb(colour))
    low, high = 0.0, lightness  # black always passes on white; search the lightest that passes
    for _ in range(30):
        middle = (low + high) / 2
        if contrast_ratio(_hex(colorsys.hls_to_rgb(hue, middle, saturation)), background) >= minimum:
            low = middle
        else:
            high = middle
    return _hex(colorsys.hls_to_rgb(hue, low, saturation))
