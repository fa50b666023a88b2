"""calendar_events: calendars → event records, one step of the import, without the database."""

import datetime as dt
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from seminars.ics.events import calendar_events, from_skipped_event
from seminars.ics.records import Notice
from tests.factories import ics_calendar, ics_event
from tests.subprocesses import ROOT

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def events(data: bytes, *, now=NOW, horizon_days=365, max_occurrences=1000):
    """(records, notices) for a calendar, as the importer reads it."""
    notices: list[Notice] = []
    calendar = icalendar.Calendar.from_ical(data)
    records = calendar_events(
        calendar,
        site_tz=LONDON,
        now=now,
        horizon=now + dt.timedelta(days=horizon_days),
        max_occurrences=max_occurrences,
        notices=notices,
    ).records
    return records, notices


def skipped(notices) -> dict[str, str]:
    return {n.uid: n.message for n in notices if n.skipped}


# Runaway recurrence: every rule ends in seconds, in bounded memory, with a notice.

RUNAWAY_RULES = [
    "FREQ=SECONDLY",
    "FREQ=MINUTELY",
    "FREQ=DAILY;INTERVAL=0",
    "FREQ=MINUTELY;COUNT=1000000000",
    "FREQ=HOURLY;BYMINUTE=0,10,20,30,40,50;BYSECOND=0,1,2,3,4,5,6,7,8,9",
    "FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=1,2,3,4,5,6,7,8,9,10,11,12;BYMINUTE=1,2,3,4,5,6,7,8,9,10,11,12",
]


