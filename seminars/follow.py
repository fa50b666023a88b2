"""The follow page: tick series, get one calendar feed of them and see their upcoming talks.

A GET form, so it works without JavaScript or an account, and the choice is the page's
address. The form writes `?series=a&series=b`, the canonical form; `?series=a,b`, as in the
feed's own URL, is read as well, and so are old slugs of renamed series.

One feed combines at most MAX_CHOSEN_SERIES series: of more, the page offers the feed of the
first ones in its list, names those it leaves out, and keeps every tick.
"""

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from . import calendar_links
from .caching import cached_page
from .feeds.calendars import MAX_CHOSEN_SERIES
from .models import Series, Talk
from .paging import page_of

PAGE_SIZE = 25
# Read no further: as many fields as Django reads from a request (DATA_UPLOAD_MAX_NUMBER_FIELDS),
# so that the form, which sends one per series, never has a tick dropped.
MAX_SLUGS = 1000


def chosen_slugs(values: list[str]) -> list[str]:
    """The slugs of `?series=` values, each one slug or several separated by commas,
    in order, without blanks or repeats."""
    slugs = dict.fromkeys(s.strip() for value in values for s in value.split(",") if s.strip())
    return list(slugs)[:MAX_SLUGS]


def feed_links(request, chosen: list[Series]) -> dict:
    """The combined feed of `chosen` (at most MAX_CHOSEN_SERIES): its address, and the links
    that subscribe calendar apps to it."""
    slugs = ",".join(sorted(series.slug for series in chosen))
    path = reverse("seminars:site_ics") + "?" + urlencode({"series": slugs}, safe=",")
    url = request.build_absolute_uri(path)
    # The name the feed gives itself (feeds.calendars.chosen_series_feed), which Outlook shows.
    name = ", ".join(series.name for series in chosen)
    return {
        "feed_path": path,
        "feed_url": url,
        "feed_name": name,
        "webcal_url": calendar_links.webcal_url(url),
        "google_url": calendar_links.google_subscribe_url(url),
        "outlook_url": calendar_links.outlook_subscribe_url(url, name),
    }


@require_safe
@cached_page
def follow(request):
    slugs = chosen_slugs(request.GET.getlist("series"))
    # In the order of the page's list, so that "the first" are the first ticked there.
    chosen = list(Series.objects.by_slugs(slugs).only("name", "slug")) if slugs else []
    followed, left_out = chosen[:MAX_CHOSEN_SERIES], chosen[MAX_CHOSEN_SERIES:]
    context = {
        # A series chosen in the address stays ticked even while it has nothing to show.
        "all_series": Series.objects.listed(including=[s.pk for s in chosen]).only("name", "slug"),
        "ticked": {series.slug for series in chosen},
        "max_series": MAX_CHOSEN_SERIES,
        "left_out": left_out,
        "nav": "follow",
    }
    if followed:
        talks = Talk.objects.filter(series__in=followed).upcoming().with_speakers()
        page = page_of(talks, request.GET.get("page"), size=PAGE_SIZE)
        context |= feed_links(request, followed)
        context |= {
            "page": page,
            "talks": page.object_list,
            "query": urlencode([("series", series.slug) for series in chosen]),
        }
    return render(request, "seminars/follow.html", context)
