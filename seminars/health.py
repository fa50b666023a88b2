"""/healthz: whether this app server can serve pages, for load balancers and uptime checks."""

import logging
from contextlib import contextmanager

from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .models import Talk

logger = logging.getLogger(__name__)

# Pages wait for a lock far longer; a probe wants an answer before its own timeout.
LOCK_WAIT_MS = 1000


@never_cache
@require_safe
def healthz(request):
    """200 `ok` when the talks table can be read; else 503 with a short reason.

    `SELECT 1` is not enough: SQLite answers it from a deleted, empty or garbage file. The
    reason is the same whatever went wrong (the error names hosts and users); the log line has
    the details.
    """
    try:
        with _short_lock_wait():
            Talk.objects.exists()
    except DatabaseError as error:
        logger.warning("health check failed: database unavailable: %s", error)
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


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
