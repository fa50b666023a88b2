"""A talk's join link on a phone, in Chromium (seminars/joining.py): a "shortly before" talk
says when its link appears and hides it, shows a Join button above the fold while it is on,
an open talk shows its link as a link; each page accessible (axe-core, no violation at all,
light and dark) and valid HTML (the Nu checker)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from seminars import joining
from seminars.models import Talk
from tests.browser.chromium import PHONE
from tests.browser.contrast import contrast_ratio
from tests.browser.test_html_validity import nu_errors
from tests.browser.test_layout import WIDTHS
from tests.browser.test_mail import all_axe_violations

LINK = "https://zoom.us/j/8123456789?pwd=s3cret"
LONG_TITLE = (
    "On the computational content of classical proofs: realisability, bar recursion "
    "and the double-negation translation revisited"
)
# The visitor's zone, as the picker's cookie gives it and the phone's clock has it: not the
# site's (Europe/London), so that the page's times are visibly converted.
ZONE = "America/New_York"
PHONE_CONTEXT = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "timezone_id": ZONE}
# The first screen of the page, the button's box in it, and the colours it stands out by.
JOIN_BUTTON = """() => {
  const button = document.querySelector(".join-button");
  const box = button.getBoundingClientRect();
  const style = getComputedStyle(button);
  return {
    top: box.top, bottom: box.bottom, height: box.height, width: box.width,
    screen: innerHeight, scrollY,
    background: style.backgroundColor, colour: style.color,
    page: getComputedStyle(document.body).backgroundColor,
  };
}"""


@pytest.fixture
def talk(seminar):
    """The seminar's next talk, online, its link hidden until shortly before (tomorrow)."""
    talk = seminar.talk
    talk.join_url = LINK
    talk.join_access = joining.BEFORE
    talk.save()
    return talk


@pytest.fixture
def open_on_phone(open_page, live_server):
    """`open_on_phone(path)`: the page on a phone in the visitor's zone (the `tz` cookie),
    and its source as served, for the Nu checker."""

    def open_on_phone(path):
        page = open_page(path, **PHONE_CONTEXT)
        page.context.add_cookies([{"name": "tz", "value": ZONE, "url": live_server.url}])
        response = page.reload()
        assert response.status == 200
        return page, response.body()

    return open_on_phone


def axe_in_both_schemes(page, axe_source) -> list[dict]:
    found = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        found += all_axe_violations(page, axe_source)
    return found


def assert_valid_html(tmp_path, source: bytes):
    (tmp_path / "page.html").write_bytes(source)
    assert nu_errors([tmp_path / "page.html"]) == {"page.html": []}


def start_now(talk, ago: dt.timedelta):
    """Move the talk so that it started `ago` (no content change, as time passing is), on a
    whole minute as organisers give times (to the minute after `ago`)."""
    start = (timezone.now() - ago).replace(second=0, microsecond=0)
    Talk.objects.filter(pk=talk.pk).update(start=start, end=start + dt.timedelta(hours=1))
    talk.refresh_from_db()


def test_before_its_time_the_page_says_when_the_link_appears_in_the_visitors_zone(
    open_on_phone, talk, axe_source, tmp_path
):
    page, source = open_on_phone(talk.get_absolute_url())

    reveal = (talk.start - dt.timedelta(minutes=15)).astimezone(ZoneInfo(ZONE))
    appears = page.locator(".join-appears")
    assert appears.is_visible()
    assert appears.inner_text().startswith(
        f"The link appears here at {reveal:%H:%M} {reveal.tzname()}"
    )
    # In the zone and the form the page gives the talk's own times.
    start = talk.start.astimezone(ZoneInfo(ZONE))
    when = page.locator(".facts dd").first.inner_text()
    assert f"{start:%H:%M}–" in when and when.endswith(f" {reveal.tzname()}")
    # Nowhere in the page, neither as served nor in the document the browser built.
    assert LINK not in source.decode() and LINK not in page.content()
    assert page.locator(".join-button").count() == 0
    assert page.get_by_role("link", name="Join online").count() == 0

    assert axe_in_both_schemes(page, axe_source) == []
    assert page.evaluate(WIDTHS) == [PHONE["width"]] * 2
    assert_valid_html(tmp_path, source)


def test_while_it_is_on_a_join_button_big_enough_to_tap_is_on_the_first_screen(
    open_on_phone, talk, axe_source, tmp_path
):
    # A long title, as some are, pushes the button down: it stays on the first screen.
    Talk.objects.filter(pk=talk.pk).update(title=LONG_TITLE)
    start_now(talk, ago=dt.timedelta(minutes=1))
    page, source = open_on_phone(talk.get_absolute_url())

    button = page.get_by_role("link", name="Join the talk now")
    assert button.is_visible()
    assert button.get_attribute("href") == LINK
    assert page.locator(".join-appears").count() == 0
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        box = page.evaluate(JOIN_BUTTON)
        assert box["scrollY"] == 0, scheme
        assert box["top"] >= 0 and box["bottom"] <= box["screen"], (scheme, box)
        assert box["height"] >= 44 and box["width"] >= 44, (scheme, box)
        # It stands out from the page (WCAG's 3:1 for what is not text), its words on it
        # readable (4.5:1).
        assert contrast_ratio(box["background"], box["page"]) >= 3, (scheme, box)
        assert contrast_ratio(box["colour"], box["background"]) >= 4.5, (scheme, box)

    assert axe_in_both_schemes(page, axe_source) == []
    assert page.evaluate(WIDTHS) == [PHONE["width"]] * 2
    assert_valid_html(tmp_path, source)


def test_an_open_talk_not_on_yet_shows_its_link_as_a_plain_link(
    open_on_phone, talk, axe_source, tmp_path
):
    Talk.objects.filter(pk=talk.pk).update(join_access=joining.OPEN)
    page, source = open_on_phone(talk.get_absolute_url())

    link = page.locator(".online-links").get_by_role("link", name="Join online")
    assert link.is_visible()
    assert link.get_attribute("href") == LINK
    assert page.get_by_role("link", name="Join the talk now").count() == 0
    assert page.locator(".join-button, .join-appears").count() == 0

    assert axe_in_both_schemes(page, axe_source) == []
    assert page.evaluate(WIDTHS) == [PHONE["width"]] * 2
    assert_valid_html(tmp_path, source)
