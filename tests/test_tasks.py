"""The background worker: "Import now" queues an import that django-tasks-db's worker runs,
tries a server that says "try later" again, and shows failures to site administrators.

The queued tasks run with the backend's own runner (tests/worker.py), and in the last tests
in `manage.py db_worker` processes on a database of their own."""

import datetime as dt
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from seminars.ics.fetch import FetchError, fetch
from seminars.models import FeedSource, Talk
from seminars.retrying import FIRST_WAIT, next_attempt_at
from seminars.tasks import LOST_AFTER, import_source_task, queue_import
from tests.factories import ics_calendar, ics_event, make_series
from tests.feed_server import Reply
from tests.subprocesses import ROOT, env_for, manage, own_database
from tests.worker import run_queued_tasks

FEED = ics_calendar(
    ics_event("a@x", "First talk", "20300101T100000Z", location="Room 1"),
    ics_event("b@x", "Second talk", "20300108T100000Z"),
    name="Feed name",
)
CREATED = "2 created, 0 updated, 0 unchanged, 0 cancelled, 0 skipped, 0 conflict(s) into Logic"


@pytest.fixture
def logic(db):
    return make_series("Logic")


@pytest.fixture
def ann(client, django_user_model, logic):
    user = django_user_model.objects.create_user("ann", password="pw", is_staff=True)
    logic.organisers.add(user)
    client.force_login(user)
    return client


@pytest.fixture
def url_source(logic, server, settings):
    settings.IMPORT_ALLOWED_HOSTS = ["127.0.0.1"]
    return FeedSource.objects.create(
        location=f"{server.url}/feed.ics", series=logic, public_only=True
    )


def press(client, source):
    return client.post(reverse("admin:seminars_feedsource_import", args=[source.pk]))


def status_page(client, source):
    return client.get(reverse("admin:seminars_feedsource_import_status", args=[source.pk]))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def import_rows(source):
    rows = DBTaskResult.objects.filter(args_kwargs__kwargs__source_pk=source.pk)
    return list(rows.order_by("enqueued_at").values_list("status", "args_kwargs"))


def test_import_now_queues_the_import_and_the_worker_runs_it(ann, server, url_source):
    server.replies["/feed.ics"] = Reply(body=FEED)
    response = press(ann, url_source)
    assert response.url == reverse("admin:seminars_feedsource_import_status", args=[url_source.pk])
    # Nothing fetched nor written in the request: the import waits for the worker.
    assert (server.seen, Talk.objects.count()) == ([], 0)
    assert import_rows(url_source) == [
        ("READY", {"args": [], "kwargs": {"source_pk": url_source.pk}})
    ]
    queued = status_page(ann, url_source)
    assert messages_of(queued) == [
        f"The import of {url_source.location} is queued: this page shows what it did when it "
        "is done."
    ]
    assert "<strong>Queued:</strong> the import waits for the background worker" in queued.text
    assert '<meta http-equiv="refresh" content="3">' in queued.text

    run_queued_tasks()

    done = status_page(ann, url_source)
    assert "<strong>Imported</strong>" in done.text and CREATED in done.text
    assert 'http-equiv="refresh"' not in done.text
    assert sorted(Talk.objects.values_list("title", flat=True)) == ["First talk", "Second talk"]
    url_source.refresh_from_db()
    assert (url_source.created_count, url_source.last_error) == (2, "")
    assert [status for status, _ in import_rows(url_source)] == ["SUCCESSFUL"]


def test_a_second_press_while_one_is_queued_says_so_and_queues_nothing(ann, server, url_source):
    press(ann, url_source)
    again = press(ann, url_source)
    assert messages_of(status_page(ann, url_source)) == [
        f"The import of {url_source.location} is queued: this page shows what it did when it "
        "is done.",
        f"An import of {url_source.location} is queued already.",
    ]
    assert again.status_code == 302
    assert len(import_rows(url_source)) == 1
    # Once it is done, a press queues a new one.
    server.replies["/feed.ics"] = Reply(body=FEED)
    run_queued_tasks()
    press(ann, url_source)
    assert [status for status, _ in import_rows(url_source)] == ["SUCCESSFUL", "READY"]


