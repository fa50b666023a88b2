"""Listings made to sit in an iframe on another site: one series, chosen series, one speaker.

Each is a compact page with no site header whose links open the full site in the top window.
These are the only pages another site may frame (`security.embeddable`).

Query parameters are forgiving, since a broken embed shows on someone else's page:
`?limit=N` is clamped to 1–50 and anything not a number means the default; `?past=1` lists
the most recent past talks instead of the upcoming ones; unknown series are left out, and
of more than `choosing.MAX_CHOSEN_SERIES`, the first ones in the site's list are shown.
"""

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from .caching import cached_page
from .choosing import choose_series
from .models import Series, Speaker, Talk
from .security import embeddable

DEFAULT_LIMIT = 10
MAX_LIMIT = 50


def limit_from(value) -> int:
    """How many talks to list for `?limit=value`: clamped to 1–MAX_LIMIT, default if no number."""
    try:
        return min(max(int(value), 1), MAX_LIMIT)
    except (TypeError, ValueError):
        return DEFAULT_LIMIT


def _listing(request, talks, *, heading, heading_url, show_series=True):
    past = request.GET.get("past") == "1"
    talks = talks.past() if past else talks.upcoming()
    limit = limit_from(request.GET.get("limit"))
    return render(
        request,
        "embed/talks.html",
        {
            "heading": heading,
            "heading_url": heading_url,
            "talks": talks.with_speakers()[:limit],
            "past": past,
            "show_series": show_series,
        },
    )


def _missing(request, what: str):
    # A framed page of its own rather than the site's 404, which refuses to be framed and
    # would leave a browser's error box on the embedding page.
    return render(request, "embed/missing.html", {"what": what}, status=404)


@embeddable
@require_safe
@cached_page
def series_embed(request, slug):
    series = Series.objects.only("name", "slug").by_slugs([slug]).first()
    if series is None:
        return _missing(request, "series")
    return _listing(
        request,
        series.talks.all(),
        heading=series.name,
        heading_url=series.get_absolute_url(),
        show_series=False,
    )


@embeddable
@require_safe
@cached_page
def talks_embed(request):
    """Talks of `?series=a,b` (those that exist, at most `MAX_CHOSEN_SERIES`), or of every
    series without it."""
    talks = Talk.objects.all()
    heading, heading_url = settings.SITE_NAME, reverse("seminars:upcoming")
    choice = choose_series(request.GET.getlist("series"))
    if choice.slugs:
        chosen = choice.followed
        talks = talks.filter(series__in=chosen)
        if len(chosen) == 1:
            heading, heading_url = chosen[0].name, chosen[0].get_absolute_url()
        elif chosen:
            heading = ", ".join(series.name for series in chosen)
    return _listing(request, talks, heading=heading, heading_url=heading_url)


@embeddable
@require_safe
@cached_page
def speaker_embed(request, slug):
    speaker = Speaker.objects.only("name", "slug").filter(slug=slug).first()
    if speaker is None:
        return _missing(request, "speaker")
    return _listing(
        request,
        speaker.talks.all(),
        heading=f"Talks by {speaker.name}",
        heading_url=speaker.get_absolute_url(),
    )
