"""Sending registration emails exactly once: confirmations, and at its time each confirmed
registrant's join link (`send_links()`, which mail.sending.send_due runs every minute).

How a link's email is claimed is told on models.Registration. A confirmation is claimed by
one conditional update of `confirmation_waiting`, as a subscription's is: a crash between
the claim and the sending loses that email (the visitor may ask again), never doubles it.
The link is sent once per registration: if the talk's join link changes after it went, it
is not sent again (the row keeps the link it gave, `link_url`).
"""

import datetime as dt
import uuid

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .. import joining
from ..mail import wire
from ..mail.messages import message_id
from ..mail.sending import STALE_CLAIM, send_one
from ..models import Talk
from . import messages, registering
from .models import Registration

SENT, TRANSIENT, PERMANENT, UNREACHABLE = (
    wire.SENT,
    wire.TRANSIENT,
    wire.PERMANENT,
    wire.UNREACHABLE,
)
LONGEST_LEAD = dt.timedelta(minutes=24 * 60 + 1)  # the longest reveal (1440 minutes), and a bit


def send_confirmation(registration_pk: int, *, connection=None) -> str | None:
    """Send the registration's waiting confirmation if this call claims it; how it went
    (SENT, …), or None when there was nothing to claim. A failure the server calls temporary
    leaves it waiting for the next run; a permanent refusal drops it."""
    claimed = Registration.objects.filter(pk=registration_pk, confirmation_waiting=True).update(
        confirmation_waiting=False
    )
    if not claimed:
        return None
    registration = (
        Registration.objects.select_related("talk__series").filter(pk=registration_pk).first()
    )
    if registration is None:
        return None
    outcome = send_one(messages.confirmation(registration), connection)
    if outcome in (TRANSIENT, UNREACHABLE):
        Registration.objects.filter(pk=registration_pk).update(confirmation_waiting=True)
    return outcome


def due_talks(now: dt.datetime, run: str) -> list[int]:
    """The talks whose link is due to registrants at `now`: "registration" talks, confirmed,
    with a join link, from their link's time until they are over, that have a confirmed
    registration whose link is not sent and that no run, or only `run`, has claimed."""
    unclaimed = Registration.objects.filter(
        Q(link_claimed_at__isnull=True) | Q(link_run=run),
        talk=OuterRef("pk"),
        confirmed_at__isnull=False,
        link_sent_at__isnull=True,
        link_failure="",
    )
    talks = (
        Talk.objects.filter(
            Q(join_access=joining.REGISTRATION)
            | Q(join_access="", series__join_access=joining.REGISTRATION),
            Q(end__gt=now) | Q(end__isnull=True, start__gt=now - joining.WITHOUT_END),
            status=Talk.Status.CONFIRMED,
            start__lte=now + LONGEST_LEAD,
        )
        .exclude(join_url="")
        .filter(Exists(unclaimed))
        .select_related("series")
        .only("pk", "start", "end", "join_access", "join_reveal_minutes", "series")
    )
    return [talk.pk for talk in talks if joining.link_sent_at(talk) <= now < joining.over_at(talk)]


def send_links(*, now: dt.datetime | None = None, connection=None) -> tuple[int, int, int]:
    """Send the waiting confirmations, and the join link to every confirmed registrant of
    the talks due at `now` that has not had it; forget registrations never confirmed.
    Writes the registrations' claims. Returns (confirmations sent, links sent, not sent)."""
    now = now or timezone.now()
    registering.forget_unconfirmed(now)
    confirmations = failed = 0
    waiting = Registration.objects.filter(confirmation_waiting=True).values_list("pk", flat=True)
    for pk in list(waiting):
        outcome = send_confirmation(pk, connection=connection)
        confirmations += outcome == SENT
        failed += outcome in (TRANSIENT, PERMANENT, UNREACHABLE)
        if outcome == UNREACHABLE:
            return confirmations, 0, failed  # the rest wait for the next run
    run = uuid.uuid4().hex
    open_claims = Registration.objects.filter(link_sent_at__isnull=True, link_failure="")
    open_claims.filter(link_claimed_at__lt=now - STALE_CLAIM).update(
        link_run=run, link_claimed_at=now
    )
    due = due_talks(now, run)
    if due:
        open_claims.filter(
            talk_id__in=due, confirmed_at__isnull=False, link_claimed_at__isnull=True
        ).update(link_run=run, link_claimed_at=now)
    rows = list(open_claims.filter(link_run=run).order_by("pk"))
    if not rows:
        return confirmations, 0, failed
    talks = Talk.objects.filter(pk__in={row.talk_id for row in rows}).with_speakers()
    talks = {talk.pk: talk for talk in talks}
    sent = 0
    unreachable = False
    for row in rows:
        talk = talks.get(row.talk_id)
        if unreachable or talk is None or talk.pk not in due:
            # A stale claim of a talk not due now (moved, cancelled, over), or the server
            # went away: given up to a later run.
            _release(row)
            continue
        message = messages.join_link(row, talk, msgid=message_id("registration", row.pk))
        outcome = send_one(message, connection)
        if outcome == SENT:
            Registration.objects.filter(pk=row.pk).update(link_sent_at=now, link_url=talk.join_url)
            sent += 1
            continue
        failed += 1
        if outcome == PERMANENT:
            Registration.objects.filter(pk=row.pk).update(
                link_failure="Refused permanently by the mail server."
            )
        else:
            unreachable = outcome == UNREACHABLE
            _release(row)
    return confirmations, sent, failed


def _release(row: Registration) -> None:
    Registration.objects.filter(pk=row.pk, link_sent_at__isnull=True).update(
        link_run="", link_claimed_at=None
    )
