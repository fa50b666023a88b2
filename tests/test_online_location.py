"""A location that only says a talk is online ("Online", "via Zoom", a bare meeting URL) is
no venue: the talk is online, the URL its join link (seminars/online.py), tested on the
corpus' real LOCATION values and through the import, the pages, the feeds and the admin."""

import json
import re

import pytest
from django.core.exceptions import ValidationError

from seminars.ics.read import read_calendars
from seminars.models import Talk
from seminars.online import Place, place
from tests.commands import run_import
from tests.factories import ics_calendar, ics_event, make_series, make_talk
from tests.test_import_corpus import CORPUS, FILES

# Every LOCATION in the corpus that says only "online", as the files write it.
CORPUS_ONLINE = {
    "Zoom Meeting",
    "Microsoft Teams Meeting",
    "online",
    "https://bluejeans.com/7999979999",
    "mumble.openspeak.cc port: 64747",
}


def corpus_locations() -> set[str]:
    found = set()
    for path in FILES:
        try:
            calendars = read_calendars(path.read_bytes(), [])
        except Exception:  # noqa: BLE001  (files that are no calendar: their own tests)
            continue
        for calendar in calendars:
            for event in calendar.walk("VEVENT"):
                value = event.get("LOCATION")
                if value is not None:
                    found.add(" ".join(str(value).split()))
    return found


@pytest.mark.skipif(not FILES, reason=f"the shared corpus is not at {CORPUS}")
def test_of_the_corpus_locations_exactly_the_online_ones_are_no_venue():
    locations = corpus_locations()
    assert len(locations) > 100  # the rule is tried on all of them
    assert {text for text in locations if place(text).online} == CORPUS_ONLINE
    # The others stay the venue they say, word for word.
    for text in locations - CORPUS_ONLINE:
        assert place(text) == Place(text), text


@pytest.mark.parametrize(
    "location, join_url",
    [
        ("Online", ""),
        ("ONLINE", ""),
        ("Zoom", ""),
        ("Teams", ""),
        ("via Zoom", ""),
        ("Microsoft Teams Meeting", ""),
        ("Google Meet", ""),
        ("Webex meeting", ""),
        ("Online (link on registration)", ""),
        ("Online – link to follow", ""),
        ("Virtual (details by email)", ""),
        ("Zoom 812 3456 7890", ""),
        ("Online / Zoom", ""),
        ("Online-Veranstaltung", ""),
        ("Online über Zoom", ""),
        ("Videokonferenz", ""),
        ("En ligne", ""),
        ("à distance", ""),
        ("En línea", ""),
        ("Virtual", ""),
        ("zdalnie", ""),
        ("https://zoom.us/j/123456789", "https://zoom.us/j/123456789"),
        # A passcode in the URL: the link is the way in, kept whole.
        ("Zoom: https://zoom.us/j/123?pwd=abc.", "https://zoom.us/j/123?pwd=abc"),
        ("https://bluejeans.com/7999979999", "https://bluejeans.com/7999979999"),
        ("mumble.openspeak.cc port: 64747", ""),
    ],
)
def test_a_location_that_only_says_online_is_no_venue(location, join_url):
    assert place(location) == Place("", online=True, join_url=join_url)


@pytest.mark.parametrize(
    "location",
    [
        "Room 101",
        "Room 101 and Zoom",  # hybrid: a room, and a way in from afar
        "Teams room B",
        "Zoom Room, Building 4",
        "Digital Catapult, London",
        "Online Learning Centre, Level 2",
        "St.Louis",
        "Pivotal Labs, 841 Broadway New York, NY, http://example.org/",
        "Seminarraum",
        "MR2",
        "",
    ],
)
def test_a_location_naming_a_place_stays_the_venue(location):
    assert place(location) == Place(location)


def _import(tmp_path, *events):
    path = tmp_path / "feed.ics"
    path.write_bytes(ics_calendar(*events))
    code, out, err = run_import(path, "--series", "Logic")
    assert code == 0, err
    return path


