"""A generated calendar of realistic talks, the benchmarks' input."""

import datetime as dt
import random

FIRST = [
    "Ada",
    "Alan",
    "Amara",
    "Bo",
    "Chen",
    "Dana",
    "Elif",
    "Femi",
    "Grace",
    "Hana",
    "Ivan",
    "Jonas",
    "Kofi",
    "Lena",
    "Mei",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tariq",
    "Uma",
    "Vera",
    "Wei",
    "Xena",
    "Yuki",
    "Zoe",
]
LAST = [
    "Okafor",
    "Weißmann",
    "Raghunathan",
    "Fernández",
    "Nowak",
    "Lin",
    "Grant",
    "Andersson",
    "Mensah",
    "Becker",
    "Müller",
    "Rossi",
    "Dubois",
    "Kowalski",
    "Tanaka",
    "Kim",
    "Singh",
    "Silva",
    "Novak",
    "Jensen",
    "Ahmed",
    "Costa",
    "Moreau",
    "Ivanova",
]
UNIVERSITIES = [
    "University of Cambridge",
    "ETH Zürich",
    "MIT",
    "University of Lagos",
    "Universidad de Granada",
    "National University of Singapore",
    "Max Planck Institute for Mathematics",
    "Uppsala University",
]
WORDS = [
    "graphs",
    "spectra",
    "learning",
    "proteins",
    "geometry",
    "curves",
    "networks",
    "inference",
    "categories",
    "dynamics",
    "sampling",
    "operators",
    "manifolds",
    "kernels",
    "evolution",
    "transformers",
    "lattices",
    "groups",
    "flows",
    "entropy",
]
SENTENCE = (
    "We study {a} and {b} through the lens of {c}, "
    "and show how recent results on {d} change the picture."
)


def _speakers(rng, pool):
    return rng.sample(pool, rng.choice((1, 1, 1, 2, 3)))


def _abstract(rng):
    paragraphs = []
    for _ in range(rng.randint(2, 4)):
        sentences = [
            SENTENCE.format(**{k: rng.choice(WORDS) for k in "abcd"})
            for _ in range(rng.randint(3, 6))
        ]
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def _escape(text):
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line):
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, chunk = [], b""
    for char in line:
        encoded = char.encode()
        if len(chunk) + len(encoded) > (75 if not parts else 74):
            parts.append(chunk.decode())
            chunk = b""
        chunk += encoded
    parts.append(chunk.decode())
    return "\r\n ".join(parts)


def is_changed(i: int, changed: float) -> bool:
    """Whether event `i` differs in generate(..., changed=changed): a `changed` share of the
    events, spread evenly (0.5: every other one)."""
    return int((i + 1) * changed) > int(i * changed)


def generate(
    n_events: int,
    *,
    seed: int = 1,
    start: dt.datetime | None = None,
    recurring: int | None = None,
    changed: float = 0.0,
) -> bytes:
    """A calendar with `n_events` VEVENTs: mostly single talks, plus weekly series with
    exceptions (EXDATE) and moved occurrences (RECURRENCE-ID).

    `changed` (0 to 1) makes a later version of the same calendar, as a feed serves it after
    edits: the same UIDs, and that share of the events (is_changed()) revised, with a new
    title and abstract, a SEQUENCE of 1 and a later DTSTAMP; every third of those single
    events also an hour later. Every other byte is that of generate() without `changed`.
    """
    rng = random.Random(seed)
    start = start or dt.datetime.now(dt.UTC).replace(
        hour=0, minute=0, second=0, microsecond=0
    ) - dt.timedelta(days=365)
    pool = [
        (f"{rng.choice(FIRST)} {rng.choice(LAST)}", rng.choice(UNIVERSITIES)) for _ in range(300)
    ]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Seminars bench//EN",
        "X-WR-CALNAME:Bench Seminar",
    ]
    stamp, revised_stamp = "20240101T000000Z", "20240201T000000Z"
    if recurring is None:  # weekly series of 20, three per thousand events
        recurring = max(1, n_events // 1000) * 3
    for i in range(n_events):
        when = start + dt.timedelta(hours=7 * i + rng.randint(0, 3))
        speakers = _speakers(rng, pool)
        speaker_line = "Speakers: " + ", ".join(f"{n} ({a})" for n, a in speakers)
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7))).capitalize()
        location = f"Room {rng.randint(1, 40)}, Building {rng.randint(1, 9)}"
        abstract = _abstract(rng)
        # The revision draws nothing from `rng`, so the other events stay as they were.
        revised = is_changed(i, changed)
        versions = []
        if revised:
            title += " (revised)"
            abstract = "Revised abstract. " + abstract
            versions = [f"DTSTAMP:{revised_stamp}", "SEQUENCE:1"]
            # Only single events move: an occurrence's UID holds its time, so a moved series
            # would be new talks and cancelled ones rather than updated ones.
            if i >= recurring and i % 3 == 0:
                when += dt.timedelta(hours=1)
        event = [
            "BEGIN:VEVENT",
            f"UID:bench-{i}@example.org",
            *(versions or [f"DTSTAMP:{stamp}"]),
            f"DTSTART:{when:%Y%m%dT%H%M%SZ}",
            f"DTEND:{when + dt.timedelta(hours=1):%Y%m%dT%H%M%SZ}",
            _fold(f"SUMMARY:{_escape(title)}"),
            _fold(f"LOCATION:{_escape(location)}"),
            _fold(f"DESCRIPTION:{_escape(speaker_line + chr(10) * 2 + abstract)}"),
        ]
        if i < recurring:
            event.append("RRULE:FREQ=WEEKLY;COUNT=20")
            event.append(f"EXDATE:{when + dt.timedelta(weeks=3):%Y%m%dT%H%M%SZ}")
        event.append("END:VEVENT")
        lines.extend(event)
        if i < recurring:
            moved = when + dt.timedelta(weeks=5)
            lines.extend(
                [
                    "BEGIN:VEVENT",
                    f"UID:bench-{i}@example.org",
                    f"RECURRENCE-ID:{moved:%Y%m%dT%H%M%SZ}",
                    *(versions or [f"DTSTAMP:{stamp}"]),
                    f"DTSTART:{moved + dt.timedelta(days=1):%Y%m%dT%H%M%SZ}",
                    f"DTEND:{moved + dt.timedelta(days=1, hours=1):%Y%m%dT%H%M%SZ}",
                    f"SUMMARY:{_escape(title)} (moved)",
                    "END:VEVENT",
                ]
            )
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()