def _events_in_child(data: bytes) -> dict:
    """Read `data` in a separate process capped at 1 GB of memory and two minutes; return what
    it printed. A regression to minutes and gigabytes fails there instead of eating the machine
    (bench/ measures how long these take; here only the outcome is asserted).
    """
    script = textwrap.dedent(
        """
        import datetime as dt, json, resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        import django, os
        os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
        django.setup()
        import icalendar
        from zoneinfo import ZoneInfo
        from seminars.ics.events import calendar_events
        now = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
        notices = []
        records = calendar_events(
            icalendar.Calendar.from_ical(sys.stdin.buffer.read()),
            site_tz=ZoneInfo("Europe/London"), now=now, horizon=now + dt.timedelta(days=365),
            max_occurrences=1000, notices=notices,
        ).records
        print(json.dumps({
            "records": len(records),
            "notices": [str(n) for n in notices],
        }))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], input=data, capture_output=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("rule", RUNAWAY_RULES)
def test_a_runaway_recurrence_is_skipped_or_capped_with_a_notice_naming_its_uid(rule):
    data = ics_calendar(
        ics_event("runaway@x", "Runaway", "20270101T000000Z", rrule=rule),
        ics_event("fine@x", "Fine", "20270102T100000Z"),
    )
    result = _events_in_child(data)
    notices = [n for n in result["notices"] if n.startswith("runaway@x")]
    assert notices, result
    # The runaway event adds at most the cap; the plain event beside it is always read.
    assert 1 <= result["records"] <= 1001


def test_a_rule_whose_interval_is_zero_is_skipped_as_invalid():
    data = ics_calendar(
        ics_event("zero@x", "Zero", "20270101T000000Z", rrule="FREQ=DAILY;INTERVAL=0")
    )
    records, notices = events(data)
    assert records == []
    assert "INTERVAL must be at least 1" in skipped(notices)["zero@x"]


def test_a_rule_with_more_occurrences_than_can_be_expanded_is_skipped():
    data = ics_calendar(ics_event("s@x", "Every second", "20270101T000000Z", rrule="FREQ=SECONDLY"))
    records, notices = events(data)
    assert records == []
    assert "at most 50,000 are expanded" in skipped(notices)["s@x"]


def test_an_hourly_rule_from_1900_is_skipped_rather_than_walked():
    data = ics_calendar(ics_event("h@x", "Hourly", "19000101T000000Z", rrule="FREQ=HOURLY"))
    records, notices = events(data)
    assert records == [] and "h@x" in skipped(notices)


def test_a_weekly_series_since_1950_is_expanded_in_full():
    data = ics_calendar(
        ics_event("w@x", "Weekly", "19500104T100000Z", rrule="FREQ=WEEKLY;UNTIL=20261231T000000Z")
    )
    records, notices = events(data, max_occurrences=10_000)
    assert len(records) == (dt.date(2026, 12, 31) - dt.date(1950, 1, 4)).days // 7 + 1
    assert not skipped(notices)


def test_the_occurrence_cap_keeps_the_soonest_upcoming_occurrences():
    # 7,312 hourly RDATEs through 2027: the cap keeps January's, not November's.
    first = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    dates = [first + dt.timedelta(hours=h) for h in range(7312)]
    rdate = ",".join(d.strftime("%Y%m%dT%H%M%SZ") for d in dates)
    data = ics_calendar(ics_event("r@x", "Many", "20270101T000000Z", rdate=rdate))
    records, notices = events(data, horizon_days=500)
    assert len(records) == 1000
    assert min(r.start for r in records) == first
    assert max(r.start for r in records) == first + dt.timedelta(hours=999)
    assert "7312 occurrences before the horizon; kept the 1000 nearest today" in str(notices)


def test_the_occurrence_cap_fills_with_the_latest_past_occurrences():
    data = ics_calendar(ics_event("d@x", "Daily", "20261101T100000Z", rrule="FREQ=DAILY;COUNT=40"))
    records, _ = events(data, max_occurrences=20)
    starts = sorted(r.start for r in records)
    # 1 Nov + 39 days = 10 Dec; now is 25 Nov at noon: 15 upcoming from 26 Nov, then 5 past.
    assert starts[0] == dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.UTC)
    assert starts[-1] == dt.datetime(2026, 12, 10, 10, 0, tzinfo=dt.UTC)


# Dates outside the supported years


@pytest.mark.parametrize(
    "start",
    [
        "00010101T000000Z",
        ";VALUE=DATE:00010101",
        "00010101T000000",
        ";TZID=Europe/Berlin:00010101T000000",
        ";VALUE=DATE:99991231",
        ";TZID=Europe/Berlin:99991231T230000",
        "99991231T230000Z",
        "18991231T120000Z",
        "22010101T000000Z",
    ],
)
def test_an_event_outside_the_supported_years_is_skipped_and_the_rest_imported(start):
    data = ics_calendar(
        ics_event("far@x", "Far away", start),
        ics_event("near@x", "Near", "20270101T100000Z"),
    )
    records, notices = events(data)
    assert [r.uid for r in records] == ["near@x"]
    assert "outside the supported years 1900–2200" in skipped(notices)["far@x"]


def test_a_duration_past_the_supported_years_is_skipped():
    data = ics_calendar(
        ics_event("long@x", "Long", "21000101T000000Z", duration="P3000000D"),
        ics_event("near@x", "Near", "20270101T100000Z"),
    )
    records, notices = events(data)
    assert [r.uid for r in records] == ["near@x"]
    assert "long@x" in skipped(notices)


def test_an_impossible_utc_offset_in_a_zone_name_skips_only_that_event():
    data = ics_calendar(
        ics_event("tz@x", "Odd zone", ';TZID="(UTC+99:00) x":20270101T100000'),
        ics_event("near@x", "Near", "20270101T100000Z"),
    )
    records, notices = events(data)
    assert [r.uid for r in records] == ["near@x"]
    assert "unknown time zone" in skipped(notices)["tz@x"]


# Text


def test_control_characters_are_removed_from_uids():
    data = ics_calendar(ics_event("a\x01b\x1bc\x7fd@x", "Title", "20270101T100000Z"))
    records, _ = events(data)
    assert [r.uid for r in records] == ["abcd@x"]


def test_text_encoded_twice_is_repaired():
    # UTF-8 read as Windows-1252 and written back as UTF-8, as in a real Trumba feed.
    twice = "The IRB’s new rules for Zürich".encode().decode("cp1252").encode()
    data = ics_calendar(ics_event("m@x", twice.decode(), "20270101T100000Z"))
    records, _ = events(data)
    assert records[0].title == "The IRB’s new rules for Zürich"


def test_correct_non_ascii_text_is_left_alone():
    title = "Über „Typen“ – naïve café ’quotes’ in Zürich, 東京"
    records, _ = events(ics_calendar(ics_event("u@x", title, "20270101T100000Z")))
    assert records[0].title == title


# Rules the parser cannot read: one notice each, no traceback in the log


def test_an_unreadable_recurrence_rule_skips_its_event_with_one_notice(caplog):
    data = ics_calendar(
        ics_event("bad@x", "Bad", "20270105T160000Z", rrule="FREQ=FOO;INTERVAL=-5;BYDAY=ZZ"),
        ics_event("good@x", "Good", "20270105T160000Z"),
    )
    records, notices = events(data)
    assert [r.uid for r in records] == ["good@x"]
    assert [str(n) for n in notices] == [
        "bad@x: skipped: unreadable RRULE (Expected frequency, got: FOO)"
    ]
    assert [r for r in caplog.records if r.exc_info] == []


def test_an_unreadable_rdate_skips_its_event_with_one_notice(caplog):
    # As Google writes birthdays: a date with a UTC mark, which no parser reads.
    data = ics_calendar(
        ics_event(
            "bday@x",
            "Birthday",
            ";VALUE=DATE:20271210",
            rrule="FREQ=DAILY;INTERVAL=1;COUNT=1",
            rdate="20131210Z",
        )
    )
    records, notices = events(data)
    assert records == []
    assert [str(n) for n in notices] == [
        "bday@x: skipped: unreadable RDATE (Expected datetime, date, or time. Got: '20131210Z')"
    ]
    assert [r for r in caplog.records if r.exc_info] == []


def test_an_unreadable_exdate_skips_only_its_event():
    data = ics_calendar(
        ics_event("w@x", "Weekly", "20270105T160000Z", rrule="FREQ=WEEKLY;COUNT=2"),
        ics_event("w@x", "Moved", "20270113T160000Z", recurrence_id="20270112T160000Z"),
        ics_event(
            "bad@x", "Bad", "20270105T160000Z", rrule="FREQ=DAILY;COUNT=3", exdate="2027-01-05"
        ),
    )
    records, notices = events(data)
    assert sorted(r.title for r in records) == ["Moved", "Weekly"]
    assert [str(n) for n in notices] == [
        "bad@x: skipped: unreadable EXDATE (Expected datetime, date, or time. Got: '2027-01-05')"
    ]


def test_an_unreadable_start_names_the_property_and_the_parsers_reason():
    data = ics_calendar(ics_event("bad@x", "Bad", "20301345T100000Z"))
    records, notices = events(data)
    assert records == []
    assert [str(n) for n in notices] == [
        "bad@x: skipped: unreadable DTSTART (Wrong datetime format: 20301345T100000Z)"
    ]


# An empty RRULE line (calendarlabs.com writes one in every event): a single event


def test_an_empty_recurrence_rule_reads_the_event_as_a_single_event_with_a_notice():
    data = ics_calendar(ics_event("h@x", "Holiday", ";VALUE=DATE:20270101", rrule=""))
    records, notices = events(data)
    assert [(r.uid, r.title, r.all_day) for r in records] == [("h@x", "Holiday", True)]
    assert [str(n) for n in notices] == ["h@x: the RRULE is empty; read without it"]


def test_empty_recurrence_rules_in_many_events_are_one_notice():
    data = ics_calendar(
        *(ics_event(f"h{i}@x", "Holiday", f";VALUE=DATE:2027010{i}", rrule="") for i in (1, 2, 3)),
        ics_event("w@x", "Weekly", "20270105T160000Z", rrule="FREQ=WEEKLY;COUNT=2"),
    )
    records, notices = events(data)
    assert sorted(r.uid for r in records) == [
        "h1@x",
        "h2@x",
        "h3@x",
        "w@x/20270105T160000Z",
        "w@x/20270112T160000Z",
    ]
    assert [str(n) for n in notices] == ["3 events have an empty RRULE; each was read without it"]


def test_an_empty_recurrence_rule_beside_rdates_keeps_the_rdates():
    data = ics_calendar(
        ics_event("h@x", "Twice", "20270105T160000Z", rrule="", rdate="20270112T160000Z")
    )
    records, notices = events(data)
    assert [r.uid for r in records] == ["h@x/20270105T160000Z", "h@x/20270112T160000Z"]
    assert [str(n) for n in notices] == ["h@x: the RRULE is empty; read without it"]


# Ends


def test_a_recurring_event_without_an_end_has_no_end_like_a_single_one():
    data = ics_calendar(
        ics_event("r@x", "Weekly", "20270105T203000Z", rrule="FREQ=WEEKLY;COUNT=3"),
        ics_event("one@x", "Once", "20270105T203000Z"),
    )
    records, _ = events(data)
    assert [(r.uid, r.end) for r in records] == [
        ("r@x/20270105T203000Z", None),
        ("r@x/20270112T203000Z", None),
        ("r@x/20270119T203000Z", None),
        ("one@x", None),
    ]


def test_an_occurrence_moved_without_an_end_has_none_and_the_others_keep_theirs():
    data = ics_calendar(
        ics_event(
            "r@x", "Weekly", "20270105T203000Z", "20270105T213000Z", rrule="FREQ=WEEKLY;COUNT=3"
        ),
        ics_event("r@x", "Moved", "20270112T223000Z", recurrence_id="20270112T203000Z"),
    )
    records, _ = events(data)
    hour = dt.timedelta(hours=1)
    assert [(r.title, r.start.hour, r.end and r.end - r.start) for r in records] == [
        ("Weekly", 20, hour),
        ("Moved", 22, None),
        ("Weekly", 20, hour),
    ]


def test_a_recurring_event_with_a_duration_keeps_its_end():
    data = ics_calendar(
        ics_event(
            "r@x", "Weekly", "20270105T203000Z", rrule="FREQ=WEEKLY;COUNT=2", duration="PT90M"
        )
    )
    records, _ = events(data)
    assert [r.end - r.start for r in records] == [dt.timedelta(minutes=90)] * 2


# Moved from test_import.py: how one event is read, asserted on its records.

DATA = Path(__file__).parent / "data"
UTC = dt.UTC


def by_uid(data: bytes) -> dict:
    records, notices = events(data)
    assert [str(n) for n in notices] == []
    return {r.uid: r for r in records}


def start_of(event: str, *, extra=()) -> dt.datetime:
    (record,) = events(ics_calendar(event, extra=extra))[0]
    return record.start


def test_windows_zone_names_as_outlook_writes_them_are_understood():
    records = by_uid((DATA / "windows_zones.ics").read_bytes())
    assert records["outlook-gmt@example.org"].start == dt.datetime(2024, 7, 3, 13, 0, tzinfo=UTC)
    berlin = records["outlook-weu@example.org"]
    assert (berlin.start, berlin.end) == (
        dt.datetime(2024, 1, 10, 8, 0, tzinfo=UTC),
        dt.datetime(2024, 1, 10, 9, 30, tzinfo=UTC),
    )


def test_floating_times_use_x_wr_timezone():
    event = ics_event("f@x", "Floating", "20240115T100000")
    start = start_of(event, extra=["X-WR-TIMEZONE:America/New_York"])
    assert start == dt.datetime(2024, 1, 15, 15, 0, tzinfo=UTC)


def test_floating_times_without_x_wr_timezone_use_the_site_zone():
    start = start_of(ics_event("f@x", "Floating", "20240715T100000"))
    assert start == dt.datetime(2024, 7, 15, 9, 0, tzinfo=UTC)  # 10:00 in London


def test_utc_times_are_kept_as_utc():
    start = start_of(ics_event("u@x", "UTC", "20240715T100000Z"))
    assert start == dt.datetime(2024, 7, 15, 10, 0, tzinfo=UTC)


def test_custom_vtimezone_block_is_used():
    zone = [
        "BEGIN:VTIMEZONE",
        "TZID:My Office Zone",
        "BEGIN:STANDARD",
        "DTSTART:16010101T000000",
        "TZOFFSETFROM:+0530",
        "TZOFFSETTO:+0530",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]
    event = ics_event("z@x", "Zoned", ";TZID=My Office Zone:20240101T120000")
    assert start_of(event, extra=zone) == dt.datetime(2024, 1, 1, 6, 30, tzinfo=UTC)


def test_duration_gives_the_end():
    event = ics_event("d@x", "Dur", "20240101T120000Z", duration="PT90M")
    assert by_uid(ics_calendar(event))["d@x"].end == dt.datetime(2024, 1, 1, 13, 30, tzinfo=UTC)


def test_event_without_end_or_duration_has_no_end():
    event = ics_event("n@x", "No end", "20240101T120000Z")
    assert by_uid(ics_calendar(event))["n@x"].end is None


def test_all_day_events_keep_their_dates_and_exclusive_end():
    records = by_uid((DATA / "allday.ics").read_bytes())

    def days(uid):
        r = records[uid]
        return r.all_day, r.start.astimezone(LONDON), r.end.astimezone(LONDON)

    midnight = lambda y, m, d: dt.datetime(y, m, d, tzinfo=LONDON)  # noqa: E731
    assert days("one-day@example.org") == (True, midnight(2024, 6, 10), midnight(2024, 6, 11))
    assert days("three-days@example.org") == (True, midnight(2024, 7, 1), midnight(2024, 7, 4))
    assert days("no-end@example.org") == (True, midnight(2024, 10, 26), midnight(2024, 10, 27))


def test_a_long_timed_event_is_not_all_day():
    hackathon = by_uid((DATA / "allday.ics").read_bytes())["long-timed@example.org"]
    assert hackathon.all_day is False
    assert hackathon.end - hackathon.start == dt.timedelta(days=2)


def test_recurring_event_becomes_one_record_per_occurrence_with_exceptions():
    records = sorted(by_uid((DATA / "recurring.ics").read_bytes()).values(), key=lambda r: r.start)
    starts = [r.start.astimezone(LONDON).strftime("%m-%d %H:%M") for r in records]
    # COUNT=6 from 14 March, minus the EXDATE of 21 March; 28 March moved to the 29th at 11:00.
    assert starts == ["03-14 16:00", "03-29 11:00", "04-04 16:00", "04-11 16:00", "04-18 16:00"]
    moved = records[1]
    assert (moved.title, moved.location) == ("Weekly colloquium (moved)", "Room 2")
    assert [r.status for r in records] == [
        "confirmed",
        "confirmed",
        "cancelled",
        "confirmed",
        "confirmed",
    ]


def test_occurrences_have_unique_uids_that_are_the_same_on_every_reading():
    data = (DATA / "recurring.ics").read_bytes()
    uids = sorted(by_uid(data))
    assert len(set(uids)) == 5
    assert "colloquium@example.org/20240328T160000Z" in uids  # the moved one keeps its slot
    assert sorted(by_uid(data)) == uids


def test_html_description_becomes_plain_text():
    event = ics_event(
        "h@x",
        "Html",
        "20240101T100000Z",
        description='<p>First <b>para</b></p><p>See <a href="https://example.org/x">the page</a>'
        "<br>Thanks</p>",
    )
    record = by_uid(ics_calendar(event))["h@x"]
    assert record.description == "First para\n\nSee the page (https://example.org/x)\nThanks"


def test_escaped_text_folded_lines_and_non_ascii_are_decoded():
    event = ics_event(
        "t@x",
        "Caf\u00e9\\, cr\u00e8me\\; br\u00fbl\u00e9e",
        "20240101T100000Z",
        location="Room 1\\, Building 2",
    )
    folded = event.replace("LOCATION:Room 1", "LOCATION:Roo\r\n m 1")
    record = by_uid(ics_calendar(folded))["t@x"]
    assert (record.title, record.location) == ("Café, crème; brûlée", "Room 1, Building 2")


def test_contact_comes_from_organizer_name_when_no_contact():
    event = ics_event("o@x", "Org", "20240101T100000Z", organizer=';CN="Ann Lee":mailto:ann@x.org')
    assert by_uid(ics_calendar(event))["o@x"].contact == "Ann Lee"


def test_control_characters_in_text_are_dropped():
    event = ics_event("c@x", "Bell\x07 and nul\x00 byte", "20300101T100000Z")
    assert by_uid(ics_calendar(event))["c@x"].title == "Bell and nul byte"


def test_events_without_uid_get_a_stable_derived_one():
    data = ics_calendar(ics_event(None, "No uid", "20300101T100000Z"))
    (uid,) = by_uid(data)
    assert uid.startswith("derived-")
    assert list(by_uid(data)) == [uid]


def test_the_same_uid_twice_keeps_the_latest_sequence():
    data = ics_calendar(
        ics_event("d@x", "Newer", "20300101T100000Z", sequence="2"),
        ics_event("d@x", "Older", "20300101T100000Z", sequence="1"),
    )
    records, notices = events(data)
    assert [(r.uid, r.title) for r in records] == [("d@x", "Newer")]
    assert [str(n) for n in notices] == ["d@x: the UID appears 2 times; kept the latest version"]


# What is left out, by UID


def test_the_uids_of_the_events_left_out_come_back_with_the_records():
    data = ics_calendar(
        ics_event("good@x", "Good", "20270101T100000Z"),
        ics_event("nostart@x", "No start", None),
        ics_event("badzone@x", "Bad zone", ";TZID=Mars/Olympus_Mons:20270101T100000"),
    )
    notices: list[Notice] = []

    records, skipped = calendar_events(
        icalendar.Calendar.from_ical(data),
        site_tz=LONDON,
        now=NOW,
        horizon=NOW + dt.timedelta(days=365),
        max_occurrences=10,
        notices=notices,
    )

    assert [r.uid for r in records] == ["good@x"]
    assert skipped == {"nostart@x", "badzone@x"} == {n.uid for n in notices if n.skipped}


@pytest.mark.parametrize(
    ("talk_uid", "left_out"),
    [
        ("a@x", True),
        ("a@x/20270101T100000Z", True),
        ("a@x/20270101", True),
        ("https://example.org/e/1", True),
        ("https://example.org/e/1/20270101T100000Z", True),
        ("a@x/b", False),  # another event's UID, not an occurrence of a@x
        ("b@x/20270101T100000Z", False),
        ("https://example.org/e/2/20270101T100000Z", False),
    ],
)
def test_a_talk_is_from_a_skipped_event_when_it_is_the_event_or_one_of_its_occurrences(
    talk_uid, left_out
):
    assert from_skipped_event(talk_uid, {"a@x", "https://example.org/e/1"}) is left_out
