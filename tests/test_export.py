"""Talks → calendar bytes: properties, text, all-day dates, line format, hostile text."""

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from django.utils import timezone

from seminars.feeds.calendars import Feed, calendar_bytes, talk_feed
from seminars.ics import export
from seminars.models import Talk
from tests.factories import make_series, make_speaker, make_talk

pytestmark = pytest.mark.django_db

SITE = "https://talks.example.org"
LONDON = ZoneInfo("Europe/London")


def build(*talks, name="Logic Seminar", description="Talks on logic.") -> bytes:
    """The calendar of `talks` as the feeds build it, with no window in time."""
    feed = Feed(
        key="test",
        talks=Talk.objects.filter(pk__in=[t.pk for t in talks]),
        name=name,
        description=description,
        filename="test.ics",
    )
    return calendar_bytes(feed, site_url=SITE, now=timezone.now())


def only_event(data: bytes) -> icalendar.Event:
    (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    return event


def vobject_events(data: bytes) -> list:
    return vobject.readOne(data.decode()).contents.get("vevent", [])


def lines(data: bytes) -> list[bytes]:
    """The physical lines, as a parser splits them before unfolding."""
    return data.removesuffix(b"\r\n").split(b"\r\n")


def assert_lines_are_rfc5545(data: bytes):
    """CRLF after every line, no stray CR or LF, no line over 75 octets."""
    assert data.endswith(b"\r\n")
    lines = data[:-2].split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75


# The calendar


def test_calendar_has_the_properties_subscribed_calendars_read():
    calendar = icalendar.Calendar.from_ical(build(make_talk()))

    assert str(calendar["PRODID"]) == export.PRODID
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "Logic Seminar"
    assert str(calendar["NAME"]) == "Logic Seminar"
    assert str(calendar["X-WR-CALDESC"]) == "Talks on logic."
    assert calendar["REFRESH-INTERVAL"].dt == dt.timedelta(hours=1)
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert calendar["X-PUBLISHED-TTL"].to_ical() == b"PT1H"


def test_calendar_without_talks_is_still_a_calendar():
    data = build(name="Empty", description="")

    calendar = icalendar.Calendar.from_ical(data)
    assert calendar.walk("VEVENT") == []
    assert vobject.readOne(data.decode()).name == "VCALENDAR"
    assert b"X-WR-CALDESC" not in data


def test_calendar_name_with_newlines_stays_on_one_escaped_line():
    data = build(name="Logic\nEND:VCALENDAR", description="A; b, c\nEND:VCALENDAR")

    assert b"X-WR-CALNAME:Logic END:VCALENDAR\r\n" in data
    assert b"X-WR-CALDESC:A\\; b\\, c\\nEND:VCALENDAR\r\n" in data
    assert lines(data).count(b"END:VCALENDAR") == 1


# One event


def test_event_has_every_property_with_the_talks_values():
    series = make_series("Logic Seminar")
    jane = make_speaker("Jane Doe", affiliation="University of Oxford")
    max_ = make_speaker("Max Mustermann")
    start = dt.datetime(2030, 5, 6, 14, 0, tzinfo=dt.UTC)
    talk = make_talk(
        series=series,
        speakers=[jane, max_],
        start=start,
        title="Proofs as programs",
        abstract="First paragraph.\n\nSecond paragraph.",
        venue="Room 1, Maths",
        contact="seminar@example.org",
        uid="talk-1@example.org",
        sequence=3,
    )
    talk.refresh_from_db()

    event = only_event(build(talk))

    assert str(event["UID"]) == "talk-1@example.org"
    assert event["DTSTART"].dt == start
    assert event["DTEND"].dt == start + dt.timedelta(hours=1)
    assert str(event["SUMMARY"]) == "Proofs as programs (Jane Doe, Max Mustermann)"
    assert str(event["DESCRIPTION"]) == (
        "Speaker: Jane Doe\n"
        "Affiliation: University of Oxford\n"
        "Speaker: Max Mustermann\n"
        "\n"
        "First paragraph.\n\nSecond paragraph.\n"
        "\n"
        f"{SITE}{talk.get_absolute_url()}"
    )
    assert str(event["LOCATION"]) == "Room 1, Maths"
    assert str(event["URL"]) == f"{SITE}/talks/{talk.pk}/proofs-as-programs/"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["SEQUENCE"] == 3
    assert event["CATEGORIES"].cats == ["Logic Seminar"]
    assert str(event["CONTACT"]) == "seminar@example.org"


def test_event_times_are_utc():
    start = dt.datetime(2030, 7, 1, 15, 0, tzinfo=LONDON)  # 14:00 UTC in summer

    data = build(make_talk(start=start))

    assert b"DTSTART:20300701T140000Z\r\n" in data
    assert b"DTEND:20300701T150000Z\r\n" in data


def test_event_stamps_are_the_talks_last_change_not_the_time_of_the_build():
    talk = make_talk()
    past = dt.datetime(2024, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
    Talk.objects.filter(pk=talk.pk).update(updated=past, created=past - dt.timedelta(days=2))

    event = only_event(build(talk))

    assert event["DTSTAMP"].dt == past.replace(microsecond=0)
    assert event["LAST-MODIFIED"].dt == past.replace(microsecond=0)
    assert event["CREATED"].dt == past.replace(microsecond=0) - dt.timedelta(days=2)


def test_event_bytes_are_the_same_whenever_they_are_built():
    talk = make_talk(speakers=[make_speaker()])

    assert build(talk) == build(talk)


def test_event_url_appears_once():
    data = build(make_talk())

    assert data.count(b"\r\nURL:") == 1


def test_talk_created_here_has_a_uid_in_the_sites_domain(settings):
    event = only_event(build(make_talk()))

    assert str(event["UID"]).endswith(f"@{settings.UID_DOMAIN}")


def test_control_characters_in_a_stored_uid_are_not_exported():
    data = build(make_talk(uid="a\x01b\x1bc\x7fd@example.org"))
    assert b"\x1b" not in data and b"\x01" not in data and b"\x7f" not in data
    assert str(only_event(data)["UID"]) == "abcd@example.org"


def test_talk_without_end_has_no_dtend():
    event = only_event(build(make_talk(duration=None)))

    assert "DTEND" not in event


def test_talk_without_speakers_abstract_or_venue_has_only_title_and_link():
    talk = make_talk(title="Open problems")

    event = only_event(build(talk))

    assert str(event["SUMMARY"]) == "Open problems"
    assert str(event["DESCRIPTION"]) == f"{SITE}{talk.get_absolute_url()}"
    assert "LOCATION" not in event
    assert "CONTACT" not in event


def test_cancelled_talk_has_status_cancelled_and_says_so_in_its_summary():
    talk = make_talk(title="Proofs", speakers=[make_speaker("Ann")], status=Talk.Status.CANCELLED)

    event = only_event(build(talk))

    # Clients that ignore STATUS would show it as a normal talk.
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]) == "Cancelled: Proofs (Ann)"


