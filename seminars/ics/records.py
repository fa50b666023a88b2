"""Plain records that carry one event from a calendar to the database, and the notices that
say what was skipped or repaired on the way."""

import datetime as dt
import logging
import warnings
from dataclasses import dataclass, field


def first_line(error, *, limit: int = 200) -> str:
    """An error's message cut to one line for a notice; its type's name when it says nothing."""
    text = str(error).strip()
    return text.splitlines()[0][:limit] if text else type(error).__name__


class SkipEvent(Exception):
    """This event cannot be imported; str() says why."""

    @classmethod
    def unreadable(cls, prop) -> "SkipEvent":
        """For a property the parser kept as broken (icalendar's vBroken): name it and why."""
        text = str(prop.parse_error or "").strip()
        reason = first_line(text) if text else repr(str(prop))
        return cls(f"unreadable {prop.property_name or 'property'} ({reason})")


@dataclass(frozen=True)
class SpeakerRecord:
    name: str
    affiliation: str = ""


@dataclass
class EventRecord:
    """One talk as read from a calendar: one VEVENT, or one occurrence of a recurring one."""

    uid: str
    title: str
    start: dt.datetime  # aware; for all-day events midnight of the first day in the site's zone
    end: dt.datetime | None = None  # aware, exclusive; None when the event gives no end
    all_day: bool = False
    description: str = ""  # plain text, HTML already turned into text
    location: str = ""  # a venue: never a location that only says "Online" (seminars.online)
    online: bool = False  # the location said the talk is online only
    url: str = ""
    join_url: str = ""  # the video call (CONFERENCE, X-GOOGLE-CONFERENCE, a Teams or Zoom link)
    livestream_url: str = ""
    recording_url: str = ""
    slides_url: str = ""
    contact: str = ""  # CONTACT, else ORGANIZER's CN
    status: str = "confirmed"  # "confirmed" or "cancelled"
    sequence: int = 0
    stamp: dt.datetime | None = None  # LAST-MODIFIED, else DTSTAMP
    categories: list[str] = field(default_factory=list)
    speakers: list[SpeakerRecord] = field(default_factory=list)


@dataclass(frozen=True)
class Notice:
    """Something skipped or repaired, named by the event's UID."""

    uid: str
    message: str
    skipped: bool = False  # the event was left out (rather than imported with a repair)

    def __str__(self):
        text = f"skipped: {self.message}" if self.skipped else self.message
        return f"{self.uid}: {text}" if self.uid else text


# The libraries that read calendars for us: what they log is about the calendar, and so are
# their user and runtime warnings (a TZID guessed, a zone name not understood). Deprecation
# warnings are about our code, and keep the filters they had.
_PARSER_LOGGERS = ("icalendar", "recurring_ical_events", "x_wr_timezone")
_CALENDAR_WARNINGS = (UserWarning, RuntimeWarning)


class ParserNotices(logging.Handler):
    """`with ParserNotices(notices) as capture:` turns what the calendar parsers warn or log
    in the block into notices, once each, named by `capture.uid` (set it to the event being
    read), so that it reaches the user as one line rather than as output on stderr.

    Warning filters and logger settings are the process's: fine where one import runs per
    process at a time (the command, a sync gunicorn worker), not across threads.
    """

    def __init__(self, notices: list[Notice], uid: str = ""):
        super().__init__(logging.WARNING)
        self.notices, self.uid = notices, uid
        self._seen: set[Notice] = set()
        self._warnings = warnings.catch_warnings()

    def __enter__(self):
        self._warnings.__enter__()
        for category in _CALENDAR_WARNINGS:
            warnings.simplefilter("always", category)
        self._show_other = warnings.showwarning
        warnings.showwarning = self._show_warning
        self._loggers = [logging.getLogger(name) for name in _PARSER_LOGGERS]
        self._propagates = [logger.propagate for logger in self._loggers]
        for logger in self._loggers:
            logger.addHandler(self)
            logger.propagate = False
        return self

    def __exit__(self, *exc_info):
        for logger, propagate in zip(self._loggers, self._propagates, strict=True):
            logger.removeHandler(self)
            logger.propagate = propagate
        self._warnings.__exit__(*exc_info)

    def emit(self, record):
        self._add(record.getMessage())

    def _show_warning(self, message, category, *args, **kwargs):
        if issubclass(category, _CALENDAR_WARNINGS):
            self._add(str(message))
        else:
            self._show_other(message, category, *args, **kwargs)

    def _add(self, text: str) -> None:
        text = text.strip()
        notice = Notice(self.uid, first_line(text, limit=300) if text else "the parser warned")
        if notice not in self._seen:  # one zone is warned of for DTSTART and for DTEND
            self._seen.add(notice)
            self.notices.append(notice)
