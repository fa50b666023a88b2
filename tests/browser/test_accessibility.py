"""Accessibility in Chromium: axe-core on every type of page, and the keyboard."""

import pytest

from seminars.context_processors import ACCENTS
from tests.browser.contrast import contrast_ratio

SERIOUS = ("serious", "critical")


def axe_violations(page, axe_source):
    """Run axe-core in the page; its serious and critical violations, in short."""
    # Through DevTools, not a <script> tag: the site's CSP rightly refuses inline scripts.
    page.evaluate(axe_source)
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]],
        }
        for violation in result["violations"]
        if violation["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_page_has_no_serious_or_critical_axe_violations(
    open_page, page_path, axe_source, color_scheme
):
    page = open_page(page_path, color_scheme=color_scheme)
    assert axe_violations(page, axe_source) == []


@pytest.mark.parametrize("accent", ACCENTS[1:])  # the first, the default, is checked above
@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_every_accent_palette_has_no_serious_or_critical_axe_violations(
    open_page, page_urls, axe_source, settings, accent, color_scheme
):
    settings.SITE_ACCENT = accent
    for name in ("home", "past talk", "series"):
        page = open_page(page_urls[name], color_scheme=color_scheme)
        assert page.locator("html").get_attribute("data-accent") == accent
        assert axe_violations(page, axe_source) == [], name


def test_axe_reports_an_image_without_alt_text_as_critical(open_page, axe_source):
    # The check above would pass just as well if axe found nothing at all: make sure it finds.
    page = open_page("/search/")
    page.evaluate("""() => document.querySelector("main").insertAdjacentHTML(
        "beforeend", '<img src="/favicon.ico">')""")
    assert axe_violations(page, axe_source) == [
        {
            "rule": "image-alt",
            "impact": "critical",
            "help": "Images must have alternative text",
            "nodes": [["img"]],
        }
    ]


FOCUSABLE = "a[href], button, input, select, textarea"
# After each Tab: which of the page's focusable elements has the focus, whether the browser
# shows it as keyboard focus, its outline, the first opaque background behind it, and
# whether it is inside the viewport.
FOCUS_STATE = """focusable => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  let background = null;
  for (let node = element.parentElement; node && !background; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour !== "rgba(0, 0, 0, 0)") background = colour;
  }
  const box = element.getBoundingClientRect();
  return {
    index: [...document.querySelectorAll(focusable)].indexOf(element),
    focusVisible: element.matches(":focus-visible"),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth),
    outlineColour: style.outlineColor,
    background,
    inViewport: box.right > 0 && box.bottom > 0
      && box.left < innerWidth && box.top < innerHeight,
  };
}"""


def focus_problems(state) -> list[str]:
    problems = []
    if not state["focusVisible"]:
        problems.append("not :focus-visible")
    if state["outlineStyle"] in ("none", "hidden") or state["outlineWidth"] < 2:
        problems.append(f"outline {state['outlineStyle']} {state['outlineWidth']}px")
    elif contrast_ratio(state["outlineColour"], state["background"]) < 3:
        problems.append(f"outline {state['outlineColour']} on {state['background']}")
    if not state["inViewport"]:
        problems.append("outside the viewport")
    return problems


def tab_through(page) -> tuple[int, list[int], dict[int, list[str]]]:
    """Press Tab once per focusable element: (how many there are, the index of each one
    reached in turn, the focus problems of each that has any)."""
    count = page.locator(FOCUSABLE).count()
    reached, problems = [], {}
    for _ in range(count):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE, FOCUSABLE)
        reached.append(state["index"])
        if found := focus_problems(state):
            problems[state["index"]] = found
    return count, reached, problems


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_tab_reaches_every_link_and_control_in_order_with_a_visible_outline(
    open_page, page_path, color_scheme
):
    page = open_page(page_path, color_scheme=color_scheme)
    count, reached, problems = tab_through(page)
    assert count >= 7  # the skip link, the header's five and the footer's one at least
    assert reached == list(range(count))
    assert problems == {}


def test_skip_link_is_the_first_tab_stop_and_moves_focus_into_the_content(open_page, seminar):
    page = open_page(seminar.talk.get_absolute_url())
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    first_in_main = page.locator("main").locator(FOCUSABLE).first
    assert first_in_main.inner_text() == "Logic Seminar"
    assert first_in_main.evaluate("element => element === document.activeElement")