@pytest.mark.django_db
def test_an_online_location_with_a_conference_link_imports_an_online_talk(tmp_path, client):
    _import(
        tmp_path,
        ics_event(
            "a@x", "Rings", "20300101T100000Z", location="Online", conference="https://zoom.us/j/1"
        ),
    )
    talk = Talk.objects.get()
    assert (talk.venue, talk.online, talk.join_url) == ("", True, "https://zoom.us/j/1")
    assert talk.attendance == "online"
    page = client.get(talk.get_absolute_url()).text
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[1]
    )
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"] == {"@type": "VirtualLocation", "url": "https://zoom.us/j/1"}
    assert "<dd>Online</dd>" in page


@pytest.mark.django_db
def test_a_bare_meeting_url_as_location_becomes_the_join_link(tmp_path):
    _import(
        tmp_path, ics_event("a@x", "Rings", "20300101T100000Z", location="https://zoom.us/j/77")
    )
    talk = Talk.objects.get()
    assert (talk.venue, talk.online, talk.join_url) == ("", True, "https://zoom.us/j/77")


@pytest.mark.django_db
def test_via_zoom_with_no_link_is_an_online_talk_with_no_room(tmp_path, client):
    _import(tmp_path, ics_event("a@x", "Rings", "20300101T100000Z", location="via Zoom"))
    talk = Talk.objects.get()
    assert (talk.venue, talk.online, talk.join_url) == ("", True, "")
    assert talk.attendance == "online"
    assert client.get("/api/talks.json").json()["talks"][0]["attendance"] == "online"
    page = client.get(talk.get_absolute_url()).text
    assert "OnlineEventAttendanceMode" in page and "OfflineEventAttendanceMode" not in page
    assert "via Zoom" not in page


@pytest.mark.django_db
def test_a_room_with_a_conference_link_stays_hybrid(tmp_path):
    _import(
        tmp_path,
        ics_event(
            "a@x", "Rings", "20300101T100000Z", location="MR2", conference="https://zoom.us/j/1"
        ),
    )
    talk = Talk.objects.get()
    assert (talk.venue, talk.online, talk.attendance) == ("MR2", False, "hybrid")


@pytest.mark.django_db
def test_an_online_talk_round_trips_through_our_own_feed(tmp_path, client):
    series = make_series(name="Logic")
    make_talk(series=series, title="Rings", online=True)
    feed = client.get(f"/series/{series.slug}.ics").content
    assert b"\r\nLOCATION:Online\r\n" in feed
    Talk.objects.all().delete()
    path = tmp_path / "ours.ics"
    path.write_bytes(feed)
    code, _, err = run_import(path, "--series", "Logic")
    assert code == 0, err
    talk = Talk.objects.get()
    assert (talk.venue, talk.online) == ("", True)


@pytest.mark.django_db
def test_a_re_import_turns_an_online_venue_imported_before_into_an_online_talk(tmp_path):
    path = _import(tmp_path, ics_event("a@x", "Rings", "20300101T100000Z", location="MR2"))
    # As the import before this rule left it: the venue "Online".
    talk = Talk.objects.get()
    Talk.objects.filter(pk=talk.pk).update(
        venue="Online", imported={**talk.imported, "venue": "Online"}
    )
    path.write_bytes(ics_calendar(ics_event("a@x", "Rings", "20300101T100000Z", location="Online")))
    code, out, err = run_import(path, "--series", "Logic", "--force")
    assert code == 0, err
    talk.refresh_from_db()
    assert (talk.venue, talk.online) == ("", True)


@pytest.mark.django_db
def test_an_organiser_typing_an_online_venue_gets_an_online_talk():
    talk = make_talk(venue="Zoom: https://zoom.us/j/5")
    talk.full_clean()
    assert (talk.venue, talk.online, talk.join_url) == ("", True, "https://zoom.us/j/5")
    # A join link given already is kept.
    talk = make_talk(venue="Online", join_url="https://meet.jit.si/rings")
    talk.full_clean()
    assert (talk.venue, talk.online, talk.join_url) == ("", True, "https://meet.jit.si/rings")
    # A venue naming a room is left alone.
    talk = make_talk(venue="Room 101 and Zoom")
    talk.full_clean()
    assert (talk.venue, talk.online) == ("Room 101 and Zoom", False)


@pytest.mark.django_db
def test_an_online_venue_does_not_hide_other_errors():
    talk = make_talk(venue="Online")
    talk.start = talk.start.replace(year=1800)
    with pytest.raises(ValidationError):
        talk.full_clean()
