"""iCalendar feeds over HTTP: one talk, a series, a speaker, the site or chosen series.

Calendar apps poll these for years, so a request first works out the feed's validators from
one aggregate query and answers a conditional GET with 304 before anything is serialised.
A full response reuses each talk's serialised VEVENT from the cache while the talk, its
series and its speakers are unchanged.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connections, transaction
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import content_disposition_header, http_date, quote_etag
from django.views.decorators.http import require_safe

from .caching import content_version
from .ics import export
from .models import PublishedFeed, Series, Speaker, Talk

SERIES_PAST = dt.timedelta(days=365)  # how far back series, speaker and chosen-series feeds go
SITE_PAST = dt.timedelta(days=30)  # how far back the site's feed goes
KEEP_CANCELLED = dt.timedelta(days=30)  # a cancelled talk stays this long after the change
# Google Calendar drops feeds of more than about 1,111 events or 1 MB.
MAX_EVENTS = 1000
MAX_BYTES = 1_000_000
MAX_CHOSEN_SERIES = 20
MAX_AGE = 300  # seconds a browser or proxy may reuse a response without asking
CACHE_TIMEOUT = 7 * 24 * 3600
VERSION_TIMEOUT = 60  # seconds; as long as a page stays cached
# Raise when the bytes written for unchanged talks change, so that ETags, Last-Modified and
# cached events follow.
FORMAT = 1
CONTENT_TYPE = "text/calendar; charset=utf-8"


@dataclass
class Feed:
    """What one feed serves, and under which names."""

    key: str  # names the feed in PublishedFeed
    talks: QuerySet  # what the feed may carry before windowing
    name: str
    description: str
    filename: str
    past: dt.timedelta | None = None  # how far back the feed goes; None for a single talk


@require_safe
def talk_calendar(request, pk):
    talk = get_object_or_404(Talk.objects.select_related("series"), pk=pk)
    feed = Feed(
        key=f"talk:{talk.pk}",
        talks=Talk.objects.filter(pk=talk.pk),
        name=talk.series.name,
        description=talk.series.description,
        filename=f"{talk.slug or 'talk'}.ics",
    )
    return _serve(request, feed)


@require_safe
def series_calendar(request, slug):
    series = get_object_or_404(Series, slug=slug)
    feed = Feed(
        key=f"series:{series.pk}",
        talks=series.talks.all(),
        name=series.name,
        description=series.description,
        filename=f"{series.slug}.ics",
        past=SERIES_PAST,
    )
    return _serve(request, feed)


@require_safe
def speaker_calendar(request, slug):
    speaker = get_object_or_404(Speaker, slug=slug)
    feed = Feed(
        key=f"speaker:{speaker.pk}",
        talks=Talk.objects.filter(talk_speakers__speaker=speaker),
        name=f"Talks by {speaker.name}",
        description=f"Talks by {speaker.name} at {settings.SITE_NAME}.",
        filename=f"{speaker.slug}.ics",
        past=SERIES_PAST,
    )
    return _serve(request, feed)


@require_safe
def site_calendar(request):
    """Every series' upcoming and recent talks, or a year of those of `?series=slug,slug`."""
    slugs = sorted({s.strip() for s in request.GET.get("series", "").split(",") if s.strip()})
    if not slugs:
        feed = Feed(
            key="site",
            talks=Talk.objects.all(),
            name=settings.SITE_NAME,
            description=(
                f"Upcoming talks at {settings.SITE_NAME}, "
                f"and those of the last {SITE_PAST.days} days."
            ),
            filename="talks.ics",
            past=SITE_PAST,
        )
        return _serve(request, feed)
    if len(slugs) > MAX_CHOSEN_SERIES:
        raise Http404(f"A feed can combine at most {MAX_CHOSEN_SERIES} series.")
    chosen = list(Series.objects.filter(slug__in=slugs))
    if len(chosen) != len(slugs):
        raise Http404("No series with that slug.")
    ids = ",".join(str(series.pk) for series in sorted(chosen, key=lambda s: s.pk))
    feed = Feed(
        key=_bounded_key(f"chosen:{ids}"),
        talks=Talk.objects.filter(series__in=chosen),
        name=", ".join(series.name for series in chosen),
        description=f"Talks of {len(chosen)} series at {settings.SITE_NAME}.",
        filename="talks.ics",
        past=SERIES_PAST,
    )
    return _serve(request, feed)


def _serve(request, feed: Feed) -> HttpResponse:
    now = timezone.now()
    window = _window(feed, now)
    fingerprint, last_modified = _remembered_version(feed, window, now)
    site_url = request.build_absolute_uri("/").removesuffix("/")
    etag = quote_etag(_digest(fingerprint, site_url))
    response = HttpResponse(content_type=CONTENT_TYPE)
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(last_modified.timestamp())
    response.headers["Content-Disposition"] = content_disposition_header(True, feed.filename)
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    conditional = get_conditional_response(
        request, etag=etag, last_modified=int(last_modified.timestamp()), response=response
    )
    if conditional is not response:
        return conditional  # 304 or 412, with nothing built
    body = _calendar_bytes(feed, window, site_url, now)
    if request.method == "HEAD":
        response.headers["Content-Length"] = str(len(body))
    else:
        response.content = body
    return response


def _window(feed: Feed, now: dt.datetime) -> QuerySet:
    """The talks of the feed's time window, before the cap."""
    if feed.past is None:
        return feed.talks.with_finish()
    return feed.talks.in_calendar_window(past=feed.past, keep_cancelled=KEEP_CANCELLED, now=now)


