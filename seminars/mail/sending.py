"""Sending what is due now: waiting confirmations and talks' reminders, exactly once.

`send_due()` is what `manage.py send_email` runs, from cron every few minutes or from the
worker. How a run claims its messages before sending, and what a crash leaves, is told on
models.Delivery. Reminders go out in a constant number of queries whatever the number of
subscribers (up to BATCH messages; one more round of writes per further batch).
"""

import datetime as dt
import logging
import smtplib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from ..models import Talk
from . import messages
from .models import MAX_REFUSALS, Address, Delivery, Subscription

logger = logging.getLogger(__name__)

STALE_CLAIM = dt.timedelta(minutes=30)  # a claim pending this long was left by a crashed run
BATCH = 200  # messages sent between two recordings of what was sent
# How sending a message went.
SENT, TRANSIENT, PERMANENT, UNREACHABLE = "sent", "transient", "permanent", "unreachable"


@dataclass
class Summary:
    confirmations: int = 0
    reminders: int = 0
    notices: int = 0
    failed: int = 0
    expired: int = 0

    def __str__(self):
        parts = [
            _count(self.confirmations, "confirmation"),
            _count(self.reminders, "reminder"),
        ]
        text = f"Sent {parts[0]} and {parts[1]}."
        if self.notices:
            text += f" Sent {_count(self.notices, 'change notice')}."
        if self.failed:
            failed = _count(self.failed, "message")
            text += f" {failed} not sent (see the log); the next run retries those it can."
        if self.expired:
            text += f" Forgot {_count(self.expired, 'unconfirmed address', 'es')}."
        return text


def _count(number: int, noun: str, plural: str = "s") -> str:
    return f"{number} {noun}{'' if number == 1 else plural}"


def reminder_window() -> dt.timedelta:
    return dt.timedelta(hours=settings.REMINDER_HOURS)


def send_due(*, now: dt.datetime | None = None) -> Summary:
    """Send every confirmation waiting and every reminder due at `now`; forget addresses
    unconfirmed for a week. Writes Delivery rows and the addresses' refusal counts."""
    now = now or timezone.now()
    summary = Summary()
    _, deleted = Address.objects.expired(now).delete()
    summary.expired = deleted.get(Address._meta.label, 0)
    connection = get_connection()
    try:
        for address in Address.objects.filter(confirmation_waiting=True):
            outcome = send_confirmation(address, connection=connection)
            summary.confirmations += outcome == SENT
            if outcome == UNREACHABLE:
                break  # the rest wait for the next run
        summary.reminders, summary.notices, summary.failed = send_reminders(
            now=now, connection=connection
        )
    finally:
        connection.close()
    return summary


def send_confirmation(address: Address, *, connection=None) -> str | None:
    """Send the address's waiting confirmation, if this call is the one that claims it;
    how it went (SENT, …), or None when there was nothing to claim.

    The claim is one conditional update, so two runs never both send it. A failure the
    server calls temporary puts it back for the next run; a permanent refusal (5xx) counts
    against the address. A crash between the claim and the sending loses this one email (the
    visitor may ask again ten minutes on): a confirmation is sent at most once.
    """
    claimed = Address.objects.filter(
        pk=address.pk, confirmation_waiting=True, refusals__lt=MAX_REFUSALS
    ).update(confirmation_waiting=False)
    if not claimed:
        return None
    outcome = _send(messages.confirmation(address), connection)
    if outcome == PERMANENT:
        Address.objects.filter(pk=address.pk).update(refusals=F("refusals") + 1)
    elif outcome != SENT:
        Address.objects.filter(pk=address.pk).update(confirmation_waiting=True)
    return outcome


def _send(message, connection) -> str:
    """Send one message; say how it went. Errors are logged, never raised."""
    message.connection = connection
    try:
        if connection is not None:
            connection.open()  # once: later messages of the run share the connection
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        return _refused(message, codes[0] if codes else None, error)
    except smtplib.SMTPResponseException as error:
        return _refused(message, error.smtp_code, error)
    except OSError as error:  # unreachable, disconnected, timed out: the SMTP server's fault
        logger.warning("Could not reach the SMTP server: %s", error)
        if connection is not None:
            connection.close()
        return UNREACHABLE
    return SENT


def _refused(message, code, error) -> str:
    permanent = code is not None and 500 <= code < 600
    logger.warning("SMTP refused a message to %s (%s): %s", message.to[0], code, error)
    return PERMANENT if permanent else TRANSIENT


def due_reminders(now: dt.datetime):
    """(address pk, talk pk, talk start) of every reminder due at `now` and never claimed:
    confirmed talks starting within REMINDER_HOURS, not yet started, of series that a
    receiving address follows for reminders."""
    talks = list(
        Talk.objects.filter(
            status=Talk.Status.CONFIRMED, start__gt=now, start__lte=now + reminder_window()
        ).values_list("pk", "series_id", "start")
    )
    if not talks:
        return []
    followers = {}
    for series_id, address_id in Subscription.objects.filter(
        reminders=True,
        series_id__in={series_id for _, series_id, _ in talks},
        address__in=Address.objects.receiving(),
    ).values_list("series_id", "address_id"):
        followers.setdefault(series_id, []).append(address_id)
    claimed = set(
        Delivery.objects.filter(
            kind=Delivery.Kind.REMINDER, talk_id__in=[pk for pk, _, _ in talks]
        ).values_list("address_id", "talk_id", "start")
    )
    return [
        (address_id, pk, Delivery.Kind.REMINDER, start)
        for pk, series_id, start in talks
        for address_id in followers.get(series_id, [])
        if (address_id, pk, start) not in claimed
    ]


