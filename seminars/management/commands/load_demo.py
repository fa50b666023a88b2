"""Load the demo calendar: talks in a few series around today's date."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from seminars.demo import demo_talks
from seminars.loading import load_demo_talks


class Command(BaseCommand):
    help = "Load demo series, speakers and talks dated around today (safe to run again)."

    def handle(self, *args, **options):
        talks = demo_talks(today=timezone.localdate(), time_zone=settings.TIME_ZONE)
        created, updated = load_demo_talks(talks)
        self.stdout.write(f"Demo data: {created} talks created, {updated} updated.")
