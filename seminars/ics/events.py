"""Calendars → event records: times and zones, recurrence, cancellation, text fields."""

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import ftfy
import icalendar
import x_wr_timezone
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from ..online import place
from ..years import FIRST_YEAR, LAST_YEAR, in_supported_years
from . import recurrence
from .plaintext import to_plain_text
from .records import EventRecord, Notice, ParserNotices, SkipEvent, first_line
from .values import CONTROL, as_list

logger = logging.getLogger(__name__)

MAX_UID_LENGTH = 255
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_OFFSET_IN_NAME = re.compile(r"\((?:UTC|GMT)\s*([+-])(\d{1,2}):?(\d{2})\)")
_url_validator = URLValidator(schemes=["http", "https"])
# A UTF-8 lead byte (Â…ô) decoded as Latin-1 or Windows-1252, then a continuation byte
# (0x80–0xBF) decoded the same way: the mark of text encoded twice.
_MAYBE_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


class CalendarEvents(NamedTuple):
    records: list[EventRecord]
    skipped: set[str]  # the UIDs of the events, or single occurrences, left out


def calendar_events(
    calendar: icalendar.Calendar,
    *,
    site_tz: ZoneInfo,
    now: dt.datetime,
    horizon: dt.datetime,
    max_occurrences: int,
    notices: list[Notice],
) -> CalendarEvents:
    """Return a record per event, and per occurrence of a recurring event up to `horizon`,
    and the UIDs of those left out.

    Events that cannot be imported are left out with a notice naming their UID (one whose
    notice says `skipped`): a bad event never stops the others. Whether a talk comes from
    an event left out, from_skipped_event() tells.
    """
    default_tz = _calendar_zone(calendar, site_tz, notices)
    with ParserNotices(notices) as capture:
        if default_tz is not site_tz:
            try:
                calendar = x_wr_timezone.to_standard(calendar)
            except Exception as error:  # a broken X-WR-TIMEZONE must not stop the import
                notices.append(Notice("", f"X-WR-TIMEZONE could not be applied: {error}"))
        context = _Context(
            site_tz=site_tz,
            default_tz=default_tz,
            notices=notices,
            now=now,
            horizon=horizon,
            max_occurrences=max_occurrences,
            timezones=calendar.walk("VTIMEZONE"),
        )
        records = []
        for uid, components in _group_by_uid(calendar.walk("VEVENT")).items():
            capture.uid = uid
            try:
                records.extend(_group_records(uid, components, context))
            except SkipEvent as reason:
                context.skip(uid, str(reason))
            except Exception as error:  # one broken event must not sink its calendar
                # The notice is the user's one line; the traceback is for LOG_LEVEL=DEBUG.
                logger.debug("event %s could not be read", uid, exc_info=True)
                context.skip(uid, f"unreadable ({first_line(error)})")
    # Once per calendar: calendarlabs.com writes an empty RRULE in each of its events.
    if len(context.empty_rules) == 1:
        notices.append(Notice(context.empty_rules[0], "the RRULE is empty; read without it"))
    elif context.empty_rules:
        count = len(context.empty_rules)
        notices.append(Notice("", f"{count} events have an empty RRULE; each was read without it"))
    return CalendarEvents(records, context.skipped)


def from_skipped_event(talk_uid: str, skipped: Collection[str]) -> bool:
    """Whether the talk imported as `talk_uid` comes from an event in `skipped` (UIDs from
    calendar_events()): the event itself, or an occurrence of it (see _occurrence_uid)."""
    if talk_uid in skipped:
        return True
    event_uid, _, key = talk_uid.rpartition("/")
    return event_uid in skipped and _RECURRENCE_KEY.fullmatch(key) is not None


@dataclass
class _Context:
    """What reading one calendar's events needs, and what it gathers on the way."""

    site_tz: ZoneInfo
    default_tz: dt.tzinfo
    notices: list[Notice]
    now: dt.datetime
    horizon: dt.datetime
    max_occurrences: int
    timezones: list[icalendar.Component]
    empty_rules: list[str] = field(default_factory=list)  # UIDs of events with an empty RRULE
    skipped: set[str] = field(default_factory=set)

    def skip(self, uid: str, reason: str) -> None:
        """Leave the event (or occurrence) `uid` out, saying why."""
        self.notices.append(Notice(uid, reason, skipped=True))
        self.skipped.add(uid)


