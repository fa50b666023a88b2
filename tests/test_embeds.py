"""Embeddable listings: what they list, how they may be framed, caching and queries."""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seminars.choosing import MAX_CHOSEN_SERIES
from seminars.models import Series, Talk
from seminars.templatetags.seminars import talk_time
from tests.factories import make_series, make_speaker, make_talk

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
EMBEDS = ["/embed/series/logic/", "/embed/talks/?series=logic,algebra", "/embed/speakers/ada/"]


def soon(days=1, hour=14):
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


def page(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def titles(response) -> list[str]:
    return [h2.a.get_text() for h2 in page(response).select(".talk-title")]


@pytest.fixture
def logic():
    """A series of two upcoming talks and a past one, by Ada, and a talk of another series."""
    logic = make_series("Logic Seminar", slug="logic")
    algebra = make_series("Algebra Colloquium", slug="algebra")
    ada = make_speaker("Ada Lovelace", slug="ada", affiliation="Analytical Society")
    make_talk(title="Second", series=logic, start=soon(2), speakers=[ada])
    make_talk(title="First", series=logic, start=soon(1), speakers=[ada], venue="Room 5")
    make_talk(title="Long ago", series=logic, start=soon(-30), speakers=[ada])
    make_talk(title="Rings", series=algebra, start=soon(3))
    return logic


# What they list


def test_series_embed_lists_its_upcoming_talks_soonest_first(client, logic):
    response = client.get("/embed/series/logic/")
    assert titles(response) == ["First", "Second"]
    text = page(response).get_text(" ", strip=True)
    assert "Ada Lovelace (Analytical Society)" in text and "Room 5" in text


def test_embed_shows_times_as_the_site_pages_do(client, logic):
    talk = Talk.objects.with_speakers().get(title="First")
    shown = str(talk_time(talk))
    assert shown in client.get("/embed/series/logic/").content.decode()
    assert shown in client.get("/speakers/ada/").content.decode()


def test_embed_has_no_site_header_and_opens_links_in_the_top_window(client, logic):
    html = page(client.get("/embed/series/logic/"))
    assert html.select(".site-header, nav") == []
    assert html.head.base.attrs == {"target": "_top"}
    assert html.h1.a["href"] == "/series/logic/"


def test_embed_follows_the_readers_colour_scheme(client, logic):
    html = page(client.get("/embed/series/logic/"))
    assert html.find("meta", attrs={"name": "color-scheme"})["content"] == "light dark"
    css = Path(finders.find("seminars/embed.css")).read_text()
    assert "color-scheme: light dark;" in css
    assert "@media (prefers-color-scheme: dark)" in css


def test_past_1_lists_recent_past_talks_instead(client, logic):
    make_talk(title="Last week", series=logic, start=soon(-7))
    response = client.get("/embed/series/logic/?past=1")
    assert titles(response) == ["Last week", "Long ago"]
    assert "Recent talks" in page(response).get_text()


@pytest.mark.parametrize(
    ("limit", "shown"),
    [("3", 3), ("0", 1), ("-4", 1), ("1000", 50), ("many", 10), ("", 10), ("9" * 5000, 10)],
)
def test_limit_is_clamped_to_1_to_50_and_ignored_when_not_a_number(client, limit, shown):
    series = make_series("Busy", slug="busy")
    for day in range(1, 56):
        make_talk(series=series, start=soon(day))
    assert len(titles(client.get("/embed/series/busy/", {"limit": limit}))) == shown


def test_chosen_series_embed_lists_talks_of_those_series(client, logic):
    make_series("Empty", slug="empty")
    response = client.get("/embed/talks/?series=logic,algebra")
    assert titles(response) == ["First", "Second", "Rings"]
    assert page(response).h1.get_text() == "Algebra Colloquium, Logic Seminar"


def test_chosen_series_that_dont_exist_are_ignored(client, logic):
    assert titles(client.get("/embed/talks/?series=nope,algebra,,")) == ["Rings"]
    response = client.get("/embed/talks/?series=nope")
    assert titles(response) == []
    assert "Nothing scheduled yet." in page(response).get_text()


def test_chosen_series_embed_reads_repeated_series_and_shows_at_most_twenty(client, logic):
    assert titles(client.get("/embed/talks/?series=logic&series=algebra")) == [
        "First",
        "Second",
        "Rings",
    ]
    more = [make_series(f"Z{i:02d}") for i in range(MAX_CHOSEN_SERIES)]
    make_talk(title="Beyond the twentieth", series=more[-1], start=soon(1))
    query = "&".join(f"series={s.slug}" for s in [*more, *Series.objects.filter(slug="logic")])
    # The first twenty of the site's list: Logic and nineteen of the others, not the last.
    assert titles(client.get(f"/embed/talks/?{query}")) == ["First", "Second"]


def test_talks_embed_without_series_lists_every_series(client, logic):
    assert titles(client.get("/embed/talks/")) == ["First", "Second", "Rings"]


def test_speaker_embed_lists_the_speakers_talks_with_their_series(client, logic):
    response = client.get("/embed/speakers/ada/")
    assert titles(response) == ["First", "Second"]
    assert page(response).h1.get_text() == "Talks by Ada Lovelace"
    assert "Logic Seminar · Room 5" in page(response).get_text()


def test_embed_marks_a_cancelled_talk(client, logic):
    Talk.objects.filter(title="First").cancel()
    html = page(client.get("/embed/series/logic/"))
    assert html.select_one(".is-cancelled .badge").get_text() == "Cancelled"


@pytest.mark.parametrize("url", ["/embed/series/nope/", "/embed/speakers/nope/"])
def test_a_missing_series_or_speaker_is_a_404_that_may_still_be_framed(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "is no longer listed" in response.content.decode()
    assert "X-Frame-Options" not in response.headers


# Framing: embeds only


def frame_ancestors(response) -> str:
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["Content-Security-Policy"].split(";")
    )
    return policy["frame-ancestors"]


@pytest.mark.parametrize("url", EMBEDS)
def test_embeds_may_be_framed_by_any_site_from_the_cache_too(client, logic, url):
    for _ in range(2):  # built, then from the page cache
        response = client.get(url)
        assert response.status_code == 200
        assert frame_ancestors(response) == "*"
        assert "X-Frame-Options" not in response.headers
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "url", ["/", "/series/logic/", "/talks.ics", "/admin/login/", "/api/talks.json"]
)
def test_every_other_page_refuses_to_be_framed(client, logic, url):
    response = client.get(url)
    assert response.status_code == 200
    assert frame_ancestors(response) == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_embeds_answer_only_get_and_head(client, logic):
    assert client.head("/embed/series/logic/").status_code == 200
    assert client.post("/embed/series/logic/").status_code == 405