def test_confirmed_talk_summary_has_no_cancelled_prefix():
    talk = make_talk(title="Proofs", status=Talk.Status.CONFIRMED)

    assert str(only_event(build(talk))["SUMMARY"]) == "Proofs"


def test_events_of_a_calendar_to_subscribe_to_leave_time_free():
    talks = [make_talk(), make_talk(all_day=True, duration=dt.timedelta(days=1))]

    data = build(*talks)

    assert [str(e["TRANSP"]) for e in icalendar.Calendar.from_ical(data).walk("VEVENT")] == [
        "TRANSPARENT",
        "TRANSPARENT",
    ]
    assert [e.transp.value for e in vobject_events(data)] == ["TRANSPARENT", "TRANSPARENT"]


def test_event_of_a_file_to_import_says_nothing_of_free_time():
    data = calendar_bytes(talk_feed(make_talk()), site_url=SITE, now=timezone.now())

    # The user adds this one talk on purpose: their calendar app's default (busy) applies.
    assert "TRANSP" not in only_event(data)


# The talk's own link


def test_talk_with_its_own_link_keeps_the_page_as_url_and_the_link_as_a_more_line():
    talk = make_talk(
        title="Proofs",
        abstract="Abstract.",
        url="https://conference.example.org/register",
        slides_url="https://example.org/slides.pdf",
        start=timezone.now() - dt.timedelta(days=1),  # over: its slides are public
    )

    event = only_event(build(talk))

    page = f"{SITE}{talk.get_absolute_url()}"
    assert str(event["URL"]) == page
    assert str(event["DESCRIPTION"]) == (
        "Abstract.\n"
        "\n"
        "Slides: https://example.org/slides.pdf\n"
        "More: https://conference.example.org/register\n"
        "\n"
        f"{page}"
    )


def test_talk_link_that_is_not_a_web_address_is_left_out():
    talk = make_talk(url="ftp://files.example.org/talk.pdf")

    assert "ftp:" not in str(only_event(build(talk))["DESCRIPTION"])


