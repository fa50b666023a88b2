"""iCalendar feeds over HTTP: one talk, a series, a speaker, the site or chosen series.

A feed's body is built whole and cached under the site's content version and the hour it is
built for: the content version changes with any change to what feeds show, and the hour with
time alone, as talks leave a feed's window. Within one version and hour a feed's body is
the same on every server, since it is built as of the start of the hour. Serving reads and
never writes to the database.

Calendar apps poll these for years, so every response carries validators, and Django's
conditional-request handling answers a request that has the current body with a 304:

- ETag: a hash of the body. Strong (the same hash, the same bytes), the same on every server,
  and unchanged by a change elsewhere on the site or the turn of an hour that leaves the feed
  as it was.
- Last-Modified: the later of the content's last change (ContentVersion.changed) and the
  start of the hour. A body depends on nothing else that changes (host and settings apart,
  which have their own URLs and deploys), so a new body comes with a later Last-Modified;
  both parts only move forward (one is the database's clock, written on every change, the
  other the hour); and every server reads the same two. It moves more often than the body:
  with every change anywhere on the site, and every hour. HTTP dates count whole seconds, so
  two changes within one second can share it: the ETag tells those apart, and wins when a
  client sends both. The time of change is written inside the change's transaction, so a
  transaction that commits in the next hour may leave Last-Modified where the hour put it;
  again the ETag tells. A deploy that changes the bytes changes the ETag at once and
  Last-Modified at the next hour.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import content_disposition_header, http_date, quote_etag
from django.views.decorators.http import require_safe

from .. import compression, joining
from ..choosing import MAX_CHOSEN_SERIES, choose_series
from ..ics import export
from ..models import ContentVersion, Series, Speaker, Talk

SERIES_PAST = dt.timedelta(days=365)  # how far back series, speaker and chosen-series feeds go
SITE_PAST = dt.timedelta(days=30)  # how far back the site's feed goes
KEEP_CANCELLED = dt.timedelta(days=30)  # a cancelled talk stays this long after the change
# Google Calendar drops feeds of more than about 1,111 events or 1 MB.
MAX_EVENTS = 1000
MAX_BYTES = 1_000_000
MAX_AGE = 300  # seconds a browser or proxy may reuse a response without asking
# Feeds are built as of the start of the hour: a talk that ends counts as past, and one that
# leaves the window leaves it, up to an hour late, which no calendar app polls faster than.
HOUR = dt.timedelta(hours=1)
CONTENT_TYPE = "text/calendar; charset=utf-8"


@dataclass
class Feed:
    """What one feed serves, and under which names."""

    key: str  # tells feeds apart in the cache
    talks: QuerySet  # what the feed may carry before windowing
    name: str | None  # the calendar's; None for one talk's file, which names no calendar
    filename: str
    description: str = ""
    past: dt.timedelta | None = None  # how far back the feed goes; None for a single talk


def talk_feed(talk: Talk) -> Feed:
    return Feed(
        key=f"talk:{talk.pk}",
        talks=Talk.objects.filter(pk=talk.pk),
        name=None,
        filename=f"{talk.slug or 'talk'}.ics",
    )


def series_feed(series: Series) -> Feed:
    return Feed(
        key=f"series:{series.pk}",
        talks=series.talks.all(),
        name=series.name,
        description=series.description,
        filename=f"{series.slug}.ics",
        past=SERIES_PAST,
    )


def speaker_feed(speaker: Speaker) -> Feed:
    return Feed(
        key=f"speaker:{speaker.pk}",
        talks=speaker.talks.all(),
        name=f"Talks by {speaker.name}",
        description=f"Talks by {speaker.name} at {settings.SITE_NAME}.",
        filename=f"{speaker.slug}.ics",
        past=SERIES_PAST,
    )


def site_feed() -> Feed:
    return Feed(
        key="site",
        talks=Talk.objects.all(),
        name=settings.SITE_NAME,
        description=(
            f"Upcoming talks at {settings.SITE_NAME}, and those of the last {SITE_PAST.days} days."
        ),
        filename="talks.ics",
        past=SITE_PAST,
    )


def chosen_series_feed(chosen: list[Series]) -> Feed:
    """The feed of `chosen`; of none, an empty calendar named after the site."""
    return Feed(
        key="chosen:" + ",".join(str(pk) for pk in sorted(series.pk for series in chosen)),
        talks=Talk.objects.filter(series__in=chosen),
        name=", ".join(series.name for series in chosen) or settings.SITE_NAME,
        description=f"Talks of {len(chosen)} series at {settings.SITE_NAME}."
        if chosen
        else f"None of this calendar's series are at {settings.SITE_NAME} any more.",
        filename="talks.ics",
        past=SERIES_PAST,
    )


@require_safe
def talk_calendar(request, pk):
    return _serve(request, lambda: talk_feed(get_object_or_404(Talk.objects.only("slug"), pk=pk)))


@require_safe
def series_calendar(request, slug):
    # An old slug serves the same feed: calendar apps don't all follow redirects.
    return _serve(request, lambda: series_feed(get_object_or_404(Series.objects.by_slugs([slug]))))


@require_safe
def speaker_calendar(request, slug):
    return _serve(request, lambda: speaker_feed(get_object_or_404(Speaker, slug=slug)))


@require_safe
def site_calendar(request):
    """Every series' upcoming and recent talks, or a year of those of `?series=slug,slug`
    (or `?series=slug&series=slug`).

    Series that are unknown or gone are left out rather than failing the whole feed: a
    subscribed calendar must not break when one of its series is deleted. Old slugs of
    renamed series count as theirs.
    """

    def feed():
        choice = choose_series(request.GET.getlist("series"))
        if not choice.slugs:
            return site_feed()
        if choice.left_out:
            raise Http404(f"A feed can combine at most {MAX_CHOSEN_SERIES} series.")
        return chosen_series_feed(choice.series)

    return _serve(request, feed)


def _serve(request, make_feed) -> HttpResponse:
    """The feed `make_feed()` gives (it raises Http404 for none), from the cache: a request
    the cache can answer reads the content version and nothing else of the database."""
    now = timezone.now()
    # A "shortly before" join link appearing or going changes the feed with no write.
    return _respond(request, now, ContentVersion.objects.state(now), make_feed)


def cached_response(request) -> HttpResponse | None:
    """The response to a feed request from the cache alone, the content version read at most
    once a second; None when the cache does not hold it (the view then makes it)."""
    now = timezone.now()
    return _respond(request, now, ContentVersion.objects.state_this_second(now), None)


def _respond(request, now, content_state, make_feed) -> HttpResponse | None:
    token, changed, joined = content_state
    hour = hour_start(now)
    site_url = request.build_absolute_uri("/").removesuffix("/")
    state = f"{token}.{joined.timestamp() if joined else 0}"
    feed, ident = _feed_of(request, make_feed, state)
    if ident is None:
        return None
    key = _calendar_key(ident, site_url=site_url, token=state, hour=hour)
    meta, built = cache.get(key), None
    if meta is None:
        if make_feed is None:
            return None
        feed = feed or make_feed()
        meta, built = _build_calendar(feed, key, site_url=site_url, hour=hour)
    if joined is not None and joined > joining.EPOCH:
        changed = joined if changed is None else max(changed, joined)
    modified = last_modified(changed, hour)
    encoding = compression.choose(request, meta["encodings"])
    etag = compression.etag_for(meta["etag"], encoding)
    response = HttpResponse(content_type=CONTENT_TYPE)
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(modified.timestamp())
    response.headers["Content-Disposition"] = content_disposition_header(True, ident[-1])
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    patch_vary_headers(response, ["Accept-Encoding"])
    conditional = get_conditional_response(
        request, etag=etag, last_modified=int(modified.timestamp()), response=response
    )
    if conditional is not response:
        return conditional  # 304 or 412: no body read
    body = built[encoding] if built else cache.get(f"{key}:{encoding}")
    if body is None:  # gone from the cache before its description: made anew
        if make_feed is None:
            return None
        _, built = _build_calendar(feed or make_feed(), key, site_url=site_url, hour=hour)
        body = built[encoding]
    compression.send(request, response, body, encoding)
    return response


def hour_start(now: dt.datetime) -> dt.datetime:
    """The start of the hour `now` falls in, in UTC."""
    return now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def last_modified(changed: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """A feed's Last-Modified at `now`, for content last changed at `changed` (see above)."""
    hour = hour_start(now)
    return hour if changed is None else max(changed, hour)


