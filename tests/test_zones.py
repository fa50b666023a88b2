"""The visitor's time zone: chosen in the header, remembered in a cookie, or given by `?tz=`;
every page's times and days follow it, feeds and the API don't."""

import datetime as dt
import json
import re

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from seminars import zones
from tests.factories import make_series, make_speaker, make_talk

pytestmark = pytest.mark.django_db

# 13:00 UTC on a summer day: 14:00 in London (BST), 09:00 in New York (EDT), 22:00 in Tokyo.
SUMMER = dt.datetime(2030, 6, 3, 13, 0, tzinfo=dt.UTC)
NEW_YORK = "America/New_York"


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def day_headings(page: str) -> list[str]:
    return re.findall(r'<h2 class="day-heading"><time datetime="([\d-]+)">', page)


def shown_start(page: str) -> str:
    """The first talk's start time as the page shows it, and its zone's abbreviation."""
    when = BeautifulSoup(page, "html.parser").select_one(".when")
    return f"{when.time.get_text()[-5:]} {when.abbr.get_text()}"


@pytest.fixture(autouse=True)
def site_zone(settings):
    settings.TIME_ZONE = "Europe/London"


@pytest.fixture
def talk():
    series = make_series("Logic", slug="logic")
    return make_talk(title="Proofs", series=series, start=SUMMER, speakers=[make_speaker("Ann")])


# Which zone a page is in


def test_a_page_shows_times_in_the_site_zone_by_default_and_names_it(client, talk):
    page = html(client.get("/"))

    assert shown_start(page) == "14:00 BST"
    assert '<abbr class="zone" title="Europe/London">BST</abbr>' in page
    picker = BeautifulSoup(page, "html.parser").select_one("form.zone-picker")
    assert picker.label.get_text() == "Times in"
    assert picker.select_one("option[selected]").get_text() == "Europe/London"


def test_the_zone_cookie_shows_every_time_in_that_zone(client, talk):
    client.cookies["tz"] = NEW_YORK

    page = html(client.get("/"))

    assert shown_start(page) == "09:00 EDT"
    assert '<time datetime="2030-06-03T09:00:00-04:00">09:00</time>' in page
    assert '<abbr class="zone" title="America/New_York">EDT</abbr>' in page
    picker = BeautifulSoup(page, "html.parser").select_one("form.zone-picker")
    assert picker.select_one("option[selected]").get_text() == NEW_YORK


def test_tz_in_the_address_shows_that_page_in_that_zone_without_a_cookie(client, talk):
    response = client.get("/", {"tz": "Asia/Tokyo"})

    assert shown_start(html(response)) == "22:00 JST"
    assert "tz" not in response.cookies
    assert shown_start(html(client.get("/"))) == "14:00 BST"


def test_tz_in_the_address_wins_over_the_cookie(client, talk):
    client.cookies["tz"] = NEW_YORK

    assert shown_start(html(client.get("/", {"tz": "Asia/Tokyo"}))) == "22:00 JST"


@pytest.mark.parametrize(
    "name", ["Mars/Olympus_Mons", "", "../../etc/passwd", "localtime", "europe/london", "x" * 5000]
)
def test_a_name_that_is_not_a_zone_is_ignored_for_the_site_zone(client, talk, name):
    client.cookies["tz"] = name

    assert shown_start(html(client.get("/"))) == "14:00 BST"
    assert shown_start(html(client.get("/", {"tz": name}))) == "14:00 BST"


def test_a_legacy_zone_name_works_in_a_link_and_shows_selected(client, talk):
    page = html(client.get("/", {"tz": "US/Eastern"}))

    assert shown_start(page) == "09:00 EDT"
    picker = BeautifulSoup(page, "html.parser").select_one("form.zone-picker")
    assert picker.select_one("option[selected]").get_text() == "US/Eastern"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/talks/{pk}/",
        "/series/logic/",
        "/speakers/ann/",
        "/search/?q=Proofs",
        "/follow/?series=logic",
        "/archive/",
        "/archive/2020/",
    ],
)
def test_every_page_shows_its_times_in_the_visitors_zone(client, talk, path):
    make_talk(title="Old", series=talk.series, start=dt.datetime(2020, 6, 3, 13, tzinfo=dt.UTC))
    client.cookies["tz"] = NEW_YORK

    page = html(client.get(path.format(pk=talk.pk), follow=True))

    assert "09:00" in page and ">EDT</abbr>" in page
    assert ">BST</abbr>" not in page


