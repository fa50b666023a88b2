"""Following several series: the follow page and its one feed, and renamed or removed series
in every address that names a series."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seminars.choosing import MAX_CHOSEN_SERIES
from seminars.models import Series
from tests.factories import make_series, make_speaker, make_talk

pytestmark = pytest.mark.django_db


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def days(n) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=n)


def ticked(page: BeautifulSoup) -> list[str]:
    return [box["value"] for box in page.select("input[name=series][checked]")]


def titles(page: BeautifulSoup) -> list[str]:
    return [a.get_text() for a in page.select(".talk-title a")]


def uids(response) -> set[str]:
    assert response.status_code == 200
    return {str(e["UID"]) for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")}


@pytest.fixture
def three():
    """Three series, each with an upcoming talk, and a past talk of the first."""
    logic = make_series("Logic Seminar", slug="logic")
    algebra = make_series("Algebra Colloquium", slug="algebra")
    topology = make_series("Topology Tea", slug="topology")
    make_talk(title="Proofs", series=logic, start=days(1))
    make_talk(title="Rings", series=algebra, start=days(2))
    make_talk(title="Knots", series=topology, start=days(3))
    make_talk(title="Long ago", series=logic, start=days(-30))
    return logic, algebra, topology


# The follow page


def test_follow_page_offers_every_series_as_a_checkbox_in_a_get_form(client, three):
    page = soup(client.get("/follow/"))

    form = page.select_one("main form")
    assert (form["method"], form["action"]) == ("get", "/follow/")
    assert form.legend.get_text() == "Series"
    boxes = {box["value"]: box.parent.get_text(strip=True) for box in form.select("input")}
    assert boxes == {
        "algebra": "Algebra Colloquium",
        "logic": "Logic Seminar",
        "topology": "Topology Tea",
    }
    assert ticked(page) == []
    assert page.select_one("#feed-url") is None
    assert titles(page) == []


def test_ticking_two_series_gives_their_feed_in_every_form(client, three):
    page = soup(client.get("/follow/?series=logic&series=algebra"))

    assert ticked(page) == ["algebra", "logic"]
    feed_url = "http://testserver/talks.ics?series=algebra,logic"
    copy = page.select_one("input#feed-url")
    assert (copy["value"], copy["type"]) == (feed_url, "url")
    assert copy.has_attr("readonly")
    assert page.select_one("label[for=feed-url]").get_text().startswith("Feed address")
    links = {a.get_text(): a["href"] for a in page.select(".subscribe-links a")}
    assert (
        links["Subscribe in your calendar app"]
        == "webcal://testserver/talks.ics?series=algebra,logic"
    )
    google = urlsplit(links["Add to Google Calendar"])
    assert parse_qs(google.query) == {"cid": ["webcal://testserver/talks.ics?series=algebra,logic"]}
    outlook = parse_qs(urlsplit(links["Add to Outlook.com"]).query)
    assert outlook == {"url": [feed_url], "name": ["Algebra Colloquium, Logic Seminar"]}
    alternate = page.select_one('head link[type="text/calendar"]')
    assert alternate["href"] == "/talks.ics?series=algebra,logic"


def test_the_feed_the_page_gives_carries_the_chosen_series_talks(client, three):
    page = soup(client.get("/follow/?series=logic&series=algebra"))

    feed = client.get(page.select_one("#feed-url")["value"])

    calendar = icalendar.Calendar.from_ical(feed.content)
    summaries = sorted(str(event["SUMMARY"]) for event in calendar.walk("VEVENT"))
    assert summaries == ["Long ago", "Proofs", "Rings"]
    assert b"X-WR-CALNAME:Algebra Colloquium\\, Logic Seminar\r\n" in feed.content


@pytest.mark.parametrize(
    "query",
    ["series=algebra,logic", "series=logic,%20algebra,,", "series=algebra,logic&series=logic"],
)
def test_a_comma_list_is_read_as_the_forms_repeated_series(client, three, query):
    repeated = soup(client.get("/follow/?series=logic&series=algebra"))

    page = soup(client.get(f"/follow/?{query}"))

    assert ticked(page) == ticked(repeated) == ["algebra", "logic"]
    assert page.select_one("#feed-url")["value"] == repeated.select_one("#feed-url")["value"]
    assert titles(page) == titles(repeated) == ["Proofs", "Rings"]


def test_the_page_lists_the_chosen_series_upcoming_talks_by_day(client, three):
    page = soup(client.get("/follow/?series=logic&series=topology"))

    assert titles(page) == ["Proofs", "Knots"]
    assert len(page.select("section.day h2.day-heading time")) == 2


def test_unknown_series_are_left_out(client, three):
    page = soup(client.get("/follow/?series=logic&series=nope"))

    assert ticked(page) == ["logic"]
    assert page.select_one("#feed-url")["value"] == "http://testserver/talks.ics?series=logic"
    assert titles(page) == ["Proofs"]


def test_only_unknown_series_tick_nothing_and_offer_no_feed(client, three):
    page = soup(client.get("/follow/?series=nope"))

    assert ticked(page) == []
    assert page.select_one("#feed-url") is None


def test_more_series_than_one_feed_takes_gives_the_first_and_names_the_rest(client):
    series = [make_series(f"Series {i:03d}", slug=f"s{i:03d}") for i in range(150)]
    for one in series[:2] + series[-2:]:
        make_talk(title=f"Talk of {one.name}", series=one, start=days(1))

    page = soup(client.get("/follow/", {"series": [s.slug for s in reversed(series)]}))

    assert ticked(page) == [s.slug for s in series]  # every tick kept, none dropped
    left_out = ", ".join(s.name for s in series[MAX_CHOSEN_SERIES:])
    assert page.select_one(".banner").get_text() == (
        f"One feed can combine at most {MAX_CHOSEN_SERIES} series: this one has the first "
        f"{MAX_CHOSEN_SERIES} you ticked, and leaves out 130: {left_out}. Untick some to "
        "choose others, or make a second feed of those left out."
    )
    feed = parse_qs(urlsplit(page.select_one("#feed-url")["value"]).query)
    assert feed["series"] == [",".join(s.slug for s in series[:MAX_CHOSEN_SERIES])]
    assert titles(page) == ["Talk of Series 000", "Talk of Series 001"]


def test_one_series_more_than_one_feed_takes_is_named_as_left_out(client):
    slugs = [make_series(f"Series {i:02d}").slug for i in range(MAX_CHOSEN_SERIES + 1)]

    page = soup(client.get("/follow/", {"series": slugs}))

    assert len(ticked(page)) == MAX_CHOSEN_SERIES + 1
    assert page.select_one("#feed-url") is not None
    assert f"leaves out 1: Series {MAX_CHOSEN_SERIES:02d}." in page.select_one(".banner").get_text()


def test_as_many_series_as_one_feed_takes_need_no_warning(client):
    slugs = [make_series().slug for _ in range(MAX_CHOSEN_SERIES)]

    page = soup(client.get("/follow/", {"series": slugs}))

    assert len(ticked(page)) == MAX_CHOSEN_SERIES
    assert page.select_one(".banner") is None
    assert page.select_one("#feed-url") is not None


def test_paging_through_the_talks_keeps_the_chosen_series(client):
    logic = make_series("Logic", slug="logic")
    for i in range(30):
        make_talk(title=f"Talk {i:02d}", series=logic, start=days(1 + i))

    page = soup(client.get("/follow/?series=logic"))

    link = page.select_one("a[rel=next]")["href"]
    assert link.startswith("?series=logic&page=2&after=")
    assert titles(soup(client.get("/follow/" + link)))[0] == "Talk 25"
    assert titles(soup(client.get("/follow/?series=logic&page=2")))[0] == "Talk 25"


def test_follow_page_query_count_is_the_same_for_few_and_many_series_and_talks(
    client, django_assert_num_queries
):
    def fill(n):
        speakers = [make_speaker(), make_speaker()]
        for _ in range(n):
            series = make_series()
            for day in (1, 2, -3):
                make_talk(series=series, speakers=speakers, start=days(day))

    fill(2)
    chosen = "&".join(f"series={s.slug}" for s in Series.objects.all()[:2])
    with CaptureQueriesContext(connection) as small:
        soup(client.get(f"/follow/?{chosen}"))
    fill(40)
    chosen = "&".join(f"series={s.slug}" for s in Series.objects.all()[:MAX_CHOSEN_SERIES])

    with django_assert_num_queries(len(small.captured_queries)):
        page = soup(client.get(f"/follow/?{chosen}"))

    assert len(ticked(page)) == MAX_CHOSEN_SERIES
    assert len(titles(page)) == 25


def test_the_header_links_to_the_follow_page_from_every_page(client, three):
    for path in ("/", "/series/", "/follow/"):
        link = soup(client.get(path)).select_one("header nav a[href='/follow/']")
        assert link.get_text() == "Follow"
    assert soup(client.get("/follow/")).select_one("nav [aria-current=page]").get_text() == "Follow"


def test_a_series_page_links_to_the_follow_page_with_the_series_ticked(client, three):
    page = soup(client.get("/series/logic/"))

    link = page.find("a", string=re.compile("^Follow Logic Seminar"))
    assert link["href"] == "/follow/?series=logic"
    assert ticked(soup(client.get(link["href"]))) == ["logic"]


# Renamed series: old slugs keep working


@pytest.fixture
def renamed(three):
    """The logic series, renamed from the slug "logic" to "logic-seminar"."""
    logic = three[0]
    logic.slug = "logic-seminar"
    logic.save()
    return logic


def test_a_renamed_series_old_page_redirects_permanently_to_its_new_one(client, renamed):
    response = client.get("/series/logic/")

    assert response.status_code == 301
    assert response["Location"] == "/series/logic-seminar/"
    assert client.get("/series/logic-seminar/").status_code == 200


def test_a_renamed_series_old_calendar_feed_serves_the_same_talks(client, renamed):
    old, new = client.get("/series/logic.ics"), client.get("/series/logic-seminar.ics")

    assert old.status_code == 200
    assert old.content == new.content
    assert len(uids(old)) == 2


def test_a_renamed_series_old_atom_feed_serves_the_same_talks(client, renamed):
    def entries(response):
        assert response.status_code == 200
        return re.findall(r"<entry>.*?<id>(.*?)</id>", response.content.decode())

    old = entries(client.get("/series/logic.atom"))

    assert old == entries(client.get("/series/logic-seminar.atom"))
    assert len(old) == 1


def test_an_old_slug_in_the_combined_feed_counts_as_its_series(client, renamed):
    by_old, by_new = (
        client.get("/talks.ics?series=logic,algebra"),
        client.get("/talks.ics?series=logic-seminar,algebra"),
    )

    assert by_old.content == by_new.content
    assert len(uids(by_old)) == 3  # both of logic's and algebra's, once each
    assert uids(client.get("/talks.ics?series=logic,logic-seminar")) == uids(
        client.get("/series/logic-seminar.ics")
    )


def test_an_old_slug_filters_the_upcoming_talks(client, renamed):
    page = soup(client.get("/?series=logic"))

    assert titles(page) == ["Proofs"]
    assert page.h1.get_text() == "Upcoming in Logic Seminar"


def test_an_old_slug_on_the_follow_page_ticks_the_series_under_its_new_slug(client, renamed):
    page = soup(client.get("/follow/?series=logic"))

    assert ticked(page) == ["logic-seminar"]
    assert page.select_one("#feed-url")["value"].endswith("?series=logic-seminar")


def test_a_slug_no_series_ever_had_is_still_not_found(client, renamed):
    for path in ("/series/nope/", "/series/nope.ics", "/series/nope.atom", "/?series=nope"):
        assert client.get(path).status_code == 404


# Removed series: the combined feed goes on


def test_the_combined_feed_leaves_out_an_unknown_series(client, three):
    assert uids(client.get("/talks.ics?series=logic,nope")) == uids(
        client.get("/talks.ics?series=logic")
    )


def test_the_combined_feed_leaves_out_a_deleted_series(client, three):
    algebra = three[1]
    assert len(uids(client.get("/talks.ics?series=logic,algebra"))) == 3
    algebra.talks.all().delete()
    algebra.delete()

    after = client.get("/talks.ics?series=logic,algebra")

    assert uids(after) == uids(client.get("/series/logic.ics"))
    assert len(uids(after)) == 2
    assert b"X-WR-CALNAME:Logic Seminar\r\n" in after.content


def test_the_combined_feed_of_no_known_series_is_an_empty_calendar_named_after_the_site(
    client, settings
):
    settings.SITE_NAME = "Maths Talks"

    response = client.get("/talks.ics?series=gone,nope")

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert uids(response) == set()
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Maths Talks"
    assert (
        str(calendar["X-WR-CALDESC"])
        == "None of this calendar's series are at Maths Talks any more."
    )
