"""/healthz: whether this app server can serve pages, for load balancers and uptime checks."""

import logging

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    """200 `ok` when the database answers `SELECT 1`; else 503 with a short reason.

    The reason is the same whatever went wrong (the error names hosts and users); the log
    line has the details.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("health check failed: database unavailable: %s", error)
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