def due_changes(now: dt.datetime):
    """(address pk, talk pk, kind, start) of the change notices due at `now`: a talk an
    address was reminded of, not yet started, that is cancelled since ("Cancelled:", keyed on
    the start it was reminded for) or moved to another time ("Moved:", keyed on the new
    start, so a talk moved twice is told twice). Only to addresses still following its series.
    Claims already made are left out by the unique constraint when these are inserted.
    """
    told = (
        Delivery.objects.filter(
            kind=Delivery.Kind.REMINDER,
            status=Delivery.Status.SENT,
            talk__start__gt=now,
            address__in=Address.objects.receiving(),
        )
        .filter(Q(talk__status=Talk.Status.CANCELLED) | ~Q(talk__start=F("start")))
        .filter(
            Exists(
                Subscription.objects.filter(
                    address=OuterRef("address"), series=OuterRef("talk__series")
                )
            )
        )
        .values_list("address_id", "talk_id", "start", "talk__status", "talk__start")
    )
    due = set()
    for address_id, talk_id, start, status, talk_start in told:
        if status == Talk.Status.CANCELLED:
            due.add((address_id, talk_id, Delivery.Kind.CANCELLED, start))
        else:
            due.add((address_id, talk_id, Delivery.Kind.MOVED, talk_start))
    return sorted(due)


def _still_due(row: Delivery, talk: Talk, now: dt.datetime) -> bool:
    """Whether a claim still says what its talk is (a stale claim may be outdated)."""
    if talk.start <= now:
        return False
    if row.kind == Delivery.Kind.CANCELLED:
        return talk.is_cancelled
    return not talk.is_cancelled and talk.start == row.start


def send_reminders(*, now: dt.datetime, connection=None) -> tuple[int, int, int]:
    """Claim the reminders and change notices due at `now` (and claims left stale by a
    crashed run), send them, record each. Returns (reminders sent, notices sent, not sent)."""
    run = uuid.uuid4().hex
    Delivery.objects.filter(
        status=Delivery.Status.PENDING, claimed_at__lt=now - STALE_CLAIM
    ).update(run=run, claimed_at=now)
    Delivery.objects.bulk_create(
        [
            Delivery(
                address_id=address_id,
                talk_id=talk_id,
                kind=kind,
                start=start,
                run=run,
                claimed_at=now,
            )
            for address_id, talk_id, kind, start in [*due_reminders(now), *due_changes(now)]
        ],
        ignore_conflicts=True,  # rows another run holds stay its own
    )
    # Only the rows this run inserted or took over carry its run.
    rows = list(
        Delivery.objects.filter(run=run, status=Delivery.Status.PENDING).select_related("address")
    )
    if not rows:
        return 0, 0, 0
    talks = Talk.objects.filter(pk__in={row.talk_id for row in rows}).with_speakers()
    talks = {talk.pk: talk for talk in talks}
    files = {}
    record = _Record(now)
    # A talk moved into the reminder window has its "Moved:" notice and its reminder due at
    # once: the notice, which says all the reminder does, stands for both.
    moved = {(r.address_id, r.talk_id, r.start) for r in rows if r.kind == Delivery.Kind.MOVED}
    for row in rows:
        if row.kind == Delivery.Kind.REMINDER and (row.address_id, row.talk_id, row.start) in moved:
            record.add(row, "covered")
            continue
        talk = talks[row.talk_id]
        if not _still_due(row, talk, now):
            # A stale claim of a talk changed since: its new start has a key of its own.
            record.add(row, "outdated")
            continue
        if talk.pk not in files:
            files[talk.pk] = messages.talk_file(talk)
        if record.unreachable:
            record.add(row, TRANSIENT)
            continue
        message = messages.reminder(row.address, talk, ics=files[talk.pk], kind=row.kind)
        outcome = _send(message, connection)
        record.add(row, outcome)
        if len(record.rows) >= BATCH:
            record.write()
    record.write()
    return record.sent, record.notices, record.not_sent


class _Record:
    """What a run's sending did, written in a few queries per batch."""

    def __init__(self, now):
        self.now = now
        self.rows: list[tuple[Delivery, str]] = []
        self.sent = self.notices = self.not_sent = 0
        self.unreachable = False

    def add(self, row, outcome):
        if outcome == UNREACHABLE:
            self.unreachable = True  # give the rest of the run up to the next one
            outcome = TRANSIENT
        self.rows.append((row, outcome))

    def write(self):
        by = {}
        for row, outcome in self.rows:
            by.setdefault(outcome, []).append(row)
        if SENT in by or "covered" in by:
            done = [r.pk for r in by.get(SENT, []) + by.get("covered", [])]
            Delivery.objects.filter(pk__in=done).update(
                status=Delivery.Status.SENT, sent_at=self.now
            )
        if TRANSIENT in by:
            # Given up: the next run claims it anew.
            Delivery.objects.filter(pk__in=[r.pk for r in by[TRANSIENT]]).delete()
        if PERMANENT in by:
            Delivery.objects.filter(pk__in=[r.pk for r in by[PERMANENT]]).update(
                status=Delivery.Status.FAILED, error="Refused permanently by the mail server."
            )
            Address.objects.filter(pk__in={r.address_id for r in by[PERMANENT]}).update(
                refusals=F("refusals") + 1
            )
        if "outdated" in by:
            Delivery.objects.filter(pk__in=[r.pk for r in by["outdated"]]).update(
                status=Delivery.Status.FAILED, error="Not sent: the talk changed before it was."
            )
        sent = by.get(SENT, [])
        self.notices += sum(r.kind != Delivery.Kind.REMINDER for r in sent)
        self.sent += sum(r.kind == Delivery.Kind.REMINDER for r in sent)
        self.not_sent += len(by.get(TRANSIENT, [])) + len(by.get(PERMANENT, []))
        self.rows = []