def _calendar_zone(calendar, site_tz, notices):
    name = str(calendar.get("X-WR-TIMEZONE", "")).strip()
    if not name:
        return site_tz
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        notices.append(Notice("", f"unknown X-WR-TIMEZONE {name!r}; floating times use {site_tz}"))
        return site_tz


def _group_by_uid(events) -> dict[str, list[icalendar.Event]]:
    groups: dict[str, list[icalendar.Event]] = {}
    for event in events:
        uid = CONTROL.sub("", str(event.get("UID", ""))).strip() or _derived_uid(event)
        groups.setdefault(uid, []).append(event)
    return groups


def _derived_uid(event) -> str:
    """A UID from the event's content, stable across re-imports of the same feed."""
    parts = [event.get("DTSTART"), event.get("SUMMARY"), event.get("LOCATION")]
    content = "\x1f".join(p.to_ical().decode() if hasattr(p, "to_ical") else str(p) for p in parts)
    return f"derived-{hashlib.sha1(content.encode()).hexdigest()[:24]}"


def _bounded_uid(uid: str) -> str:
    if len(uid) <= MAX_UID_LENGTH:
        return uid
    return f"long-{hashlib.sha1(uid.encode()).hexdigest()}"


def _group_records(uid, components, context):
    masters = [c for c in components if "RECURRENCE-ID" not in c]
    overrides = [c for c in components if "RECURRENCE-ID" in c]
    if len(masters) > 1:
        masters.sort(key=_version)
        context.notices.append(
            Notice(uid, f"the UID appears {len(masters)} times; kept the latest version")
        )
        masters = masters[-1:]
    master = masters[0] if masters else None
    if master is not None and recurrence.has_empty_rule(master):
        # As recurring-ical-events and ical.js do: an empty RRULE adds no occurrences.
        context.empty_rules.append(uid)
        master = recurrence.without_empty_rules(master)
        masters = [master]
    if master is not None and not overrides and "RRULE" not in master and "RDATE" not in master:
        return [_record(master, _bounded_uid(uid), context)]

    recurrence.check_readable(masters + overrides)

    if master is not None and "DTSTART" in master:
        first = _as_datetime(_decoded_time(master["DTSTART"], uid, context), context)
        bound = recurrence.occurrence_bound(master, first, context.horizon)
        if bound > recurrence.MAX_OCCURRENCES_WALKED:
            raise SkipEvent(
                f"repeats up to {bound:,} times before the horizon; at most "
                f"{recurrence.MAX_OCCURRENCES_WALKED:,} are expanded"
            )
    occurrences = recurrence.expand(
        masters + overrides, timezones=context.timezones, horizon=context.horizon
    )
    kept = recurrence.nearest(
        occurrences,
        now=context.now,
        keep=context.max_occurrences,
        start_of=lambda o: _as_datetime(o.get("DTSTART").dt, context),
    )
    if len(kept) < len(occurrences):
        context.notices.append(
            Notice(
                uid,
                f"{len(occurrences)} occurrences before the horizon; kept the "
                f"{len(kept)} nearest today",
            )
        )
    # The library gives an occurrence of an event without DTEND or DURATION an end at its
    # start; like a single event, it has no end (RFC 5545 3.6.1: it takes no time).
    origins = {_recurrence_key(o, context): o for o in overrides}
    records = []
    for occurrence in kept:
        key = _recurrence_key(occurrence, context)
        origin = origins.get(key, master)
        if origin is not None and "DTEND" not in origin and "DURATION" not in origin:
            occurrence.pop("DTEND", None)
        occurrence_uid = _occurrence_uid(uid, key)
        try:
            records.append(_record(occurrence, occurrence_uid, context))
        except SkipEvent as reason:
            context.skip(occurrence_uid, str(reason))
    return records


def _occurrence_uid(uid: str, key: str) -> str:
    """The UID of the talk of one occurrence: the event's UID, "/", its _recurrence_key()."""
    return _bounded_uid(f"{uid}/{key}")


def _version(component):
    stamp = _stamp(component) or _EPOCH
    return (_sequence(component), stamp)


# What _recurrence_key() writes: a UTC time, or a date.
_RECURRENCE_KEY = re.compile(r"\d{8}(?:T\d{6}Z)?")


def _recurrence_key(occurrence, context) -> str:
    rid = occurrence.get("RECURRENCE-ID") or occurrence.get("DTSTART")
    value = rid.dt
    if isinstance(value, dt.datetime):
        return _as_datetime(value, context).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%d")


