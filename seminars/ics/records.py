"""Plain records that carry one event from a calendar to the database."""

import datetime as dt
from dataclasses import dataclass, field


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

    def __str__(self):
        return f"{self.uid}: {self.message}" if self.uid else self.message