def _feed_of(request, make_feed, state: str) -> tuple[Feed | None, tuple]:
    """The feed the request's address names, as (the Feed, made only on a miss, and what
    tells it apart: its key, name, description and file name). Cached per address and
    content version, so that a request the cache answers asks no query to find its series;
    addresses that name the same feed (old slugs, junk series) share its one cached body."""
    parts = (request.path, request.GET.getlist("series"), state)
    address = "seminars:ics-feed:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    ident = cache.get(address)
    if ident is not None or make_feed is None:
        return None, ident
    feed = make_feed()
    ident = (feed.key, feed.name, feed.description, feed.filename)
    cache.set(address, ident, int(HOUR.total_seconds()))
    return feed, ident


def _calendar_key(ident: tuple, *, site_url: str, token: str, hour: dt.datetime) -> str:
    """The cache key of the feed (`ident`, see _feed_of) for this content version and hour."""
    # The name and description come from settings for some feeds, and TIME_ZONE sets the
    # days of all-day talks: part of the key so that a changed setting is never served stale.
    parts = (*ident, settings.TIME_ZONE, site_url, token, hour)
    return "seminars:ics:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _build_calendar(feed: Feed, key: str, *, site_url: str, hour: dt.datetime):
    """Make the feed's body and its compressed forms and cache them: under `key` its ETag
    and encodings, under `key:<encoding>` each body ("" the plain one), so that a request
    reads the one form it is sent (a tenth of the plain body for gzip) and a 304 none.
    Returns (that description, {encoding: body})."""
    body = calendar_bytes(feed, site_url=site_url, now=hour)
    forms = {"": body, **compression.variants(body)}
    meta = {"etag": quote_etag(hashlib.sha256(body).hexdigest()[:32]), "encodings": list(forms)}
    entries = {f"{key}:{encoding}": data for encoding, data in forms.items()}
    # The bodies first: a description is never cached without them (until one is evicted).
    cache.set_many(entries, int(HOUR.total_seconds()))  # no use once the hour is over
    cache.set(key, meta, int(HOUR.total_seconds()))
    return meta, forms


def calendar_bytes(feed: Feed, *, site_url: str, now: dt.datetime) -> bytes:
    """The feed's calendar as of `now`.

    The window's talks are taken nearest first, up to MAX_EVENTS and as long as the calendar
    stays under MAX_BYTES, and written in order of time.
    """
    if feed.past is None:
        talks = feed.talks
    else:
        talks = feed.talks.in_calendar_window(
            past=feed.past, keep_cancelled=KEEP_CANCELLED, now=now
        )
    if feed.name is None:
        head = export.file_head()
    else:
        head = export.calendar_head(name=feed.name, description=feed.description)
    room = MAX_BYTES - len(head) - len(export.CALENDAR_END)
    kept = []
    for talk in talks.with_speakers().nearest(MAX_EVENTS, now):
        data = export.event_bytes(talk, site_url=site_url, subscribed=feed.name is not None)
        room -= len(data)
        if room < 0:
            break
        kept.append((talk.start, data))
    kept.sort(key=lambda event: event[0])  # stable: talks starting together stay as they were
    return b"".join((head, *(data for _, data in kept), export.CALENDAR_END))
