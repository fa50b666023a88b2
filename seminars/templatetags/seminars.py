"""Template filters and tags for the public pages."""

import datetime as dt
import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .. import calendar_links

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


@register.simple_tag
def talk_time(talk, show_date=True):
    """When a talk happens, in the site's zone, as <time> elements.

    In UTC instead for a talk the site's zone cannot hold (Talk.local_times()), saying so.
    Written in Python rather than as an included template: it runs once per talk on every list.
    """
    day = "D j M Y"
    if talk.all_day:
        first, last = talk.local_days()
        text = _time(first, date_format(first, day))
        if last > first:
            text = format_html("{} – {}", text, _time(last, date_format(last, day)))
        return format_html('{}<span class="all-day">, all day</span>', text)
    start, end = talk.local_times()
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
