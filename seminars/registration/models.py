"""Who registered for a talk's join link, and how many may."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q


class RegistrationQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)


class Registration(models.Model):
    """One address registered for one talk. Nothing but its confirmation goes to it until
    `confirmed_at` is set; then the join link, once (`link_claimed_at`, `link_sent_at`).

    The link's email is claimed before it is sent: a run sets `link_run` and
    `link_claimed_at` on the rows it is about to send by one conditional update (of rows no
    run holds), and sends only the rows that carry its run, so two runs never send the same
    one. A claim left for longer than mail.sending.STALE_CLAIM by a crashed run is taken over
    by the next; a transient SMTP failure gives the claim up for the next run; a permanent
    refusal records `link_failure`.
    """

    talk = models.ForeignKey(
        "seminars.Talk", on_delete=models.CASCADE, related_name="registrations"
    )
    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=200)
    zone = models.CharField(max_length=64, help_text="The time zone its emails give times in.")
    token = models.CharField(
        max_length=64,
        unique=True,
        help_text="Secret part of its signed links; cancelling voids them with the row.",
    )
    created = models.DateTimeField(auto_now_add=True)
    confirmation_waiting = models.BooleanField(default=False)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    link_run = models.CharField(max_length=32, blank=True)
    link_claimed_at = models.DateTimeField(null=True, blank=True)
    link_sent_at = models.DateTimeField(null=True, blank=True)
    link_url = models.URLField(
        max_length=2000, blank=True, help_text="The join link the email gave."
    )
    link_failure = models.CharField(max_length=300, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["talk", "confirmed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["talk", "email"], name="registration_once"),
            models.CheckConstraint(
                condition=Q(link_sent_at__isnull=True) | Q(confirmed_at__isnull=False),
                name="registration_link_after_confirming",
            ),
        ]
        indexes = [models.Index(fields=["talk", "confirmed_at"], name="registration_confirmed_idx")]

    def __str__(self):
        return f"{self.email} for {self.talk_id}"


class RegistrationLimit(models.Model):
    """How many may register for a talk (its confirmed registrations); no row, no limit."""

    talk = models.OneToOneField(
        "seminars.Talk", on_delete=models.CASCADE, related_name="registration_limit"
    )
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="With “registration”: at most this many registrations (empty: no limit).",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0),
                name="registration_capacity_positive",
                violation_error_message="Give a capacity of 1 or more, or leave it empty.",
            )
        ]

    def __str__(self):
        return f"Capacity of {self.talk_id}: {self.capacity or 'no limit'}"
