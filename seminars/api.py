"""A read-only JSON API: talks, series and speakers, for other sites and scripts.

Plain views returning JsonResponse. Every response may be read from any origin (CORS `*`),
no cookie is read or set, bodies are cached like pages (`cached_page`) and carry an ETag, so
a client that sends it back gets a 304. The README's "Embeds and the JSON API" lists the fields.
"""

import datetime as dt
import functools
import hashlib
import re

from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import quote_etag
from django.views.decorators.csrf import csrf_exempt

from . import joining, materials
from .caching import PAGE_TIMEOUT, cached_page
from .choosing import MAX_CHOSEN_SERIES, choose_series
from .models import Series, Speaker, Talk
from .paging import MAX_OFFSET, beyond, cursor, read_cursor

PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
SPEAKER_TALKS = 20  # upcoming and recent talks on a speaker's record, each way
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
METHODS = "GET, HEAD"


class BadParameter(Exception):
    """A query parameter the API refuses: answered with a 400 naming it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter


def _error(status: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def json_endpoint(view):
    """GET and HEAD for any origin, with an ETag; OPTIONS says so; every other method is a 405.

    Simple cross-origin GETs need no preflight, but an OPTIONS is answered all the same.
    """

    # Cached bodies come back without headers of their own: add them outside the cache.
    cached = cached_page(view)

    @functools.wraps(view)
    @csrf_exempt  # so that a POST gets our 405 rather than the CSRF check's 403
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response.headers["Access-Control-Allow-Methods"] = METHODS
        elif request.method not in ("GET", "HEAD"):
            response = _error(405, "Only GET and HEAD are allowed.")
            response.headers["Allow"] = f"{METHODS}, OPTIONS"
        else:
            response = _with_etag(request, cached(request, *args, **kwargs))
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapper


def _with_etag(request, response):
    if response.status_code not in (200, 304):
        return response
    patch_cache_control(response, public=True, max_age=PAGE_TIMEOUT)
    if "ETag" in response.headers:  # cached_page's, per encoding, checked already
        return response
    response.headers["ETag"] = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
    return get_conditional_response(request, etag=response.headers["ETag"], response=response)


def _bad_parameters(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadParameter as error:
            return _error(400, str(error), parameter=error.parameter)

    return wrapper


# What a talk, a series and a speaker look like


def talk_data(request, talk: Talk) -> dict:
    """A talk as the API shows it. Its series and speakers come prefetched (with_speakers())."""
    if talk.all_day:
        # Dates, the end being the last day itself, as on the talk's page.
        start, end = (day.isoformat() for day in talk.local_days())
    else:
        start, end = talk.local_times()
        start, end = start.isoformat(timespec="seconds"), end and end.isoformat(timespec="seconds")
    url = request.build_absolute_uri
    return {
        "id": talk.pk,
        "uid": talk.uid,
        "title": talk.title,
        "start": start,
        "end": end,
        "all_day": talk.all_day,
        "status": talk.status,
        "series": {
            "name": talk.series.name,
            "slug": talk.series.slug,
            "url": url(talk.series.get_absolute_url()),
        },
        "speakers": [
            {
                "name": speaker.name,
                "slug": speaker.slug,
                "affiliation": speaker.affiliation,
                "url": url(speaker.get_absolute_url()),
            }
            for speaker in talk.speaker_list
        ],
        "venue": talk.venue,
        "attendance": talk.attendance,
        "online": {
            "join": joining.join_link(talk),
            "livestream": talk.livestream_url,
            **_materials(request, talk),
        },
        "abstract": talk.abstract,
        "url": url(talk.get_absolute_url()),
        "ics_url": url(reverse("seminars:talk_ics", kwargs={"pk": talk.pk})),
    }


def _materials(request, talk: Talk) -> dict:
    """The recording and slides links, once the talk is over (seminars.materials)."""
    if not materials.public(talk):
        return {"recording": "", "slides": ""}
    slides = materials.slides_link(talk)
    return {
        "recording": talk.recording_url,
        "slides": request.build_absolute_uri(slides) if slides.startswith("/") else slides,
    }


def series_data(request, series: Series) -> dict:
    url = request.build_absolute_uri
    slug = {"slug": series.slug}
    return {
        "name": series.name,
        "slug": series.slug,
        "description": series.description,
        "contact": series.contact,
        "urls": {
            "page": url(series.get_absolute_url()),
            "ics": url(reverse("seminars:series_ics", kwargs=slug)),
            "atom": url(reverse("seminars:series_atom", kwargs=slug)),
            "embed": url(reverse("seminars:series_embed", kwargs=slug)),
        },
        "upcoming_count": series.upcoming_count,
    }


def speaker_data(request, speaker: Speaker, *, upcoming, recent) -> dict:
    url = request.build_absolute_uri
    return {
        "name": speaker.name,
        "slug": speaker.slug,
        "affiliation": speaker.affiliation,
        "homepage": speaker.homepage,
        "url": url(speaker.get_absolute_url()),
        "ics_url": url(reverse("seminars:speaker_ics", kwargs={"slug": speaker.slug})),
        "upcoming": [talk_data(request, talk) for talk in upcoming],
        "recent": [talk_data(request, talk) for talk in recent],
    }


# Reading the filters


def _date(request, name: str) -> dt.date | None:
    value = request.GET.get(name)
    if value is None:
        return None
    try:
        if DATE.fullmatch(value):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise BadParameter(name, f"'{name}' must be a date as YYYY-MM-DD.")


def _number(request, name: str, *, default: int, most: int) -> int:
    value = request.GET.get(name)
    if value is None:
        return default
    # Digits only, and few enough for int() (which refuses thousands of them) to be cheap.
    if not (value.isascii() and value.isdigit() and len(value) < 20 and 1 <= int(value) <= most):
        raise BadParameter(name, f"'{name}' must be a whole number from 1 to {most}.")
    return int(value)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=timezone.get_default_timezone())


def _chosen_series(request) -> list[Series]:
    choice = choose_series(request.GET.getlist("series"))
    if not choice.slugs or choice.left_out:
        raise BadParameter(
            "series", f"'series' takes 1 to {MAX_CHOSEN_SERIES} comma-separated slugs."
        )
    # Stricter than the feeds and embeds, which leave unknown series out: a script is told.
    if unknown := choice.unknown():
        raise BadParameter("series", f"No series with the slug {', '.join(unknown)}.")
    return choice.series


def _speaker(request) -> Speaker:
    speaker = Speaker.objects.filter(slug=request.GET["speaker"]).only("pk").first()
    if speaker is None:
        raise BadParameter("speaker", "No speaker with that slug.")
    return speaker


def _filtered_talks(request):
    """The talks `request`'s filters ask for, in the order they are listed."""
    series = _chosen_series(request) if "series" in request.GET else None
    speaker = _speaker(request) if "speaker" in request.GET else None
    talks = speaker.talks.all() if speaker else Talk.objects.all()
    if series is not None:
        talks = talks.filter(series__in=series)
    if "status" in request.GET:
        if request.GET["status"] not in Talk.Status.values:
            choices = "|".join(Talk.Status.values)
            raise BadParameter("status", f"'status' must be one of {choices}.")
        talks = talks.filter(status=request.GET["status"])
    first, last = _date(request, "from"), _date(request, "to")
    if first and last and last < first:
        raise BadParameter("to", "'to' must not be before 'from'.")
    if first is None and last is None:
        return talks.upcoming()
    # Days of the site's zone; the first and last days a date holds reach to the ends of time
    # (the midnights around them may not fit in a datetime).
    if first and first > dt.date.min:
        talks = talks.filter(start__gte=_day_start(first))
    if last and last < dt.date.max:
        talks = talks.filter(start__lt=_day_start(last + dt.timedelta(days=1)))
    return talks.order_by("start", "id")


