"""Changing talks while an import may be running: one lock order, and short waits.

An import holds its FeedSource row from its first write to its commit
(`importing._locked_source`). Whatever else changes talks takes the same locks in the same
order, the talks' sources first, then the talks, and waits for them a moment only
(`LOCK_WAIT`). An organiser's save during an import then answers "save again" at once,
instead of blocking until the database's timeout (SQLite's "database is locked" after 20 s),
deadlocking with the import (PostgreSQL), or overwriting the import with values read before it.
"""

import contextlib
from collections.abc import Iterable

from django.db import OperationalError, connection, transaction

from .models import FeedSource, Talk

LOCK_WAIT = 2  # seconds a change waits for a lock before it gives up

# PostgreSQL's lock_not_available (lock_timeout, NOWAIT) and deadlock_detected.
_LOCK_SQLSTATES = {"55P03", "40P01"}


class Busy(Exception):
    """A lock the change needs is held by another transaction; nothing was written."""


class SourceBusy(Busy):
    """The calendar that a talk comes from is being imported; nothing was written."""


def is_lock_wait(error: Exception) -> bool:
    """Whether `error` is the database giving up waiting for a lock."""
    if getattr(error.__cause__, "sqlstate", None) in _LOCK_SQLSTATES:
        return True
    return connection.vendor == "sqlite" and "is locked" in str(error)


@contextlib.contextmanager
def changing_talks(talk_ids: Iterable[int] = ()):
    """A transaction that holds the talks `talk_ids` for a change, with their sources.

    Locks the sources first, then the talks, as an import does, waiting at most LOCK_WAIT
    for each lock (on SQLite, for the database's write lock). Raises SourceBusy when a source
    is being imported, Busy when another lock stays taken; either way nothing is written.
    """
    talk_ids = sorted(set(talk_ids))
    with _waiting_briefly():
        try:
            with transaction.atomic():
                _limit_lock_waits()
                _lock(talk_ids)
                yield
        except OperationalError as error:
            if is_lock_wait(error):
                raise Busy(str(error)) from error
            raise


def _lock(talk_ids: list[int]) -> None:
    if not talk_ids:
        return
    talks = Talk.objects.filter(pk__in=talk_ids)
    source_ids = sorted(set(talks.exclude(source=None).values_list("source_id", flat=True)))
    # NO KEY UPDATE, as the import: either one waits for the other, while a foreign key check
    # (FOR KEY SHARE, taken by inserts and updates of rows that refer to the source) waits for
    # neither.
    sources = FeedSource.objects.select_for_update(no_key=True).filter(pk__in=source_ids)
    try:
        list(sources.order_by("pk").values_list("pk", flat=True))
    except OperationalError as error:
        if is_lock_wait(error):
            raise SourceBusy(str(error)) from error
        raise
    locked = talks.select_for_update(no_key=True).order_by("pk").values_list("source_id", flat=True)
    if not set(locked) <= {*source_ids, None}:
        raise SourceBusy("a talk moved to another source meanwhile")  # by an import's take-over


def _limit_lock_waits() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # For this transaction only; below the served requests' statement timeout.
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{LOCK_WAIT}s"])


@contextlib.contextmanager
def _waiting_briefly():
    """On SQLite, wait at most LOCK_WAIT for a lock of the database (a transaction takes the
    write lock as it begins: transaction_mode IMMEDIATE); the usual wait is restored after."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        usual = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
        cursor.execute(f"PRAGMA busy_timeout = {LOCK_WAIT * 1000}")
    try:
        yield
    finally:
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {int(usual)}")