# All-day talks


def test_all_day_talk_is_written_as_dates_with_an_exclusive_end(settings):
    settings.TIME_ZONE = "Europe/London"
    start = dt.datetime(2030, 6, 3, tzinfo=LONDON)
    talk = make_talk(start=start, duration=dt.timedelta(days=2), all_day=True)

    data = build(talk)

    assert b"DTSTART;VALUE=DATE:20300603\r\n" in data
    assert b"DTEND;VALUE=DATE:20300605\r\n" in data


def test_all_day_talk_without_end_lasts_one_day(settings):
    settings.TIME_ZONE = "Europe/London"
    talk = make_talk(start=dt.datetime(2030, 6, 3, tzinfo=LONDON), duration=None, all_day=True)

    event = only_event(build(talk))

    assert (event["DTSTART"].dt, event["DTEND"].dt) == (dt.date(2030, 6, 3), dt.date(2030, 6, 4))


def test_all_day_talk_ending_at_a_time_of_day_takes_in_that_day(settings):
    settings.TIME_ZONE = "Europe/London"
    start = dt.datetime(2030, 6, 3, tzinfo=LONDON)
    talk = make_talk(start=start, end=dt.datetime(2030, 6, 4, 17, tzinfo=LONDON), all_day=True)

    event = only_event(build(talk))

    assert (event["DTSTART"].dt, event["DTEND"].dt) == (dt.date(2030, 6, 3), dt.date(2030, 6, 5))


# Line format and hostile text


def test_lines_end_with_crlf_and_fold_at_75_octets_also_inside_multibyte_letters():
    speaker = make_speaker("Zoë Ångström-Weißmann", affiliation="Université " * 20)
    talk = make_talk(
        speakers=[speaker],
        title="Über " * 40,
        abstract="Ça va? " * 200 + "\r\nWindows line.\rOld Mac line.",
        venue="Hörsaal " * 30,
    )

    data = build(talk)

    assert_lines_are_rfc5545(data)
    assert str(only_event(data)["DESCRIPTION"]).count("\n") == 7


def test_hostile_title_and_abstract_stay_inside_one_event():
    speaker = make_speaker("Eve\nEND:VEVENT", affiliation='Evil "Corp"; a, b\\c')
    talk = make_talk(
        speakers=[speaker],
        title="Break out\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil@example.org",
        abstract="END:VEVENT\r\nEND:VCALENDAR\nBEGIN:VEVENT\x07\x1b[31m\nUID:evil@example.org",
        venue="Room;1,\\2",
    )

    data = build(talk)

    assert_lines_are_rfc5545(data)
    assert lines(data).count(b"BEGIN:VEVENT") == lines(data).count(b"END:VEVENT") == 1
    event = only_event(data)
    assert str(event["UID"]) == talk.uid
    assert str(event["SUMMARY"]) == (
        "Break out END:VEVENT BEGIN:VEVENT UID:evil@example.org (Eve END:VEVENT)"
    )
    assert str(event["DESCRIPTION"]).startswith(
        "Speaker: Eve END:VEVENT\n"
        'Affiliation: Evil "Corp"; a, b\\c\n'
        "\n"
        "END:VEVENT\nEND:VCALENDAR\nBEGIN:VEVENT[31m\nUID:evil@example.org\n\n"
    )
    assert str(event["LOCATION"]) == "Room;1,\\2"
    (parsed,) = vobject_events(data)
    assert parsed.uid.value == talk.uid
    assert parsed.location.value == "Room;1,\\2"


def test_both_parsers_read_the_same_events():
    series = make_series("Algebra, Geometry; and more")
    talks = [
        make_talk(
            series=series, speakers=[make_speaker()], start=timezone.now() + dt.timedelta(days=d)
        )
        for d in (1, 2, 3)
    ]

    data = build(*talks, name=series.name)

    ours = [
        (str(e["UID"]), str(e["SUMMARY"]))
        for e in icalendar.Calendar.from_ical(data).walk("VEVENT")
    ]
    theirs = [(e.uid.value, e.summary.value) for e in vobject_events(data)]
    assert (
        ours
        == theirs
        == [
            (t.uid, f"{t.title} ({t.speaker_list[0].name})")
            for t in [Talk.objects.with_speakers().get(pk=t.pk) for t in talks]
        ]
    )
    assert [e.categories.value for e in vobject_events(data)] == [[series.name]] * 3
