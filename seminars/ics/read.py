"""Bytes → calendars: encodings, line endings, and a clear error for what is not a calendar."""

import re
from collections import Counter

import icalendar
from icalendar.parser import unescape_backslash

from .records import Notice, ParserNotices, first_line

BOM = b"\xef\xbb\xbf"
# A line break followed by a space or tab continues the line (RFC 5545, 3.1). Folding joins
# octets, so a fold may split a UTF-8 character: unfold the bytes before decoding them.
_FOLD = re.compile(rb"(?:\r\n|\r|\n)[ \t]")
# The lines that open and close calendars and events, counted in one pass over the text (four
# passes, one per line, took a fifth as long as the parse).
_MARKER = re.compile(r"^(BEGIN|END):(VCALENDAR|VEVENT)\s*$", re.IGNORECASE | re.MULTILINE)
_VTIMEZONE = re.compile(r"^BEGIN:VTIMEZONE\s*$.*?^END:VTIMEZONE\s*$\n?", re.I | re.M | re.S)


class NotACalendar(Exception):
    """The source as a whole cannot be read as a calendar; str() is one line for the user."""


def decode(data: bytes, notices: list[Notice]) -> str:
    """Return the text of a calendar file: UTF-8 with or without BOM, else Windows-1252."""
    if data.startswith(BOM):
        data = data[len(BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        encoding = "Windows-1252"
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        encoding = "ISO-8859-1"
    notices.append(Notice("", f"not valid UTF-8; read as {encoding}"))
    return text


def read_calendars(data: bytes, notices: list[Notice]) -> list[icalendar.Calendar]:
    """Parse every VCALENDAR in `data` (a calendar without events is an empty one); raise
    NotACalendar when `data` is not a calendar."""
    if not data.strip():
        raise NotACalendar("the source is empty")
    if b"\x00" in data[:4096]:
        raise NotACalendar("the source is binary data, not a calendar")
    text = decode(_FOLD.sub(b"", data), notices)
    # Old Mac files end lines with a lone CR; the parser only splits on LF.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    head = text.lstrip()[:200].lower()
    if not head.startswith("begin:vcalendar"):
        if head.startswith(("<!doctype", "<html", "<?xml", "<")):
            raise NotACalendar("the source is an HTML or XML page, not a calendar")
        raise NotACalendar("the source is not a calendar (it does not start with BEGIN:VCALENDAR)")
    markers = Counter((edge.upper(), name.upper()) for edge, name in _MARKER.findall(text))
    for name in ("VCALENDAR", "VEVENT"):
        if markers["BEGIN", name] != markers["END", name]:
            raise NotACalendar(f"the calendar is truncated: BEGIN:{name} without END:{name}")
    try:
        with ParserNotices(notices):
            calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except Exception as error:  # the parser raises many types on broken input
        calendars = _parse_without_timezones(text, error, notices)
    if not any(calendar.walk("VEVENT") for calendar in calendars):
        # A feed whose last event was removed, or a quiet series: there is nothing to
        # import, and its talks that were in the feed are gone from it.
        notices.append(Notice("", "the calendar has 0 events"))
    return calendars


def _parse_without_timezones(text, error, notices) -> list[icalendar.Calendar]:
    """Retry a calendar whose VTIMEZONE blocks break the parser, naming zones by TZID alone."""
    stripped = _VTIMEZONE.sub("", text)
    if stripped != text:
        try:
            with ParserNotices(notices):
                calendars = icalendar.Calendar.from_ical(stripped, multiple=True)
        except Exception:
            pass
        else:
            notices.append(
                Notice(
                    "",
                    "time zone definitions are malformed and were ignored; zones are "
                    "looked up by their names",
                )
            )
            return calendars
    raise NotACalendar(f"the calendar cannot be parsed: {first_line(error)}") from error


def _calendar_text(calendars, name: str) -> str:
    """A calendar property as text; icalendar leaves X- properties escaped, so unescape here."""
    for calendar in calendars:
        value = calendar.get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        text = unescape_backslash(str(value)).strip() if value is not None else ""
        if text:
            return text
    return ""


def calendar_name(calendars) -> str:
    """The calendar's own name (X-WR-CALNAME)."""
    return _calendar_text(calendars, "X-WR-CALNAME")


def calendar_description(calendars) -> str:
    """The calendar's own description (X-WR-CALDESC)."""
    return _calendar_text(calendars, "X-WR-CALDESC")
