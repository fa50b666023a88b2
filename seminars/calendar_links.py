"""Links that put a talk or a feed into people's calendar apps."""

import datetime as dt
from urllib.parse import urlencode

from .ics.export import utc_text


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
    """The end, or an hour after the start for a talk without one (both links need an end)."""
    if talk.end is not None:
        return talk.end
    try:
        return talk.start + dt.timedelta(hours=1)
    except OverflowError:  # a talk stored at the end of year 9999
        return dt.datetime.max.replace(tzinfo=dt.UTC)


def _days(talk) -> tuple[dt.date, dt.date]:
    """The first day and the day after the last: both links take an exclusive end."""
    first, last = talk.local_days()
    return first, (last + dt.timedelta(days=1) if last < dt.date.max else last)


def google_event_url(talk, *, page_url: str) -> str:
    """Google Calendar's "add this event" link for one talk."""
    if talk.all_day:
        first, after = _days(talk)
        # isoformat() rather than strftime, which writes year 1 as "1".
        dates = f"{first.isoformat()}/{after.isoformat()}".replace("-", "")
    else:
        dates = f"{utc_text(talk.start)}/{utc_text(_end(talk))}"
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
