"""Template filters and tags for the public pages."""

import datetime as dt
import functools
import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .. import calendar_links, zones

register = template.Library()

# The same escapes Django's json_script uses, so text can't close the <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def link_url(url: str) -> str:
    """The URL if it is safe to link to (http, https or mailto), else an empty string."""
    url = (url or "").strip()
    return url if url.lower().startswith(("http://", "https://", "mailto:")) else ""


@register.filter
def jsonld(data) -> str:
    """A JSON-LD script element; the JSON is escaped so no text can end the element."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(
        _JSON_SCRIPT_ESCAPES
    )
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


@register.filter
def webcal(url: str) -> str:
    return calendar_links.webcal_url(url)


@register.simple_tag(takes_context=True)
def absolute(context, url: str) -> str:
    """An absolute URL on this site for a path."""
    return context["request"].build_absolute_uri(url)


@register.inclusion_tag("seminars/includes/subscribe.html", takes_context=True)
def subscribe(context, feed_path: str, name: str):
    """The block of subscription links for a calendar feed."""
    feed_url = context["request"].build_absolute_uri(feed_path)
    return {
        "name": name,
        "feed_url": feed_url,
        "webcal_url": calendar_links.webcal_url(feed_url),
        "google_url": calendar_links.google_subscribe_url(feed_url),
        "outlook_url": calendar_links.outlook_subscribe_url(feed_url, name),
    }


def _time(value: dt.date, text: str) -> str:
    # isoformat() rather than strftime, which writes year 1 as "1".
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), text)


def talk_day(talk, zone) -> dt.date:
    """The day a talk is listed under when times are shown in `zone`.

    An all-day talk's days are dates, the same wherever the visitor is: those it has in the
    site's zone, where it was entered or imported (as calendar feeds and links give them).
    """
    return (talk.local_days() if talk.all_day else talk.local_days(zone))[0]


@register.filter
def by_day(talks) -> list[tuple[dt.date, list]]:
    """`talks` under their days in the active zone: (day, talks) in the order of the list.

    A day's talks stay together even when the list has them apart, as an all-day talk (dated
    in the site's zone) can be among timed talks of the day before in a zone further west.
    """
    zone = timezone.get_current_timezone()
    days = {}
    for talk in talks:
        days.setdefault(talk_day(talk, zone), []).append(talk)
    return list(days.items())


@register.simple_tag
def talk_time(talk, show_date=True):
    """When a talk happens, in the active zone (the visitor's, zones.ZoneMiddleware), as
    <time> elements; an all-day talk by its dates (talk_day()).

    In UTC instead for a talk the zone cannot hold (Talk.local_times()), saying so.
    Written in Python rather than as an included template: it runs once per talk on every list.
    """
    day = "D j M Y"
    if talk.all_day:
        first, last = talk.local_days()
        text = _time(first, date_format(first, day))
        if last > first:
            text = format_html("{} – {}", text, _time(last, date_format(last, day)))
        return format_html('{}<span class="all-day">, all day</span>', text)
    start, end = talk.local_times(timezone.get_current_timezone())
    text = date_format(start, f"{day}, H:i") if show_date else date_format(start, "H:i")
    until = ""
    if end is not None:
        end_format = "H:i" if end.date() == start.date() else f"{day}, H:i"
        until = format_html("–{}", _time(end, date_format(end, end_format)))
    return format_html(
        '{}{} <abbr class="zone" title="{}">{}</abbr>',
        _time(start, text),
        until,
        getattr(start.tzinfo, "key", "UTC"),  # a ZoneInfo's name, else the UTC fallback
        date_format(start, "T"),
    )


@register.simple_tag
def zone_options():
    """The zone picker's <option>s, the active zone selected."""
    return _zone_options(timezone.get_current_timezone_name())


@functools.lru_cache(maxsize=32)
def _zone_options(current: str) -> str:
    # Some 500 options on every page built: made once per zone rather than once per page.
    names = zones.picker_names()
    if current not in names:  # a legacy name, from TIME_ZONE or a link
        names = (current, *names)
    return format_html_join(
        "", "<option{}>{}</option>", ((" selected" if n == current else "", n) for n in names)
    )
