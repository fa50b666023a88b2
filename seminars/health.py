"""/healthz: whether this app server can serve pages, for load balancers and uptime checks."""

import logging
import uuid
from contextlib import contextmanager

from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .models import Talk

logger = logging.getLogger(__name__)

# Pages wait for a lock far longer; a probe wants an answer before its own timeout.
LOCK_WAIT_MS = 1000
CACHE_PROBE_KEY = "seminars:healthz"


@never_cache
@require_safe
def healthz(request):
    """200 `ok` when the talks table can be read; else 503 with a short reason.

    `SELECT 1` is not enough: SQLite answers it from a deleted, empty or garbage file. The
    reason is the same whatever went wrong (the error names hosts and users); the log line has
    the details.

    A cache that is down leaves the status at 200, `ok; cache unavailable`: pages still serve,
    only slower, and with one Redis shared by every server a 503 would take them all out of
    the load balancer at once. The cache backend logs that outage itself, once.
    """
    try:
        with _short_lock_wait():
            Talk.objects.exists()
    except DatabaseError as error:
        logger.warning("health check failed: database unavailable: %s", error)
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    body = "ok" if _cache_works() else "ok; cache unavailable"
    return HttpResponse(body, content_type="text/plain")


def _cache_works() -> bool:
    """Whether a value written to the cache reads back (the Redis backend turns errors into
    misses, so an error shows as the value missing). A new value each time, so that a cache
    that still reads but no longer writes shows too."""
    value = uuid.uuid4().hex
    cache.set(CACHE_PROBE_KEY, value, 60)
    return cache.get(CACHE_PROBE_KEY) == value


@contextmanager
def _short_lock_wait():
    """Give up on a locked database after LOCK_WAIT_MS, as a failure."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout")
            (usual,) = cursor.fetchone()
            cursor.execute(f"PRAGMA busy_timeout = {LOCK_WAIT_MS}")
            try:
                yield
            finally:
                cursor.execute(f"PRAGMA busy_timeout = {int(usual)}")
    elif connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {LOCK_WAIT_MS}")
            yield
    else:
        yield
