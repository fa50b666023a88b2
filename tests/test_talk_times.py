"""When a talk happens, said the same way everywhere: pages, JSON-LD, calendar links, export.

All-day talks have one rule for their days (Talk.local_days), and no stored date, however far
from today, breaks a page or a feed.
"""

import datetime as dt
import json
import re
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from seminars import calendar_links
from seminars.ics import export
from seminars.models import Talk
from seminars.structured_data import talk_event
from tests.factories import make_series, make_speaker, make_talk

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
SITE = "https://talks.example.org"
JULY_1 = dt.date(2030, 7, 1)


def at(day: dt.date, hour=0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


def days_later(n) -> dt.date:
    return JULY_1 + dt.timedelta(days=n)


# (stored end, last day): a one-day and a three-day talk ending at midnight after their last
# day, as the admin asks, and one whose end was stored as 17:00 on its last day.
ALL_DAY = {
    "one day": (at(days_later(1)), JULY_1),
    "three days": (at(days_later(3)), days_later(2)),
    "ends at 17:00": (at(days_later(1), 17), days_later(1)),
}


@pytest.fixture(params=ALL_DAY.values(), ids=ALL_DAY.keys())
def all_day(request, settings):
    """An all-day talk from 1 July 2030, and its last day."""
    settings.TIME_ZONE = "Europe/London"
    end, last = request.param
    talk = make_talk(title="Summer school", start=at(JULY_1), end=end, all_day=True)
    return Talk.objects.with_speakers().get(pk=talk.pk), last


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_all_day_talk_has_its_first_and_last_day(all_day):
    talk, last = all_day

    assert talk.local_days() == (JULY_1, last)


def test_all_day_talk_page_shows_its_first_and_last_day(client, all_day):
    talk, last = all_day

    page = html(client.get(talk.get_absolute_url()))

    when = re.search(r"<dt>When</dt><dd>(.*?)</dd>", page)[1]
    first = '<time datetime="2030-07-01">Mon 1 Jul 2030</time>'
    if last == JULY_1:
        assert when == f'{first}<span class="all-day">, all day</span>'
    else:
        shown = f'<time datetime="{last.isoformat()}">{last:%a} {last.day} Jul 2030</time>'
        assert when == f'{first} – {shown}<span class="all-day">, all day</span>'


def test_all_day_talk_json_ld_ends_on_its_last_day(all_day):
    talk, last = all_day

    data = talk_event(talk, page_url=SITE)

    # schema.org's endDate is the last day of the event, not the day after.
    assert (data["startDate"], data["endDate"]) == ("2030-07-01", last.isoformat())


def test_all_day_talk_calendar_links_end_on_the_day_after_the_last(all_day):
    talk, last = all_day
    after = (last + dt.timedelta(days=1)).isoformat()

    google = parse_qs(urlsplit(calendar_links.google_event_url(talk, page_url=SITE)).query)
    outlook = parse_qs(urlsplit(calendar_links.outlook_event_url(talk, page_url=SITE)).query)

    assert google["dates"] == [f"20300701/{after.replace('-', '')}"]
    assert (outlook["startdt"], outlook["enddt"]) == (["2030-07-01"], [after])
    assert outlook["allday"] == ["true"]


def test_all_day_talk_export_ends_on_the_day_after_the_last(all_day):
    talk, last = all_day
    after = last + dt.timedelta(days=1)

    data = export.event_bytes(talk, site_url=SITE)

    assert b"DTSTART;VALUE=DATE:20300701\r\n" in data
    assert f"DTEND;VALUE=DATE:{after:%Y%m%d}\r\n".encode() in data


def test_talk_days_are_those_of_the_zone_asked_for(settings):
    settings.TIME_ZONE = "Europe/London"
    start = dt.datetime(2030, 7, 1, 23, 30, tzinfo=dt.UTC)  # 00:30 on 2 July in London
    talk = make_talk(start=start, duration=dt.timedelta(minutes=60))

    assert talk.local_days() == (dt.date(2030, 7, 2), dt.date(2030, 7, 2))
    assert talk.local_days(dt.UTC) == (dt.date(2030, 7, 1), dt.date(2030, 7, 2))


def test_talk_ending_at_midnight_ends_on_the_day_it_started(settings):
    settings.TIME_ZONE = "Europe/London"
    talk = make_talk(start=at(JULY_1, 22), end=at(days_later(1)))

    assert talk.local_days() == (JULY_1, JULY_1)


# The ends of time: a talk stored at year 1 or 9999 (the importer refuses them now, but a
# database may hold one) falls outside what a datetime holds in zones ahead of or behind UTC.

YEAR_1 = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
YEAR_9999 = dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC)
EDGES = {
    "year 1, zone behind UTC": (YEAR_1, "America/New_York"),
    "year 1, London": (YEAR_1, "Europe/London"),  # Local Mean Time, 75 seconds behind
    "year 9999, zone ahead of UTC": (YEAR_9999, "Asia/Tokyo"),
}