def test_only_someone_who_may_change_the_source_can_queue_its_import(
    client, django_user_model, url_source
):
    bob = django_user_model.objects.create_user("bob", password="pw", is_staff=True)
    make_series("Algebra").organisers.add(bob)
    client.force_login(bob)
    assert press(client, url_source).status_code == 404
    assert status_page(client, url_source).status_code == 404
    assert DBTaskResult.objects.count() == 0


def test_the_waits_between_attempts_double_and_three_attempts_are_the_most():
    now = timezone.now()
    assert [next_attempt_at(n, now=now) for n in (1, 2, 3)] == [
        now + dt.timedelta(seconds=30),
        now + dt.timedelta(seconds=60),
        None,
    ]


@pytest.mark.parametrize(
    ("reply", "transient"),
    [
        (Reply(status=503), True),
        (Reply(status=500), True),
        (Reply(status=429), True),
        (Reply(hang=True), True),  # no answer in time
        (Reply(status=404), False),
        (Reply(status=403), False),
    ],
)
def test_only_a_server_saying_try_later_or_not_answering_is_worth_another_attempt(
    server, reply, transient
):
    server.replies["/feed.ics"] = reply
    with pytest.raises(FetchError) as failed:
        fetch(f"{server.url}/feed.ics", timeout=0.5)
    assert failed.value.transient is transient


def time_passes_until_the_retry():
    """The retry's wait is over: its row may run now."""
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())


def test_a_server_answering_503_is_tried_again_later_and_the_import_then_succeeds(
    ann, server, url_source
):
    server.replies["/feed.ics"] = Reply(status=503, body=b"Down for maintenance")
    press(ann, url_source)
    before = timezone.now()
    run_queued_tasks()
    url_source.refresh_from_db()
    assert url_source.last_error == f"HTTP 503 Service Unavailable from {url_source.location}"
    (first, retry) = DBTaskResult.objects.order_by("enqueued_at")
    assert (first.status, first.return_value["retry_at"] is not None) == ("SUCCESSFUL", True)
    assert (retry.status, retry.args_kwargs["kwargs"]) == (
        "READY",
        {"source_pk": url_source.pk, "attempt": 2},
    )
    assert before + dt.timedelta(seconds=29) < retry.run_after < timezone.now() + FIRST_WAIT
    # Not before its time: a worker now leaves it.
    run_queued_tasks()
    assert DBTaskResult.objects.get(pk=retry.pk).status == "READY"
    waiting = status_page(ann, url_source)
    assert "<strong>Waiting to try again:</strong> attempt 2 of 3 runs after" in waiting.text
    assert "The last attempt failed: HTTP 503 Service Unavailable" in waiting.text
    assert "Import again" not in waiting.text  # a press now would say "queued already"

    server.replies["/feed.ics"] = Reply(body=FEED)
    time_passes_until_the_retry()
    run_queued_tasks()
    assert Talk.objects.count() == 2
    assert CREATED in status_page(ann, url_source).text
    url_source.refresh_from_db()
    assert url_source.last_error == ""
    assert len(server.seen) == 2


def test_a_server_that_keeps_failing_is_tried_three_times_then_the_error_stays(
    ann, server, url_source
):
    server.replies["/feed.ics"] = Reply(status=429, body=b"Slow down")
    press(ann, url_source)
    for _ in range(4):
        run_queued_tasks()
        time_passes_until_the_retry()
    assert [args["kwargs"].get("attempt", 1) for _, args in import_rows(url_source)] == [1, 2, 3]
    assert len(server.seen) == 3
    page = status_page(ann, url_source).text
    assert f"HTTP 429 Too Many Requests from {url_source.location}" in page
    assert "Tried 3 times." in page
    assert "Import again" in page


def test_a_permanent_error_is_not_tried_again(ann, server, url_source):
    server.replies["/feed.ics"] = Reply(status=404, body=b"Not here")
    press(ann, url_source)
    run_queued_tasks()
    time_passes_until_the_retry()
    run_queued_tasks()
    assert len(server.seen) == 1 and len(import_rows(url_source)) == 1
    assert f"HTTP 404 Not Found from {url_source.location}" in status_page(ann, url_source).text


