"""Sending what is due now: waiting confirmations, talks' reminders and change notices, and
the weekly digests, exactly once.

`send_due()` is what `manage.py send_email` runs, from cron every few minutes or from the
worker. How a run claims its messages before sending, and what a crash leaves, is told on
models.Delivery and models.DigestDelivery. Reminders and digests go out in a constant number
of queries whatever the number of subscribers (up to BATCH messages; one more round of
writes per further batch). A digest's list of talks is rendered once per (series with talks
that week, zone), not once per address.
"""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from ..models import Talk
from . import messages, wire
from .models import MAX_REFUSALS, Address, Delivery, DigestDelivery, Subscription

logger = logging.getLogger(__name__)

WEEK = dt.timedelta(days=7)
STALE_CLAIM = dt.timedelta(minutes=30)  # a claim pending this long was left by a crashed run
BATCH = 200  # messages sent between two recordings of what was sent
# How sending a message went.
SENT, TRANSIENT, PERMANENT, UNREACHABLE = (
    wire.SENT,
    wire.TRANSIENT,
    wire.PERMANENT,
    wire.UNREACHABLE,
)
# What a run does with a claim it does not send: COVERED counts as sent (another message of
# the run says it all), OUTDATED is failed (what it was about changed), EMPTY is given up.
COVERED, OUTDATED, EMPTY = "covered", "outdated", "empty"


@dataclass
class Summary:
    confirmations: int = 0
    reminders: int = 0
    notices: int = 0
    announcements: int = 0
    digests: int = 0
    links: int = 0
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
        if self.announcements:
            text += f" Sent {_count(self.announcements, 'announcement')}."
        if self.digests:
            text += f" Sent {_count(self.digests, 'weekly digest')}."
        if self.links:
            text += f" Sent {_count(self.links, 'join link')} to registrants."
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
    """Send every confirmation waiting, every reminder and change notice due at `now`, and
    the week's digests once their time has come, and registrants' join links and their
    confirmations (seminars.registration.sending); forget addresses unconfirmed for a week.
    Writes Delivery and DigestDelivery rows and the addresses' refusal counts."""
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
        sent = send_reminders(now=now, connection=connection)
        summary.reminders, summary.notices, summary.announcements, summary.failed = sent
        summary.digests, failed = send_digests(now=now, connection=connection)
        summary.failed += failed
        # Registrations for talks' join links: imported here, as that package, a floor above,
        # imports this module's sending.
        from ..registration.sending import send_links

        confirmations, summary.links, failed = send_links(now=now, connection=connection)
        summary.confirmations += confirmations
        summary.failed += failed
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
    outcome = send_one(messages.confirmation(address), connection)
    if outcome == PERMANENT:
        Address.objects.filter(pk=address.pk).update(refusals=F("refusals") + 1)
    elif outcome != SENT:
        Address.objects.filter(pk=address.pk).update(confirmation_waiting=True)
    return outcome


def send_one(message, connection=None) -> str:
    """Send one message (on `connection`, else one of its own); say how it went (SENT,
    TRANSIENT, PERMANENT, UNREACHABLE). Errors are logged, never raised."""
    message.connection = connection
    try:
        if connection is not None:
            connection.open()  # once: later messages of the run share the connection
        message.send()
    except OSError as error:  # smtplib's errors are OSErrors too
        outcome = wire.outcome_of(error, message.to[0])
        if outcome == UNREACHABLE and connection is not None:
            connection.close()
        return outcome
    return SENT


def due_reminders(now: dt.datetime) -> list[Delivery]:
    """The reminders due at `now` and never claimed, as unsaved rows: confirmed talks
    starting within REMINDER_HOURS, not yet started, of series that a receiving address
    follows for reminders."""
    talks = list(
        Talk.objects.filter(
            status=Talk.Status.CONFIRMED, start__gt=now, start__lte=now + reminder_window()
        ).values_list("pk", "series_id", "start", "venue")
    )
    if not talks:
        return []
    followers = {}
    for series_id, address_id in Subscription.objects.filter(
        reminders=True,
        series_id__in={talk[1] for talk in talks},
        address__in=Address.objects.receiving(),
    ).values_list("series_id", "address_id"):
        followers.setdefault(series_id, []).append(address_id)
    claimed = set(
        Delivery.objects.filter(
            kind=Delivery.Kind.REMINDER, talk_id__in=[talk[0] for talk in talks]
        ).values_list("address_id", "talk_id", "start")
    )
    return [
        Delivery(
            address_id=address_id, talk_id=pk, kind=Delivery.Kind.REMINDER, start=start, venue=venue
        )
        for pk, series_id, start, venue in talks
        for address_id in followers.get(series_id, [])
        if (address_id, pk, start) not in claimed
    ]


