"""The demo calendar: a few weekly series of made-up talks around today's date.

It is written as iCalendar and loaded through the importer, like any other feed.
"""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import icalendar

SERIES = [
    {
        "name": "Computational Biology Seminar",
        "slug": "compbio",
        "description": "Weekly talks on models, data and algorithms in the life sciences.",
        "weekday": 1,  # Tuesday
        "time": dt.time(14, 0),
        "venue": "Lecture Theatre 1, Science Building",
    },
    {
        "name": "Algebra and Geometry Colloquium",
        "slug": "algebra-geometry",
        "description": "Research talks in algebra, geometry and their interactions.",
        "weekday": 3,  # Thursday
        "time": dt.time(16, 0),
        "venue": "Room 2.14, Mathematics Institute",
    },
    {
        "name": "Machine Learning Reading Group",
        "slug": "ml-reading-group",
        "description": "Informal discussions of recent papers. Everyone welcome; bring lunch.",
        "weekday": 4,  # Friday
        "time": dt.time(12, 30),
        "venue": "Seminar Room B, Computing Centre",
    },
]

SPEAKERS = [
    ("Amara Okafor", "University of Lagos"),
    ("Jonas Weißmann", "ETH Zürich"),
    ("Priya Raghunathan", "Indian Institute of Science"),
    ("Lucía Fernández", "Universidad de Granada"),
    ("Tomasz Nowak", "University of Warsaw"),
    ("Mei Lin", "National University of Singapore"),
    ("Oliver Grant", "University of Edinburgh"),
    ("Sofia Andersson", "Uppsala University"),
    ("Kwame Mensah", "University of Ghana"),
    ("Hannah Becker", "Max Planck Institute for Mathematics"),
]

TITLES = [
    "Counting curves with tropical methods",
    "Protein folding landscapes from sparse data",
    "What do transformers learn about arithmetic?",
    "Moduli of vector bundles on surfaces",
    "Single-cell atlases at scale",
    "Calibration of probabilistic forecasts",
    "Derived categories for the working geometer",
    "Evolutionary dynamics of antibiotic resistance",
    "Kernel methods, revisited",
    "Hodge theory and arithmetic",
    "Inferring gene regulatory networks",
    "Scaling laws under distribution shift",
]

ABSTRACT = (
    "This talk gives an overview of recent progress on {topic}, aimed at a broad audience.\n\n"
    "We start from the classical picture, explain where it breaks down, and describe new "
    "tools that make the problem tractable. Slides will be available afterwards."
)


@dataclass
class DemoTalk:
    uid: str
    series: str
    title: str
    start: dt.datetime
    end: dt.datetime | None
    venue: str
    abstract: str
    speakers: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False
    all_day: bool = False


def demo_talks(*, today: dt.date, time_zone: str) -> list[DemoTalk]:
    """Talks from six weeks before `today` to eight weeks after, in every demo series."""
    tz = ZoneInfo(time_zone)
    talks = []
    n = 0
    for s_index, series in enumerate(SERIES):
        monday = today - dt.timedelta(days=today.weekday())
        for week in range(-6, 9):
            day = monday + dt.timedelta(weeks=week, days=series["weekday"])
            start = dt.datetime.combine(day, series["time"], tzinfo=tz)
            title = TITLES[(n + s_index) % len(TITLES)]
            first = SPEAKERS[n % len(SPEAKERS)]
            speakers = [first]
            if n % 5 == 2:
                speakers.append(SPEAKERS[(n + 3) % len(SPEAKERS)])
            if n % 7 == 3:
                speakers = []  # to be confirmed
            talks.append(
                DemoTalk(
                    uid=f"demo-{series['slug']}-{week + 6:02d}@seminars.localhost",
                    series=series["name"],
                    title=title,
                    start=start,
                    end=start + dt.timedelta(hours=1),
                    venue=series["venue"],
                    abstract=ABSTRACT.format(topic=title.lower()),
                    speakers=speakers,
                    cancelled=(week == 2 and s_index == 0),
                )
            )
            n += 1
    workshop_day = today + dt.timedelta(days=20)
    talks.append(
        DemoTalk(
            uid="demo-workshop@seminars.localhost",
            series=SERIES[0]["name"],
            title="Workshop: reproducible pipelines for biological data",
            start=dt.datetime.combine(workshop_day, dt.time(0), tzinfo=tz),
            end=dt.datetime.combine(workshop_day + dt.timedelta(days=2), dt.time(0), tzinfo=tz),
            venue="Conference Centre",
            abstract="Two days of hands-on sessions. Registration is free but required.",
            speakers=[SPEAKERS[2], SPEAKERS[5]],
            all_day=True,
        )
    )
    return talks


def demo_calendars(*, today: dt.date, time_zone: str) -> dict[str, bytes]:
    """One iCalendar file per demo series, keyed by series name."""
    calendars = {}
    for info in SERIES:
        calendar = icalendar.Calendar()
        calendar.add("PRODID", "-//Seminars//Demo calendar//EN")
        calendar.add("VERSION", "2.0")
        calendar.add("X-WR-CALNAME", info["name"])
        calendar.add("X-WR-CALDESC", info["description"])
        calendars[info["name"]] = calendar
    stamp = dt.datetime.combine(today, dt.time(0), tzinfo=dt.UTC)
    for talk in demo_talks(today=today, time_zone=time_zone):
        event = icalendar.Event()
        event.add("UID", talk.uid)
        event.add("DTSTAMP", stamp)
        event.add("SUMMARY", talk.title)
        if talk.all_day:
            event.add("DTSTART", talk.start.date())
            event.add("DTEND", talk.end.date())
        else:
            event.add("DTSTART", talk.start.astimezone(dt.UTC))
            event.add("DTEND", talk.end.astimezone(dt.UTC))
        event.add("LOCATION", talk.venue)
        speakers = ", ".join(f"{name} ({affiliation})" for name, affiliation in talk.speakers)
        event.add(
            "DESCRIPTION", f"Speakers: {speakers}\n\n{talk.abstract}" if speakers else talk.abstract
        )
        if talk.cancelled:
            event.add("STATUS", "CANCELLED")
        calendars[talk.series].add_component(event)
    return {name: calendar.to_ical() for name, calendar in calendars.items()}
