"""Running queued background tasks in a test with the backend's own code: each ready task is
taken and claimed as django-tasks-db's `db_worker` does, and run by its Worker.run_task.

Not Worker.run() itself: it closes the database connection between tasks (as a long-lived
worker should), which inside a test's transaction would end the test's connection; nor the
command, whose signal handlers would replace pytest's. `manage.py db_worker` processes are
tested whole in tests/test_tasks.py."""

from django.db import transaction
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_queued_tasks() -> None:
    """Run every task that is ready now, one after the other, as `db_worker --batch` would."""
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    )
    while True:
        with transaction.atomic():
            task = DBTaskResult.objects.ready().filter(backend_name="default").get_locked()
            if task is None:
                return
            task.claim(worker.worker_id)
        worker.run_task(task)
