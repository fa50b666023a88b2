"""The emails: a confirmation, a talk's reminder (or its change notice) and the weekly
digest, as plain text and HTML alternatives.

Every message carries a one-click unsubscribe (RFC 8058: List-Unsubscribe and
List-Unsubscribe-Post), a link to the page that manages the address's subscriptions, a
Message-ID, `Auto-Submitted: auto-generated`, and, for a series' talks, the series' List-Id.
The HTML has no images, and its styles, written as a `<style>` block in each template,
are inlined by css-inline (mail clients drop or ignore `<style>`); it sets no background,
so it reads alike with images off and in mail clients' dark modes (which recolour plain
markup but not a fixed background).
"""

import datetime as dt
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.template.loader import render_to_string
from django.utils import dateformat, timezone
from django.utils.crypto import salted_hmac

from .. import joining
from ..ics import export
from ..models import Series, Talk
from ..zones import zone_named
from . import links, wire
from .models import Address

# Built once: the templates' own <style> blocks are all it inlines, and it never fetches a
# stylesheet (a <link> is dropped), so rendering a message touches no network.
INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def address_zone(address: Address) -> ZoneInfo:
    return zone_named(address.zone) or timezone.get_default_timezone()


def when(talk: Talk, zone: ZoneInfo) -> str:
    """The talk's start in `zone`, naming the zone: "Tue 8 Dec 2026, 14:00 (Europe/Berlin)"."""
    start, _ = talk.local_times(zone)
    return _when_at(start, zone, all_day=talk.all_day)


def _when_at(start: dt.datetime, zone: ZoneInfo, *, all_day: bool) -> str:
    if all_day:
        return dateformat.format(start, "D j M Y")
    return f"{dateformat.format(start, 'D j M Y, H:i')} ({zone.key})"


def message_id(kind: str, pk: int) -> str:
    """The Message-ID of the message a claim row (`kind` "delivery" or "digest", its `pk`)
    stands for: the same each time that row is sent, so that the copy a run sends again
    after a crash (sent, then not recorded) carries the first one's Message-ID, which mail
    systems use to drop duplicates. Keyed with SECRET_KEY, so it is this site's alone and
    tells nothing."""
    key = salted_hmac("seminars.mail.message_id", f"{kind}:{pk}").hexdigest()[:20]
    return f"<{kind}.{pk}.{key}@{site_host()}>"


