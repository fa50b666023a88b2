"""read_calendars: bytes → calendars, one step of the import."""

import pytest

from seminars.ics.read import NotACalendar, read_calendars
from tests.factories import ics_calendar, ics_event

VENDOR_ZONE = "/mozilla.org/20050126_1/Europe/Berlin"


def read(data: bytes):
    notices = []
    calendars = read_calendars(data, notices)
    return calendars, [str(n) for n in notices]


def summaries(calendars) -> list[str]:
    return [str(e["SUMMARY"]) for c in calendars for e in c.walk("VEVENT")]


def test_a_fold_inside_a_multibyte_character_is_joined_before_decoding():
    data = ics_calendar(
        ics_event("f@x", "PLACEHOLDER", "20270101T100000Z", location="Zürich")
    ).replace(b"SUMMARY:PLACEHOLDER", b"SUMMARY:Caf\xc3\r\n \xa9 au lait")
    calendars, notices = read(data)
    assert summaries(calendars) == ["Café au lait"]
    assert str(calendars[0].walk("VEVENT")[0]["LOCATION"]) == "Zürich"
    assert notices == []  # read as UTF-8, not as Windows-1252


@pytest.mark.parametrize("newline", [b"\r\n", b"\n", b"\r"])
def test_folded_lines_are_joined_whatever_the_line_ending(newline):
    data = ics_calendar(ics_event("f@x", "A long title", "20270101T100000Z"))
    data = data.replace(b"A long title", b"A long\r\n  title").replace(b"\r\n", newline)
    assert summaries(read(data)[0]) == ["A long title"]


def test_windows_1252_is_read_when_the_bytes_are_not_utf8():
    data = ics_calendar(ics_event("w@x", "PLACEHOLDER", "20270101T100000Z"))
    calendars, notices = read(data.replace(b"PLACEHOLDER", "Café".encode("cp1252")))
    assert summaries(calendars) == ["Café"]
    assert notices == ["not valid UTF-8; read as Windows-1252"]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"  \r\n", "the source is empty"),
        (b"<!DOCTYPE html><html></html>", "the source is an HTML or XML page, not a calendar"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", "the calendar is truncated"),
        (b"hello world", "it does not start with BEGIN:VCALENDAR"),
    ],
)
def test_what_is_not_a_calendar_is_refused_with_one_line(data, message):
    with pytest.raises(NotACalendar, match=message):
        read(data)


@pytest.mark.parametrize(
    "data",
    [
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n",
        ics_calendar(extra=["BEGIN:VTODO", "UID:t@x", "SUMMARY:A task", "END:VTODO"]),
    ],
)
def test_a_calendar_without_events_is_an_empty_calendar_not_an_error(data):
    calendars, notices = read(data)
    assert len(calendars) == 1 and summaries(calendars) == []
    assert notices == ["the calendar has 0 events"]


def test_the_parsers_warnings_become_notices_instead_of_output():
    # icalendar warns (GloballyUniqueTZIDGuessed) when it strips a vendor prefix from a TZID;
    # pytest turns warnings into errors, so an escaping warning fails this test.
    data = ics_calendar(ics_event("g@x", "Talk", f";TZID={VENDOR_ZONE}:20270105T160000"))
    calendars, notices = read(data)
    assert summaries(calendars) == ["Talk"]
    assert notices == [
        "Timezone '/mozilla.org/20050126_1/Europe/Berlin' is a globally unique TZID; guessing "
        "it means 'Europe/Berlin' by stripping the vendor prefix. This may be wrong. See RFC "
        "5545 section 3.2.19."
    ]
