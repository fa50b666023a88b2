"""Running queued background tasks in a test with the backend's own runner: the Worker class
of django-tasks-db's `db_worker`, in batch mode (every task ready now, then return), without
the command's signal handlers, which would replace pytest's."""

from django_tasks_db.management.commands.db_worker import Worker


def run_queued_tasks() -> None:
    """Run every task that is ready now, as `manage.py db_worker --batch` would."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    ).run()
