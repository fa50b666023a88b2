"""Talks → iCalendar bytes: the calendars people subscribe to, and the files they download.

Values are written by icalendar's types (escaping); event lines are put together and folded
here (see event_bytes()). Times are written in UTC; all-day talks as dates in the site's zone
(Talk.local_days()), the end exclusive.

Besides what calendar apps show, the text is written so that our own dialect
(seminars.ics.dialects.SeminarsExport) reads the talk back exactly: the DESCRIPTION starts
with one "Speaker:" line per speaker in order, each followed by an "Affiliation:" line
when there is one, and ends with the "Label: URL" lines of the talk's links (LINK_LABELS),
then the talk page's URL; the SUMMARY ends with the speakers' names in parentheses, and
starts with CANCELLED_PREFIX when the talk is cancelled. The labels are constants here
(the links' are the talk's own, Talk.LINK_LABELS), which the dialect reads too.
"""

import datetime as dt

import icalendar

from .. import joining
from ..models import Talk
from .values import CONTROL

# Our dialect recognises our feeds by this PRODID. Keep it when the format changes.
PRODID = "-//Seminars//Seminars calendar export//EN"
# How often subscribed calendars should poll (a hint; most apps pick their own interval).
REFRESH_INTERVAL = dt.timedelta(hours=1)
SPEAKER_LABEL = "Speaker: "
AFFILIATION_LABEL = "Affiliation: "
# The description's link lines, "Label: URL", by the Talk field they carry, in the order
# written (the talk's own link as "More": the URL property is always its page on this site).
LINK_LABELS = Talk.LINK_LABELS
# Before a cancelled talk's title, for calendar apps that show STATUS:CANCELLED as nothing.
CANCELLED_PREFIX = "Cancelled: "
CALENDAR_END = b"END:VCALENDAR\r\n"


def file_head() -> bytes:
    """The start of a file of events to import, such as one talk's download.

    It names no calendar and says nothing of refreshing: a calendar app would otherwise make
    a new calendar for the one event, or offer to subscribe to it.
    """
    return _head(_calendar())


def calendar_head(*, name: str, description: str = "") -> bytes:
    """The start of a calendar to subscribe to: its properties, up to the first event.

    A calendar is this, the events' bytes from event_bytes(), then CALENDAR_END (as
    seminars.feeds.calendars.calendar_bytes() puts them together).
    """
    calendar = _calendar()
    # icalendar does not know these properties as text, so say so to have them escaped.
    calendar.add("name", icalendar.vText(line(name)))
    calendar.add("x-wr-calname", icalendar.vText(line(name)))
    if description.strip():
        calendar.add("x-wr-caldesc", icalendar.vText(text(description)))
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH_INTERVAL))
    return _head(calendar)


def _calendar() -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    return calendar


def _head(calendar: icalendar.Calendar) -> bytes:
    return calendar.to_ical().removesuffix(CALENDAR_END)


def event_bytes(
    talk, *, site_url: str, subscribed: bool = True, join_link: str | None = None
) -> bytes:
    """One talk as a serialised VEVENT, CRLF line endings included.

    `talk` comes from Talk.objects.with_speakers(); `site_url` is the scheme and host that
    talk page links start with, e.g. "https://talks.example.org".

    `subscribed`: for a calendar people subscribe to, whose talks leave their time free
    (TRANSP:TRANSPARENT); else for a file they import on purpose, which leaves that to the
    calendar app (busy, in most).

    Text, URI, date and category values are written by icalendar's own types (escaping);
    the lines are put together and folded here. Measured on 1,000 talks (bench/RESULTS.md),
    icalendar's Event components and Calendar.to_ical() take over five times as long, which
    would make a cold build about as slow as django-ical's; and they would fold at 74 octets
    and order properties differently, changing every feed's bytes.
    """
    speakers = talk.speaker_list
    page = site_url + talk.get_absolute_url()
    lines = [
        b"BEGIN:VEVENT",
        b"UID:" + icalendar.vText(CONTROL.sub("", talk.uid)).to_ical(),
        # The talk's last change, never the request time: a feed's bytes change only when
        # its talks do, which is what lets calendar apps get a 304.
        b"DTSTAMP:" + _utc_value(talk.updated),
        b"CREATED:" + _utc_value(talk.created),
        b"LAST-MODIFIED:" + _utc_value(talk.updated),
        b"SEQUENCE:" + str(talk.sequence).encode(),
    ]
    if talk.all_day:
        first, last = talk.local_days()
        lines.append(b"DTSTART;VALUE=DATE:" + icalendar.vDate(first).to_ical())
        if last < dt.date.max:  # else left out: a date with no end lasts that one day
            after_last = last + dt.timedelta(days=1)
            lines.append(b"DTEND;VALUE=DATE:" + icalendar.vDate(after_last).to_ical())
    else:
        lines.append(b"DTSTART:" + _utc_value(talk.start))
        if talk.end is not None:
            lines.append(b"DTEND:" + _utc_value(talk.end))
    names = [s.name for s in speakers]
    lines.append(b"SUMMARY:" + _text(summary(talk.title, names, cancelled=talk.is_cancelled)))
    links = talk.online_links(own_link=True, site_url=site_url)
    if join_link and not joining.join_link(talk):
        links.insert(0, (LINK_LABELS["join_url"], join_link))
    lines.append(b"DESCRIPTION:" + _text(description(talk.abstract, speakers, page, links)))
    if talk.venue.strip():
        lines.append(b"LOCATION:" + _text(line(talk.venue)))
    elif talk.online:
        # What calendar apps show where a room would be, and what an import reads back as
        # online only (seminars.online).
        lines.append(b"LOCATION:Online")
    lines.append(b"URL:" + icalendar.vUri(page).to_ical())
    # RFC 7986: how to take part from afar, which newer calendar apps show as a button.
    for name, features in (("join_url", b"AUDIO,VIDEO"), ("livestream_url", b"VIDEO,FEED")):
        url = getattr(talk, name)
        if name == "join_url":
            url = join_link or joining.join_link(talk)
        label = LINK_LABELS[name].encode()
        if url.startswith(("https://", "http://")):
            value = icalendar.vUri(CONTROL.sub("", url)).to_ical()
            lines.append(
                b"CONFERENCE;VALUE=URI;FEATURE=" + features + b";LABEL=" + label + b":" + value
            )
    lines.append(b"STATUS:" + (b"CANCELLED" if talk.is_cancelled else b"CONFIRMED"))
    if subscribed:
        lines.append(b"TRANSP:TRANSPARENT")
    lines.append(b"CATEGORIES:" + icalendar.vCategory([line(talk.series.name)]).to_ical())
    if talk.contact.strip():
        lines.append(b"CONTACT:" + _text(line(talk.contact)))
    lines.append(b"END:VEVENT")
    return b"".join(fold(content_line) + b"\r\n" for content_line in lines)