def test_a_task_that_raises_is_failed_with_its_traceback_for_site_administrators_only(
    admin_user, django_user_model, logic
):
    admin, organiser = Client(), Client()
    admin.force_login(admin_user)
    ann = django_user_model.objects.create_user("ann", password="pw", is_staff=True)
    logic.organisers.add(ann)
    organiser.force_login(ann)
    result = import_source_task.enqueue(source_pk="not a number")
    run_queued_tasks()
    row = DBTaskResult.objects.get(pk=result.id)
    assert (row.status, row.exception_class_path) == ("FAILED", "builtins.ValueError")
    listing = admin.get(reverse("admin:django_tasks_database_dbtaskresult_changelist"))
    assert "import_source_task" in listing.text and "Failed" in listing.text
    detail = admin.get(
        reverse("admin:django_tasks_database_dbtaskresult_change", args=[row.pk])
    ).text
    assert "ValueError" in detail
    # An organiser sees no task results (they may hold other series' errors).
    listing = organiser.get(reverse("admin:django_tasks_database_dbtaskresult_changelist"))
    assert listing.status_code == 403


def test_an_import_task_that_raises_tells_the_organiser_nothing_was_imported(ann, url_source):
    # A task row the code cannot run (an argument it does not take) stands for a bug.
    import_source_task.enqueue(source_pk=url_source.pk, unknown="argument")
    run_queued_tasks()
    page = status_page(ann, url_source).text
    assert (
        "The import stopped with an error in the background worker; nothing was imported. A "
        "site administrator sees the error under “Task results”."
    ) in page
    assert "Import again" in page and Talk.objects.count() == 0


def test_with_no_task_on_record_the_page_shows_the_sources_last_run(ann, url_source):
    assert "No import from this page is on record. Last run: never" in (
        status_page(ann, url_source).text
    )
    FeedSource.objects.filter(pk=url_source.pk).update(
        last_run=timezone.now(), last_error="HTTP 404 Not Found from there"
    )
    text = " ".join(strip_tags(status_page(ann, url_source).text).split())
    assert "failed: HTTP 404 Not Found from there" in text


def test_a_press_while_the_source_is_being_imported_queues_at_once(
    transactional_db, ann, url_source
):
    """The running import holds its source's row until it commits: a press must not wait
    for it (a request would meet its statement timeout)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's one write lock: tested with a db_worker process below")
    database = connection.settings_dict
    with psycopg.connect(
        dbname=database["NAME"],
        user=database["USER"],
        password=database["PASSWORD"],
        host=database["HOST"],
        port=database["PORT"],
    ) as importing:
        importing.execute(
            f"SELECT 1 FROM {FeedSource._meta.db_table} WHERE id = %s FOR NO KEY UPDATE",
            [url_source.pk],
        )
        started = time.monotonic()
        response = press(ann, url_source)
        waited = time.monotonic() - started
    assert (response.status_code, waited < 1) == (302, True)
    assert [status for status, _ in import_rows(url_source)] == ["READY"]


def test_a_task_left_running_by_a_killed_worker_is_taken_again_by_the_next_press(
    ann, server, url_source
):
    server.replies["/feed.ics"] = Reply(body=FEED)
    queue_import(url_source)
    row = DBTaskResult.objects.get()
    row.claim("a worker killed since")
    # Running for a moment only: another worker may be at it, so a press waits.
    press(ann, url_source)
    assert DBTaskResult.objects.get().status == "RUNNING"
    assert "<strong>Importing now</strong>" in status_page(ann, url_source).text
    # Running for longer than any import may: its worker is gone.
    DBTaskResult.objects.update(started_at=timezone.now() - LOST_AFTER - dt.timedelta(seconds=1))
    press(ann, url_source)
    assert list(DBTaskResult.objects.values_list("pk", "status")) == [(row.pk, "READY")]
    run_queued_tasks()
    assert (DBTaskResult.objects.get().status, Talk.objects.count()) == ("SUCCESSFUL", 2)


# A deployment's worker: `manage.py db_worker` processes on a database of their own.


def shell(env, code: str) -> str:
    done = manage(env, "shell", "--no-imports", "-c", code)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def start_worker(env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_status(env, task_id: str, wanted: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    status = ""
    while time.monotonic() < deadline:
        status = shell(
            env,
            "from django_tasks_db.models import DBTaskResult; "
            f"print(DBTaskResult.objects.get(pk={task_id!r}).status)",
        )
        if status == wanted:
            return
        time.sleep(0.3)
    raise AssertionError(f"task {task_id} is {status}, not {wanted}, after {timeout} s")


COUNTS = (
    "from seminars.models import Talk, FeedSource; s = FeedSource.objects.get(); "
    "print(Talk.objects.count(), s.created_count, repr(s.last_error))"
)


@pytest.fixture
def deployment(tmp_path, server):
    """A migrated database of its own with a source of the test server's feed."""
    with own_database(tmp_path, "worker") as url:
        env = env_for(url)
        migrate = manage(env, "migrate", "--no-input", "-v0")
        assert migrate.returncode == 0, migrate.stderr
        shell(
            env,
            "from seminars.models import FeedSource, Series; "
            "s = Series.objects.create(name='Logic', slug='logic'); "
            f"FeedSource.objects.create(location='{server.url}/feed.ics', series=s)",
        )
        yield env


