"""Template filters and tags for the public pages."""

import datetime as dt
import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
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


@register.inclusion_tag("seminars/includes/talk_time.html")
def talk_time(talk, show_date=True):
    """When a talk happens, in the site's zone, as <time> elements."""
    start = timezone.localtime(talk.start)
    end = timezone.localtime(talk.end) if talk.end else None
    context = {
        "talk": talk,
        "start": start,
        "end": end,
        "show_date": show_date,
        "time_zone": settings.TIME_ZONE,
    }
    if talk.all_day:
        last_day = (end - dt.timedelta(days=1)).date() if end else start.date()
        context["last_day"] = last_day if last_day > start.date() else None
    else:
        context["same_day"] = end is None or end.date() == start.date()
    return context
