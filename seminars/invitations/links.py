"""The invitation's link: the invitation's pk and when its email was sent, signed with
SECRET_KEY under a salt of its own, and reading it back.

The link is made when its email is sent; it works for `valid_for()` after that (the
signature's own age bounds it too) and until the invitation is accepted or deleted. Sending
the invitation again gives a new link and voids the old one (its sending time no longer
matches). The link holds no address, so none is left in logs or Referer headers.
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import dateformat, timezone

from .models import Invitation, valid_for

SALT = "seminars.invitations.accept"


class BadLink(Exception):
    """A link that cannot be used, and the page's status: 400 for a link that was never
    ours (cut short, changed), 410 for one that was and is no more."""

    def __init__(self, message: str, *, status: int = 410, invitation: Invitation | None = None):
        super().__init__(message)
        self.status = status
        self.invitation = invitation


def key(invitation: Invitation) -> str:
    """The link's key; `invitation` sent (its `sent_at` is part of the key)."""
    return signing.dumps({"i": invitation.pk, "s": _sending(invitation)}, salt=SALT)


def _sending(invitation: Invitation) -> int | None:
    return int(invitation.sent_at.timestamp()) if invitation.sent_at else None


def url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("seminars:invitation", args=[key(invitation)])


def read(link_key: str, *, now: dt.datetime | None = None) -> Invitation:
    """The invitation `link_key` names, if it may still be accepted at `now`; BadLink, saying
    why, for any other key."""
    now = now or timezone.now()
    try:
        payload = signing.loads(link_key, salt=SALT, max_age=valid_for())
    except signing.SignatureExpired as error:
        raise BadLink(_expired()) from error
    except signing.BadSignature as error:
        raise BadLink(
            "This invitation link is not valid: it may have been cut short or changed. "
            "Copy the whole link from the email, or ask for a new invitation.",
            status=400,
        ) from error
    invitation = (
        Invitation.objects.select_related("series", "invited_by")
        .filter(pk=payload.get("i"))
        .first()
    )
    if invitation is None:
        raise BadLink("This invitation was withdrawn: ask for a new one if you still need it.")
    if invitation.accepted_at is None and _sending(invitation) != payload.get("s"):
        raise BadLink(
            "This invitation was sent again since: use the link of the latest email.",
            invitation=invitation,
        )
    return check(invitation, now=now)


def check(invitation: Invitation, *, now: dt.datetime) -> Invitation:
    """`invitation` if it may be accepted at `now`; BadLink otherwise."""
    status = invitation.status(now)
    if status == Invitation.Status.ACCEPTED:
        when = dateformat.format(timezone.localtime(invitation.accepted_at), "j F Y, H:i")
        raise BadLink(
            f"This invitation has been used already, on {when}: each invitation works once.",
            invitation=invitation,
        )
    if status != Invitation.Status.SENT:  # expired, or waiting to be sent again
        raise BadLink(_expired(invitation), invitation=invitation)
    return invitation


def _expired(invitation: Invitation | None = None) -> str:
    days = settings.INVITATION_DAYS
    message = f"This invitation has expired: its link works for {days} days after it is sent."
    if invitation is not None and invitation.expires_at():
        ended = dateformat.format(timezone.localtime(invitation.expires_at()), "j F Y, H:i")
        message += f" It ended on {ended}."
    return message + " Ask whoever invited you, or a site administrator, to send it again."
