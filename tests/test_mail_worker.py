"""Email in the background worker: confirmations sent by it, the `send_due` run that keeps
itself going every SEND_EMAIL_EVERY seconds, and, in `manage.py db_worker` processes, two
workers and two `send_email` runs at once delivering each message once."""

import datetime as dt
import subprocess
import sys
import time

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from seminars.mail.models import Address
from seminars.mail.tasks import schedule_sending, send_due_task, waiting_runs
from tests import test_mail
from tests.factories import make_series, make_talk
from tests.subprocesses import ROOT, env_for, manage, own_database
from tests.test_mail import SITE, Inbox, _free_port, link_in, subject, subscribed
from tests.worker import run_queued_tasks

inbox = test_mail.inbox  # the fixture: the SMTP server and what it received


@pytest.mark.django_db
def test_the_form_queues_the_confirmation_and_the_worker_sends_it_once(client, inbox):
    series = make_series()
    data = {"email": "ada@example.org", "series": [series.slug], "reminders": "on"}
    client.post("/mail/subscribe/", data, REMOTE_ADDR="192.0.2.1")
    assert inbox.messages == []  # not sent in the request
    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path == "seminars.mail.tasks.send_confirmation_task"
    run_queued_tasks()
    run_queued_tasks()
    (message,) = inbox.messages
    assert message["To"] == "ada@example.org" and link_in(message, "confirm")
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL


@pytest.mark.django_db
def test_a_confirmation_for_an_address_removed_meanwhile_sends_nothing(client, inbox):
    data = {"email": "ada@example.org", "series": [make_series().slug], "reminders": "on"}
    client.post("/mail/subscribe/", data, REMOTE_ADDR="192.0.2.1")
    Address.objects.all().delete()
    run_queued_tasks()
    assert inbox.messages == []
    assert DBTaskResult.objects.get().return_value.startswith("the address was removed")


@pytest.mark.django_db
def test_the_send_run_sends_what_is_due_and_enqueues_the_next_one(client, inbox, settings):
    settings.SEND_EMAIL_EVERY = 120
    series = make_series()
    subscribed(client, inbox, "ada@example.org", series)
    run_queued_tasks()  # the confirmation's task is done
    talk = make_talk(series=series, start=timezone.now() + dt.timedelta(hours=3))
    assert schedule_sending() is True
    assert schedule_sending() is False  # one run waits already
    before = timezone.now()
    run_queued_tasks()
    (reminder,) = inbox.messages
    assert subject(reminder).startswith(talk.title)
    (done,) = DBTaskResult.objects.filter(
        task_path=send_due_task.module_path, status=TaskResultStatus.SUCCESSFUL
    )
    assert done.return_value == "Sent 0 confirmations and 1 reminder."
    (waiting,) = waiting_runs()
    assert before + dt.timedelta(seconds=120) <= waiting.run_after
    assert waiting.run_after <= timezone.now() + dt.timedelta(seconds=120)
    # Its time come, the next run sends nothing more.
    waiting_runs().update(run_after=timezone.now())
    run_queued_tasks()
    assert len(inbox.messages) == 1
    assert waiting_runs().count() == 1


@pytest.mark.django_db
def test_a_run_that_fails_still_enqueues_the_next_and_its_error_is_kept(inbox, settings):
    settings.EMAIL_BACKEND = "no.such.Backend"  # send_due raises at once
    schedule_sending()
    run_queued_tasks()
    failed = DBTaskResult.objects.get(status=TaskResultStatus.FAILED)
    assert failed.task_path == send_due_task.module_path
    assert "No module named 'no'" in failed.traceback
    assert waiting_runs().count() == 1


@pytest.mark.django_db
def test_without_email_no_run_is_scheduled(settings):
    settings.EMAIL_OFFERED = False
    assert schedule_sending() is False
    assert not DBTaskResult.objects.exists()


# Deployments: `manage.py db_worker` and `send_email` processes on a database of their own.


@pytest.fixture
def mail_server():
    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=_free_port())
    controller.start()
    received.port = controller.port
    yield received
    controller.stop()