def _as_datetime(value, context) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=context.default_tz)
    return dt.datetime.combine(value, dt.time(0), tzinfo=context.site_tz)


def _record(component, uid: str, context) -> EventRecord:
    start_prop = component.get("DTSTART")
    if start_prop is None:
        raise SkipEvent("no DTSTART")
    start_value = _decoded_time(start_prop, uid, context)
    _check_year(start_value, "starts")
    all_day = not isinstance(start_value, dt.datetime)
    try:
        if all_day:
            start = dt.datetime.combine(start_value, dt.time(0), tzinfo=context.site_tz)
            end = _all_day_end(component, start_value, uid, context)
        else:
            start = start_value
            end = _timed_end(component, start, uid, context)
    except OverflowError as error:
        raise SkipEvent(f"ends after the supported years {FIRST_YEAR}–{LAST_YEAR}") from error
    if end is not None:
        _check_year(end, "ends")
    if component.errors:
        context.notices.append(
            Notice(uid, f"unreadable property ignored: {first_line(component.errors[0][1])}")
        )
    url = _url(component, uid, context)
    description = _description(component)
    join_url, livestream_url = _online_links(component, description)
    # A location that only says "Online" (or "via Zoom", a bare URL) is no venue; its URL,
    # if any, is the way to join.
    where = place(", ".join(line.strip() for line in _text(component, "LOCATION").splitlines()))
    join_url = join_url or where.join_url
    if url and url in (join_url, livestream_url):
        url = ""  # a meeting link given as the event's URL is its way to join, not its page
    title = _text(component, "SUMMARY").strip()
    if not title:
        context.notices.append(Notice(uid, "no SUMMARY; titled 'Untitled event'"))
        title = "Untitled event"
    return EventRecord(
        uid=uid,
        title=" ".join(title.split()),
        start=start,
        end=end,
        all_day=all_day,
        description=description,
        location=where.venue,
        online=where.online,
        url=url,
        join_url=join_url,
        livestream_url=livestream_url,
        contact=_contact(component),
        status="cancelled" if _text(component, "STATUS").upper() == "CANCELLED" else "confirmed",
        sequence=_sequence(component),
        stamp=_stamp(component),
        categories=_categories(component),
    )


def _check_year(value: dt.date, verb: str) -> None:
    if not in_supported_years(value):
        raise SkipEvent(
            f"{verb} in the year {value.year}, outside the supported years {FIRST_YEAR}–{LAST_YEAR}"
        )


def _decoded_time(prop, uid, context):
    if isinstance(prop, icalendar.vBroken):
        raise SkipEvent.unreadable(prop)
    try:
        value = prop.dt
    except Exception as error:
        raise SkipEvent(f"unreadable date ({first_line(error)})") from error
    if not isinstance(value, dt.date):
        raise SkipEvent(f"unreadable date {value!r}")
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        tzid = prop.params.get("TZID")
        value = value.replace(
            tzinfo=_repair_zone(tzid, uid, context) if tzid else context.default_tz
        )
    return value


def _repair_zone(tzid: str, uid: str, context) -> dt.tzinfo:
    """A zone for a TZID that the calendar does not define and that is no IANA or Windows name."""
    match = _OFFSET_IN_NAME.search(tzid)
    if match is None:
        raise SkipEvent(f"unknown time zone {tzid!r}")
    sign, hours, minutes = match.groups()
    if int(hours) > 14 or int(minutes) > 59:  # no zone on Earth is further from UTC
        raise SkipEvent(f"unknown time zone {tzid!r} (its offset is not a real one)")
    offset = dt.timedelta(hours=int(hours), minutes=int(minutes)) * (-1 if sign == "-" else 1)
    context.notices.append(
        Notice(uid, f"unknown time zone {tzid!r}; used its UTC offset {sign}{hours}:{minutes}")
    )
    return dt.timezone(offset)


def _all_day_end(component, start_date, uid, context) -> dt.datetime:
    end_date = None
    if "DTEND" in component:
        end_value = _decoded_time(component["DTEND"], uid, context)
        end_date = end_value.date() if isinstance(end_value, dt.datetime) else end_value
    elif "DURATION" in component:
        end_date = start_date + dt.timedelta(days=component["DURATION"].dt.days)
    if end_date is None or end_date <= start_date:
        end_date = start_date + dt.timedelta(days=1)  # DTEND is exclusive: one day at least
    return dt.datetime.combine(end_date, dt.time(0), tzinfo=context.site_tz)


