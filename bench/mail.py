"""Email benchmark: the weekly digest for 10,000 subscribers of 50 series (2,000 in the quick
run), sent by `send_due()` to a local SMTP server (aiosmtpd), against plain `smtplib` sending
the same messages, prebuilt, to the same server over one connection.

The ratio is the site's messages per second over smtplib's (target ≥ 0.5x): what building the
messages, claiming and recording them costs on top of the SMTP conversation itself. The
queries are counted for a first run to a tenth of the subscribers and a second to the rest, at
the same digest time (the first run's addresses have theirs already), as queries per 100
messages: a run makes a fixed number of queries and one round of writes per batch of 200
messages, none per message, so the figure must not grow with the subscribers (target ≤ 1.0x).
"""

import datetime as dt
import smtplib
import socket
import time
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .setup import empty_database

SERIES = 50
TALKS_PER_SERIES = 3  # in the coming week
ZONES = ["Europe/London", "Europe/Berlin", "America/New_York"]
SENDER = "talks@example.org"


class _Server:
    """Keeps what it receives: (recipient, bytes)."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.rcpt_tos[0], envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def digest_time() -> dt.datetime:
    """A minute after the next digest time (DIGEST_WEEKDAY at DIGEST_HOUR in TIME_ZONE)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    weekday = getattr(settings, "DIGEST_WEEKDAY", 0)
    hour = getattr(settings, "DIGEST_HOUR", 7)
    today = dt.datetime.now(zone).date()
    day = today + dt.timedelta(days=(weekday - today.weekday()) % 7 or 7)
    return dt.datetime.combine(day, dt.time(hour, 1), tzinfo=zone)


def _fill(now: dt.datetime, subscribers: int, first: int = 0) -> None:
    """Series and their coming week's talks (once), and `subscribers` confirmed addresses
    numbered from `first`, each following two series for the digest only."""
    from seminars.mail.models import Address, Subscription, new_token
    from seminars.models import Series, Talk

    if first == 0:
        empty_database()
        Address.objects.all().delete()
        series = Series.objects.bulk_create(
            Series(name=f"Bench seminar {i}", slug=f"bench-seminar-{i}") for i in range(SERIES)
        )
        Talk.objects.bulk_create(
            Talk(
                series=s,
                title=f"Talk {j} of {s.name}: on the spectra of graphs",
                slug=f"talk-{j}-of-bench-seminar-{i}",
                abstract="We study things. " * 20,
                start=now + dt.timedelta(days=1 + j * 2, hours=i % 8),
                end=now + dt.timedelta(days=1 + j * 2, hours=i % 8 + 1),
                venue=f"Room {i}",
                uid=f"bench-{i}-{j}@example.org",
            )
            for i, s in enumerate(series)
            for j in range(TALKS_PER_SERIES)
        )
    series = list(Series.objects.order_by("pk").values_list("pk", flat=True))
    addresses = Address.objects.bulk_create(
        Address(
            email=f"subscriber{n}@example.org",
            zone=ZONES[n % len(ZONES)],
            token=new_token(),
            confirmed_at=now - dt.timedelta(days=30),
        )
        for n in range(first, first + subscribers)
    )
    if addresses[0].pk is None:  # backends that don't return pks from bulk inserts
        addresses = list(Address.objects.filter(email__in=[a.email for a in addresses]))
    Subscription.objects.bulk_create(
        Subscription(address=a, series_id=series[k], reminders=False, digest=True)
        for n, a in enumerate(addresses, start=first)
        for k in {n % SERIES, (n * 7 + 3) % SERIES}
    )


def _send_due(now) -> tuple[float, int]:
    """Run what `send_email` runs at `now`: seconds taken, queries made."""
    from seminars.mail.sending import send_due

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        send_due(now=now)
        elapsed = time.perf_counter() - started
    return elapsed, len(queries.captured_queries)


def _smtplib(port: int, messages) -> float:
    """Seconds for plain smtplib to send `messages` (recipient, bytes) over one connection."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for recipient, content in messages:
            smtp.sendmail(SENDER, [recipient], content)
    return time.perf_counter() - started


def run(full: bool):
    subscribers = 10_000 if full else 2_000
    first_batch = subscribers // 10
    server = _Server()
    controller = Controller(server, hostname="127.0.0.1", port=_free_port())
    controller.start()
    saved = {
        name: getattr(settings, name, None)
        for name in ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "SITE_URL", "EMAIL_USE_TLS")
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    settings.SITE_URL = "https://talks.example.org"
    settings.DEFAULT_FROM_EMAIL = SENDER
    try:
        now = digest_time()
        _fill(now, first_batch)
        _, small_queries = _send_due(now)
        small_sent = len(server.received)
        _fill(now, subscribers, first=first_batch)
        server.received.clear()
        site_seconds, large_queries = _send_due(now)
        sent = list(server.received)
        server.received.clear()
        plain_seconds = _smtplib(controller.port, sent)
    finally:
        controller.stop()
        for name, value in saved.items():
            setattr(settings, name, value)
    if len(sent) != subscribers or small_sent != first_batch:
        raise SystemExit(
            f"mail bench: {small_sent} + {len(sent)} digests sent, expected "
            f"{first_batch} + {subscribers}"
        )
    site_rate = len(sent) / site_seconds
    plain_rate = len(sent) / plain_seconds
    size = sum(len(content) for _, content in sent) // len(sent)
    small_per = 100 * small_queries / first_batch
    large_per = 100 * large_queries / subscribers
    return [
        (
            f"digest to {subscribers:,} subscribers of {SERIES} series, msgs/s vs smtplib "
            f"({size:,} B each)",
            f"{site_rate:,.0f} vs {plain_rate:,.0f}/s",
            f"{site_rate / plain_rate:.2f}x",
            "≥ 0.5x",
        ),
        (
            f"digest run queries per 100 messages, {first_batch:,} vs {subscribers:,} messages",
            f"{small_per:.1f} vs {large_per:.1f}",
            f"{large_per / small_per:.2f}x",
            "≤ 1.0x",
        ),
    ]