SUBSCRIBERS, TALKS = 30, 4
DATA = f"""
import datetime as dt
from django.utils import timezone
from seminars.mail.models import Address, Subscription, new_token
from seminars.models import Series, Talk
series = Series.objects.create(name='Logic', slug='logic')
now = timezone.now()
for n in range({TALKS}):
    Talk.objects.create(
        series=series, title=f'Talk {{n}}', slug=f'talk-{{n}}', uid=f'talk-{{n}}@tests',
        start=now + dt.timedelta(hours=2 + n), end=now + dt.timedelta(hours=3 + n),
    )
for n in range({SUBSCRIBERS}):
    address = Address.objects.create(
        email=f'p{{n}}@example.org', zone='Europe/London', token=new_token(), confirmed_at=now
    )
    Subscription.objects.create(address=address, series=series)
"""


def _deployment_env(url, mail_server):
    env = env_for(url)
    env.update(
        EMAIL_URL=f"smtp://127.0.0.1:{mail_server.port}",
        SITE_URL=SITE,
        DEFAULT_FROM_EMAIL="talks@example.org",
        SEND_EMAIL_EVERY="3600",  # the runs the test enqueues, then none
        ALLOWED_HOSTS="talks.example.org",
    )
    return env


def _shell(env, code):
    done = manage(env, "shell", "--no-imports", "-c", code)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _worker(env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


PENDING_RUNS = (
    "from django.utils import timezone; from seminars.mail.tasks import send_due_task; "
    "from django_tasks_db.models import DBTaskResult; "
    "print(DBTaskResult.objects.filter(task_path=send_due_task.module_path, "
    "status__in=['READY', 'RUNNING'], run_after__lte=timezone.now()).count())"
)


def test_two_workers_and_two_send_email_runs_at_once_deliver_each_reminder_once(
    tmp_path, mail_server
):
    with own_database(tmp_path, "mailworkers") as url:
        env = _deployment_env(url, mail_server)
        assert manage(env, "migrate", "--no-input", "-v0").returncode == 0
        _shell(env, DATA)
        # Runs for both workers to take at once, besides the one each worker's start makes.
        _shell(
            env,
            "from seminars.mail.tasks import send_due_task\n"
            "for _ in range(4): send_due_task.enqueue()",
        )
        workers = [_worker(env), _worker(env)]
        commands = [
            subprocess.Popen(
                [sys.executable, "manage.py", "send_email"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        try:
            outputs = [c.communicate(timeout=120) for c in commands]
            deadline = time.monotonic() + 120
            while _shell(env, PENDING_RUNS) != "0" and time.monotonic() < deadline:
                time.sleep(0.3)
        finally:
            for worker in workers:
                worker.terminate()
            logs = [w.communicate(timeout=30)[0] for w in workers]
        assert all(c.returncode == 0 for c in commands), outputs
        assert all(w.returncode == 0 for w in workers), logs
        assert _shell(env, PENDING_RUNS) == "0"
        sent = [(m["To"], subject(m)) for m in mail_server.messages]
        assert len(sent) == SUBSCRIBERS * TALKS
        assert len(set(sent)) == SUBSCRIBERS * TALKS
        counts = _shell(
            env,
            "from seminars.mail.models import Delivery; from django_tasks_db.models import "
            "DBTaskResult; print(Delivery.objects.filter(status='sent').count(), "
            "Delivery.objects.exclude(status='sent').count(), "
            "DBTaskResult.objects.filter(status='FAILED').count())",
        )
        assert counts == f"{SUBSCRIBERS * TALKS} 0 0"
        # The chain goes on: one run waits for its time.
        waiting = _shell(
            env,
            "from seminars.mail.tasks import waiting_runs; print(waiting_runs().count())",
        )
        assert waiting == "1"


def test_a_db_worker_starting_schedules_the_email_run(tmp_path, mail_server):
    with own_database(tmp_path, "mailstart") as url:
        env = _deployment_env(url, mail_server)
        assert manage(env, "migrate", "--no-input", "-v0").returncode == 0
        _shell(env, DATA)
        done = manage(env, "db_worker", "--batch", "--no-startup-delay")
        assert done.returncode == 0, done.stderr
        assert len(mail_server.messages) == SUBSCRIBERS * TALKS
        assert "send_due_task state=SUCCESSFUL" in done.stderr + done.stdout
        # A second start finds the next run waiting (its time not come) and adds none.
        done = manage(env, "db_worker", "--batch", "--no-startup-delay")
        assert done.returncode == 0, done.stderr
        assert len(mail_server.messages) == SUBSCRIBERS * TALKS
        waiting = _shell(
            env,
            "from seminars.mail.tasks import waiting_runs; print(waiting_runs().count())",
        )
        assert waiting == "1"
