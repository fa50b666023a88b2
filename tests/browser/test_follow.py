"""Following several series and choosing a time zone, in Chromium: with and without
JavaScript, accessible (axe-core, the keyboard), valid HTML, and fitting a phone."""

from zoneinfo import ZoneInfo

import icalendar
import pytest

from seminars.feeds.calendars import MAX_CHOSEN_SERIES
from tests.browser.chromium import PHONE
from tests.browser.test_accessibility import axe_violations, tab_through
from tests.browser.test_html_validity import nu_errors
from tests.browser.test_layout import WIDTHS
from tests.factories import make_series

TITLES = ".talk-title a"
# The pages this feature adds or changes, beside those the other browser tests check.
PAGE_TYPES = ["follow", "follow two series", "home in New York time", "talk in Tokyo time"]


@pytest.fixture
def pages(seminar) -> dict[str, str]:
    return {
        "follow": "/follow/",
        "follow two series": "/follow/?series=logic&series=algebra",
        "home in New York time": "/?tz=America/New_York",
        "talk in Tokyo time": seminar.talk.get_absolute_url() + "?tz=Asia/Tokyo",
    }


@pytest.fixture(params=PAGE_TYPES)
def page_path(request, pages) -> str:
    return pages[request.param]


def start_in(talk, zone: str) -> str:
    """The talk's start as a page in `zone` shows it, hours and minutes."""
    return talk.start.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def shows_start_in(text: str, talk, zone: str, abbreviation: str) -> bool:
    """Whether `text`, a talk's times as a page shows them, starts it in `zone`."""
    return f"{start_in(talk, zone)}–" in text and text.endswith(f" {abbreviation}")


# Following


def test_ticking_two_series_gives_one_feed_of_both(open_page, live_server, seminar):
    page = open_page("/series/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Follow").click()
    page.wait_for_url(live_server.url + "/follow/")
    assert page.locator("#feed-url").count() == 0

    page.get_by_label("Logic Seminar").check()
    page.get_by_label("Algebra Colloquium").check()
    page.get_by_role("button", name="Get the feed").click()

    page.wait_for_url(live_server.url + "/follow/?series=algebra&series=logic")
    feed_url = live_server.url + "/talks.ics?series=algebra,logic"
    assert page.get_by_label("Feed address").input_value() == feed_url
    host = live_server.url.removeprefix("http://")
    subscribe = page.get_by_role("link", name="Subscribe in your calendar app")
    assert subscribe.get_attribute("href") == f"webcal://{host}/talks.ics?series=algebra,logic"
    assert page.locator(TITLES).all_inner_texts() == [
        "Proofs as programs",
        "Undecidable tea",
        "Workshop on rings",
    ]
    feed = page.request.get(feed_url)
    calendar = icalendar.Calendar.from_ical(feed.body())
    assert sorted(str(event["UID"]) for event in calendar.walk("VEVENT")) == sorted(
        [seminar.talk.uid, seminar.cancelled.uid, seminar.past.uid, seminar.all_day.uid]
    )


def test_unticking_a_series_updates_the_feed(open_page, live_server, seminar):
    page = open_page("/follow/?series=algebra,logic")
    assert page.get_by_label("Algebra Colloquium").is_checked()

    page.get_by_label("Algebra Colloquium").uncheck()
    page.get_by_role("button", name="Get the feed").click()

    page.wait_for_url(live_server.url + "/follow/?series=logic")
    feed_url = live_server.url + "/talks.ics?series=logic"
    assert page.get_by_label("Feed address").input_value() == feed_url
    assert page.locator(TITLES).all_inner_texts() == ["Proofs as programs", "Undecidable tea"]


def test_a_series_page_opens_the_follow_page_with_its_series_ticked(
    open_page, live_server, seminar
):
    page = open_page("/series/logic/")
    page.get_by_role("link", name="Follow Logic Seminar and other series").click()
    page.wait_for_url(live_server.url + "/follow/?series=logic")
    assert page.get_by_label("Logic Seminar").is_checked()
    assert not page.get_by_label("Algebra Colloquium").is_checked()


def test_the_feed_address_can_be_selected_and_copied_without_javascript(open_page, seminar):
    page = open_page("/follow/?series=logic", java_script_enabled=False)
    field = page.get_by_label("Feed address")
    field.focus()
    page.keyboard.press("Control+A")
    selected = field.evaluate(
        "input => input.value.slice(input.selectionStart, input.selectionEnd)"
    )
    assert selected.endswith("/talks.ics?series=logic")


