"""Every kind of feed, byte for byte, for a fixed set of talks.

The expected files under tests/data/feeds/ were written by the feed code as it was before
feeds were cached whole (per-event caching, hand-folded lines). The feeds' bytes must not
change unless on purpose: calendar apps see any change as a changed feed. Changed on purpose
since: a talk's own link written as a "More:" line of its description; TRANSP:TRANSPARENT
on every event of a feed (not of one talk's download); "Cancelled: " before the title of a
cancelled talk.
"""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from seminars.models import Talk
from tests.factories import make_series, make_speaker, make_talk

pytestmark = pytest.mark.django_db

EXPECTED = Path(__file__).with_name("data") / "feeds"
LONDON = ZoneInfo("Europe/London")
CREATED = dt.datetime(2024, 2, 27, 8, 0, 5, tzinfo=dt.UTC)
UPDATED = dt.datetime(2024, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


@pytest.fixture
def fixed_talks(settings):
    """Talks with fixed ids and times of change, far enough ahead to stay upcoming."""
    settings.TIME_ZONE = "Europe/London"
    settings.SITE_NAME = "Seminars"
    logic = make_series("Logic Seminar", slug="logic", description="Talks on logic.", pk=501)
    algebra = make_series("Algebra, Geometry; and more", slug="algebra", pk=502)
    noether = make_speaker("Emmy Noether", slug="noether", affiliation="Universität Göttingen")
    jane = make_speaker("Jane Doe", slug="jane", affiliation="University of Oxford")
    max_ = make_speaker("Max Mustermann", slug="max")
    make_talk(
        pk=701,
        series=logic,
        speakers=[noether, jane],
        start=dt.datetime(2090, 5, 6, 14, 0, tzinfo=dt.UTC),
        title="Ideals in commutative rings",
        abstract="Zoë und Jürgen über Ähnlichkeit; a, b\\c. " * 6 + "\n\nSecond paragraph.",
        venue="Hörsaal 1, Mathematisches Institut",
        contact="logic@example.org",
        url="https://example.org/ideals?lang=de&room=1",
        uid="t1@example.org",
        sequence=2,
    )
    make_talk(
        pk=702,
        series=logic,
        speakers=[noether],
        start=dt.datetime(2090, 7, 1, tzinfo=LONDON),
        duration=dt.timedelta(days=3),
        all_day=True,
        title="Summer school",
        uid="t2@example.org",
    )
    make_talk(
        pk=703,
        series=logic,
        start=dt.datetime(2090, 8, 1, tzinfo=LONDON),
        end=dt.datetime(2090, 8, 2, 17, 0, tzinfo=LONDON),
        all_day=True,
        title="Workshop",
        uid="t3@example.org",
    )
    make_talk(
        pk=704,
        series=logic,
        start=dt.datetime(2090, 5, 20, 15, 30, tzinfo=dt.UTC),
        duration=None,
        title="Open problems",
        status=Talk.Status.CANCELLED,
        uid="t4@example.org",
    )
    make_talk(
        pk=705,
        series=algebra,
        speakers=[max_, jane],
        start=dt.datetime(2090, 9, 1, 10, 0, tzinfo=dt.UTC),
        title="Break out\nEND:VEVENT\nBEGIN:VEVENT",
        abstract="END:VCALENDAR\r\n\x07Tabs\tand ;,: too",
        venue="Room;1,\\2",
        uid="t5@example.org",
    )
    make_talk(
        pk=706,
        series=logic,
        speakers=[noether],
        start=dt.datetime(2020, 1, 10, 14, 0, tzinfo=dt.UTC),
        title="Long ago",
        uid="t6@example.org",
    )
    Talk.objects.update(created=CREATED, updated=UPDATED)
    cache.clear()


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/talks.ics", "site.ics"),
        ("/talks.ics?series=logic,algebra", "chosen.ics"),
        ("/series/logic.ics", "series.ics"),
        ("/speakers/noether.ics", "speaker.ics"),
        ("/talks/701.ics", "talk.ics"),
        ("/talks/702.ics", "talk-all-day.ics"),
        ("/talks/704.ics", "talk-cancelled.ics"),
    ],
)
def test_each_feed_has_the_same_bytes_as_before(client, fixed_talks, url, name):
    expected = (EXPECTED / name).read_bytes()
    if name.startswith("talk"):
        expected = without_calendar_names(expected)

    response = client.get(url, HTTP_HOST="localhost")

    assert response.status_code == 200
    assert response.content == expected


def without_calendar_names(data: bytes) -> bytes:
    """The one change made on purpose: one talk's download no longer names a calendar."""
    names = (
        b"NAME:",
        b"X-WR-CALNAME:",
        b"X-WR-CALDESC:",
        b"REFRESH-INTERVAL;",
        b"X-PUBLISHED-TTL:",
    )
    lines = data.split(b"\r\n")
    return b"\r\n".join(line for line in lines if not line.startswith(names))