def due_announcements(now: dt.datetime) -> list[Delivery]:
    """The announcements due at `now` and never claimed, as unsaved rows: of each announced
    talk, confirmed and not yet started, to every receiving address that followed its series
    (for reminders or the digest) when it was announced."""
    talks = list(
        Talk.objects.filter(
            status=Talk.Status.CONFIRMED, start__gt=now, announcement__isnull=False
        ).values_list("pk", "series_id", "start", "venue", "announcement__announced_at")
    )
    if not talks:
        return []
    claimed = set(
        Delivery.objects.filter(
            kind=Delivery.Kind.ANNOUNCEMENT, talk_id__in=[talk[0] for talk in talks]
        ).values_list("address_id", "talk_id")
    )
    followers = {}
    for series_id, address_id, since in Subscription.objects.filter(
        series_id__in={talk[1] for talk in talks}, address__in=Address.objects.receiving()
    ).values_list("series_id", "address_id", "created"):
        followers.setdefault(series_id, []).append((address_id, since))
    return [
        Delivery(
            address_id=address_id,
            talk_id=pk,
            kind=Delivery.Kind.ANNOUNCEMENT,
            start=start,
            venue=venue,
        )
        for pk, series_id, start, venue, announced_at in talks
        for address_id, since in followers.get(series_id, [])
        if since <= announced_at and (address_id, pk) not in claimed
    ]


def due_changes(now: dt.datetime) -> list[Delivery]:
    """The change notices due at `now`, as unsaved rows: of a talk not yet started whose state
    an address was last told (its latest sent reminder or Moved notice) is no longer so.
    Cancelled since: "Cancelled:", keyed on the start last told. At another start or venue:
    one "Moved:" for both, keyed on the new start and the talk's SEQUENCE, so that every move
    is told once (see models.Delivery). Only to addresses still following its series. Claims
    already made are left out by the unique constraint when these are inserted.
    """
    told = Delivery.objects.filter(
        kind__in=[Delivery.Kind.REMINDER, Delivery.Kind.MOVED, Delivery.Kind.ANNOUNCEMENT],
        status=Delivery.Status.SENT,
    )
    later = told.filter(address=OuterRef("address"), talk=OuterRef("talk"), pk__gt=OuterRef("pk"))
    latest = (
        told.filter(talk__start__gt=now, address__in=Address.objects.receiving())
        .exclude(Exists(later))
        .filter(
            Q(talk__status=Talk.Status.CANCELLED)
            | ~Q(talk__start=F("start"))
            | ~Q(talk__venue=F("venue"))
        )
        .filter(
            Exists(
                Subscription.objects.filter(
                    address=OuterRef("address"), series=OuterRef("talk__series")
                )
            )
        )
        .values_list(
            "address_id",
            "talk_id",
            "start",
            "venue",
            "talk__status",
            "talk__start",
            "talk__venue",
            "talk__sequence",
        )
    )
    due = []
    for address_id, talk_id, start, venue, status, talk_start, talk_venue, sequence in latest:
        if status == Talk.Status.CANCELLED:
            due.append(
                Delivery(
                    address_id=address_id,
                    talk_id=talk_id,
                    kind=Delivery.Kind.CANCELLED,
                    start=start,
                    venue=venue,
                )
            )
        else:
            due.append(
                Delivery(
                    address_id=address_id,
                    talk_id=talk_id,
                    kind=Delivery.Kind.MOVED,
                    start=talk_start,
                    venue=talk_venue,
                    change=sequence,
                    previous_start=start,
                    previous_venue=venue,
                )
            )
    return due


def _still_due(row: Delivery, talk: Talk, now: dt.datetime) -> bool:
    """Whether a claim still says what its talk is (a stale claim may be outdated)."""
    if talk.start <= now:
        return False
    if row.kind == Delivery.Kind.CANCELLED:
        return talk.is_cancelled
    if row.kind == Delivery.Kind.MOVED and talk.venue != row.venue:
        return False  # moved again: that move has a key of its own
    if row.kind == Delivery.Kind.ANNOUNCEMENT:
        return not talk.is_cancelled  # it gives the talk as it is now
    return not talk.is_cancelled and talk.start == row.start


