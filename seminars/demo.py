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
        "titles": [
            "Protein folding landscapes from sparse data",
            "Single-cell atlases at scale",
            "Evolutionary dynamics of antibiotic resistance",
            "Inferring gene regulatory networks",
            "Phylogenetics with a million sequences",
            "Mechanistic models of the cell cycle",
            "Spatial transcriptomics: what the tissue remembers",
            "Deep mutational scanning and protein fitness",
        ],
    },
    {
        "name": "Algebra and Geometry Colloquium",
        "slug": "algebra-geometry",
        "description": "Research talks in algebra, geometry and their interactions.",
        "weekday": 3,  # Thursday
        "time": dt.time(16, 0),
        "venue": "Room 2.14, Mathematics Institute",
        "titles": [
            "Counting curves with tropical methods",
            "Moduli of vector bundles on surfaces",
            "Derived categories for the working geometer",
            "Hodge theory and arithmetic",
            "Über Typen und Kategorien",
            "Cluster algebras from surfaces",
            "Rational points on del Pezzo surfaces",
            "Representation stability in topology",
        ],
    },
    {
        "name": "Machine Learning Reading Group",
        "slug": "ml-reading-group",
        "description": "Informal discussions of recent papers. Everyone welcome; bring lunch.",
        "weekday": 4,  # Friday
        "time": dt.time(12, 30),
        "venue": "Seminar Room B, Computing Centre",
        "titles": [
            "What do transformers learn about arithmetic?",
            "Calibration of probabilistic forecasts",
            "Kernel methods, revisited",
            "Scaling laws under distribution shift",
            "Diffusion models as score matching",
            "Causal representation learning: a reading",
            "Sparse autoencoders and interpretability",
            "Conformal prediction in practice",
        ],
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

ABSTRACT = (
    "This talk gives an overview of recent progress on {topic}, aimed at a broad audience.\n\n"
    "We start from the classical picture, explain where it breaks down, and describe new "
    "tools that make the problem tractable."
)

# The department is closed over the winter holidays: no talks from 22 December to 2 January.
CLOSED = ((12, 22), (1, 2))


def _closed(day: dt.date) -> bool:
    (first_month, first_day), (last_month, last_day) = CLOSED
    return (day.month, day.day) >= (first_month, first_day) or (day.month, day.day) <= (
        last_month,
        last_day,
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
    join_url: str = ""
    recording_url: str = ""
    slides_url: str = ""


def demo_talks(*, today: dt.date, time_zone: str) -> list[DemoTalk]:
    """Talks from six weeks before `today` to eight weeks after, in every demo series: most in
    the room, some online or hybrid, one cancelled, past ones with recordings and slides."""
    tz = ZoneInfo(time_zone)
    talks = []
    n = 0
    monday = today - dt.timedelta(days=today.weekday())
    for series in SERIES:
        for week in range(-6, 9):
            day = monday + dt.timedelta(weeks=week, days=series["weekday"])
            if _closed(day):
                continue
            start = dt.datetime.combine(day, series["time"], tzinfo=tz)
            titles = series["titles"]
            title = titles[(week + 6) % len(titles)]
            speakers = [SPEAKERS[n % len(SPEAKERS)]]
            if n % 5 == 2:
                speakers.append(SPEAKERS[(n + 3) % len(SPEAKERS)])
            if n % 7 == 3:
                speakers = []  # to be announced
            slug = f"{series['slug']}-{week + 6:02d}"
            # The reading group meets online every third week; the colloquium is streamed.
            online = series["slug"] == "ml-reading-group" and week % 3 == 0
            hybrid = series["slug"] == "algebra-geometry" and week % 2 == 0
            past = day < today
            talks.append(
                DemoTalk(
                    uid=f"demo-{slug}@seminars.localhost",
                    series=series["name"],
                    title=title,
                    start=start,
                    end=start + dt.timedelta(hours=1),
                    venue="" if online else series["venue"],
                    abstract=ABSTRACT.format(topic=title[0].lower() + title[1:]),
                    speakers=speakers,
                    join_url=f"https://meet.example.org/{slug}" if online or hybrid else "",
                    recording_url=f"https://video.example.org/{slug}" if past and n % 2 else "",
                    slides_url=f"https://slides.example.org/{slug}.pdf" if past else "",
                )
            )
            n += 1
    # One talk is cancelled: the second upcoming one of the first series.
    upcoming = [t for t in talks if t.series == SERIES[0]["name"] and t.start.date() > today]
    upcoming[1].cancelled = True
    workshop_day = today + dt.timedelta(days=20)
    while _closed(workshop_day) or _closed(workshop_day + dt.timedelta(days=1)):
        workshop_day += dt.timedelta(days=7)
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
        if talk.venue:
            event.add("LOCATION", talk.venue)
        if talk.join_url:
            event.add("CONFERENCE", talk.join_url, parameters={"VALUE": "URI", "FEATURE": "VIDEO"})
        speakers = ", ".join(f"{name} ({affiliation})" for name, affiliation in talk.speakers)
        parts = [f"Speakers: {speakers}" if speakers else "", talk.abstract]
        links = [("Recording", talk.recording_url), ("Slides", talk.slides_url)]
        parts.append("\n".join(f"{label}: {url}" for label, url in links if url))
        event.add("DESCRIPTION", "\n\n".join(part for part in parts if part))
        if talk.cancelled:
            event.add("STATUS", "CANCELLED")
        calendars[talk.series].add_component(event)
    return {name: calendar.to_ical() for name, calendar in calendars.items()}
