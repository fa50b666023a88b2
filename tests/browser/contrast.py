"""Colours as the browser computes them, and WCAG's contrast between two of them."""

import re


def rgb(css_colour: str) -> tuple[int, int, int]:
    """The red, green and blue of an opaque `rgb(…)` or `rgba(…)` computed colour."""
    match = re.fullmatch(r"rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)", css_colour)
    assert match, f"not a computed rgb() colour: {css_colour!r}"
    assert match[4] in (None, "1"), f"not opaque: {css_colour!r}"
    return int(match[1]), int(match[2]), int(match[3])


def relative_luminance(css_colour: str) -> float:
    """0 for black, 1 for white (WCAG 2)."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb(css_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """From 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted(map(relative_luminance, (first, second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
