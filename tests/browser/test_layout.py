"""How pages lay out in Chromium: on a phone, and in dark mode."""

import pytest

from tests.browser.chromium import PHONE
from tests.browser.contrast import contrast_ratio, relative_luminance

WIDTHS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def test_page_fits_a_375px_phone_without_scrolling_sideways(open_page, page_path):
    page = open_page(page_path, viewport=PHONE, is_mobile=True, has_touch=True)
    scroll_width, client_width = page.evaluate(WIDTHS)
    assert (scroll_width, client_width) == (375, 375)


COLOURS = """() => {
  const body = getComputedStyle(document.body);
  return [body.backgroundColor, body.color];
}"""


@pytest.mark.parametrize("color_scheme", ["dark", "light"])
def test_page_follows_the_colour_scheme_with_readable_text(open_page, page_path, color_scheme):
    page = open_page(page_path, color_scheme=color_scheme)
    background, text = page.evaluate(COLOURS)
    dark = color_scheme == "dark"
    assert (relative_luminance(background) < 0.05) == dark  # a dark page only in dark mode
    assert (relative_luminance(text) > 0.5) == dark  # with light text on it
    assert contrast_ratio(text, background) >= 7
