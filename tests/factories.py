"""Plain functions that build rows for tests, with defaults a test can override."""

import datetime as dt
import itertools

from django.utils import timezone

from seminars.models import Series, Speaker, Talk, TalkSpeaker
from seminars.slugs import unique_slug

_counter = itertools.count(1)


def make_series(name=None, **fields) -> Series:
    name = name or f"Series {next(_counter)}"
    fields.setdefault("slug", unique_slug(Series, name))
    return Series.objects.create(name=name, **fields)


def make_speaker(name=None, **fields) -> Speaker:
    name = name or f"Speaker {next(_counter)}"
    fields.setdefault("slug", unique_slug(Speaker, name))
    speaker = Speaker(name=name, **fields)
    speaker.save()
    return speaker


def make_talk(*, series=None, speakers=(), start=None, duration=dt.timedelta(hours=1), **fields):
    series = series or make_series()
    start = start or timezone.now() + dt.timedelta(days=1)
    fields.setdefault("title", f"Talk {next(_counter)}")
    fields.setdefault("end", start + duration if duration is not None else None)
    talk = Talk(series=series, start=start, **fields)
    talk.save()
    for position, speaker in enumerate(speakers):
        TalkSpeaker.objects.create(talk=talk, speaker=speaker, position=position)
    return talk


def ics_event(uid, summary, start, end=None, **props) -> str:
    """A VEVENT as text. `start`/`end` are raw iCalendar values with their parameters,
    e.g. "DTSTART:20300101T100000Z" is written from start="20300101T100000Z" or
    start=";TZID=Europe/Berlin:20300101T100000"."""
    lines = ["BEGIN:VEVENT"]
    if uid is not None:
        lines.append(f"UID:{uid}")
    lines.append("DTSTAMP:20240101T000000Z")
    if summary is not None:
        lines.append(f"SUMMARY:{summary}")
    if start is not None:
        lines.append(f"DTSTART{start if start.startswith((';', ':')) else ':' + start}")
    if end is not None:
        lines.append(f"DTEND{end if end.startswith((';', ':')) else ':' + end}")
    for name, value in props.items():
        name = name.upper().replace("_", "-")
        lines.append(f"{name}{value if value.startswith(';') else ':' + value}")
    lines.append("END:VEVENT")
    return "\r\n".join(lines)


def ics_calendar(*events, name="Test Seminar", prodid="-//Tests//Seminars tests//EN", extra=()):
    """A whole calendar as bytes, CRLF line endings."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{prodid}"]
    if name:
        lines.append(f"X-WR-CALNAME:{name}")
    lines.extend(extra)
    lines.extend(events)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def ics_time(when: dt.datetime) -> str:
    """An aware datetime as an iCalendar UTC value."""
    return when.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
