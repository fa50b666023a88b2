"""The speaker links an organiser made, one live link per speaker of a talk."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from ..models import Talk, TalkSpeaker

# researchseminars.org's rule: a speaker may see to their talk's materials for a month after.
VALID_AFTER_TALK = dt.timedelta(days=30)


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class SpeakerLinkQuerySet(models.QuerySet):
    def live(self):
        return self.filter(revoked_at__isnull=True)


class SpeakerLink(models.Model):
    """A link letting the speaker of `talk_speaker` edit that talk. Its key (links.py) holds
    the row's pk and `nonce`; revoking sets `revoked_at`, and a new link for the same
    speaker revokes the old, so at most one works at a time."""

    talk_speaker = models.ForeignKey(
        TalkSpeaker, on_delete=models.CASCADE, related_name="speaker_links"
    )
    nonce = models.CharField(max_length=32, editable=False)  # links.make() draws it
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Emailing it (sending.py): the address waits with `emailed_at` empty until a worker
    # claims it; `email_failure` says why the last try did not reach it.
    emailed_to = models.EmailField(blank=True, help_text="Where the link was last emailed.")
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_failure = models.CharField(max_length=300, blank=True)
    last_used = models.DateTimeField(null=True, blank=True)

    objects = SpeakerLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["talk_speaker"],
                condition=models.Q(revoked_at__isnull=True),
                name="speakerlink_one_live_per_speaker",
            )
        ]

    def __str__(self):
        return f"Speaker link for {self.talk_speaker} ({self.talk_speaker.talk})"

    @property
    def talk(self) -> Talk:
        return self.talk_speaker.talk

    def expires_at(self) -> dt.datetime:
        """The link works until 30 days after the talk ends (or starts, with no end)."""
        talk = self.talk
        return (talk.end or talk.start) + VALID_AFTER_TALK
