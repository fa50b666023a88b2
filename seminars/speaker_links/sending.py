"""The speaker link's email, sent by the worker exactly once per request of the organiser.

Like an invitation's (seminars.invitations.sending): one message to one person, with a
Message-ID, `Auto-Submitted: auto-generated` and a Reply-To of the organiser who sent it,
and no List-Unsubscribe, as it belongs to no list.
"""

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.template.loader import render_to_string
from django.utils import dateformat, timezone

from ..mail import wire
from ..mail.messages import INLINER, site_host
from ..mail.sending import send_one
from . import links
from .models import SpeakerLink


def subject(link: SpeakerLink) -> str:
    text = f"Your talk at {link.talk.series.name}: your link to edit it"
    return text.replace("\n", " ").replace("\r", " ")


def message(link: SpeakerLink, *, by=None) -> EmailMultiAlternatives:
    zone = timezone.get_default_timezone()
    talk = link.talk
    context = {
        "talk": talk,
        "speaker": link.talk_speaker.shown_speaker,
        "organiser": (by.get_full_name() or by.get_username()) if by else "The organiser",
        "edit_url": links.url(link),
        "talk_url": settings.SITE_URL + talk.get_absolute_url(),
        "expires": dateformat.format(link.expires_at().astimezone(zone), "j F Y"),
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
    }
    email = EmailMultiAlternatives(
        subject=subject(link),
        body=render_to_string("mail/speaker_link.txt", context),
        to=[link.emailed_to],
        reply_to=[by.email] if by is not None and by.email else None,
        headers={"Message-ID": make_msgid(domain=site_host()), "Auto-Submitted": "auto-generated"},
    )
    email.attach_alternative(
        INLINER.inline(render_to_string("mail/speaker_link.html", context)), "text/html"
    )
    return email


def request(link: SpeakerLink, email: str, *, by) -> None:
    """Have the worker email `link` to `email` (sent once; asking again sends it again)."""
    from .tasks import send_link_task

    SpeakerLink.objects.filter(pk=link.pk).update(
        emailed_to=email, emailed_at=None, email_failure="", created_by=by
    )
    # The database backend queues it in this transaction: it goes if this commits, only then.
    send_link_task.enqueue(link_pk=link.pk)


def send(link_pk: int, *, now: dt.datetime | None = None) -> str | None:
    """Send the link's waiting email if this call claims it; how it went (wire.SENT, …), or
    None when nothing waits (sent already, revoked, or gone). The claim is one conditional
    update, so two workers never both send it; a failure is recorded for the organiser,
    who may send it again."""
    now = now or timezone.now()
    claimed = (
        SpeakerLink.objects.filter(pk=link_pk, emailed_at__isnull=True, revoked_at__isnull=True)
        .exclude(emailed_to="")
        .update(emailed_at=now)
    )
    if not claimed:
        return None
    link = SpeakerLink.objects.select_related(
        "talk_speaker__talk__series", "talk_speaker__speaker", "created_by"
    ).get(pk=link_pk)
    outcome = send_one(message(link, by=link.created_by))
    if outcome != wire.SENT:
        why = (
            "The mail server refused the address."
            if outcome == wire.PERMANENT
            else "The mail server could not take it just now: send it again later."
        )
        SpeakerLink.objects.filter(pk=link_pk).update(emailed_at=None, email_failure=why)
    return outcome