def send_reminders(*, now: dt.datetime, connection=None) -> tuple[int, int, int, int]:
    """Claim the reminders, change notices and announcements due at `now` (and claims left
    stale by a crashed run), send them, record each. Returns (reminders sent, notices sent,
    announcements sent, not sent)."""
    run = uuid.uuid4().hex
    Delivery.objects.filter(
        status=Delivery.Status.PENDING, claimed_at__lt=now - STALE_CLAIM
    ).update(run=run, claimed_at=now)
    due = [*due_reminders(now), *due_changes(now), *due_announcements(now)]
    for row in due:
        row.run, row.claimed_at = run, now
    Delivery.objects.bulk_create(due, ignore_conflicts=True)  # rows another run holds stay its own
    # Only the rows this run inserted or took over carry its run.
    rows = list(
        Delivery.objects.filter(run=run, status=Delivery.Status.PENDING).select_related("address")
    )
    if not rows:
        return 0, 0, 0, 0
    talks = Talk.objects.filter(pk__in={row.talk_id for row in rows}).with_speakers()
    talks = {talk.pk: talk for talk in talks}
    files = {}
    record = _Record(now, Delivery, outdated="Not sent: the talk changed before it was.")
    # A talk moved into the reminder window has its "Moved:" notice and its reminder due at
    # once: the notice, which says all the reminder does, stands for both.
    moved = {(r.address_id, r.talk_id, r.start) for r in rows if r.kind == Delivery.Kind.MOVED}
    for row in rows:
        if row.kind == Delivery.Kind.REMINDER and (row.address_id, row.talk_id, row.start) in moved:
            record.add(row, COVERED)
            continue
        talk = talks[row.talk_id]
        if not _still_due(row, talk, now):
            # A stale claim of a talk changed since: its new start has a key of its own.
            record.add(row, OUTDATED)
            continue
        if row.kind != Delivery.Kind.MOVED and row.venue != talk.venue:
            # The venue changed since the claim: record the one this message gives, which
            # the next run compares with (rare, so one query of its own).
            row.venue = talk.venue
            Delivery.objects.filter(pk=row.pk).update(venue=talk.venue)
        if row.kind == Delivery.Kind.ANNOUNCEMENT and row.start != talk.start:
            row.start = talk.start  # likewise the start it gives
            Delivery.objects.filter(pk=row.pk).update(start=talk.start)
        if talk.pk not in files:
            files[talk.pk] = messages.talk_file(talk)
        if record.unreachable:
            record.add(row, TRANSIENT)
            continue
        message = messages.reminder(
            row.address,
            talk,
            ics=files[talk.pk],
            kind=row.kind,
            previous_start=row.previous_start,
            previous_venue=row.previous_venue,
            msgid=messages.message_id("delivery", row.pk),
        )
        record.add(row, send_one(message, connection))
        if len(record.rows) >= BATCH:
            record.write()
    record.write()
    kinds = [row.kind for row in record.sent_rows]
    reminders = kinds.count(Delivery.Kind.REMINDER)
    announcements = kinds.count(Delivery.Kind.ANNOUNCEMENT)
    return reminders, len(kinds) - reminders - announcements, announcements, record.not_sent


def digest_time(now: dt.datetime) -> dt.datetime:
    """The latest digest time at or before `now`: DIGEST_WEEKDAY at DIGEST_HOUR in TIME_ZONE."""
    zone = timezone.get_default_timezone()
    local = now.astimezone(zone)
    day = local.date() - dt.timedelta(days=(local.weekday() - settings.DIGEST_WEEKDAY) % 7)
    at = dt.datetime.combine(day, dt.time(settings.DIGEST_HOUR), tzinfo=zone)
    if at > now:
        at = dt.datetime.combine(day - WEEK, dt.time(settings.DIGEST_HOUR), tzinfo=zone)
    return at


def digest_week(now: dt.datetime) -> tuple[dt.date, dt.datetime]:
    """The week whose digest is due at `now`: the day of its digest time (its key) and its
    end, seven days on by the clock of TIME_ZONE. A digest lists the talks starting from
    `now` (a late run leaves out those already begun) to that end."""
    at = digest_time(now)
    return at.date(), dt.datetime.combine(at.date() + WEEK, at.timetz())


