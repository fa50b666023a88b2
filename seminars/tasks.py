"""The background tasks: thin wrappers over the services (`seminars.importing.import_source`),
run by `manage.py db_worker` (django-tasks with the django-tasks-db backend).

Each task is a row of django_tasks_db's DBTaskResult in the site's own database: its
arguments, status, return value or traceback (shown to site administrators in the admin's
"Task results"). A worker killed mid-task leaves its row RUNNING; the import it ran is one
transaction, so it left nothing half done, and the next "Import now" takes the row again
(`queue_import`).
"""

import datetime as dt

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .importing import ImportOptions, import_source
from .locks import changing_talks
from .models import FeedSource
from .retrying import ATTEMPTS, retry_later

# An import in the worker keeps the admin's bounds on what organisers may import (size and
# events) but has no request to finish: it may wait longer for a server and run longer.
WORKER_TIMEOUT = 60  # seconds for a remote calendar's whole download
WORKER_TIME_LIMIT = 10 * 60  # seconds from the start of the import
# A task RUNNING longer than this has lost its worker (killed mid-task).
LOST_AFTER = dt.timedelta(seconds=2 * WORKER_TIME_LIMIT)


@task()
def import_source_task(*, source_pk: int, attempt: int = 1) -> dict:
    """Import the FeedSource `source_pk` as the admin's "Import now" asks (recording the
    run on its row, as `import_source` does); when the server said "try later", enqueue
    the next attempt. Return what the admin shows of it (JSON)."""
    source = FeedSource.objects.filter(pk=source_pk).select_related("series").first()
    if source is None:
        return {"summary": "failed: the source was deleted before its import ran", "failed": True}
    options = ImportOptions(
        # The series itself, never its name, which may be another series' slug.
        series=source.series or "",
        force=True,  # the organiser asked: "not modified" would show nothing
        timeout=WORKER_TIMEOUT,
        max_bytes=settings.IMPORT_MAX_BYTES,
        max_events=settings.IMPORT_MAX_EVENTS,
        time_limit=WORKER_TIME_LIMIT,
    )
    report = import_source(source.location, options)
    retry_at = None
    if report.transient or report.busy:
        retry_at = retry_later(import_source_task, attempt=attempt, source_pk=source_pk)
    result = report.result
    return {
        "summary": report.summary(),
        "failed": report.failed,
        "error": report.error,
        "attempt": attempt,
        "attempts": ATTEMPTS,
        "retry_at": retry_at.isoformat() if retry_at else None,
        "skipped": [str(n) for n in result.notices if n.skipped],
        "warnings": [str(n) for n in result.notices if not n.skipped],
    }


def import_tasks(source: FeedSource):
    """The import tasks of `source`, the latest first."""
    return DBTaskResult.objects.filter(
        task_path=import_source_task.module_path, args_kwargs__kwargs__source_pk=source.pk
    ).order_by("-enqueued_at")


def pending_import(source: FeedSource) -> DBTaskResult | None:
    """The import of `source` waiting for a worker or running, if any."""
    pending = (TaskResultStatus.READY, TaskResultStatus.RUNNING)
    return import_tasks(source).filter(status__in=pending).first()


def queue_import(source: FeedSource, *, now: dt.datetime | None = None) -> tuple[str, bool]:
    """Enqueue an import of `source` unless one is pending; return the pending task's id
    and whether it was enqueued now.

    A task RUNNING for longer than `LOST_AFTER` lost its worker: it is made READY again,
    so that a worker takes the row again. Two presses at once enqueue one import: on
    PostgreSQL they take turns on an advisory lock of the source (not its row, which a
    running import holds until it commits); on SQLite every write transaction takes the
    database's one write lock. Waits for a lock only briefly (seminars.locks): raises Busy
    when an import holds SQLite's write lock, with nothing enqueued.
    """
    now = now or timezone.now()
    with changing_talks():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_QUEUE_LOCK, source.pk])
        pending = pending_import(source)
        if pending is None:
            return import_source_task.enqueue(source_pk=source.pk).id, True
        if pending.status == TaskResultStatus.RUNNING and pending.started_at < now - LOST_AFTER:
            DBTaskResult.objects.filter(pk=pending.pk).update(
                status=TaskResultStatus.READY, started_at=None
            )
            return str(pending.pk), True
        return str(pending.pk), False


_QUEUE_LOCK = 23_0001  # the advisory locks' first key: "queueing an import" (the second: source)
