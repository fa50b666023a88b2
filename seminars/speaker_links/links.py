"""A speaker link's key: its pk and nonce, signed with SECRET_KEY under a salt of its own,
and reading it back for a talk.

The key is unguessable (a signature and a random nonce) and grants one thing, editing one
talk as one of its speakers; the URL carries the talk's pk too, and a key of another talk's
link opens nothing here. It holds no address, so none is left in logs or Referer headers.
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import dateformat, timezone

from ..models import TalkSpeaker
from .models import SpeakerLink, new_nonce

SALT = "seminars.speaker_links.edit"


class BadLink(Exception):
    """A key that opens nothing, and the page's status: 404 for one never ours (or for
    another talk), 410 for one that was and is no more."""

    def __init__(self, message: str, *, status: int = 410):
        super().__init__(message)
        self.status = status


def key(link: SpeakerLink) -> str:
    # No timestamp in it: the link is the same each time the organiser looks, and its
    # expiry follows the talk (models.SpeakerLink.expires_at), not the signature.
    return _signer().sign_object({"l": link.pk, "n": link.nonce})


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def path(link: SpeakerLink) -> str:
    return reverse(
        "seminars:speaker_edit", kwargs={"pk": link.talk_speaker.talk_id, "key": key(link)}
    )


def url(link: SpeakerLink) -> str:
    return settings.SITE_URL + path(link)


def read(talk_pk: int, link_key: str, *, now: dt.datetime | None = None) -> SpeakerLink:
    """The live link `link_key` names for talk `talk_pk`; BadLink, saying why, otherwise."""
    now = now or timezone.now()
    try:
        payload = _signer().unsign_object(link_key)
    except signing.BadSignature as error:
        raise BadLink(
            "This speaker link is not valid: it may have been cut short or changed. Copy the "
            "whole link from the email, or ask the organiser for a new one.",
            status=404,
        ) from error
    link = (
        SpeakerLink.objects.select_related("talk_speaker__talk__series", "talk_speaker__speaker")
        .filter(pk=payload.get("l"), nonce=payload.get("n"))
        .first()
    )
    if link is None or link.talk_speaker.talk_id != talk_pk:
        raise BadLink("There is no such speaker link for this talk.", status=404)
    if link.revoked_at is not None:
        raise BadLink(
            "The organiser has withdrawn this speaker link: ask them for a new one if you "
            "still need to change the talk."
        )
    if now >= link.expires_at():
        ended = dateformat.format(timezone.localtime(link.expires_at()), "j F Y")
        raise BadLink(
            f"This speaker link has expired: it worked until 30 days after the talk, "
            f"{ended}. The organiser can still change the talk."
        )
    return link


@transaction.atomic
def make(talk_speaker: TalkSpeaker, *, by, now: dt.datetime | None = None) -> SpeakerLink:
    """A new link for the speaker of `talk_speaker`; the one they had stops working."""
    now = now or timezone.now()
    revoke(talk_speaker, now=now)
    return SpeakerLink.objects.create(
        talk_speaker=talk_speaker, nonce=new_nonce(), created_by=by, created=now
    )


def revoke(talk_speaker: TalkSpeaker, *, now: dt.datetime | None = None) -> int:
    """Stop the speaker's live link for this talk, if any; how many were revoked."""
    return talk_speaker.speaker_links.live().update(revoked_at=now or timezone.now())
