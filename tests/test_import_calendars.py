"""import_ics on calendars at the edges: feeds emptied upstream, rules no parser reads, an empty
RRULE, recurring events without an end; and one line per skipped event in its output."""

import datetime as dt
import os
from pathlib import Path

import pytest
import recurring_ical_events
from django.utils import timezone

from seminars.models import FeedSource, Talk
from tests.commands import run_import
from tests.factories import ics_calendar, ics_event, ics_time
from tests.subprocesses import manage

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "ics"
BIRTHDAYS = CORPUS / "google_birthdays_allday-yearly-recurrence-id.ics"
# calendarlabs.com's holidays, in recurring-ical-events' own test calendars: every event has
# an empty `RRULE:` line.
GERMANY_HOLIDAYS = (
    Path(recurring_ical_events.__file__).parent / "test" / "calendars" / "Germany_Holidays.ics"
)
BAD_RULE = ics_calendar(
    ics_event("bad@x", "Bad rule", "20300105T160000Z", rrule="FREQ=FOO;INTERVAL=-5;BYDAY=ZZ"),
    ics_event("good@x", "Good", "20300105T160000Z"),
    name="Bad rules",
)


VENDOR_ZONE = "/mozilla.org/20050126_1/Europe/Berlin"


def statuses() -> dict[str, str]:
    return dict(Talk.objects.values_list("uid", "status"))


# A feed emptied upstream


def test_a_feed_whose_events_are_all_removed_cancels_its_last_talk(tmp_path):
    feed = tmp_path / "feed.ics"
    first = ics_event("a@x", "First", "20300105T160000Z")
    second = ics_event("b@x", "Second", "20300112T160000Z")
    feed.write_bytes(ics_calendar(first, second, name="Quiet"))
    assert run_import(feed)[0] == 0
    feed.write_bytes(ics_calendar(first, name="Quiet"))
    assert run_import(feed)[0] == 0
    assert statuses() == {"a@x": "confirmed", "b@x": "cancelled"}

    feed.write_bytes(ics_calendar(name="Quiet"))
    code, out, err = run_import(feed)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "  warning: the calendar has 0 events",
        f"{feed}: 0 created, 0 updated, 0 unchanged, 1 cancelled, 0 skipped into 'Quiet'",
    ]
    assert statuses() == {"a@x": "cancelled", "b@x": "cancelled"}
    source = FeedSource.objects.get()
    assert (source.last_error, source.cancelled_count) == ("", 1)


def test_a_calendar_without_events_is_imported_as_an_empty_source(tmp_path):
    feed = tmp_path / "feed.ics"
    feed.write_bytes(ics_calendar(name="Quiet series"))
    code, out, err = run_import(feed)
    assert (code, err) == (0, "")
    assert "0 created, 0 updated, 0 unchanged, 0 cancelled, 0 skipped" in out
    assert Talk.objects.count() == 0
    assert FeedSource.objects.get().last_success is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"hello world", "not a calendar (it does not start with BEGIN:VCALENDAR)"),
        (b"<html><body>Gone</body></html>", "an HTML or XML page, not a calendar"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", "truncated"),
    ],
)
def test_what_is_not_a_calendar_still_cancels_nothing(tmp_path, data, message):
    feed = tmp_path / "feed.ics"
    feed.write_bytes(ics_calendar(ics_event("a@x", "First", "20300105T160000Z"), name="S"))
    run_import(feed)
    feed.write_bytes(data)
    code, _, err = run_import(feed)
    assert code == 1 and message in err
    assert statuses() == {"a@x": "confirmed"}


# Rules no parser reads: one line each, whatever the parser logs or warns


def test_an_unreadable_rule_prints_one_line_and_logs_no_traceback(tmp_path, caplog):
    feed = tmp_path / "feed.ics"
    feed.write_bytes(BAD_RULE)
    code, out, err = run_import(feed)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "  warning: bad@x: skipped: unreadable RRULE (Expected frequency, got: FOO)",
        f"{feed}: 1 created, 0 updated, 0 unchanged, 0 cancelled, 1 skipped into 'Bad rules'",
    ]
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert list(Talk.objects.values_list("uid", flat=True)) == ["good@x"]