def test_the_zone_is_the_requests_own_and_never_outlives_it(client, talk):
    client.cookies["tz"] = NEW_YORK
    html(client.get("/"))

    assert timezone.get_current_timezone_name() == "Europe/London"


# Days


@pytest.mark.parametrize(
    ("start", "zone", "day"),
    [
        # 23:30 UTC in summer: 01:30 the next day in Berlin (CEST), 19:30 in New York (EDT).
        (dt.datetime(2030, 7, 10, 23, 30, tzinfo=dt.UTC), "Europe/Berlin", "2030-07-11"),
        (dt.datetime(2030, 7, 10, 23, 30, tzinfo=dt.UTC), NEW_YORK, "2030-07-10"),
        # And in winter: 00:30 the next day in Berlin (CET), 18:30 in New York (EST).
        (dt.datetime(2030, 1, 10, 23, 30, tzinfo=dt.UTC), "Europe/Berlin", "2030-01-11"),
        (dt.datetime(2030, 1, 10, 23, 30, tzinfo=dt.UTC), NEW_YORK, "2030-01-10"),
        # 22:30 UTC is before midnight in Berlin the day before summer time starts (23:30 CET
        # on 30 March 2030), and after it the day summer time starts (00:30 CEST on 1 April).
        (dt.datetime(2030, 3, 30, 22, 30, tzinfo=dt.UTC), "Europe/Berlin", "2030-03-30"),
        (dt.datetime(2030, 3, 31, 22, 30, tzinfo=dt.UTC), "Europe/Berlin", "2030-04-01"),
        (dt.datetime(2030, 3, 31, 22, 30, tzinfo=dt.UTC), "Europe/London", "2030-03-31"),
    ],
)
def test_talks_are_listed_under_their_day_in_the_visitors_zone(client, start, zone, day):
    make_talk(title="Late", start=start)
    client.cookies["tz"] = zone

    assert day_headings(html(client.get("/"))) == [day]


def test_a_day_heading_gathers_its_talks_when_the_list_has_them_apart(client):
    # In New York an all-day talk of 2 July (dated in London, from 23:00 UTC on 1 July) falls
    # among the timed talks of 1 July; it is listed under its own day all the same, once.
    london_midnight = dt.datetime(2030, 7, 1, 23, 0, tzinfo=dt.UTC)
    make_talk(title="Evening", start=dt.datetime(2030, 7, 1, 22, tzinfo=dt.UTC))  # 18:00 EDT
    make_talk(title="Workshop", start=london_midnight, all_day=True, duration=dt.timedelta(days=1))
    make_talk(title="Late", start=dt.datetime(2030, 7, 2, 1, tzinfo=dt.UTC))  # 21:00 EDT, 1 July
    make_talk(title="Morning", start=dt.datetime(2030, 7, 2, 14, tzinfo=dt.UTC))  # 2 July
    client.cookies["tz"] = NEW_YORK

    soup = BeautifulSoup(html(client.get("/")), "html.parser")

    days = [
        (day.h2.time["datetime"], [a.get_text() for a in day.select(".talk-title a")])
        for day in soup.select("section.day")
    ]
    assert days == [("2030-07-01", ["Evening", "Late"]), ("2030-07-02", ["Workshop", "Morning"])]


def test_an_all_day_talk_keeps_its_dates_in_any_zone(client):
    start = dt.datetime(2030, 7, 1, 23, 0, tzinfo=dt.UTC)  # midnight in London
    talk = make_talk(title="Summer school", start=start, all_day=True, duration=dt.timedelta(2))
    client.cookies["tz"] = NEW_YORK

    page = html(client.get(talk.get_absolute_url()))

    first = '<time datetime="2030-07-02">Tue 2 Jul 2030</time>'
    last = '<time datetime="2030-07-03">Wed 3 Jul 2030</time>'
    assert f"{first} – {last}" in page


# Choosing a zone: /zone/


def test_choosing_a_zone_remembers_it_for_a_year_and_goes_back(client):
    response = client.get("/zone/", {"tz": NEW_YORK, "next": "/series/?page=2"})

    assert response.status_code == 302
    assert response["Location"] == "/series/?page=2"
    cookie = response.cookies["tz"]
    assert cookie.value == NEW_YORK
    assert cookie["max-age"] == 365 * 24 * 3600
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"


def test_choosing_a_zone_goes_back_without_a_tz_that_would_outvote_it(client):
    response = client.get("/zone/", {"tz": NEW_YORK, "next": "/?tz=Asia/Tokyo&page=2"})

    assert response["Location"] == "/?page=2"


