"""The import_ics command on files we wrote: what it says, its exit codes, options, sources,
series and the whole sync. How one event is read is tested on the steps: test_events.py
(calendar → records), test_dialects.py (speakers, titles), test_sync.py (the merge)."""

import datetime as dt
import io
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from seminars.models import FeedSource, Series, Speaker, Talk
from tests.commands import run_import
from tests.factories import ics_calendar, ics_event, ics_time, make_series

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
UTC = dt.UTC


def write(tmp_path, data: bytes, name="feed.ics") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def talk(uid) -> Talk:
    return Talk.objects.with_speakers().get(uid=uid)


# Options and settings the command passes on to the steps


def test_floating_times_are_read_in_the_site_zone_setting(tmp_path, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    run_import(write(tmp_path, ics_calendar(ics_event("f@x", "Floating", "20240715T100000"))))
    assert talk("f@x").start == dt.datetime(2024, 7, 15, 1, 0, tzinfo=UTC)


def test_recurrence_is_expanded_only_up_to_the_horizon(tmp_path):
    start = timezone.now().replace(microsecond=0) - dt.timedelta(hours=23)
    event = ics_event("daily@x", "Daily", ics_time(start), rrule="FREQ=DAILY")
    code, out, _ = run_import(write(tmp_path, ics_calendar(event)), "--horizon-days", "10")
    assert code == 0, out
    assert Talk.objects.count() == 11


def test_occurrence_cap_is_reported(tmp_path):
    event = ics_event("many@x", "Many", "20240101T100000Z", rrule="FREQ=DAILY;COUNT=50")
    code, out, _ = run_import(write(tmp_path, ics_calendar(event)), "--max-occurrences", "20")
    assert code == 0
    assert "warning: many@x: 50 occurrences before the horizon; kept the 20 nearest today" in out
    assert Talk.objects.count() == 20


# Bytes: encodings and line endings, read before any event


def test_utf8_bom_and_bare_lf_line_endings_are_read(tmp_path):
    data = b"\xef\xbb\xbf" + ics_calendar(ics_event("b@x", "Bom", "20240101T100000Z")).replace(
        b"\r\n", b"\n"
    )
    code, out, _ = run_import(write(tmp_path, data))
    assert code == 0, out
    assert talk("b@x").title == "Bom"


def test_latin1_file_is_decoded_with_a_warning(tmp_path):
    data = ics_calendar(ics_event("l@x", "Caf\u00e9 M\u00fcller", "20240101T100000Z"))
    code, out, _ = run_import(write(tmp_path, data.decode().encode("latin-1")))
    assert code == 0
    assert "warning: not valid UTF-8; read as Windows-1252" in out
    assert talk("l@x").title == "Café Müller"


def test_a_nul_byte_past_the_first_4_kb_is_a_stray_byte_not_a_binary_file(tmp_path):
    # A NUL in the first 4 KB marks a binary file; further on it is a stray byte in text.
    filler = ics_event("f@x", "Filler", "20300101T100000Z", description="x" * 5000)
    event = ics_event("c@x", "Bell\x07 and nul", "20300101T100000Z")
    data = ics_calendar(filler, event).replace(b"and nul", b"and nul\x00 byte")
    code, out, err = run_import(write(tmp_path, data))
    assert code == 0, err
    assert talk("c@x").title == "Bell and nul byte"


# Series


def test_series_comes_from_the_option_and_is_created(tmp_path):
    path = write(tmp_path, ics_calendar(ics_event("a@x", "A", "20240101T100000Z")))
    run_import(path, "--series", "Number Theory Seminar")
    assert talk("a@x").series.name == "Number Theory Seminar"
    assert talk("a@x").series.slug == "number-theory-seminar"


def test_series_option_matches_an_existing_slug(tmp_path):
    logic = make_series("Logic Seminar", slug="logic")
    run_import(
        write(tmp_path, ics_calendar(ics_event("a@x", "A", "20240101T100000Z"))),
        "--series",
        "logic",
    )
    assert talk("a@x").series == logic
    assert Series.objects.count() == 1


def test_series_defaults_to_the_calendar_name(tmp_path):
    data = ics_calendar(ics_event("a@x", "A", "20240101T100000Z"), name="Astro Lunch")
    run_import(write(tmp_path, data))
    assert talk("a@x").series.name == "Astro Lunch"


def test_no_series_and_no_calendar_name_is_a_clear_error(tmp_path):
    data = ics_calendar(ics_event("a@x", "A", "20240101T100000Z"), name="")
    code, _, err = run_import(write(tmp_path, data))
    assert code == 1
    assert "failed: no series: pass --series NAME (the calendar has no X-WR-CALNAME)" in err
    assert Talk.objects.count() == 0


# Sync


def _feed(now, *events):
    return ics_calendar(*events, name="Sync Seminar")


def test_the_same_bytes_again_on_the_same_day_are_not_even_read(tmp_path):
    path = write(tmp_path, Path(DATA / "recurring.ics").read_bytes())
    run_import(path)
    before = {t.uid: (t.updated, t.sequence) for t in Talk.objects.all()}
    code, out, _ = run_import(path)
    assert (code, out) == (0, f"{path}: not modified since the last import\n")
    assert {t.uid: (t.updated, t.sequence) for t in Talk.objects.all()} == before
    # Other options may give other talks: those are imported.
    code, out, _ = run_import(path, "--horizon-days", "30")
    assert ": 0 created, 0 updated, 5 unchanged" in out


def test_reimporting_the_same_feed_writes_nothing(tmp_path):
    path = write(tmp_path, Path(DATA / "recurring.ics").read_bytes())
    run_import(path)
    before = {t.uid: (t.updated, t.sequence) for t in Talk.objects.all()}
    code, out, _ = run_import(path, "--force")
    assert code == 0
    assert ": 0 created, 0 updated, 4 unchanged, 1 cancelled" not in out
    assert ": 0 created, 0 updated, 5 unchanged, 0 cancelled, 0 skipped" in out
    assert {t.uid: (t.updated, t.sequence) for t in Talk.objects.all()} == before


def test_sync_updates_changed_cancels_dropped_future_and_adds_new_talks(tmp_path):
    now = timezone.now().replace(microsecond=0)
    soon, later, past = (
        now + dt.timedelta(days=3),
        now + dt.timedelta(days=10),
        now - dt.timedelta(days=5),
    )
    v1 = _feed(
        now,
        ics_event("keep@x", "Kept", ics_time(soon)),
        ics_event("change@x", "Old title", ics_time(soon)),
        ics_event("drop@x", "Dropped", ics_time(later)),
        ics_event("old@x", "Past talk", ics_time(past)),
    )
    v2 = _feed(
        now,
        ics_event("keep@x", "Kept", ics_time(soon)),
        ics_event("change@x", "New title", ics_time(soon), sequence="1"),
        ics_event("new@x", "Added", ics_time(later)),
    )
    path = write(tmp_path, v1)
    run_import(path)
    path.write_bytes(v2)
    code, out, _ = run_import(path)
    assert code == 0
    assert "1 created, 1 updated, 1 unchanged, 1 cancelled, 0 skipped" in out
    changed = talk("change@x")
    assert (changed.title, changed.sequence) == ("New title", 1)
    dropped = talk("drop@x")
    assert (dropped.status, dropped.sequence) == ("cancelled", 1)
    assert talk("old@x").status == "confirmed"  # past talks are never touched
    assert talk("new@x").title == "Added"
    assert Talk.objects.count() == 5


def test_feed_cancellation_marks_the_talk_cancelled(tmp_path):
    later = timezone.now() + dt.timedelta(days=10)
    path = write(tmp_path, ics_calendar(ics_event("a@x", "A", ics_time(later))))
    run_import(path)
    path.write_bytes(ics_calendar(ics_event("a@x", "A", ics_time(later), status="CANCELLED")))
    code, out, _ = run_import(path)
    assert "0 created, 0 updated, 0 unchanged, 1 cancelled" in out
    assert (talk("a@x").status, talk("a@x").sequence) == ("cancelled", 1)


def test_an_admin_edit_survives_reimport_and_is_reported(tmp_path):
    start = "20300101T100000Z"
    path = write(tmp_path, ics_calendar(ics_event("a@x", "Feed title", start, location="Room 1")))
    run_import(path)
    edited = talk("a@x")
    edited.title = "Organiser's title"
    edited.save()
    path.write_bytes(ics_calendar(ics_event("a@x", "Feed title v2", start, location="Room 9")))
    code, out, _ = run_import(path)
    assert code == 0
    assert "conflict: a@x: title was edited on this site; kept the edit" in out
    after = talk("a@x")
    assert (after.title, after.venue) == ("Organiser's title", "Room 9")


def test_an_admin_speaker_edit_survives_reimport(tmp_path):
    start = "20300101T100000Z"
    path = write(
        tmp_path, ics_calendar(ics_event("a@x", "T", start, description="Speaker: Ann Lee"))
    )
    run_import(path)
    edited = talk("a@x")
    edited.talk_speakers.all().delete()
    edited.talk_speakers.create(
        speaker=Speaker.objects.create(name="Bo Chen", slug="bo"), position=0
    )
    path.write_bytes(ics_calendar(ics_event("a@x", "T", start, description="Speaker: Cy Dee")))
    _, out, _ = run_import(path)
    assert "conflict: a@x: speakers were edited on this site; kept the edit" in out
    assert [s.name for s in talk("a@x").speaker_list] == ["Bo Chen"]


def test_a_uid_imported_from_another_source_is_not_taken_over(tmp_path):
    event = ics_event("shared@x", "Shared", "20300101T100000Z")
    first = write(tmp_path, ics_calendar(event, name="One"), "one.ics")
    second = write(tmp_path, ics_calendar(event, name="Two"), "two.ics")
    run_import(first)
    code, out, _ = run_import(second)
    assert code == 0
    # The other source is another series': named by its series, not by its server path.
    assert "warning: shared@x: skipped: the UID belongs to a talk of the series “One”" in out
    assert str(first) not in out
    assert talk("shared@x").series.name == "One"


def test_a_renamed_file_of_the_same_series_names_the_way_through(tmp_path):
    event = ics_event("shared@x", "Shared", "20300101T100000Z")
    old = write(tmp_path, ics_calendar(event), "old.ics")
    new = write(tmp_path, ics_calendar(event.replace("Shared", "Renamed")), "new.ics")
    run_import(old, "--series", "Logic")
    code, out, _ = run_import(new, "--series", "Logic")
    assert code == 0
    assert (
        f"warning: shared@x: skipped: the UID belongs to {old} "
        "(to move its talks to this source, import again with --take-over)"
    ) in out
    code, out, _ = run_import(new, "--series", "Logic", "--take-over")
    assert code == 0, out
    assert f"{new}: 0 created, 1 updated" in out
    moved = talk("shared@x")
    assert (moved.title, moved.source.location) == ("Renamed", str(new))


def test_standard_input_takes_over_the_talks_of_a_file_when_told(tmp_path, monkeypatch):
    data = ics_calendar(ics_event("s@x", "Shared", "20300101T100000Z"))
    run_import(write(tmp_path, data), "--series", "Logic")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run_import("-", "--series", "Logic", "--take-over")
    assert code == 0, out
    assert "stdin:logic: 0 created, 0 updated, 1 unchanged" in out
    assert talk("s@x").source.location == "stdin:logic"


def test_naming_another_series_on_a_rerun_moves_the_talks_and_says_so(tmp_path):
    path = write(tmp_path, ics_calendar(ics_event("m@x", "Moving", "20300101T100000Z")))
    run_import(path, "--series", "First")
    code, out, _ = run_import(path, "--series", "Second")
    assert code == 0, out
    assert f"{path}: moved from 'First' to 'Second', with its 1 talk(s)" in out
    assert f"{path}: 0 created, 0 updated, 1 unchanged, 0 cancelled, 0 skipped into 'Second'" in out
    assert talk("m@x").series.name == "Second"
    assert FeedSource.objects.get().series.name == "Second"


def test_a_calendar_that_renames_itself_stays_in_its_series(tmp_path):
    event = ics_event("r@x", "Talk", "20300101T100000Z")
    run_import(write(tmp_path, ics_calendar(event, name="Old name")))
    code, out, _ = run_import(write(tmp_path, ics_calendar(event, name="New name")))
    assert code == 0, out
    assert list(Series.objects.values_list("name", flat=True)) == ["Old name"]


def test_a_dry_run_into_another_series_creates_nothing(tmp_path):
    path = write(tmp_path, ics_calendar(ics_event("m@x", "Moving", "20300101T100000Z")))
    run_import(path, "--series", "First")
    code, out, _ = run_import(path, "--series", "Second", "--dry-run")
    assert code == 0, out
    assert list(Series.objects.values_list("name", flat=True)) == ["First"]
    assert talk("m@x").series.name == "First"


# Bad input


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the source is empty"),
        (b"<!DOCTYPE html><html><body>Not found</body></html>", "an HTML or XML page"),
        (bytes(range(256)) * 4, "binary data"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\n", "truncated"),
        (b"hello world", "not a calendar"),
    ],
)
def test_a_source_that_is_not_a_calendar_fails_clearly_and_writes_nothing(tmp_path, data, message):
    code, out, err = run_import(write(tmp_path, data), "--series", "S")
    assert code == 1
    assert message in err
    assert "Traceback" not in out + err
    assert (Talk.objects.count(), Series.objects.count()) == (0, 0)