def _message(
    *, address, subject, template, context, series=None, msgid=None, urls=None
) -> EmailMultiAlternatives:
    """The message to `address`; `urls` its (unsubscribe, manage) links when given."""
    if urls is None:
        urls = (
            links.unsubscribe_url(address, series.pk if series else None),
            links.manage_url(address),
        )
    unsubscribe, manage = urls
    context = {
        **context,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "unsubscribe_url": unsubscribe,
        "manage_url": manage,
        "series": series,
    }
    headers = {
        "Message-ID": msgid or make_msgid(domain=site_host()),
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    if series is not None:
        name = series.name.replace('"', "").replace("\n", " ")
        headers["List-Id"] = f'"{name}" <{series.slug}.{site_host()}>'
    message = EmailMultiAlternatives(
        subject=subject.replace("\n", " ").replace("\r", " "),
        body=render_to_string(f"mail/{template}.txt", context),
        to=[address.email],
        headers=headers,
    )
    html = INLINER.inline(render_to_string(f"mail/{template}.html", context))
    message.attach_alternative(html, "text/html")
    return message


def confirmation(address: Address) -> EmailMultiAlternatives:
    """The email whose link confirms `address`'s requested subscription."""
    requested = address.requested
    series = list(Series.objects.filter(pk__in=requested.get("series", [])).only("name"))
    return _message(
        address=address,
        subject=f"Confirm your subscription to {settings.SITE_NAME}",
        template="confirmation",
        context={
            "confirm_url": links.confirm_url(address, requested),
            "requested": requested,
            "chosen": series,
            "days": links.CONFIRM_WITHIN.days,
        },
    )


def talk_file(talk: Talk, *, join_link: str | None = None) -> bytes:
    """The talk's .ics: the bytes of its download (feeds.calendars.talk_calendar, whose feed
    of one talk is these three parts), so the same UID and SEQUENCE update one event; with
    `join_link`, that link in it for the one person it is sent to (export.event_bytes)."""
    event = export.event_bytes(
        talk, site_url=settings.SITE_URL, subscribed=False, join_link=join_link
    )
    return b"".join((export.file_head(), event, export.CALENDAR_END))


# The subject's start of a change notice, by Delivery.Kind.
PREFIXES = {"reminder": "", "cancelled": "Cancelled: ", "moved": "Moved: ", "announcement": ""}


def reminder(
    address: Address,
    talk: Talk,
    *,
    ics: bytes | None = None,
    kind: str = "reminder",
    previous_start: dt.datetime | None = None,
    previous_venue: str = "",
    msgid: str | None = None,
) -> EmailMultiAlternatives:
    """A talk's reminder, or with `kind` its "Cancelled:" or "Moved:" notice; `talk` from
    Talk.objects.with_speakers(), `ics` its talk_file() (made once per talk by a run that
    sends many), `msgid` its Message-ID (a new one by default). The .ics of a cancelled
    talk says STATUS:CANCELLED, which calendars apply.

    A Moved notice says what moved, from the start and venue the address was told before
    (`previous_start`, `previous_venue`); without a previous start (a notice claimed before
    those were recorded) it says the time moved."""
    zone = address_zone(address)
    start, end = talk.local_times(zone)
    moved_time = previous_start is None or previous_start != talk.start
    moved_venue = previous_start is not None and previous_venue != talk.venue
    was_when = ""
    if previous_start is not None and moved_time:
        was_when = _when_at(previous_start.astimezone(zone), zone, all_day=talk.all_day)
    message = _message(
        address=address,
        subject=f"{PREFIXES[kind]}{talk.title} – {when(talk, zone)}",
        template="reminder",
        series=talk.series,
        msgid=msgid,
        context={
            "talk": talk,
            "kind": kind,
            "when": when(talk, zone),
            "end": end,
            "zone": zone.key,
            "talk_url": links.absolute(talk.get_absolute_url()),
            "speakers": talk.speaker_list,
            # As the public may see it now (seminars.joining): a reminder a day ahead of a
            # "shortly before" talk says when the link appears, never the link.
            "join_url": joining.join_link(talk),
            "join_appears": _when_at(reveal.astimezone(zone), zone, all_day=False)
            if (reveal := joining.reveal_at(talk)) and not joining.join_link(talk) and talk.join_url
            else "",
            # A "registration" talk's link comes by email to those who register on its page.
            "registration_link": joining.registration_link(talk)
            or (
                links.absolute(talk.get_absolute_url())
                if joining.mode(talk) == joining.REGISTRATION
                else ""
            ),
            "moved_time": moved_time,
            "moved_venue": moved_venue,
            "was_when": was_when,
            "was_venue": previous_venue,
        },
    )
    message.attach(f"{talk.slug or 'talk'}.ics", ics or talk_file(talk), "text/calendar")
    return message


@dataclass
class Listed:
    """A talk as a digest lists it: its time of day in the address's zone, its page."""

    talk: Talk
    time: str
    url: str
    speakers: list


def digest_days(talks: list[Talk], zone: ZoneInfo) -> list[tuple[dt.date, list[Listed]]]:
    """`talks` (from Talk.objects.with_speakers(), in order) by the day they start in `zone`."""
    days = {}
    for talk in talks:
        start, end = talk.local_times(zone)
        if talk.all_day:
            time = "All day"
        elif end is not None and end.date() == start.date() and end > start:
            time = f"{start:%H:%M}–{end:%H:%M}"
        else:
            time = f"{start:%H:%M}"
        url = links.absolute(talk.get_absolute_url())
        listed = Listed(talk=talk, time=time, url=url, speakers=talk.speaker_list)
        days.setdefault(start.date(), []).append(listed)
    return list(days.items())


def digest_listing(days, zone: ZoneInfo) -> tuple[str, str]:
    """The talks of a digest as text and as HTML (escaped by the template engine), rendered
    once for every address whose digest lists the same talks in the same zone."""
    context = {"days": days, "zone": zone.key}
    return (
        render_to_string("mail/digest_talks.txt", context),
        render_to_string("mail/digest_talks.html", context),
    )


def digest(
    address: Address,
    days: list[tuple[dt.date, list[Listed]]],
    *,
    zone: ZoneInfo | None = None,
    listing: tuple[str, str] | None = None,
    msgid: str | None = None,
    urls: tuple[str, str] | None = None,
) -> EmailMultiAlternatives:
    """The weekly digest of `days` (digest_days() in the address's zone, not empty), with
    `listing` their digest_listing() when a run sends the same to many, `msgid` its
    Message-ID (a new one by default). Its List-Unsubscribe
    ends all of the address's subscriptions; its List-Id is the site's digest,
    `<digest.host>`."""
    zone = zone or address_zone(address)
    if listing is None:
        listing = digest_listing(days, zone)
    count = sum(len(listed) for _, listed in days)
    first, last = days[0][0], days[-1][0]
    span = dateformat.format(first, "D j M")
    if last != first:
        span += f" to {dateformat.format(last, 'D j M')}"
    talks = "1 talk" if count == 1 else f"{count} talks"
    message = _message(
        address=address,
        subject=f"This week at {settings.SITE_NAME}: {talks}, {span}",
        template="digest",
        msgid=msgid,
        urls=urls,
        context={"listing_text": listing[0], "listing_html": listing[1], "zone": zone.key},
    )
    name = settings.SITE_NAME.replace('"', "").replace("\n", " ")
    message.extra_headers["List-Id"] = f'"{name} weekly digest" <digest.{site_host()}>'
    return message


def digest_template(days, zone: ZoneInfo, listing: tuple[str, str]) -> wire.Template:
    """The digest of `days` in `zone` as bytes made once for every address that gets the
    same (a run's addresses following the same series in the same zone); fill it with
    digest_values(). Its Date is the time it was made.

    It is built for an unsaved address whose email, links and Message-ID are the
    placeholders: random, so that no talk's text can hold one."""
    secret = secrets.token_hex(12)
    placeholder = Address(
        pk=0, email=f"merge-{secret}@example.invalid", token=secret, zone=zone.key
    )
    msgid = f"<digest.0.{secret}@example.invalid>"
    # The links made once: signed links carry the second they were made.
    values = digest_values(placeholder, msgid)
    message = digest(
        placeholder, days, zone=zone, listing=listing, msgid=msgid, urls=tuple(values[:2])
    )
    return wire.Template(message, values)


def digest_values(address: Address, msgid: str) -> list[str]:
    """What a digest Template's placeholders are for `address`, in their order."""
    return [
        links.unsubscribe_url(address, None),
        links.manage_url(address),
        address.email,
        msgid,
    ]
