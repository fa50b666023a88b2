"""The invitation's email, and sending it exactly once.

The email is transactional, one message to one person who asked nobody for it: it carries a
Message-ID and `Auto-Submitted: auto-generated` like the site's other emails, a Reply-To of
whoever invited (so a question goes to them, not to the site's address), and no
List-Unsubscribe or List-Id, as it belongs to no list and there is nothing to unsubscribe
from: one email, one link.
"""

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.template.loader import render_to_string
from django.utils import dateformat, timezone

from ..mail import wire
from ..mail.messages import INLINER, site_host
from . import links
from .models import Invitation

SENT, TRANSIENT, PERMANENT, UNREACHABLE = (
    wire.SENT,
    wire.TRANSIENT,
    wire.PERMANENT,
    wire.UNREACHABLE,
)


def inviter_name(user) -> str:
    if user is None:
        return "A site administrator"
    return user.get_full_name() or user.get_username()


def subject(invitation: Invitation) -> str:
    text = f"You're invited to organise {invitation.series.name} at {settings.SITE_NAME}"
    return text.replace("\n", " ").replace("\r", " ")


def message(invitation: Invitation) -> EmailMultiAlternatives:
    """The invitation's email, with a new link; `invitation` sent (its `sent_at` set), with
    its series and inviter."""
    inviter = invitation.invited_by
    zone = timezone.get_default_timezone()  # the invitee's own is not known
    context = {
        "invitation": invitation,
        "series": invitation.series,
        "inviter": inviter_name(inviter),
        "accept_url": links.url(invitation),
        "days": settings.INVITATION_DAYS,
        "expires": dateformat.format(invitation.expires_at().astimezone(zone), "j F Y, H:i"),
        "zone": zone.key,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
    }
    headers = {"Message-ID": make_msgid(domain=site_host()), "Auto-Submitted": "auto-generated"}
    email = EmailMultiAlternatives(
        subject=subject(invitation),
        body=render_to_string("mail/invitation.txt", context),
        to=[invitation.email],
        reply_to=[inviter.email] if inviter is not None and inviter.email else None,
        headers=headers,
    )
    html = INLINER.inline(render_to_string("mail/invitation.html", context))
    email.attach_alternative(html, "text/html")
    return email


def send(invitation_pk: int, *, now: dt.datetime | None = None) -> str | None:
    """Send the invitation's email if this call claims it; how it went (SENT, …), or None
    when there was nothing to claim (sent already, accepted, failed, or deleted).

    The claim is one conditional update of `sent_at`, so two tasks never both send it. A
    failure the server calls temporary gives the claim back (`sent_at` empty again) for a
    retry; a permanent refusal (5xx) records `failure`. SMTP errors are logged, never
    raised. A crash between the claim and the sending loses the email, never doubles it: the
    admin's "Send again" sends it anew.
    """
    now = now or timezone.now()
    claimed = Invitation.objects.filter(
        pk=invitation_pk, sent_at__isnull=True, accepted_at__isnull=True, failure=""
    ).update(sent_at=now)
    if not claimed:
        return None
    invitation = Invitation.objects.select_related("series", "invited_by").get(pk=invitation_pk)
    email = message(invitation)
    connection = get_connection()
    email.connection = connection
    try:
        email.send()
    except OSError as error:  # smtplib's errors are OSErrors too
        outcome = wire.outcome_of(error, invitation.email)
    else:
        outcome = SENT
    finally:
        connection.close()
    if outcome == PERMANENT:
        give_up(invitation_pk, "The mail server refused the address.")
    elif outcome != SENT:
        Invitation.objects.filter(pk=invitation_pk).update(sent_at=None)
    return outcome


def give_up(invitation_pk: int, reason: str) -> None:
    Invitation.objects.filter(pk=invitation_pk, accepted_at__isnull=True).update(
        sent_at=None, failure=reason[:300]
    )


def send_again(invitations) -> int:
    """Put `invitations` (a QuerySet) not accepted yet back to wait for sending; how many.
    Their links work again for the new email's days (each is still one invitation, once)."""
    return invitations.filter(accepted_at__isnull=True).update(sent_at=None, failure="")