def test_bad_events_are_skipped_with_a_warning_and_the_rest_imports(tmp_path):
    data = ics_calendar(
        ics_event("good@x", "Good", "20300101T100000Z"),
        ics_event("nostart@x", "No start", None),
        ics_event("baddate@x", "Bad date", "20301345T100000Z"),
        ics_event("badzone@x", "Bad zone", ";TZID=Mars/Olympus_Mons:20300101T100000"),
    )
    code, out, _ = run_import(write(tmp_path, data))
    assert code == 0
    assert "warning: nostart@x: skipped: no DTSTART" in out
    assert "warning: badzone@x: skipped: unknown time zone 'Mars/Olympus_Mons'" in out
    assert "baddate@x: skipped" in out
    assert "1 created, 0 updated, 0 unchanged, 0 cancelled, 3 skipped" in out
    assert list(Talk.objects.values_list("uid", flat=True)) == ["good@x"]


@pytest.mark.parametrize(
    "start",
    [
        ";VALUE=DATE:99991231",
        ";TZID=Europe/Berlin:99991231T230000",
        "00010101T000000Z",
        ';TZID="(UTC+99:00) x":20300101T100000',
    ],
)
def test_one_event_with_an_impossible_date_or_zone_does_not_sink_its_calendar(tmp_path, start):
    data = ics_calendar(
        ics_event("bad@x", "Bad", start), ics_event("good@x", "Good", "20300101T100000Z")
    )
    code, out, err = run_import(write(tmp_path, data))
    assert code == 0, err
    assert "warning: bad@x: skipped: " in out
    assert "1 created, 0 updated, 0 unchanged, 0 cancelled, 1 skipped" in out
    assert list(Talk.objects.values_list("uid", flat=True)) == ["good@x"]