@pytest.mark.skipif(not BIRTHDAYS.exists(), reason=f"the shared corpus is not at {CORPUS}")
def test_google_birthdays_with_a_utc_date_rdate_print_one_line_and_log_no_traceback(caplog):
    code, out, err = run_import(BIRTHDAYS)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "  warning: 2014_BIRTHDAY_79d389868f96182e@google.com: skipped: unreadable RDATE "
        "(Expected datetime, date, or time. Got: '20131210Z')",
        f"{BIRTHDAYS}: 3 created, 0 updated, 0 unchanged, 0 cancelled, 1 skipped into "
        '"Contacts\' birthdays and events"',
    ]
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


def test_the_command_prints_one_line_per_skipped_event_and_nothing_on_stderr(tmp_path):
    """As cron runs it: a process of its own, its logging and warnings configured as deployed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SECRET_KEY="tests-only",
        DEBUG="0",
        ENV_FILE=os.devnull,
        DJANGO_SETTINGS_MODULE="seminars.settings",
    )
    assert manage(env, "migrate", "--no-input", "-v0").returncode == 0
    bad_rule = tmp_path / "bad-rule.ics"
    bad_rule.write_bytes(BAD_RULE)
    # icalendar warns (GloballyUniqueTZIDGuessed) when it strips a vendor prefix from a TZID.
    vendor_zone = tmp_path / "vendor-zone.ics"
    vendor_zone.write_bytes(
        ics_calendar(
            ics_event("z@x", "Zoned", f";TZID={VENDOR_ZONE}:20300105T160000"),
            name="Zoned",
        )
    )
    sources = [bad_rule, vendor_zone] + ([BIRTHDAYS] if BIRTHDAYS.exists() else [])
    done = manage(env, "import_ics", *map(str, sources))
    assert (done.returncode, done.stderr) == (0, "")
    expected = [
        "  warning: bad@x: skipped: unreadable RRULE (Expected frequency, got: FOO)",
        f"{bad_rule}: 1 created, 0 updated, 0 unchanged, 0 cancelled, 1 skipped into 'Bad rules'",
        "  warning: Timezone '/mozilla.org/20050126_1/Europe/Berlin' is a globally unique "
        "TZID; guessing it means 'Europe/Berlin' by stripping the vendor prefix. This may be "
        "wrong. See RFC 5545 section 3.2.19.",
        f"{vendor_zone}: 1 created, 0 updated, 0 unchanged, 0 cancelled, 0 skipped into 'Zoned'",
    ]
    if BIRTHDAYS.exists():
        expected += [
            "  warning: 2014_BIRTHDAY_79d389868f96182e@google.com: skipped: unreadable RDATE "
            "(Expected datetime, date, or time. Got: '20131210Z')",
            f"{BIRTHDAYS}: 3 created, 0 updated, 0 unchanged, 0 cancelled, 1 skipped into "
            '"Contacts\' birthdays and events"',
        ]
    assert done.stdout.splitlines() == expected


# An empty RRULE line


def test_events_with_an_empty_rule_are_imported_as_single_events_with_one_warning():
    code, out, err = run_import(GERMANY_HOLIDAYS)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "  warning: 34 events have an empty RRULE; each was read without it",
        f"{GERMANY_HOLIDAYS}: 34 created, 0 updated, 0 unchanged, 0 cancelled, 0 skipped into "
        "'Germany Holidays'",
    ]
    new_year = Talk.objects.get(uid="5e3a8f312427a1580896049@calendarlabs.com")
    assert (new_year.title, new_year.all_day) == ("New Year's Day", True)
    assert new_year.start.date() == dt.date(2019, 1, 1)


# A recurring event without an end


def test_a_recurring_event_without_an_end_shows_no_end_like_a_single_one(tmp_path, client):
    # Within the horizon, which recurrences are expanded to.
    first = (timezone.now() + dt.timedelta(days=7)).replace(hour=20, minute=30, second=0)
    second = first + dt.timedelta(days=7)
    feed = tmp_path / "feed.ics"
    feed.write_bytes(
        ics_calendar(
            ics_event("r@x", "Karaoke", ics_time(first), rrule="FREQ=WEEKLY;COUNT=2"),
            ics_event("one@x", "Once", ics_time(first)),
        )
    )
    assert run_import(feed, "--series", "Nights")[0] == 0
    assert sorted(Talk.objects.values_list("uid", "end")) == [
        ("one@x", None),
        (f"r@x/{ics_time(first)}", None),
        (f"r@x/{ics_time(second)}", None),
    ]
    page = client.get(Talk.objects.get(uid=f"r@x/{ics_time(first)}").get_absolute_url())
    when = page.content.decode().split("<dt>When</dt><dd>", 1)[1].split("</dd>", 1)[0]
    assert when.count("<time") == 1  # the start, and no "–20:30" after it