def test_choosing_the_site_zone_forgets_the_choice(client):
    client.cookies["tz"] = NEW_YORK

    response = client.get("/zone/", {"tz": "Europe/London", "next": "/"})

    assert response.cookies["tz"].value == ""
    assert response.cookies["tz"]["max-age"] == 0


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "localtime"])
def test_choosing_something_not_a_zone_changes_nothing(client, name):
    response = client.get("/zone/", {"tz": name, "next": "/archive/"})

    assert response.status_code == 302
    assert response["Location"] == "/archive/"
    assert "tz" not in response.cookies


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "/\\evil.example", "", None]
)
def test_choosing_a_zone_never_goes_back_to_another_site(client, next_url):
    params = {"tz": NEW_YORK} | ({"next": next_url} if next_url is not None else {})

    assert client.get("/zone/", params)["Location"] == "/"


def test_the_header_picker_sends_the_visitor_back_to_the_page(client, talk):
    soup = BeautifulSoup(html(client.get("/series/logic/")), "html.parser")

    picker = soup.select_one("header form.zone-picker")
    assert (picker["method"], picker["action"]) == ("get", "/zone/")
    assert picker.select_one("button[name=next]")["value"] == "/series/logic/"
    select = picker.select_one("select[name=tz]")
    assert soup.select_one(f"label[for={select['id']}]").get_text() == "Times in"
    names = [option.get_text() for option in select.select("option")]
    assert names[0] == "UTC" and names[1:] == sorted(names[1:])
    assert {"Europe/London", NEW_YORK, "Asia/Kolkata", "Pacific/Auckland"} <= set(names)
    assert "US/Eastern" not in names  # legacy names work in links, the list has Area/City
    assert soup.select_one("header script[src='/static/seminars/zone.js']") is not None


def test_choosing_a_zone_then_shows_pages_in_it(client, talk):
    client.get("/zone/", {"tz": "Asia/Tokyo", "next": "/"})

    assert shown_start(html(client.get("/"))) == "22:00 JST"


# Caching per zone


def test_one_address_in_two_zones_is_cached_twice_and_never_crossed(
    client, talk, django_assert_num_queries
):
    london = shown_start(html(client.get("/")))
    client.cookies["tz"] = NEW_YORK
    new_york = shown_start(html(client.get("/")))
    assert (london, new_york) == ("14:00 BST", "09:00 EDT")

    with django_assert_num_queries(1):  # the content version: from the cache
        assert shown_start(html(client.get("/"))) == "09:00 EDT"
    del client.cookies["tz"]
    with django_assert_num_queries(1):
        assert shown_start(html(client.get("/"))) == "14:00 BST"


def test_pages_vary_by_cookie_for_shared_caches(client, talk):
    assert "Cookie" in client.get("/")["Vary"]


# What doesn't follow the visitor


def test_embeds_follow_tz_in_their_address_but_not_the_cookie(client, talk):
    client.cookies["tz"] = NEW_YORK

    assert shown_start(html(client.get("/embed/series/logic/"))) == "14:00 BST"
    assert shown_start(html(client.get("/embed/series/logic/?tz=Asia/Tokyo"))) == "22:00 JST"


def test_calendar_feeds_are_the_same_whatever_the_zone(client, talk):
    for path in ("/talks.ics", "/series/logic.ics", f"/talks/{talk.pk}.ics"):
        site = client.get(path).content
        client.cookies["tz"] = NEW_YORK
        assert client.get(path, {"tz": "Asia/Tokyo"}).content == site
        assert b"DTSTART:20300603T130000Z" in site
        del client.cookies["tz"]


def test_the_json_api_stays_in_the_site_zone(client, talk):
    client.cookies["tz"] = NEW_YORK

    [shown] = json.loads(client.get("/api/talks.json", {"tz": "Asia/Tokyo"}).content)["talks"]

    assert shown["start"] == "2030-06-03T14:00:00+01:00"


def test_the_picker_lists_area_zones_and_knows_every_zone():
    assert zones.picker_names()[0] == "UTC"
    assert zones.zone_named("Europe/Berlin").key == "Europe/Berlin"
    assert zones.zone_named("Etc/GMT+5") is not None
    assert zones.zone_named("localtime") is None
    assert zones.zone_named(None) is None


def test_the_admin_stays_in_the_site_zone_in_which_organisers_enter_talks(admin_client, talk):
    admin_client.cookies["tz"] = NEW_YORK

    page = html(admin_client.get(f"/admin/seminars/talk/{talk.pk}/change/?tz=Asia/Tokyo"))

    start = BeautifulSoup(page, "html.parser").select_one("input[name=start_1]")
    assert start["value"] == "14:00:00"
