"""The follow page: tick series, get one calendar feed of them and see their upcoming talks.

A GET form, so it works without JavaScript or an account, and the choice is the page's
address. The form writes `?series=a&series=b`, the canonical form; `?series=a,b`, as in the
feed's own URL, is read as well, and so are old slugs of renamed series.
"""

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from . import calendar_links
from .caching import cached_page
from .feeds import MAX_CHOSEN_SERIES
from .models import Series, Talk
from .paging import page_of

PAGE_SIZE = 25
MAX_SLUGS = 100  # read no further: the feed takes MAX_CHOSEN_SERIES anyway


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
    # The name the feed gives itself (feeds.chosen_series_feed), which Outlook shows.
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
    chosen = list(Series.objects.by_slugs(slugs).only("name", "slug")) if slugs else []
    context = {
        "all_series": Series.objects.only("name", "slug"),
        "chosen": chosen,
        "ticked": {series.slug for series in chosen},
        "max_series": MAX_CHOSEN_SERIES,
        "nav": "follow",
    }
    if chosen and len(chosen) <= MAX_CHOSEN_SERIES:
        talks = Talk.objects.filter(series__in=chosen).upcoming().with_speakers()
        page = page_of(talks, request.GET.get("page"), size=PAGE_SIZE)
        context |= feed_links(request, chosen)
        context |= {
            "page": page,
            "talks": page.object_list,
            "query": urlencode([("series", series.slug) for series in chosen]),
        }
    return render(request, "seminars/follow.html", context)