def _timed_end(component, start, uid, context) -> dt.datetime | None:
    if "DTEND" in component:
        end = _decoded_time(component["DTEND"], uid, context)
        if not isinstance(end, dt.datetime):
            end = dt.datetime.combine(end, dt.time(0), tzinfo=start.tzinfo)
    elif "DURATION" in component:
        end = start + component["DURATION"].dt
    else:
        return None
    if end < start:
        context.notices.append(Notice(uid, "ends before it starts; end ignored"))
        return None
    return end


def _text(component, name: str) -> str:
    value = component.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return ""
    text = CONTROL.sub("", str(value))
    # Text encoded twice (UTF-8 read as Windows-1252, "IRBâ€™s") is repaired; ftfy changes
    # nothing else. Its check costs as much as the parse, so it runs only where a UTF-8 lead
    # byte read as Latin-1 is followed by what a continuation byte reads as.
    return ftfy.fix_encoding(text) if _MAYBE_MOJIBAKE.search(text) else text


def _description(component) -> str:
    text = _text(component, "DESCRIPTION").strip() or _text(component, "X-ALT-DESC").strip()
    return to_plain_text(text) if text else ""


def _url(component, uid, context) -> str:
    url = _text(component, "URL").strip()
    if not url:
        return ""
    try:
        _url_validator(url)
    except ValidationError:
        context.notices.append(Notice(uid, f"URL {url[:100]!r} is not an http(s) address; dropped"))
        return ""
    return url


# Hosts whose links are video calls: an event's URL, or the one such link in a description.
_MEETING_LINK = re.compile(
    r"https://(?:[\w-]+\.)?(?:zoom\.us/(?:j|my|w)/|teams\.microsoft\.com/l/meetup-join/|"
    r"teams\.live\.com/meet/|meet\.google\.com/[a-z]|[\w-]+\.webex\.com/(?:meet|join|[\w-]+/j\.php)|"
    r"whereby\.com/|meet\.jit\.si/)[^\s<>\"')\]]*",
    re.IGNORECASE,
)


def _online_links(component, description: str) -> tuple[str, str]:
    """(join, livestream) links: RFC 7986 CONFERENCE, Google's and Microsoft's properties,
    else a video-call link in the URL or, when there is exactly one, in the description."""
    join = livestream = ""
    for prop in as_list(component.get("CONFERENCE")):
        link = CONTROL.sub("", str(prop)).strip()
        if not _is_web_url(link):
            continue
        features = prop.params.get("FEATURE", "")
        features = ",".join(features) if isinstance(features, list) else str(features)
        features = features.upper()
        label = str(prop.params.get("LABEL", "")).casefold()
        watch_only = "FEED" in features or label.startswith("livestream")
        if watch_only and not livestream:
            livestream = link
        elif not watch_only and not join:
            join = link
    for name in ("X-GOOGLE-CONFERENCE", "X-MICROSOFT-SKYPETEAMSMEETINGURL"):
        link = _text(component, name).strip()
        if not join and _is_web_url(link):
            join = link
    if not join:
        url = _text(component, "URL").strip()
        found = {m.group(0) for m in _MEETING_LINK.finditer(description)}
        if _MEETING_LINK.fullmatch(url):
            join = url
        elif len(found) == 1:  # two different calls in one text: which is this talk's?
            join = found.pop()
    return join, livestream


def _is_web_url(link: str) -> bool:
    try:
        _url_validator(link)
    except ValidationError:
        return False
    return True


def _contact(component) -> str:
    contact = _text(component, "CONTACT").strip()
    if contact:
        return contact
    organizer = component.get("ORGANIZER")
    if isinstance(organizer, list):
        organizer = organizer[0] if organizer else None
    if organizer is None:
        return ""
    name = str(organizer.params.get("CN", "")).strip().strip('"')
    return name or str(organizer).removeprefix("mailto:").removeprefix("MAILTO:").strip()


def _sequence(component) -> int:
    try:
        return max(0, int(str(component.get("SEQUENCE", 0)).strip() or 0))
    except ValueError:
        return 0


def _stamp(component) -> dt.datetime | None:
    for name in ("LAST-MODIFIED", "DTSTAMP"):
        prop = component.get(name)
        if prop is None:
            continue
        try:
            value = prop.dt
        except Exception:
            continue
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return None


def _categories(component) -> list[str]:
    names = []
    for item in as_list(component.get("CATEGORIES")):
        names.extend(str(c).strip() for c in getattr(item, "cats", [item]))
    return [n for n in names if n]
