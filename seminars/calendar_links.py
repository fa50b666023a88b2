"""Links that put a talk or a feed into people's calendar apps."""

import datetime as dt
from urllib.parse import urlencode

from django.utils import timezone


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def webcal_url(https_url: str) -> str:
    """The webcal:// form of a feed URL, which calendar apps open as a subscription."""
    return "webcal://" + https_url.split("://", 1)[-1]


def google_subscribe_url(feed_url: str) -> str:
    return "https://calendar.google.com/calendar/render?" + urlencode({"cid": webcal_url(feed_url)})


def outlook_subscribe_url(feed_url: str, name: str) -> str:
    return "https://outlook.live.com/calendar/0/addfromweb?" + urlencode(
        {"url": feed_url, "name": name}
    )


def _end(talk) -> dt.datetime:
    return talk.end or talk.start + dt.timedelta(hours=1)


def _days(talk) -> tuple[dt.date, dt.date]:
    """First day and the day after the last, in the site's zone (end exclusive, as iCalendar)."""
    first = timezone.localtime(talk.start).date()
    after = timezone.localtime(talk.end).date() if talk.end else first + dt.timedelta(days=1)
    return first, max(after, first + dt.timedelta(days=1))


def google_event_url(talk, *, page_url: str) -> str:
    """Google Calendar's "add this event" link for one talk."""
    if talk.all_day:
        first, after = _days(talk)
        dates = f"{first:%Y%m%d}/{after:%Y%m%d}"
    else:
        dates = f"{_utc(talk.start)}/{_utc(_end(talk))}"
    params = {"action": "TEMPLATE", "text": talk.title, "dates": dates, "details": page_url}
    if talk.venue:
        params["location"] = talk.venue
    return "https://calendar.google.com/calendar/render?" + urlencode(params)


def outlook_event_url(talk, *, page_url: str) -> str:
    """Outlook on the web's "add this event" link for one talk."""
    if talk.all_day:
        first, after = _days(talk)
        start, end = first.isoformat(), after.isoformat()
    else:
        start, end = (
            talk.start.astimezone(dt.UTC).isoformat(),
            _end(talk).astimezone(dt.UTC).isoformat(),
        )
    params = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": talk.title,
        "startdt": start,
        "enddt": end,
        "allday": "true" if talk.all_day else "false",
        "body": page_url,
        "location": talk.venue,
    }
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(params)
