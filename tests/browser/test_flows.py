"""What a visitor does, clicked through in Chromium against the live server."""

import datetime as dt
import re

import icalendar
from django.utils import timezone

from tests.factories import make_talk

TITLES = ".talk-title a"


def test_home_page_lists_upcoming_talks_by_day_and_a_title_opens_the_talk(
    open_page, live_server, seminar
):
    page = open_page("/")
    assert page.title() == "Upcoming talks · Seminars"
    assert page.locator(TITLES).all_inner_texts() == [
        "Proofs as programs",
        "Undecidable tea",
        "Workshop on rings",
    ]
    assert page.locator(".day-heading").count() == 3
    page.get_by_role("link", name="Proofs as programs").click()
    page.wait_for_url(live_server.url + seminar.talk.get_absolute_url())
    assert page.locator("h1").inner_text() == "Proofs as programs"
    assert page.locator(".speaker-list li").all_inner_texts() == [
        "Ada Lovelace, Analytical Society",
        "Alan Turing, Manchester",
    ]


def test_talk_page_links_to_its_speaker_and_back_to_its_series(open_page, live_server, seminar):
    page = open_page(seminar.talk.get_absolute_url())
    page.locator(".speaker-list").get_by_role("link", name="Ada Lovelace").click()
    page.wait_for_url(live_server.url + "/speakers/ada-lovelace/")
    assert page.locator("h1").inner_text() == "Ada Lovelace"
    assert page.locator("p.affiliation").inner_text() == "Analytical Society"
    assert page.locator(TITLES).all_inner_texts() == [
        "Proofs as programs",
        "Undecidable tea",
        "Lambda calculus revisited",
    ]
    page.get_by_role("link", name="Undecidable tea").click()
    page.wait_for_url(live_server.url + seminar.cancelled.get_absolute_url())
    assert page.locator(".banner").inner_text() == (
        "Cancelled. This talk will not take place as announced."
    )
    page.locator(".series-link a").click()
    page.wait_for_url(live_server.url + "/series/logic/")
    assert page.locator("h1").inner_text() == "Logic Seminar"


def test_download_ics_gives_the_talk_as_a_text_calendar(open_page, seminar):
    page = open_page(seminar.talk.get_absolute_url())
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download .ics").click()
    download = download_info.value
    assert download.suggested_filename == "proofs-as-programs.ics"
    calendar = icalendar.Calendar.from_ical(download.path().read_bytes())
    [event] = calendar.walk("VEVENT")
    assert event["UID"] == seminar.talk.uid
    assert event["SUMMARY"] == "Proofs as programs (Ada Lovelace, Alan Turing)"
    assert event.decoded("DTSTART") == seminar.talk.start
    # A download raises no response event in the page, so ask for the same address again,
    # with the page's cookies, to see how the server labels it.
    response = page.request.get(download.url)
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.body() == download.path().read_bytes()


def test_series_page_lists_its_talks_and_offers_its_calendar_feed(open_page, live_server, seminar):
    page = open_page("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Series").click()
    page.wait_for_url(live_server.url + "/series/")
    page.get_by_role("link", name="Logic Seminar").click()
    page.wait_for_url(live_server.url + "/series/logic/")
    assert page.locator(TITLES).all_inner_texts() == [
        "Proofs as programs",
        "Undecidable tea",
        "Lambda calculus revisited",
    ]
    host = live_server.url.removeprefix("http://")
    subscribe = page.get_by_role("link", name="Subscribe in your calendar app")
    assert subscribe.get_attribute("href") == f"webcal://{host}/series/logic.ics"
    feed = page.request.get(page.locator(".subscribe-links code").inner_text())
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(feed.body())
    assert calendar["X-WR-CALNAME"] == "Logic Seminar"
    assert sorted(str(event["UID"]) for event in calendar.walk("VEVENT")) == sorted(
        [seminar.talk.uid, seminar.cancelled.uid, seminar.past.uid]
    )


def test_search_from_the_header_finds_a_talk_by_its_speaker(open_page, live_server, seminar):
    page = open_page("/")
    page.get_by_role("link", name="Search").click()
    page.wait_for_url(live_server.url + "/search/")
    page.get_by_label("Search talks, speakers, series and venues").fill("Turing")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/search/?q=Turing")
    assert page.locator(".result-count").inner_text() == "1 talk found for “Turing”."
    assert page.locator(TITLES).all_inner_texts() == ["Proofs as programs"]
    page.get_by_role("link", name="Proofs as programs").click()
    page.wait_for_url(live_server.url + seminar.talk.get_absolute_url())


def test_next_and_previous_page_through_upcoming_talks(open_page, live_server, seminar):
    for i in range(30):
        start = timezone.now() + dt.timedelta(days=10 + i)
        make_talk(title=f"Extra talk {i:02d}", series=seminar.other_series, start=start)
    page = open_page("/")
    assert page.locator(TITLES).count() == 25
    assert page.locator(".pagination").inner_text().split("\n") == ["Page 1", "Next →"]
    page.get_by_role("link", name="Next →").click()
    # Page 2 goes on from page 1's last talk (a cursor), its number shown.
    page.wait_for_url(re.compile(re.escape(live_server.url + "/?page=2&after=") + r"[^&]+$"))
    assert page.locator(TITLES).all_inner_texts() == [f"Extra talk {i:02d}" for i in range(22, 30)]
    assert page.locator(".pagination").inner_text().split("\n") == ["← Previous", "Page 2"]
    page.get_by_role("link", name="← Previous").click()
    page.wait_for_url(live_server.url + "/?page=1")
    assert page.locator(TITLES).nth(0).inner_text() == "Proofs as programs"


def test_series_filter_on_the_home_page_shows_one_series(open_page, live_server, seminar):
    page = open_page("/")
    page.get_by_label("Series").select_option(label="Algebra Colloquium")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(live_server.url + "/?series=algebra")
    assert page.locator("h1").inner_text() == "Upcoming in Algebra Colloquium"
    assert page.locator(TITLES).all_inner_texts() == ["Workshop on rings"]


def test_archive_lists_past_talks_by_year(open_page, live_server, seminar):
    page = open_page("/")
    page.get_by_role("link", name="Archive").click()
    page.wait_for_url(live_server.url + "/archive/")
    assert page.locator(TITLES).all_inner_texts() == ["Lambda calculus revisited"]
    year = seminar.past.start.year
    page.get_by_role("navigation", name="Years").get_by_role("link", name=str(year)).click()
    page.wait_for_url(live_server.url + f"/archive/{year}/")
    assert page.locator("h1").inner_text() == f"Past talks in {year}"


def test_unknown_address_answers_404_with_a_way_back(open_page, live_server, transactional_db):
    page = open_page("/")
    response = page.goto("/talks/999/gone/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    page.locator("main").get_by_role("link", name="upcoming talks").click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Upcoming talks"
