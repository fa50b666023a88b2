"""Online and hybrid talks: join, livestream, recording and slides links, in and out."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.utils import timezone

from seminars.feeds.calendars import calendar_bytes, series_feed
from seminars.ics import export
from seminars.ics.dialects import dialect_for
from seminars.ics.events import calendar_events
from seminars.models import Talk
from seminars.structured_data import talk_event
from tests.factories import ics_calendar, ics_event, make_talk

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
SITE = "https://talks.example.org"
ZOOM = "https://example.zoom.us/j/123456789?pwd=abc"
TEAMS = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0"


def read(*events, prodid="-//Tests//Seminars tests//EN"):
    notices = []
    calendar = icalendar.Calendar.from_ical(ics_calendar(*events, prodid=prodid))
    records = calendar_events(
        calendar,
        site_tz=ZoneInfo("Europe/London"),
        now=NOW,
        horizon=NOW + dt.timedelta(days=365),
        max_occurrences=100,
        notices=notices,
    ).records
    dialect = dialect_for(str(calendar.get("PRODID")))
    return [dialect.refine(r) for r in records]


def links(record) -> tuple[str, str, str, str]:
    return (record.join_url, record.livestream_url, record.recording_url, record.slides_url)


# Reading them from feeds


@pytest.mark.parametrize(
    "props, join, livestream",
    [
        ({"conference": f";VALUE=URI;FEATURE=AUDIO,VIDEO;LABEL=Join:{ZOOM}"}, ZOOM, ""),
        (
            {"conference": ";VALUE=URI;FEATURE=VIDEO,FEED;LABEL=Stream:https://yt.example/x"},
            "",
            "https://yt.example/x",
        ),
        (
            {"x_google_conference": "https://meet.google.com/abc-defg-hij"},
            "https://meet.google.com/abc-defg-hij",
            "",
        ),
        ({"x_microsoft_skypeteamsmeetingurl": TEAMS}, TEAMS, ""),
        ({"url": ZOOM}, ZOOM, ""),
        ({"description": f"Join the meeting now <{TEAMS}>\\nMeeting ID: 1"}, TEAMS, ""),
        ({"description": f"Talk at 4. Zoom: {ZOOM} (passcode 42)"}, ZOOM, ""),
        ({"conference": ";VALUE=URI:javascript:alert(1)"}, "", ""),
    ],
)
def test_join_and_livestream_links_are_read_from_what_feeds_carry(props, join, livestream):
    (record,) = read(ics_event("o@x", "Online", "20270101T100000Z", **props))
    assert (record.join_url, record.livestream_url) == (join, livestream)


def test_a_meeting_link_given_as_the_url_is_not_also_the_talks_page():
    (record,) = read(ics_event("o@x", "Online", "20270101T100000Z", url=ZOOM))
    assert (record.join_url, record.url) == (ZOOM, "")


def test_two_different_calls_in_a_description_are_too_ambiguous_to_take():
    text = f"Main room: {ZOOM}\\nOverflow: https://example.zoom.us/j/987654321"
    (record,) = read(ics_event("o@x", "Online", "20270101T100000Z", description=text))
    assert record.join_url == ""


def test_an_ordinary_link_in_a_description_is_no_join_link():
    text = "Slides will be at https://example.org/slides.pdf"
    (record,) = read(ics_event("o@x", "Talk", "20270101T100000Z", description=text))
    assert record.join_url == ""


def test_link_lines_that_end_a_description_become_the_talks_links():
    text = "Abstract.\\n\\nSlides: https://example.org/s.pdf\\nRecording : https://v.example/r"
    (record,) = read(ics_event("o@x", "Talk", "20270101T100000Z", description=text))
    assert links(record) == ("", "", "https://v.example/r", "https://example.org/s.pdf")
    assert record.description == "Abstract."


def test_link_lines_in_the_middle_of_a_description_stay_text():
    text = "Slides: https://example.org/s.pdf\\n\\nThe abstract goes on."
    (record,) = read(ics_event("o@x", "Talk", "20270101T100000Z", description=text))
    assert record.slides_url == ""
    assert record.description.startswith("Slides: https://example.org/s.pdf")


# Writing them out, and reading our own feed back


@pytest.mark.django_db
def test_our_feed_carries_conference_properties_and_the_links_in_the_description():
    talk = make_talk(
        venue="Room 1",
        join_url=ZOOM,
        livestream_url="https://stream.example.org/live",
        recording_url="https://video.example.org/rec",
        slides_url="https://example.org/slides.pdf",
        start=timezone.now() - dt.timedelta(hours=2),  # over: its materials are public
    )
    data = calendar_bytes(series_feed(talk.series), site_url=SITE, now=NOW)
    (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    conferences = event["CONFERENCE"]
    assert [(str(c), c.params["FEATURE"]) for c in conferences] == [
        (ZOOM, ["AUDIO", "VIDEO"]),
        ("https://stream.example.org/live", ["VIDEO", "FEED"]),
    ]
    assert "Recording: https://video.example.org/rec" in str(event["DESCRIPTION"])
    (record,) = [
        dialect_for(export.PRODID).refine(r)
        for r in calendar_events(
            icalendar.Calendar.from_ical(data),
            site_tz=ZoneInfo("Europe/London"),
            now=NOW,
            horizon=NOW + dt.timedelta(days=365),
            max_occurrences=10,
            notices=[],
        ).records
    ]
    assert links(record) == (
        ZOOM,
        "https://stream.example.org/live",
        "https://video.example.org/rec",
        "https://example.org/slides.pdf",
    )
    assert record.description == talk.abstract


# Pages


@pytest.mark.django_db
@pytest.mark.parametrize(
    "venue, join, mode",
    [
        ("", ZOOM, "OnlineEventAttendanceMode"),
        ("Room 1", ZOOM, "MixedEventAttendanceMode"),
        ("Room 1", "", "OfflineEventAttendanceMode"),
    ],
)
def test_event_data_says_how_people_attend(venue, join, mode):
    talk = make_talk(venue=venue, join_url=join)
    data = talk_event(talk, page_url=f"{SITE}/talks/1/")
    assert data["eventAttendanceMode"] == f"https://schema.org/{mode}"
    places = data["location"] if isinstance(data["location"], list) else [data["location"]]
    assert ({"@type": "VirtualLocation", "url": ZOOM} in places) == bool(join)


@pytest.mark.django_db
def test_the_talk_page_offers_its_web_links_only(client):
    talk = make_talk(join_url=ZOOM, slides_url="https://example.org/s.pdf")
    Talk.objects.filter(pk=talk.pk).update(recording_url="javascript:alert(1)")
    page = client.get(talk.get_absolute_url()).text
    assert f'href="{ZOOM.replace("&", "&amp;")}"' in page or f'href="{ZOOM}"' in page
    assert 'href="https://example.org/s.pdf"' not in page  # materials come after the talk
    over = make_talk(slides_url="https://example.org/s.pdf", start=timezone.now() - dt.timedelta(1))
    assert 'href="https://example.org/s.pdf"' in client.get(over.get_absolute_url()).text
    assert "javascript:alert(1)" not in page
    assert json.dumps(ZOOM)[1:-1] in page  # in the event data too
