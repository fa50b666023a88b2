"""Template filters and tags for the public pages."""

import datetime as dt
import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
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


def _time(value, text: str, *, date_only=False) -> str:
    machine = value.strftime("%Y-%m-%d") if date_only else value.isoformat()
    return format_html('<time datetime="{}">{}</time>', machine, text)


@register.simple_tag
def talk_time(talk, show_date=True):
    """When a talk happens, in the site's zone, as <time> elements.

    Written in Python rather than as an included template: it runs once per talk on every list.
    """
    start = timezone.localtime(talk.start)
    end = timezone.localtime(talk.end) if talk.end else None
    day = "D j M Y"
    if talk.all_day:
        last_day = (end - dt.timedelta(days=1)).date() if end else start.date()
        first = _time(start, date_format(start, day), date_only=True)
        last = ""
        if last_day > start.date():
            last = format_html(" – {}", _time(last_day, date_format(last_day, day), date_only=True))
        return format_html('{}{}<span class="all-day">, all day</span>', first, last)
    text = date_format(start, f"{day}, H:i") if show_date else date_format(start, "H:i")
    until = ""
    if end is not None:
        end_format = "H:i" if end.date() == start.date() else f"{day}, H:i"
        until = format_html("–{}", _time(end, date_format(end, end_format)))
    return format_html(
        '{}{} <abbr class="zone" title="{}">{}</abbr>',
        _time(start, text),
        until,
        settings.TIME_ZONE,
        date_format(start, "T"),
    )