def _remembered_version(feed: Feed, window: QuerySet, now: dt.datetime):
    """_version(), kept in the cache until the site's content changes or VERSION_TIMEOUT
    passes (talks also move through a feed's window with time alone). This makes a 304 cost
    two small queries, whatever the size of the feed."""
    key = "seminars:ics-version:" + _digest(FORMAT, feed.key, content_version())
    version = cache.get(key)
    if version is None:
        version = _version(feed, window, now)
        cache.set(key, version, VERSION_TIMEOUT)
    return version


def _version(feed: Feed, window: QuerySet, now: dt.datetime) -> tuple[str, dt.datetime]:
    """The feed's fingerprint and when it last changed; stores a new fingerprint's time.

    The fingerprint covers the window's talks, their series and speakers (one aggregate
    query): which talks there are, how many are still to come (which, with the rest, decides
    what the cap keeps), and the latest change to any of them. A new fingerprint gets the
    time of that change if it is newer than the time stored before, else now, and always at
    least a second later: Last-Modified never moves backwards.
    """
    # Aggregated over the window's ids rather than the window itself, so that the joins to
    # speakers are fresh ones (a speaker's feed filters on the same relation). The sums run
    # over talk × speaker rows: they change whenever a talk comes, goes, passes or changes
    # speakers, which is all a fingerprint needs, and cost less than distinct counts.
    state = (
        Talk.objects.with_finish()
        .filter(pk__in=window.values("pk"))
        .aggregate(
            rows=Count("pk"),
            upcoming=Count("pk", filter=Q(finish__gte=now)),
            ids=Sum("pk"),
            id_squares=Sum(F("pk") * F("pk")),
            speaker_ids=Sum("talk_speakers__speaker_id"),
            updated=Max("updated"),
            speakers_updated=Max("talk_speakers__speaker__updated"),
            series_updated=Max("series__updated"),
        )
    )
    fingerprint = _digest(
        FORMAT, feed.name, feed.description, settings.TIME_ZONE, *sorted(state.items())
    )
    stamps = [state[name] for name in ("updated", "speakers_updated", "series_updated")]
    latest = max((s for s in stamps if s is not None), default=now)
    latest = min(latest, now).replace(microsecond=0)

    known = PublishedFeed.objects.filter(key=feed.key).first()
    if known is None:
        try:
            with transaction.atomic():
                PublishedFeed.objects.create(
                    key=feed.key, fingerprint=fingerprint, last_modified=latest
                )
        except IntegrityError:
            pass  # another request stored this feed a moment ago
        return fingerprint, latest
    if known.fingerprint == fingerprint:
        return fingerprint, known.last_modified
    changed = latest if latest > known.last_modified else now.replace(microsecond=0)
    last_modified = max(changed, known.last_modified + dt.timedelta(seconds=1))
    # Only over the version read, so that of two racing requests one wins.
    PublishedFeed.objects.filter(pk=known.pk, fingerprint=known.fingerprint).update(
        fingerprint=fingerprint, last_modified=last_modified
    )
    return fingerprint, last_modified


def _calendar_bytes(feed: Feed, window: QuerySet, site_url: str, now: dt.datetime) -> bytes:
    """The feed's calendar, serialising only the talks changed since the cached version.

    The window's talks are taken nearest first, up to MAX_EVENTS and as long as the calendar
    stays under MAX_BYTES, and written in order of time. The cache holds one entry per feed
    and host: each event's bytes under a key naming the versions of the talk, its series and
    its speakers. One entry rather than one per event, so that a 1,000-event feed fits a
    cache that keeps a few hundred entries (LocMem's default).
    """
    nearest = window.nearest_first(now)[:MAX_EVENTS]
    versions = _event_versions(
        Talk.objects.filter(pk__in=nearest.values("pk"))
        .nearest_first(now)
        .values_list("pk", "start", "updated", "sequence", "series__updated")
        .annotate(
            speakers_updated=Max("talk_speakers__speaker__updated"),
            speaker_links=Count("talk_speakers"),
        )
    )
    cache_key = "seminars:ics:" + _digest(FORMAT, settings.TIME_ZONE, feed.key, site_url)
    cached = cache.get(cache_key) or {}
    missing = [version[0] for version in versions if version not in cached]
    fresh = {}
    if missing:
        talks = Talk.objects.with_speakers().filter(pk__in=missing)
        fresh = {talk.pk: export.event_bytes(talk, site_url=site_url) for talk in talks}
    events = {}
    for version in versions:
        data = cached.get(version) or fresh.get(version[0])
        if data is not None:  # None: the talk was deleted a moment ago
            events[version] = data
    if events.keys() != cached.keys():
        cache.set(cache_key, events, CACHE_TIMEOUT)

    head = export.calendar_head(name=feed.name, description=feed.description)
    room = MAX_BYTES - len(head) - len(export.CALENDAR_END)
    kept = []
    for version, data in events.items():
        room -= len(data)
        if room < 0:
            break
        kept.append((version[1], data))  # (start, bytes)
    kept.sort(key=lambda event: event[0])
    return b"".join((head, *(data for _, data in kept), export.CALENDAR_END))


def _event_versions(rows: QuerySet) -> list[tuple]:
    """The rows as the database gives them.

    Raw values are enough to tell versions apart and to sort by, and skipping Django's
    conversion of four datetimes per talk halves the time of a build from the cache.
    """
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _digest(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _bounded_key(key: str) -> str:
    """A PublishedFeed key that fits its column, however many series a feed combines."""
    max_length = PublishedFeed._meta.get_field("key").max_length
    return key if len(key) <= max_length else f"sha256:{_digest(key)}"
