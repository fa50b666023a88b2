"""Registering for a talk's join link: the form's request, confirming it under the talk's
capacity, cancelling, and what the talk's page says of it.

Double opt-in, as for subscriptions (seminars.mail.subscribing): the request makes or
updates an unconfirmed row and marks its confirmation email as waiting; the registration
counts once its link is followed. Throttled as subscriptions are, per client (the same
counter) and per address and talk (one confirmation in ADDRESS_INTERVAL). Whoever asks gets
the same answer, so the form tells nobody who registered.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .. import joining
from ..caching import content_changed
from ..mail.models import CONFIRM_WITHIN, new_token
from ..mail.subscribing import ADDRESS_INTERVAL, client_allowed, normalised
from ..models import Talk
from .models import Registration, RegistrationLimit

# What confirming did.
CONFIRMED, ALREADY, FULL, CLOSED = "confirmed", "already", "full", "closed"


def closed_reason(talk: Talk, now: dt.datetime | None = None) -> str:
    """Why `talk` takes no registrations at `now`, or "" when it takes them."""
    if joining.mode(talk) != joining.REGISTRATION:
        return "This talk's link is not given by registration."
    if talk.is_cancelled:
        return "This talk is cancelled."
    if talk.is_over(now):
        return "This talk is over."
    return ""


def capacity(talk: Talk) -> int | None:
    """How many may register for `talk`; None for no limit."""
    limits = RegistrationLimit.objects.filter(talk_id=talk.pk)
    return limits.values_list("capacity", flat=True).first()


def is_full(talk: Talk) -> bool:
    limit = capacity(talk)
    return limit is not None and talk.registrations.confirmed().count() >= limit


def page_context(talk: Talk, now: dt.datetime | None = None) -> dict:
    """What the talk's page says of registering: nothing for a talk of another mode (and
    no query); else whether it takes registrations, whether it is full, and when the link is
    emailed. The page is cached per content version: confirming the last place and
    cancelling one of a full talk give the content a new one."""
    if joining.mode(talk) != joining.REGISTRATION:
        return {}
    now = now or timezone.now()
    taking = not closed_reason(talk, now)
    sends_at = joining.link_sent_at(talk)
    return {
        "registration": {
            "open": taking,
            "full": taking and is_full(talk),
            "sends_at": sends_at if sends_at > now else None,
            "minutes": joining.reveal_minutes(talk),
        }
    }


def request_registration(
    *, talk: Talk, email: str, name: str, zone: str, client, now: dt.datetime | None = None
) -> Registration | None:
    """Record a request to register `email` for `talk`, and mark its confirmation email as
    waiting. Returns the registration whose confirmation now waits, or None when throttled
    (the client asked too often, or this address had a confirmation for this talk within
    ADDRESS_INTERVAL): then nothing changes. The caller answers the same either way.

    A confirmed registration keeps its name and zone (the request may be anyone's); its
    email then says it is registered already."""
    now = now or timezone.now()
    if not client_allowed(client):
        return None
    with transaction.atomic():
        registration, made = Registration.objects.select_for_update().get_or_create(
            talk=talk,
            email=normalised(email),
            defaults={"name": name, "zone": zone, "token": new_token()},
        )
        sent = registration.confirmation_sent_at
        if sent is not None and now - sent < ADDRESS_INTERVAL:
            return None
        if registration.confirmed_at is None:
            registration.name, registration.zone = name, zone
        registration.confirmation_waiting = True
        # Counted from the request, as for subscriptions.
        registration.confirmation_sent_at = now
        registration.save(
            update_fields=["name", "zone", "confirmation_waiting", "confirmation_sent_at"]
        )
    return registration


def confirm(registration: Registration, *, now: dt.datetime | None = None) -> str:
    """Confirm `registration` unless its talk is full or takes no registrations; what it
    did: CONFIRMED, ALREADY (confirmed before: nothing changes), FULL or CLOSED.

    Confirmations of one talk take turns on the talk's row (SELECT ... FOR UPDATE; on
    SQLite every write transaction holds the one write lock), so that of two confirming the
    last place at once one gets it and the other FULL. Confirming the last place gives the
    content a new version, so cached pages say the talk is full."""
    now = now or timezone.now()
    with transaction.atomic():
        talk = (
            Talk.objects.select_for_update(of=("self",))
            .select_related("series")
            .get(pk=registration.talk_id)
        )
        current = Registration.objects.filter(pk=registration.pk).first()
        if current is None:
            return CLOSED
        if current.confirmed_at is not None:
            return ALREADY
        if closed_reason(talk, now):
            return CLOSED
        limit = capacity(talk)
        taken = talk.registrations.confirmed().count() if limit is not None else 0
        if limit is not None and taken >= limit:
            return FULL
        Registration.objects.filter(pk=registration.pk).update(confirmed_at=now)
        registration.confirmed_at = now
        if limit is not None and taken + 1 >= limit:
            content_changed()
    return CONFIRMED


def cancel(registration: Registration) -> None:
    """Forget `registration` (its links die with it). A place freed in a full talk gives the
    content a new version, so cached pages offer the form again."""
    with transaction.atomic():
        talk = Talk.objects.select_for_update().filter(pk=registration.talk_id).first()
        was_full = talk is not None and is_full(talk)
        Registration.objects.filter(pk=registration.pk).delete()
        if was_full:
            content_changed()


def forget_unconfirmed(now: dt.datetime) -> int:
    """Delete registrations never confirmed within CONFIRM_WITHIN of being made; how many."""
    expired = Registration.objects.filter(
        confirmed_at__isnull=True, created__lt=now - CONFIRM_WITHIN
    )
    return expired.delete()[0]
