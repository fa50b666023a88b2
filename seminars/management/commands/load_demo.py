"""Load the demo calendar: talks in a few series around today's date."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q
from django.utils import timezone

from seminars.demo import demo_calendars
from seminars.importing import ImportFailed, ImportOptions, import_data
from seminars.locations import DEMO_PREFIX
from seminars.models import Talk
from seminars.slugs import slug_for


class Command(BaseCommand):
    help = "Load demo series, speakers and talks dated around today (safe to run again)."

    def handle(self, *args, **options):
        calendars = demo_calendars(today=timezone.localdate(), time_zone=settings.TIME_ZONE)
        locations = []
        for name, data in calendars.items():
            location = f"{DEMO_PREFIX}{slug_for(name)}"
            try:
                # Forced: a demo run always says what it found, even on the same day.
                report = import_data(data, location, ImportOptions(series=name, force=True))
            except ImportFailed as error:
                raise CommandError(f"demo calendar {name!r} failed: {error}") from error
            locations.append(location)
            # The importer's words: a talk created cancelled counts as cancelled, not created.
            self.stdout.write(f"{name}: {report.result.summary()}")
        loaded = Talk.objects.filter(source__location__in=locations).aggregate(
            talks=Count("pk"), cancelled=Count("pk", filter=Q(status=Talk.Status.CANCELLED))
        )
        self.stdout.write(
            f"{loaded['talks']} demo talks in {len(locations)} series, "
            f"{loaded['cancelled']} of them cancelled."
        )