def test_a_duration_past_the_year_9999_skips_only_its_event(tmp_path):
    data = ics_calendar(
        ics_event("bad@x", "Bad", "99991230T000000Z", duration="P10D"),
        ics_event("good@x", "Good", "20300101T100000Z"),
    )
    code, out, err = run_import(write(tmp_path, data))
    assert code == 0, err
    assert list(Talk.objects.values_list("uid", flat=True)) == ["good@x"]


def test_strict_fails_on_any_warning_and_writes_nothing(tmp_path):
    data = ics_calendar(
        ics_event("good@x", "Good", "20300101T100000Z"), ics_event("nostart@x", "No start", None)
    )
    code, out, err = run_import(write(tmp_path, data), "--strict")
    assert code == 1
    assert "failed: 1 warning(s) with --strict, nothing imported" in err
    assert "warning: nostart@x: skipped: no DTSTART" in out
    assert Talk.objects.count() == 0


def test_dry_run_reports_and_writes_nothing(tmp_path):
    code, out, _ = run_import(DATA / "recurring.ics", "--dry-run")
    assert code == 0
    assert "4 created, 0 updated, 0 unchanged, 1 cancelled, 0 skipped" in out
    assert "(dry run: nothing written)" in out
    assert (Talk.objects.count(), Series.objects.count(), FeedSource.objects.count()) == (0, 0, 0)