# The views


@json_endpoint
@_bad_parameters
def talks(request):
    """Upcoming talks, soonest first, or those starting `from`–`to`; `next` pages on.

    `next` carries a cursor (`after`: the last talk's start and id), so that page 2,000 costs
    what page 2 does: the start index finds where it begins, with no rows counted off. An
    old `page=N` link still works, by offset, and pages on by number."""
    size = _number(request, "limit", default=PAGE_SIZE, most=MAX_PAGE_SIZE)
    after = _after(request)
    listed = _filtered_talks(request)
    if after is not None:
        if "page" in request.GET:
            raise BadParameter("after", "Give 'after' or 'page', not both.")
        listed = beyond(listed, after, descending=False)
        rows = list(listed.with_speakers()[: size + 1])
        query = {"after": lambda: cursor(rows[size - 1])}
    else:
        page = _number(request, "page", default=1, most=(MAX_OFFSET - 1) // size)
        first = (page - 1) * size
        rows = list(listed.with_speakers()[first : first + size + 1])
        if "page" in request.GET:
            query = {"page": lambda: str(page + 1)}
        else:
            query = {"after": lambda: cursor(rows[size - 1])}
    next_url = None
    if len(rows) > size:
        params = request.GET.copy()
        params.pop("page", None)
        params.pop("after", None)
        for name, value in query.items():
            params[name] = value()
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    return JsonResponse(
        {"talks": [talk_data(request, talk) for talk in rows[:size]], "next": next_url}
    )


def _after(request) -> tuple[dt.datetime, int] | None:
    value = request.GET.get("after")
    if value is None:
        return None
    try:
        return read_cursor(value)
    except ValueError:
        raise BadParameter("after", "'after' must be taken from a 'next' link as it is.") from None


@json_endpoint
def series_list(request):
    """Every series, by name, with how many talks it has coming up (cancelled ones too, as
    `talks.json` lists them)."""
    series = Series.objects.with_talk_counts()
    return JsonResponse({"series": [series_data(request, s) for s in series]})


@json_endpoint
def speaker_detail(request, slug):
    speaker = Speaker.objects.filter(slug=slug).first()
    if speaker is None:
        return _error(404, "No speaker with that slug.")
    talks = speaker.talks.with_speakers()
    data = speaker_data(
        request,
        speaker,
        upcoming=talks.upcoming()[:SPEAKER_TALKS],
        recent=talks.past()[:SPEAKER_TALKS],
    )
    return JsonResponse(data)
