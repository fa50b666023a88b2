"""Two import_ics processes on one source at the same moment: no duplicates, no errors."""

import sqlite3
import subprocess
import sys
from contextlib import closing

import psycopg
import pytest

from tests.factories import ics_calendar, ics_event
from tests.subprocesses import ROOT, env_for, manage, own_database


def _start(env, *args):
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def database_url(tmp_path):
    with own_database(tmp_path, "concurrency") as url:
        yield url


def test_two_simultaneous_imports_of_one_source_create_no_duplicates(tmp_path, database_url):
    env = env_for(database_url)
    migrate = manage(env, "migrate", "--no-input", "-v0")
    assert migrate.returncode == 0, migrate.stderr
    events = [
        ics_event(
            f"c{i}@x",
            f"Talk {i}",
            f"2030{1 + i % 12:02d}01T1000{i % 60:02d}Z",
            description=f"Speaker: Person {i % 40}",
        )
        for i in range(400)
    ]
    feed = tmp_path / "feed.ics"
    feed.write_bytes(ics_calendar(*events, name="Concurrent"))

    first, second = _start(env, "import_ics", str(feed)), _start(env, "import_ics", str(feed))
    outputs = [p.communicate(timeout=120) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    summaries = [out.strip().splitlines()[-1].split(": ", 1)[1] for out, _ in outputs]
    summaries.remove(
        "400 created, 0 updated, 0 unchanged, 0 cancelled, 0 skipped into 'Concurrent'"
    )
    # The other waited for the first's lock, then found everything in place; or, starting
    # after the first committed, saw the same bytes imported today and skipped them.
    assert summaries[0] in (
        "0 created, 0 updated, 400 unchanged, 0 cancelled, 0 skipped into 'Concurrent'",
        "not modified since the last import",
    )
    count = manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from seminars.models import Talk, Speaker, FeedSource; "
        "print(Talk.objects.count(), Speaker.objects.count(), FeedSource.objects.count())",
    )
    assert count.stdout.split() == ["400", "40", "1"], count.stderr


def test_an_import_that_cannot_get_sqlites_write_lock_says_so_in_one_line_and_records_no_error(
    tmp_path,
):
    # SQLite has one writer: an import running longer than the lock wait (a big re-import)
    # holds it. The second import must not fail with a traceback nor blame the source.
    database = tmp_path / "locked.sqlite3"
    env = env_for(f"sqlite:///{database}?timeout=1")
    assert manage(env, "migrate", "--no-input", "-v0").returncode == 0
    feed = tmp_path / "feed.ics"
    feed.write_bytes(ics_calendar(ics_event("l@x", "Locked", "20300101T100000Z"), name="L"))
    assert manage(env, "import_ics", str(feed)).returncode == 0

    with closing(sqlite3.connect(database, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # as a long import holds it
        second = manage(env, "import_ics", str(feed), "--force")
        other.execute("ROLLBACK")

    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == (
        f"{feed}: skipped: another import is writing to the database; nothing imported, "
        "run it again later"
    )
    assert "Traceback" not in second.stderr
    last_error = manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from seminars.models import FeedSource; print(repr(FeedSource.objects.get().last_error))",
    )
    assert last_error.stdout.strip() == "''"


@pytest.mark.django_db(transaction=True)
def test_an_import_in_a_request_that_waits_for_another_import_of_its_source_says_so(tmp_path):
    # On PostgreSQL the source's row lock: an admin import must not wait past its time limit
    # (then meet the statement timeout and record a false error) while cron imports the source.
    from django.db import connection

    from seminars.importing import ImportOptions, import_source
    from seminars.models import FeedSource

    if connection.vendor != "postgresql":
        pytest.skip("SQLite's one write lock: see the test above")
    feed = tmp_path / "held.ics"
    feed.write_bytes(ics_calendar(ics_event("h@x", "Held", "20300101T100000Z"), name="H"))
    assert not import_source(str(feed), ImportOptions()).failed
    db = connection.settings_dict
    with psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"],
        port=db["PORT"],
    ) as other:
        other.execute("SELECT 1 FROM seminars_feedsource FOR NO KEY UPDATE")  # an import's lock
        report = import_source(str(feed), ImportOptions(force=True, time_limit=1))
        other.rollback()
    assert (report.error, report.busy) == (
        "",
        "skipped: another import is writing to the database; nothing imported, run it again later",
    )
    assert FeedSource.objects.get().last_error == ""
