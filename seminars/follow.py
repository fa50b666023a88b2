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
from .choosing import MAX_CHOSEN_SERIES, choose_series
from .models import Series, Talk
from .paging import talk_page

PAGE_SIZE = 25


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
    # In the order of the page's list, so that "the first" are the first ticked there.
    choice = choose_series(request.GET.getlist("series"))
    chosen, followed, left_out = choice.series, choice.followed, choice.left_out
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
        keep = [("series", series.slug) for series in chosen]
        page = talk_page(talks, request.GET, size=PAGE_SIZE, keep=keep)
        context |= feed_links(request, followed)
        context |= {
            "page": page,
            "talks": page.object_list,
            "query": urlencode(keep),
        }
    return render(request, "seminars/follow.html", context)