ENQUEUE = (
    "from seminars.models import FeedSource; from seminars.tasks import queue_import; "
    "print(queue_import(FeedSource.objects.get())[0])"
)


def test_a_db_worker_process_runs_a_queued_import_and_stops_on_sigterm(deployment, server):
    server.replies["/feed.ics"] = Reply(body=FEED)
    worker = start_worker(deployment)
    try:
        task_id = shell(deployment, ENQUEUE)
        wait_for_status(deployment, task_id, "SUCCESSFUL")
        assert shell(deployment, COUNTS) == "2 2 ''"
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert f"Task id={task_id} path=seminars.tasks.import_source_task state=SUCCESSFUL" in output


def test_a_worker_killed_mid_import_leaves_nothing_and_the_task_runs_again(deployment, server):
    # The server answers nothing: the worker is inside the task when it is killed.
    server.replies["/feed.ics"] = Reply(hang=True)
    worker = start_worker(deployment)
    task_id = shell(deployment, ENQUEUE)
    wait_for_status(deployment, task_id, "RUNNING")
    worker.kill()
    worker.communicate(timeout=30)
    assert shell(deployment, COUNTS) == "0 0 ''"
    # Later (past LOST_AFTER), the organiser presses again: the row is taken again.
    server.replies["/feed.ics"] = Reply(body=FEED)
    shell(
        deployment,
        "from django_tasks_db.models import DBTaskResult; from seminars.tasks import LOST_AFTER; "
        "from django.utils import timezone; "
        "DBTaskResult.objects.update(started_at=timezone.now() - 2 * LOST_AFTER)",
    )
    assert shell(deployment, ENQUEUE) == task_id
    done = manage(deployment, "db_worker", "--batch", "--no-startup-delay")
    assert done.returncode == 0, done.stderr
    wait_for_status(deployment, task_id, "SUCCESSFUL", timeout=5)
    assert shell(deployment, COUNTS) == "2 2 ''"


def test_on_sqlite_a_press_while_an_import_writes_gives_up_at_once_queueing_nothing(
    deployment, tmp_path
):
    if not deployment["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("PostgreSQL: a press does not wait for an import (tested above)")
    path = deployment["DATABASE_URL"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(path, isolation_level=None)) as importing:
        importing.execute("BEGIN IMMEDIATE")  # the write lock, as an import holds it
        started = time.monotonic()
        done = manage(deployment, "shell", "--no-imports", "-c", ENQUEUE)
        waited = time.monotonic() - started
        importing.execute("ROLLBACK")
    assert "seminars.locks.Busy" in done.stderr
    assert waited < 10  # two seconds' wait, and the process's start
    assert (
        shell(
            deployment,
            "from django_tasks_db.models import DBTaskResult; print(DBTaskResult.objects.count())",
        )
        == "0"
    )
