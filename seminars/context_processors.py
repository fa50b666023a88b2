"""Values every template needs."""

from django.conf import settings
from django.utils import timezone


def site(request):
    # The zone times are shown in: the visitor's choice where the zone middleware made one.
    return {"site_name": settings.SITE_NAME, "time_zone": timezone.get_current_timezone_name()}