@pytest.fixture(params=[False, True], ids=["timed", "all day"])
def all_day_flag(request):
    return request.param


@pytest.fixture(params=EDGES.values(), ids=EDGES.keys())
def far_talk(request, settings, all_day_flag):
    """A talk at an end of time, in a zone where it falls past that end."""
    start, zone = request.param
    settings.TIME_ZONE = zone
    series = make_series("Edge Seminar", slug="edge")
    speaker = make_speaker("Ann Able", slug="ann")
    return make_talk(
        series=series,
        speakers=[speaker],
        start=start,
        duration=None,
        title="Farout",
        all_day=all_day_flag,
    )


# Pages that show a talk however old it is, and those that list only upcoming and recent talks:
# the year-9999 talk is on both, the year-1 talk (long past) on the first only.
EVERY_TALK_URLS = [
    "/talks/{pk}/farout/",
    "/series/edge/",
    "/speakers/ann/",
    "/search/?q=Farout",
    "/talks/{pk}.ics",
]
UPCOMING_URLS = [
    "/",
    "/series/edge.ics",
    "/speakers/ann.ics",
    "/talks.ics",
    "/talks.ics?series=edge",
    "/upcoming.atom",
    "/series/edge.atom",
]


@pytest.mark.parametrize("url", EVERY_TALK_URLS + UPCOMING_URLS)
def test_talk_at_an_end_of_time_is_served_and_listed_where_its_date_belongs(client, far_talk, url):
    response = client.get(url.format(pk=far_talk.pk))

    assert response.status_code == 200
    listed = url in EVERY_TALK_URLS or far_talk.start.year == 9999
    assert ("Farout" in response.content.decode()) == listed


def test_talk_at_an_end_of_time_is_shown_in_utc_when_the_zone_cannot_hold_it(client, far_talk):
    page = html(client.get(far_talk.get_absolute_url()))

    when = re.search(r"<dt>When</dt><dd>(.*?)</dd>", page)[1]
    if far_talk.start.year == 1:
        assert '<time datetime="0001-01-01' in when
        assert "Mon 1 Jan 0001" in when
    else:
        assert '<time datetime="9999-12-31' in when
        assert "Fri 31 Dec 9999" in when
    if not far_talk.all_day:
        assert when.endswith('<abbr class="zone" title="UTC">UTC</abbr>')


def test_talk_at_an_end_of_time_has_four_digit_years_in_its_calendar_file(client, far_talk):
    body = client.get(f"/talks/{far_talk.pk}.ics").content
    value = "00010101" if far_talk.start.year == 1 else "99991231"

    if far_talk.all_day:
        assert f"DTSTART;VALUE=DATE:{value}\r\n".encode() in body
    else:
        assert f"DTSTART:{value}T{far_talk.start:%H%M%S}Z\r\n".encode() in body


def test_talk_at_an_end_of_time_has_links_and_event_data(client, far_talk):
    page = html(client.get(far_talk.get_absolute_url()))
    talk = Talk.objects.with_speakers().get(pk=far_talk.pk)

    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', page, re.S)[1])
    google = parse_qs(urlsplit(calendar_links.google_event_url(talk, page_url=SITE)).query)
    start, end = google["dates"][0].split("/")
    year = f"{talk.start.year:04d}"
    assert data["startDate"].startswith(year)
    assert start.startswith(year) and end.startswith(year)


def test_talk_page_description_and_day_headings_use_the_site_zone(client, settings):
    settings.TIME_ZONE = "Europe/London"
    start = timezone.localtime(timezone.now() + dt.timedelta(days=2)).replace(hour=0, minute=30)
    talk = make_talk(title="Just after midnight", start=start)
    day = start.date()

    page = html(client.get(talk.get_absolute_url()))
    upcoming = html(client.get("/"))

    assert f'<meta name="description" content="{day.day} {day:%B %Y}, ' in page
    assert f'<h2 class="day-heading"><time datetime="{day.isoformat()}">' in upcoming
