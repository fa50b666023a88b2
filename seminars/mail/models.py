"""Subscriber addresses, what they follow, and a record of every message sent to them."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

# An address never confirmed is forgotten after this long; its confirmation link too expires.
CONFIRM_WITHIN = dt.timedelta(days=7)
# Permanent refusals (SMTP 5xx) of an address after which nothing more is sent to it.
MAX_REFUSALS = 3


def new_token() -> str:
    """A new address's `token` (given by the code that makes it: a callable default would
    tie the migration to this module)."""
    return secrets.token_urlsafe(24)


class AddressQuerySet(models.QuerySet):
    def receiving(self):
        """Addresses that may be sent talks: confirmed, not stopped by refusals."""
        return self.filter(confirmed_at__isnull=False, refusals__lt=MAX_REFUSALS)

    def expired(self, now=None):
        """Addresses never confirmed within CONFIRM_WITHIN of being given."""
        now = now or timezone.now()
        return self.filter(confirmed_at__isnull=True, created__lt=now - CONFIRM_WITHIN)


class Address(models.Model):
    """An email address that asked for talks; nothing but confirmations goes to it until
    `confirmed_at` is set."""

    email = models.EmailField(max_length=254, unique=True)
    zone = models.CharField(
        max_length=64, help_text="The time zone its emails give times in, chosen when subscribing."
    )
    token = models.CharField(
        max_length=64,
        unique=True,
        help_text="Secret part of its signed links; a new one voids every link sent before.",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The subscription asked for and not yet confirmed (series pks, reminders, digest, zone),
    # and whether its confirmation email waits to be sent (send_email retries it).
    requested = models.JSONField(default=dict, blank=True)
    confirmation_waiting = models.BooleanField(default=False)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    refusals = models.PositiveSmallIntegerField(
        default=0,
        help_text=f"Permanent refusals by its mail server; at {MAX_REFUSALS} nothing more is sent.",
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = AddressQuerySet.as_manager()

    class Meta:
        ordering = ["email"]
        verbose_name_plural = "addresses"

    def __str__(self):
        return self.email

    @property
    def is_stopped(self) -> bool:
        return self.refusals >= MAX_REFUSALS


class Subscription(models.Model):
    """A confirmed address following a series, and what it wants of it."""

    address = models.ForeignKey(Address, on_delete=models.CASCADE, related_name="subscriptions")
    series = models.ForeignKey(
        "seminars.Series", on_delete=models.CASCADE, related_name="subscriptions"
    )
    reminders = models.BooleanField(default=True, help_text="One email per talk, before it.")
    digest = models.BooleanField(default=False, help_text="A weekly email of the coming talks.")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["address", "series"]
        constraints = [
            models.UniqueConstraint(fields=["address", "series"], name="subscription_unique"),
            models.CheckConstraint(
                condition=Q(reminders=True) | Q(digest=True), name="subscription_wants_something"
            ),
        ]

    def __str__(self):
        return f"{self.address} → {self.series}"


class Delivery(models.Model):
    """One message about one talk to one address, claimed before it is sent.

    The unique (address, talk, kind, start) is what makes sending exactly once: a run first
    inserts the rows of what it is about to send (status pending, with its own `run`); rows
    another run, or an earlier one, already holds are left alone by the insert, so each run
    sends only the rows it inserted. `start` is the talk's start the message is about: a talk
    moved to a new time is a new key, so it is reminded for its new time.

    A crash: a run that dies before sending leaves its rows pending. A row pending for longer
    than sending.STALE_CLAIM is claimed again by the next run and sent: a message is never
    skipped, and the one case that can send it twice is a crash after the SMTP server took
    the message and before the run recorded it (sent rows are recorded after each batch of
    sending.BATCH messages). A transient SMTP failure gives the row up (deleted) for the next
    run; a permanent refusal (5xx) marks it failed and counts against the address.

    Changes: `venue` is the venue the message gave, so the talk's state an address was last
    told (its latest sent reminder or Moved notice: start and venue) can be compared with the
    talk's now. A Moved notice is keyed on the new start and on `change`, the talk's SEQUENCE
    when the move was seen (0 for every other kind): each move is a key of its own, so a talk
    moved to another room and back is told both times, while two runs that see the same move
    make the same key. Its `previous_start` and `previous_venue` are what the address was told
    before, which the notice says ("was: …"). One key per move, not one per field, so a talk
    moved in time and venue at once gets one notice. The venue stays out of a reminder's key:
    a reminder is once per (address, talk, start), whatever the venue.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder"
        CANCELLED = "cancelled", "Cancelled notice"  # `start`: the start that was reminded
        MOVED = "moved", "Moved notice"  # `start`: the new start
        ANNOUNCEMENT = "announcement", "Announcement"  # `start`: the start it gave

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    address = models.ForeignKey(Address, on_delete=models.CASCADE, related_name="deliveries")
    talk = models.ForeignKey("seminars.Talk", on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    start = models.DateTimeField(help_text="The talk's start the message was about.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    run = models.CharField(max_length=32, help_text="The sending run that holds the claim.")
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    venue = models.CharField(max_length=500, blank=True, help_text="The venue the message gave.")
    change = models.PositiveIntegerField(
        default=0, help_text="A Moved notice's talk SEQUENCE when the move was seen; else 0."
    )
    previous_start = models.DateTimeField(
        null=True, blank=True, help_text="A Moved notice's start the address was told before."
    )
    previous_venue = models.CharField(
        max_length=500, blank=True, help_text="A Moved notice's venue the address was told before."
    )

    class Meta:
        ordering = ["-claimed_at"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["address", "talk", "kind", "start", "change"], name="delivery_once"
            ),
        ]
        indexes = [models.Index(fields=["status", "claimed_at"], name="delivery_status_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.talk_id} to {self.address}"


class Announcement(models.Model):
    """An organiser's "Announce" of a talk: once per talk. Its emails go to the addresses
    that followed the talk's series when it was announced (one Delivery each, kind
    ANNOUNCEMENT), sent by the next `send_due` run until the talk starts."""

    talk = models.OneToOneField(
        "seminars.Talk", on_delete=models.CASCADE, related_name="announcement"
    )
    announced_at = models.DateTimeField(default=timezone.now)
    announced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-announced_at"]

    def __str__(self):
        return f"Announcement of {self.talk_id}"


def with_subscriber_counts(series):
    """`series` (a Series queryset) with `subscriber_count`: the receiving addresses that
    follow each, in one subquery."""
    counts = (
        Subscription.objects.filter(series=OuterRef("pk"), address__in=Address.objects.receiving())
        .order_by()
        .values("series")
        .annotate(n=models.Count("address_id", distinct=True))
        .values("n")
    )
    return series.annotate(subscriber_count=Coalesce(Subquery(counts), 0))


def subscriber_counts(series_pks) -> dict[int, int]:
    """The number of receiving addresses following each of the series `series_pks`."""
    rows = (
        Subscription.objects.filter(
            series_id__in=series_pks, address__in=Address.objects.receiving()
        )
        .values("series_id")
        .annotate(n=models.Count("address_id", distinct=True))
        .values_list("series_id", "n")
    )
    return dict(rows)


class DigestDelivery(models.Model):
    """One address's weekly digest of one week, claimed before it is sent.

    A model of its own rather than a Delivery without a talk: Delivery's key is per talk, and
    a digest's is (address, week), `week` being the day of that week's digest time in
    TIME_ZONE. Claimed as Delivery is (see there): a run inserts the rows of the digests it is
    about to send, ignoring conflicts, and sends only those it inserted; a claim pending for
    sending.STALE_CLAIM is taken over by the next run of the same week (one of a past week is
    marked failed: that week is over); a transient SMTP failure gives the claim up, a
    permanent refusal marks it failed and counts against the address. An address with
    nothing to list is not claimed, so a talk added later that week still gets it its digest.
    """

    Status = Delivery.Status

    address = models.ForeignKey(Address, on_delete=models.CASCADE, related_name="digest_deliveries")
    week = models.DateField(help_text="The day of the week's digest time, in TIME_ZONE.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    run = models.CharField(max_length=32, help_text="The sending run that holds the claim.")
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-claimed_at"]
        verbose_name_plural = "digest deliveries"
        constraints = [
            models.UniqueConstraint(fields=["address", "week"], name="digest_delivery_once"),
        ]
        indexes = [models.Index(fields=["status", "claimed_at"], name="digest_status_idx")]

    def __str__(self):
        return f"Digest of {self.week} to {self.address}"
