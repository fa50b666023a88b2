"""Asking for talks by email, confirming, changing and ending a subscription.

Double opt-in: the form's request is kept on the address (`requested`) and nothing but a
confirmation email goes to it; the subscriptions are made only when its link is followed.
"""

import datetime as dt

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ..models import Series
from .models import Address, Subscription, new_token

# At most one confirmation email per address in this time (held in the database, so that
# every server sees it), and at most CLIENT_LIMIT requests per client in CLIENT_WINDOW
# (in the cache: a limit on load, not a promise).
ADDRESS_INTERVAL = dt.timedelta(minutes=10)
CLIENT_LIMIT = 5
CLIENT_WINDOW = dt.timedelta(hours=1)


def normalised(email: str) -> str:
    """One spelling of an address: mail servers treat the whole of it alike in practice."""
    return email.strip().lower()


def client_allowed(client: str | None) -> bool:
    """Count a request of `client` (an IP address); False once it is over CLIENT_LIMIT."""
    key = f"seminars:mail:client:{client}"
    cache.add(key, 0, int(CLIENT_WINDOW.total_seconds()))
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, int(CLIENT_WINDOW.total_seconds()))
        count = 1
    return count <= CLIENT_LIMIT


def request_subscription(
    *, email: str, series_pks: list[int], reminders: bool, digest: bool, zone: str, client, now=None
) -> Address | None:
    """Record a request for talks of `series_pks` and mark its confirmation email as waiting.

    Returns the address whose confirmation now waits, or None when throttled (the client has
    asked too often, or the address had a confirmation within ADDRESS_INTERVAL): then nothing
    changes. The caller answers the same either way. An address already confirmed is asked
    to confirm too: the form must not let anyone add series to another person's mail.
    """
    now = now or timezone.now()
    if not client_allowed(client):
        return None
    requested = {
        "series": sorted(series_pks),
        "reminders": reminders,
        "digest": digest,
        "zone": zone,
    }
    with transaction.atomic():
        address, _ = Address.objects.select_for_update().get_or_create(
            email=normalised(email), defaults={"zone": zone, "token": new_token()}
        )
        sent = address.confirmation_sent_at
        if sent is not None and now - sent < ADDRESS_INTERVAL:
            return None
        address.requested = requested
        address.confirmation_waiting = True
        # Counted from the request: a second request within the interval sends nothing more,
        # even while the first email still waits for the SMTP server.
        address.confirmation_sent_at = now
        address.save(update_fields=["requested", "confirmation_waiting", "confirmation_sent_at"])
    return address


def confirm(address: Address, requested: dict, *, now=None) -> list[Subscription]:
    """Confirm `address` with the subscription its link asked for: make or update one
    Subscription per series still there, and take the zone chosen. Returns them."""
    now = now or timezone.now()
    wants = {"reminders": bool(requested.get("reminders")), "digest": bool(requested.get("digest"))}
    if not any(wants.values()):
        wants["reminders"] = True
    with transaction.atomic():
        address.confirmed_at = address.confirmed_at or now
        address.zone = requested.get("zone") or address.zone
        address.requested = {}
        address.save(update_fields=["confirmed_at", "zone", "requested"])
        made = []
        for series in Series.objects.filter(pk__in=requested.get("series", [])):
            subscription, _ = Subscription.objects.update_or_create(
                address=address, series=series, defaults=wants
            )
            made.append(subscription)
    return made


def unsubscribe(address: Address, series_pk: int | None = None) -> None:
    """End the address's subscription to one series, or with None forget the address and
    everything about it (its subscriptions and deliveries go with it)."""
    if series_pk is None:
        address.delete()
    else:
        address.subscriptions.filter(series_id=series_pk).delete()


def change(address: Address, wanted: dict[int, tuple[bool, bool]]) -> None:
    """Set what the address gets of each of its series: {series pk: (reminders, digest)};
    neither ends that subscription. Series it does not follow are ignored."""
    with transaction.atomic():
        for subscription in address.subscriptions.select_for_update():
            reminders, digest = wanted.get(subscription.series_id, (False, False))
            if not (reminders or digest):
                subscription.delete()
            elif (reminders, digest) != (subscription.reminders, subscription.digest):
                subscription.reminders, subscription.digest = reminders, digest
                subscription.save(update_fields=["reminders", "digest"])