def fold(content_line: bytes, limit: int = 75) -> bytes:
    """Fold a content line into lines of at most `limit` octets (RFC 5545, 3.1).

    Never inside a UTF-8 character, and not right after a backslash, so that an escape
    stays on one line (as icalendar does, for clients that mind).
    """
    if len(content_line) <= limit:
        return content_line
    parts, start, room = [], 0, limit
    while len(content_line) - start > room:
        end = start + room
        while content_line[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte
            end -= 1
        if content_line[end - 1] == 0x5C and end - 1 > start:  # a backslash
            end -= 1
        parts.append(content_line[start:end])
        start, room = end, limit - 1  # continuation lines start with a space
    parts.append(content_line[start:])
    return b"\r\n ".join(parts)


def _text(value: str) -> bytes:
    return icalendar.vText(value).to_ical()


def _utc_value(when: dt.datetime) -> bytes:
    # Formatted directly, as four of these per talk were a quarter of a build.
    return utc_text(when).encode()


def utc_text(when: dt.datetime) -> str:
    """The UTC form of a DATE-TIME (RFC 5545, 3.3.5), as icalendar's vDatetime writes it.

    Four-digit years whatever the year: strftime's %Y writes year 1 as "1".
    """
    u = when.astimezone(dt.UTC)
    return f"{u.year:04d}{u.month:02d}{u.day:02d}T{u.hour:02d}{u.minute:02d}{u.second:02d}Z"


def summary(title: str, names: list[str], *, cancelled: bool = False) -> str:
    """The title, with the speakers' names in parentheses when there are any, after
    CANCELLED_PREFIX when the talk is `cancelled`."""
    title = CANCELLED_PREFIX + line(title) if cancelled else line(title)
    names = [line(name) for name in names]
    return f"{title} ({', '.join(names)})" if names else title


def speaker_block(speakers) -> str:
    """One "Speaker:" line per speaker, an "Affiliation:" line under it when known."""
    lines = []
    for speaker in speakers:
        lines.append(SPEAKER_LABEL + line(speaker.name))
        if speaker.affiliation.strip():
            lines.append(AFFILIATION_LABEL + line(speaker.affiliation))
    return "\n".join(lines)


def links_block(links) -> str:
    """One "Label: URL" line per (label, URL) of Talk.online_links(own_link=True)."""
    return "\n".join(f"{label}: {line(url)}" for label, url in links)


def description(abstract: str, speakers, page: str, links=()) -> str:
    """Plain text for people: the speakers, the abstract, the online links, then the link to
    the talk page."""
    parts = (speaker_block(speakers), text(abstract), links_block(links), page)
    return "\n\n".join(part for part in parts if part)


def text(value: str) -> str:
    """Multi-line text without control characters or Windows and old Mac line endings."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL.sub("", value).strip()


def line(value: str) -> str:
    """Text on one line, its whitespace collapsed (as the importer reads titles and names)."""
    return " ".join(CONTROL.sub(" ", value).split())