def test_a_missing_file_fails_with_its_name_and_exit_status(tmp_path):
    code, _, err = run_import(tmp_path / "nope.ics")
    assert code == 1
    assert "nope.ics" in err and "failed" in err
    assert "1 of 1 source(s) failed" in err


def test_one_failing_source_does_not_stop_the_others(tmp_path):
    good = write(tmp_path, ics_calendar(ics_event("a@x", "A", "20300101T100000Z")), "good.ics")
    code, out, err = run_import(tmp_path / "missing.ics", good)
    assert code == 1
    assert "1 created" in out
    assert "1 of 2 source(s) failed" in err


def test_no_source_at_all_is_a_usage_error():
    code, _, err = run_import()
    assert code == 1
    assert "name at least one SOURCE" in err


def test_standard_input_is_a_source(monkeypatch):
    data = ics_calendar(ics_event("in@x", "From stdin", "20300101T100000Z"))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run_import("-", "--series", "Piped")
    assert code == 0, out
    assert talk("in@x").series.name == "Piped"
    assert FeedSource.objects.get().location == "stdin:piped"


def test_every_import_is_recorded_as_a_feed_source(tmp_path):
    path = write(tmp_path, Path(DATA / "recurring.ics").read_bytes())
    run_import(path)
    source = FeedSource.objects.get()
    assert source.location == str(path)
    assert (source.created_count, source.cancelled_count, source.last_error) == (4, 1, "")
    assert source.series.name == "Weekly Colloquium"
    assert source.last_success is not None


def test_a_failed_run_is_recorded_on_its_source(tmp_path):
    path = write(tmp_path, Path(DATA / "recurring.ics").read_bytes())
    run_import(path)
    path.write_bytes(b"<html>oops</html>")
    run_import(path)
    source = FeedSource.objects.get()
    assert "HTML" in source.last_error
    assert Talk.objects.filter(status="confirmed").count() == 4  # nothing was cancelled


def test_escaped_calendar_name_and_description_are_unescaped(tmp_path):
    data = ics_calendar(
        ics_event("a@x", "A", "20300101T100000Z"),
        name="Algebra\\, Geometry\\; Topology",
        extra=["X-WR-CALDESC:Talks\\, weekly\\nAll welcome"],
    )
    run_import(write(tmp_path, data))
    series = talk("a@x").series
    assert (series.name, series.description) == (
        "Algebra, Geometry; Topology",
        "Talks, weekly\nAll welcome",
    )