def send_digests(*, now: dt.datetime, connection=None) -> tuple[int, int]:
    """Claim and send the week's digest to every receiving address that follows a series
    with `digest` and has a confirmed talk to list, unless it had that week's already; take
    over the week's stale claims. Returns (digests sent, not sent)."""
    week, end = digest_week(now)
    run = uuid.uuid4().hex
    stale = DigestDelivery.objects.filter(
        status=DigestDelivery.Status.PENDING, claimed_at__lt=now - STALE_CLAIM
    )
    stale.filter(week__lt=week).update(
        status=DigestDelivery.Status.FAILED, error="Not sent: its week was over first."
    )
    stale.filter(week=week).update(run=run, claimed_at=now)
    # Addresses that had this week's digest, or whose claim another run holds, are left out.
    taken = DigestDelivery.objects.filter(address=OuterRef("address"), week=week).exclude(run=run)
    follows = {}
    for address_id, series_id in (
        Subscription.objects.filter(digest=True, address__in=Address.objects.receiving())
        .exclude(Exists(taken))
        .values_list("address_id", "series_id")
    ):
        follows.setdefault(address_id, set()).add(series_id)
    if not follows:
        return 0, 0
    talks = (
        Talk.objects.filter(status=Talk.Status.CONFIRMED, start__gte=now, start__lt=end)
        .filter(Exists(Subscription.objects.filter(series=OuterRef("series"), digest=True)))
        .with_speakers()
        .order_by("start", "pk")
    )
    by_series = {}
    for talk in talks:
        by_series.setdefault(talk.series_id, []).append(talk)
    # What each address's digest lists: the series it follows that have talks this week.
    listed = {
        address_id: key
        for address_id, series in follows.items()
        if (key := frozenset(series & by_series.keys()))
    }
    DigestDelivery.objects.bulk_create(
        [
            DigestDelivery(address_id=address_id, week=week, run=run, claimed_at=now)
            for address_id in listed
        ],
        ignore_conflicts=True,  # rows another run holds stay its own
    )
    rows = list(
        DigestDelivery.objects.filter(run=run, status=DigestDelivery.Status.PENDING)
        .select_related("address")
        .order_by("pk")
    )
    record = _Record(now, DigestDelivery, outdated="")
    listings = {}  # (series, zone) → (days, the list rendered once)
    templates = {}  # (series, zone) → the digest's bytes, made once (wire.Template)
    # Over the SMTP connection directly, serialised for less (see wire.py).
    sender = wire.sender(connection, lambda message: send_one(message, connection))
    try:
        for row in rows:
            series = listed.get(row.address_id)
            if series is None:
                # A stale claim of an address that has nothing to list now, or stopped.
                record.add(row, EMPTY)
                continue
            if sender.unreachable:
                record.add(row, TRANSIENT)
                continue
            zone = messages.address_zone(row.address)
            if (series, zone.key) not in listings:
                talks = sorted((t for s in series for t in by_series[s]), key=_start_order)
                days = messages.digest_days(talks, zone)
                listings[series, zone.key] = days, messages.digest_listing(days, zone)
            days, listing = listings[series, zone.key]
            msgid = messages.message_id("digest", row.pk)
            template = None
            if isinstance(sender, wire.Direct) and wire.fillable(row.address.email):
                # The same digest to many: its bytes made once, then merged per address.
                if (series, zone.key) not in templates:
                    templates[series, zone.key] = messages.digest_template(days, zone, listing)
                template = templates[series, zone.key]
            if template is not None and template.usable:
                data = template.fill(messages.digest_values(row.address, msgid))
                sender.put_bytes(row, template.sender, row.address.email, data)
            else:
                sender.put(
                    row, messages.digest(row.address, days, zone=zone, listing=listing, msgid=msgid)
                )
            for done in sender.finished():
                record.add(*done)
            if len(record.rows) >= BATCH:
                record.write()
    finally:
        # Whatever happened, what was sent is recorded.
        for done in sender.finished():
            record.add(*done)
        record.write()
    return len(record.sent_rows), record.not_sent


def _start_order(talk):
    return talk.start, talk.pk


class _Record:
    """What a run's sending did to its claims (Delivery or DigestDelivery rows), written in
    a few queries per batch."""

    def __init__(self, now, model, *, outdated: str):
        self.now, self.model, self.outdated = now, model, outdated
        self.rows: list[tuple[object, str]] = []
        self.sent_rows = []
        self.not_sent = 0
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
        claims = self.model.objects
        done = by.get(SENT, []) + by.get(COVERED, [])
        if done:
            claims.filter(pk__in=[r.pk for r in done]).update(
                status=self.model.Status.SENT, sent_at=self.now
            )
        given_up = by.get(TRANSIENT, []) + by.get(EMPTY, [])
        if given_up:
            # The next run claims it anew.
            claims.filter(pk__in=[r.pk for r in given_up]).delete()
        if PERMANENT in by:
            claims.filter(pk__in=[r.pk for r in by[PERMANENT]]).update(
                status=self.model.Status.FAILED, error="Refused permanently by the mail server."
            )
            Address.objects.filter(pk__in={r.address_id for r in by[PERMANENT]}).update(
                refusals=F("refusals") + 1
            )
        if OUTDATED in by:
            claims.filter(pk__in=[r.pk for r in by[OUTDATED]]).update(
                status=self.model.Status.FAILED, error=self.outdated
            )
        self.sent_rows += by.get(SENT, [])
        self.not_sent += len(by.get(TRANSIENT, [])) + len(by.get(PERMANENT, []))
        self.rows = []
