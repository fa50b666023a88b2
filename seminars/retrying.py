"""Bounded retries for background tasks.

django-tasks runs a task once: a task that raises is FAILED and stays so. Where a failure
may pass (a remote server that answered 5xx or 429, or did not answer in time), the task
enqueues itself again, at most `ATTEMPTS` times in all, each wait twice the one before.
"""

import datetime as dt

from django.utils import timezone

ATTEMPTS = 3
FIRST_WAIT = dt.timedelta(seconds=30)  # then 60 s: a server restarting is back by then


def next_attempt_at(attempt: int, *, now: dt.datetime) -> dt.datetime | None:
    """When attempt number `attempt + 1` should run, or None when `attempt` was the last."""
    if attempt >= ATTEMPTS:
        return None
    return now + FIRST_WAIT * 2 ** (attempt - 1)


def retry_later(task, *, attempt: int, now: dt.datetime | None = None, **kwargs):
    """Enqueue `task(attempt=attempt + 1, **kwargs)` after its wait; return when it runs, or
    None when `attempt` was the last (nothing is enqueued)."""
    when = next_attempt_at(attempt, now=now or timezone.now())
    if when is not None:
        task.using(run_after=when).enqueue(attempt=attempt + 1, **kwargs)
    return when