# Caching and queries


def test_a_repeated_embed_costs_one_query_and_a_change_shows_at_once(
    client, logic, django_assert_num_queries
):
    client.get("/embed/series/logic/")
    with django_assert_num_queries(1):  # the content version
        assert titles(client.get("/embed/series/logic/")) == ["First", "Second"]
    talk = Talk.objects.get(title="First")
    talk.title = "Renamed"
    talk.save()
    assert titles(client.get("/embed/series/logic/")) == ["Renamed", "Second"]


@pytest.mark.parametrize("url", [*EMBEDS, "/embed/talks/", "/embed/series/logic/?past=1"])
def test_embed_query_count_is_the_same_for_2_and_30_talks(client, url, django_assert_num_queries):
    logic, algebra = make_series("L", slug="logic"), make_series("A", slug="algebra")
    speakers = [make_speaker("Ada", slug="ada"), make_speaker("Bo", slug="bo")]

    def fill(n):  # pairs of talks, one upcoming and one past, taking turns in the two series
        for i in range(n):
            series, days = (logic, algebra)[i // 2 % 2], (i + 1) * (1 if i % 2 else -1)
            make_talk(series=series, speakers=speakers, start=soon(days))

    fill(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    fill(28)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


# The snippet on the series page


def test_series_page_offers_a_labelled_read_only_snippet_of_an_iframe(client, logic):
    html = page(client.get("/series/logic/"))
    box = html.find("textarea", id="embed-code")
    assert box.has_attr("readonly")
    assert html.find("label", attrs={"for": "embed-code"})
    iframe = BeautifulSoup(box.get_text(), "html.parser").iframe
    assert iframe["src"] == "http://testserver/embed/series/logic/"
    assert iframe["title"] == "Logic Seminar: upcoming talks"
    assert iframe["height"] == "400"


def test_snippet_is_valid_html_whatever_the_series_name(client):
    make_series('Tea & "Talks" <live>', slug="tea")
    box = page(client.get("/series/tea/")).find("textarea", id="embed-code")
    iframe = BeautifulSoup(box.get_text(), "html.parser").iframe
    assert iframe["title"] == 'Tea & "Talks" <live>: upcoming talks'
    assert "&quot;Talks&quot;" in box.get_text()


def test_an_embed_of_a_renamed_series_keeps_working_through_its_old_slug(client):
    series = make_series("Renamed", slug="before")
    make_talk(series=series, title="Still here")
    series.slug = "after"
    series.save()
    assert "Still here" in client.get("/embed/series/before/").text
    assert "Still here" in client.get("/embed/talks/?series=before").text
