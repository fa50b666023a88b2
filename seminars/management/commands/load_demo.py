"""Load the demo calendar: talks in a few series around today's date."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from seminars.demo import demo_calendars
from seminars.importing import ImportFailed, ImportOptions, import_data
from seminars.slugs import slug_for


class Command(BaseCommand):
    help = "Load demo series, speakers and talks dated around today (safe to run again)."

    def handle(self, *args, **options):
        calendars = demo_calendars(today=timezone.localdate(), time_zone=settings.TIME_ZONE)
        for name, data in calendars.items():
            try:
                report = import_data(data, f"demo:{slug_for(name)}", ImportOptions(series=name))
            except ImportFailed as error:
                raise CommandError(f"demo calendar {name!r} failed: {error}") from error
            r = report.result
            self.stdout.write(
                f"{name}: {r.created} created, {r.updated} updated, {r.unchanged} unchanged"
            )
