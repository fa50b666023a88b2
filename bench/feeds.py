"""Feed benchmark: our series feed against django-ical serving the same 1,000 talks.

Both views are called through RequestFactory, so both skip the same middleware. Ours is timed
cold (empty cache: the whole feed built, as after any change to the site's content or at the
turn of the hour), from the cache (the whole body cached), and its conditional GET (304).
`python -m bench feeds` runs this alone.
"""

import datetime as dt
import random

from .calendar import FIRST, LAST, SENTENCE, UNIVERSITIES, WORDS
from .setup import empty_database
from .timing import median_time

TALKS = 1000
HOST = "localhost"


def make_series(n_talks: int = TALKS, *, seed: int = 5):
    """A series of `n_talks` talks from 100 days ago on, with one to three speakers each."""
    from django.utils import timezone

    from seminars.models import Series, Speaker, Talk, TalkSpeaker

    rng = random.Random(seed)
    series = Series.objects.create(
        name="Bench Seminar", slug="bench", description="Talks for the benchmark."
    )
    speakers = Speaker.objects.bulk_create(
        Speaker(
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}",
            name_key=f"bench speaker {i}",
            slug=f"bench-speaker-{i}",
            affiliation=rng.choice(UNIVERSITIES),
        )
        for i in range(300)
    )
    first = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=100)
    talks = []
    for i in range(n_talks):
        start = first + dt.timedelta(hours=7 * i)
        abstract = " ".join(
            SENTENCE.format(**{k: rng.choice(WORDS) for k in "abcd"}) for _ in range(3)
        )
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7))).capitalize()
        talks.append(
            Talk(
                series=series,
                title=title,
                slug=f"talk-{i}",
                abstract=abstract,
                start=start,
                end=start + dt.timedelta(hours=1),
                venue=f"Room {rng.randint(1, 40)}, Building {rng.randint(1, 9)}",
                uid=f"bench-{i}@example.org",
            )
        )
    Talk.objects.bulk_create(talks)
    TalkSpeaker.objects.bulk_create(
        TalkSpeaker(talk=talk, speaker=speaker, position=position)
        for talk in talks
        for position, speaker in enumerate(rng.sample(speakers, rng.choice((1, 1, 2, 3))))
    )
    return series


def django_ical_feed():
    """The same feed written the usual Django way: a django-ical ICalFeed over the same talks."""
    from django.utils import timezone
    from django_ical.views import ICalFeed

    from seminars.feeds import calendars as feeds
    from seminars.ics import export
    from seminars.models import Series

    class SeriesICalFeed(ICalFeed):
        product_id = export.PRODID

        def get_object(self, request, slug):
            self.site_url = request.build_absolute_uri("/").removesuffix("/")
            return Series.objects.get(slug=slug)

        def title(self, series):
            return series.name

        def description(self, series):
            return series.description

        def file_name(self, series):
            return f"{series.slug}.ics"

        def items(self, series):
            now = timezone.now()
            talks = series.talks.in_calendar_window(
                past=feeds.SERIES_PAST, keep_cancelled=feeds.KEEP_CANCELLED, now=now
            )
            return talks.nearest_first(now).with_speakers()[: feeds.MAX_EVENTS]

        def item_guid(self, talk):
            return talk.uid

        def item_title(self, talk):
            return export.summary(talk.title, [s.name for s in talk.speaker_list])

        def item_description(self, talk):
            page = self.site_url + talk.get_absolute_url()
            return export.description(talk.abstract, talk.speaker_list, page)

        def item_link(self, talk):
            return talk.get_absolute_url()

        def item_start_datetime(self, talk):
            return talk.start

        def item_end_datetime(self, talk):
            return talk.end

        def item_location(self, talk):
            return talk.venue

        def item_status(self, talk):
            return "CANCELLED" if talk.is_cancelled else "CONFIRMED"

        def item_sequence(self, talk):
            return talk.sequence

        def item_categories(self, talk):
            return [talk.series.name]

        def item_created(self, talk):
            return talk.created

        def item_updateddate(self, talk):
            return talk.updated

        def item_timestamp(self, talk):
            return talk.updated

    return SeriesICalFeed()


def run(full: bool) -> list[tuple[str, str, str, str]]:
    try:
        import django_ical  # noqa: F401
    except ModuleNotFoundError:
        return [("feeds: needs django-ical: pip install -r requirements-bench.txt", "", "", "")]
    from django.core.cache import cache
    from django.test import RequestFactory

    from seminars.feeds.calendars import series_calendar

    empty_database()
    series = make_series()
    factory = RequestFactory(HTTP_HOST=HOST)
    url = f"/series/{series.slug}.ics"
    baseline = django_ical_feed()
    runs = 7 if full else 5

    def theirs():
        return baseline(factory.get(url), slug=series.slug)

    def ours():
        return series_calendar(factory.get(url), slug=series.slug)

    response = ours()
    theirs_body, ours_body = theirs().content, response.content
    # The same talks, or the comparison means nothing.
    assert ours_body.count(b"BEGIN:VEVENT") == theirs_body.count(b"BEGIN:VEVENT") == TALKS

    def not_modified():
        reply = series_calendar(
            factory.get(url, HTTP_IF_NONE_MATCH=response["ETag"]), slug=series.slug
        )
        assert reply.status_code == 304

    django_ical_time = median_time(theirs, runs=runs)
    cold_time = median_time(ours, runs=runs, before=cache.clear)
    cached_time = median_time(ours, runs=runs)
    not_modified_time = median_time(not_modified, runs=runs * 3)
    ms = 1000
    return [
        (
            f"series feed, {TALKS:,} talks: django-ical",
            f"{django_ical_time * ms:.1f} ms",
            "1.00x",
            "baseline",
        ),
        (
            "series feed: ours, cold cache",
            f"{cold_time * ms:.1f} ms",
            f"{django_ical_time / cold_time:.1f}x faster",
            "≥ 3x faster than django-ical",
        ),
        (
            "series feed: ours, from the cache",
            f"{cached_time * ms:.2f} ms",
            f"{django_ical_time / cached_time:.0f}x faster",
            "≥ 5x faster than django-ical",
        ),
        (
            "series feed: 304 to If-None-Match",
            f"{not_modified_time * ms:.2f} ms",
            f"{cold_time / not_modified_time:.0f}x faster than cold",
            "≥ 50x faster than a build",
        ),
        (
            "series feed size (ours; django-ical)",
            f"{len(ours_body) / 1000:.0f} kB; {len(theirs_body) / 1000:.0f} kB",
            "",
            "< 1 MB",
        ),
    ]
