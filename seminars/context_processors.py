"""Values every template needs."""

from django.conf import settings


def site(request):
    return {"site_name": settings.SITE_NAME, "time_zone": settings.TIME_ZONE}
