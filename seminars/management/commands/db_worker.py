"""django-tasks-db's worker, which first makes sure the email runs are scheduled."""

from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from seminars.mail.tasks import schedule_sending


class Command(DBWorkerCommand):
    help = (
        "Run the background tasks (django-tasks-db's worker). Starting, it enqueues the "
        "email run (send_email's work every SEND_EMAIL_EVERY seconds) unless one is waiting."
    )

    def handle(self, *args, **options):
        schedule_sending()
        return super().handle(*args, **options)
