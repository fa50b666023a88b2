"""Email in the background worker: a confirmation as soon as it is asked for, and a run of
`send_due()` every `SEND_EMAIL_EVERY` seconds.

The run keeps itself going: each one enqueues the next before it ends, whatever happened,
so that one worker (`manage.py db_worker`, or several sharing the queue) is all a site needs,
with no cron. `schedule_sending()` starts the chain; the project's `db_worker` calls it as it
starts, so a worker restarted after a crash (which left its run RUNNING and so enqueued no
next one) starts it again. There is at most one run waiting: a run that finds one already
waiting enqueues none, so two chains (two workers started at once) become one at their next
run. Sending is exactly once however many runs there are (see sending.py), so an extra run
costs a few queries, never a duplicate.
"""

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from . import sending
from .models import Address


@task()
def send_confirmation_task(*, address_pk: int) -> str:
    """Send the address's waiting confirmation (what the subscription form asked for). A
    failure leaves it waiting for the next `send_due()` run, which sends it."""
    address = Address.objects.filter(pk=address_pk).first()
    if address is None:
        return "the address was removed before its confirmation was sent"
    outcome = sending.send_confirmation(address)
    return outcome or "already sent"


@task()
def send_due_task() -> str:
    """Send everything due now (`send_due()`), then enqueue the next run."""
    try:
        return str(sending.send_due())
    finally:
        schedule_sending(after=dt.timedelta(seconds=settings.SEND_EMAIL_EVERY))


def send_now() -> None:
    """Have a worker send what is due now (an announcement just made), besides the runs
    every SEND_EMAIL_EVERY seconds."""
    send_due_task.enqueue()


def waiting_runs():
    """The `send_due_task` runs enqueued and not yet taken by a worker."""
    return DBTaskResult.objects.filter(
        task_path=send_due_task.module_path, status=TaskResultStatus.READY
    )


def schedule_sending(*, after: dt.timedelta = dt.timedelta(0)) -> bool:
    """Enqueue a run of `send_due_task` `after` from now unless one is waiting already;
    whether one was enqueued. Nothing when the site offers no email."""
    if not settings.EMAIL_OFFERED:
        return False
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Two workers starting at once take turns here, so they enqueue one run (on
            # SQLite each write transaction is IMMEDIATE: it holds the one write lock).
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SCHEDULE_LOCK])
        if waiting_runs().exists():
            return False
        send_due_task.using(run_after=timezone.now() + after).enqueue()
        return True


_SCHEDULE_LOCK = 23_0002  # an advisory lock's key: "scheduling the email run" (tasks.py: 23_0001)
