"""Plain records that carry one event from a calendar to the database."""

import datetime as dt
from dataclasses import dataclass, field

# The years a talk may fall in. Outside them dates overflow time zone conversions (year 1,
# year 9999) and are never a real talk; such events are skipped with a notice.
FIRST_YEAR, LAST_YEAR = 1900, 2200
EARLIEST = dt.datetime(FIRST_YEAR, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=dt.UTC)


def in_supported_years(value: dt.date) -> bool:
    """Whether a date or time falls in the supported years, wherever its zone is."""
    # The wall-clock year first: comparing year 1 or 9999 across zones may overflow.
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        return False
    return not isinstance(value, dt.datetime) or value.tzinfo is None or EARLIEST <= value < LATEST


class SkipEvent(Exception):
    """This event cannot be imported; str() says why."""


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
    location: str = ""
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
