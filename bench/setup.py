"""Django set up for benchmarks: a throwaway SQLite database, never the developer's."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

WORKDIR = Path(tempfile.mkdtemp(prefix="seminars-bench-"))  # the database and calendar files
atexit.register(shutil.rmtree, WORKDIR, ignore_errors=True)


def bench_environment(database_url: str) -> None:
    """The settings every benchmark's Django runs with, on `database_url`: production's, never
    the developer's .env, for the test client's hosts over plain HTTP."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["DEBUG"] = "0"
    os.environ["ENV_FILE"] = os.devnull
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    os.environ["SECURE_SSL_REDIRECT"] = "0"  # the test client speaks plain HTTP
    os.environ["DJANGO_SETTINGS_MODULE"] = "seminars.settings"


def setup_django():
    bench_environment(f"sqlite:///{WORKDIR / 'bench.sqlite3'}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # Production settings serve hashed static files, which need collectstatic's manifest.
    call_command("collectstatic", "--no-input", verbosity=0)


def empty_database():
    """Delete every talk, speaker, source and series: one statement per table.

    QuerySet.delete() would load every row to send it to the page cache's post_delete
    handler, which takes seconds for 10,000 talks; one content change stands for them all.
    """
    from django.db import connection

    from seminars.caching import content_changed
    from seminars.models import FeedSource, Series, Speaker, Talk, TalkSpeaker

    with connection.cursor() as cursor:
        for model in (TalkSpeaker, Talk, Speaker, FeedSource, Series):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    content_changed()