# Time zones


def test_choosing_a_zone_shows_every_page_in_it(open_page, live_server, seminar):
    page = open_page(seminar.talk.get_absolute_url(), timezone_id="Europe/London")
    when = page.locator(".facts dd").first
    assert start_in(seminar.talk, "Europe/London") in when.inner_text()

    page.get_by_label("Times in").select_option("Asia/Tokyo")
    page.get_by_role("button", name="Set", exact=True).click()

    page.wait_for_url(live_server.url + seminar.talk.get_absolute_url())
    assert shows_start_in(when.inner_text(), seminar.talk, "Asia/Tokyo", "JST")
    assert page.get_by_label("Times in").input_value() == "Asia/Tokyo"
    page.goto("/")  # remembered
    assert shows_start_in(
        page.locator(".when").first.inner_text(), seminar.talk, "Asia/Tokyo", "JST"
    )


def test_the_zone_picker_works_without_javascript(open_page, live_server, seminar):
    page = open_page("/", java_script_enabled=False, timezone_id="America/New_York")
    assert page.get_by_role("button", name="Use my zone").count() == 0

    page.get_by_label("Times in").select_option("America/New_York")
    page.get_by_role("button", name="Set", exact=True).click()

    page.wait_for_url(live_server.url + "/")
    first = page.locator(".when").first.inner_text()
    assert first.startswith(start_in(seminar.talk, "America/New_York"))


def test_use_my_zone_offers_the_browsers_zone_in_one_click(open_page, live_server, seminar):
    page = open_page("/archive/", timezone_id="America/New_York")
    button = page.get_by_role("button", name="Use my zone: America/New_York")

    button.click()

    page.wait_for_url(live_server.url + "/archive/")
    assert page.get_by_label("Times in").input_value() == "America/New_York"
    assert page.locator(".when").first.inner_text().endswith(("EDT", "EST"))
    assert page.get_by_role("button", name="Use my zone").count() == 0


def test_use_my_zone_is_not_offered_when_the_page_is_in_it(open_page, seminar):
    page = open_page("/", timezone_id="Europe/London")
    assert page.get_by_role("button", name="Use my zone").count() == 0


# Accessibility, HTML, phones


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_page_has_no_serious_or_critical_axe_violations(
    open_page, page_path, axe_source, color_scheme
):
    # A zone the page is not in, so that "Use my zone" shows and is checked too.
    page = open_page(page_path, color_scheme=color_scheme, timezone_id="Australia/Sydney")
    assert page.get_by_role("button", name="Use my zone").count() == 1
    assert axe_violations(page, axe_source) == []


def test_tab_reaches_every_link_and_control_in_order_with_a_visible_outline(open_page, page_path):
    page = open_page(page_path, timezone_id="Australia/Sydney")
    count, reached, problems = tab_through(page)
    assert reached == list(range(count))
    assert problems == {}


def test_page_fits_a_375px_phone_without_scrolling_sideways(open_page, page_path):
    # The longest zone name in the picker, and the browser's zone offered beside it.
    longest = page_path + ("&" if "?" in page_path else "?") + "tz=America/Argentina/ComodRivadavia"
    for path in (page_path, longest):
        page = open_page(
            path, viewport=PHONE, is_mobile=True, has_touch=True, timezone_id="Australia/Sydney"
        )
        assert page.get_by_role("button", name="Use my zone").count() == 1
        assert page.evaluate(WIDTHS) == [375, 375], path


def test_every_page_has_no_html_errors(client, pages, tmp_path):
    client.cookies["tz"] = "America/New_York"
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200
        (tmp_path / f"{name.replace(' ', '-')}.html").write_bytes(response.content)
    too_many = [make_series().slug for _ in range(MAX_CHOSEN_SERIES + 1)]
    response = client.get("/follow/", {"series": too_many})
    assert response.status_code == 200 and b'class="banner"' in response.content
    (tmp_path / "follow-too-many.html").write_bytes(response.content)
    errors = nu_errors(sorted(tmp_path.iterdir()))
    assert errors == {path.name: [] for path in tmp_path.iterdir()}
