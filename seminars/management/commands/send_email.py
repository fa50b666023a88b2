"""Send the emails due now: waiting confirmations, reminders, change notices, digests."""

from django.core.management.base import BaseCommand

from seminars.mail.sending import send_due


class Command(BaseCommand):
    help = (
        "Send every email due now (confirmations, reminders, change notices, weekly digests), "
        "each exactly once: safe to run from cron every few minutes, and while another run "
        "goes on."
    )

    def handle(self, *args, **options):
        self.stdout.write(str(send_due()))
