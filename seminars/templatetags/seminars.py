"""Template filters and tags for the public pages."""

import datetime as dt
import functools
import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
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
def initials(name: str) -> str:
    """Up to two initials of a name, the fallback where a speaker has no photo."""
    words = [w for w in (name or "").replace("-", " ").split() if w[:1].isalpha()]
    if not words:
        return "?"
    picked = words[:1] + words[1:][-1:]
    return "".join(w[0].upper() for w in picked)


@register.filter
def any_profile(speakers) -> bool:
    """Whether any of `speakers` has a bio or a photo to show."""
    return any(s.bio or s.photo for s in speakers)


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
    # isoformat() rather than strftime, which writes year 1 as "1"; to the second, as HTML
    # allows at most three digits of a fraction (a time set by a program may hold six).
    if isinstance(value, dt.datetime):
        value = value.replace(microsecond=0)
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
def day_heading(day: dt.date) -> str:
    """A day's heading in a list: the date, its year only when not this year's, and its cue."""
    today = timezone.localdate()
    text = _time(day, date_format(day, "l j F" if day.year == today.year else "l j F Y"))
    return format_html("{}{}", text, _cue(day, today))


@register.simple_tag
def talk_cue(talk) -> str:
    """The cue of a talk's day, for lists that give each talk its date."""
    return _cue(talk_day(talk, timezone.get_current_timezone()), timezone.localdate())


def day_cue(day: dt.date, today: dt.date) -> str:
    """What `day` is to someone whose date is `today`: "Today", "Tomorrow", "Yesterday",
    "This week" (a later day of the same Monday-to-Sunday week), or ""."""
    days = (day - today).days
    cue = {0: "Today", 1: "Tomorrow", -1: "Yesterday"}.get(days, "")
    if days > 1 and day.isocalendar()[:2] == today.isocalendar()[:2]:
        cue = "This week"
    return cue


def _cue(day: dt.date, today: dt.date) -> str:
    cue = day_cue(day, today)
    return format_html(' <span class="cue">{}</span>', cue) if cue else ""


@register.simple_tag
def talk_date(talk) -> str:
    """The day a talk took (or takes) place, written out, in the active zone (talk_day())."""
    day = talk_day(talk, timezone.get_current_timezone())
    return _time(day, date_format(day, "l j F Y"))


@register.filter
def talk_state(talk) -> str:
    """Where a talk is now: "past" when over, "live" while in progress, else "" (to come)."""
    now = timezone.now()
    if talk.is_over(now):
        return "past"
    return "live" if talk.start <= now else ""


@register.simple_tag(takes_context=True)
def other_speakers(context, talk) -> list:
    """The talk's speakers but the page's own (`page_speaker`), whom it need not name."""
    own = context.get("page_speaker")
    return [s for s in talk.speaker_list if not own or s.pk != own.pk]


@register.filter
def snippet(text: str, length: int = 140) -> str:
    """The start of `text` as one line of plain text (about two in a list): whole sentences
    when one ends in the second half of `length` characters, else whole words and "…"."""
    line = " ".join((text or "").split())
    if len(line) <= length:
        return line
    cut = line[: length + 1]
    sentence = max(cut.rfind(f"{mark} ") for mark in ".?!")
    if sentence >= length // 2:
        return cut[: sentence + 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else line[:length]
    return cut.rstrip(" ,.;:–—-") + "…"


@register.simple_tag(takes_context=True)
def nav_link(context, view_name: str, label: str, section: str) -> str:
    """A link of the main navigation. The page's section (the view's `nav`) is marked with
    `aria-current`: "page" on the section's own address, "true" on the pages within it."""
    url = reverse(view_name)
    if context.get("nav") != section:
        return format_html('<a href="{}">{}</a>', url, label)
    current = "page" if context["request"].path == url else "true"
    return format_html('<a href="{}" aria-current="{}">{}</a>', url, current, label)


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
