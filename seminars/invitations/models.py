"""An invitation to organise a series, from its making to its acceptance."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def valid_for() -> dt.timedelta:
    """How long an invitation's link works once its email is sent (INVITATION_DAYS)."""
    return dt.timedelta(days=settings.INVITATION_DAYS)


class InvitationQuerySet(models.QuerySet):
    def waiting_or_open(self, *, email: str, series, now: dt.datetime | None = None):
        """The invitations of `email` to `series` still waiting to be sent or to be accepted."""
        now = now or timezone.now()
        return self.filter(
            Q(sent_at__isnull=True) | Q(sent_at__gt=now - valid_for()),
            email__iexact=email,
            series=series,
            accepted_at__isnull=True,
            failure="",
        )


class Invitation(models.Model):
    """An email address invited to organise `series`. Its email is sent once (`sent_at`);
    its link works until `valid_for()` after that, and once (`accepted_at`)."""

    class Status(models.TextChoices):
        WAITING = "waiting", "waiting to be sent"
        SENT = "sent", "sent"
        ACCEPTED = "accepted", "accepted"
        EXPIRED = "expired", "expired"
        FAILED = "failed", "not sent"

    email = models.EmailField(max_length=254, help_text="Where the invitation is sent.")
    series = models.ForeignKey(
        "seminars.Series",
        on_delete=models.CASCADE,
        related_name="invitations",
        help_text="The series the invited person will organise.",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations_made",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failure = models.CharField(
        max_length=300, blank=True, help_text="Why the email could not be sent, if it could not."
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations_accepted",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.email} to organise {self.series}"

    def expires_at(self) -> dt.datetime | None:
        return self.sent_at + valid_for() if self.sent_at else None

    def status(self, now: dt.datetime | None = None) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.failure:
            return self.Status.FAILED
        if self.sent_at is None:
            return self.Status.WAITING
        if self.expires_at() <= (now or timezone.now()):
            return self.Status.EXPIRED
        return self.Status.SENT
