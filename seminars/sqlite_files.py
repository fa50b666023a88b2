"""SQLite connections kept between requests (CONN_MAX_AGE) follow their file.

An open SQLite connection holds the file it opened: if the file is deleted, or replaced (a
backup copied over it, `mv new.sqlite3 db.sqlite3`), or written by something else, the
connection would go on reading and writing the old one, and /healthz would answer ok. So the
file's identity (device, inode, size, modification time) is noted when a connection opens,
and at the start of each request a connection whose file no longer matches is closed: the
request opens the file as it is now. The site's own writes change the file's size and time
only when the write-ahead log is checkpointed, which costs a reconnect then, nothing more.
"""

import os

from django.core.signals import request_started
from django.db import connections
from django.db.backends.signals import connection_created
from django.dispatch import receiver


def _identity(path) -> tuple | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns)


@receiver(connection_created, dispatch_uid="seminars-sqlite-file")
def _note_file(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.seminars_file = _identity(connection.settings_dict["NAME"])


@receiver(request_started, dispatch_uid="seminars-sqlite-file-check")
def _drop_if_moved(sender, **kwargs):
    for connection in connections.all(initialized_only=True):
        if connection.vendor != "sqlite" or connection.connection is None:
            continue
        if connection.is_in_memory_db():  # no file to follow (the tests' databases)
            continue
        noted = getattr(connection, "seminars_file", None)
        if noted is None or _identity(connection.settings_dict["NAME"]) != noted:
            connection.close()
