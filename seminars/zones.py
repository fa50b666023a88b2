"""The visitor's time zone: which zones there are, the `tz` cookie, and the middleware that
makes a request's pages show their times in the visitor's zone.

A page shows its times in, first to last: the zone of `?tz=Area/City` (that request only,
for links that show a page in a chosen zone), the zone of the `tz` cookie (set by the picker
in the header through `/zone/`), the site's TIME_ZONE. Embeds, framed on other sites, follow
`?tz=` only: the embedding page chooses, not a cookie of ours. A name that is not a zone is
ignored, never an error. Calendar feeds (UTC) and the JSON API (the site's zone, explicitly)
do not depend on it.
"""

import functools
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.http import HttpResponseRedirect, QueryDict
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_safe

COOKIE = "tz"
COOKIE_AGE = 365 * 24 * 3600  # a year, in seconds
# Zones of the tz database's continents and oceans: what the picker offers. Other names
# (legacy ones such as "US/Eastern", "Etc/GMT+5" with its reversed sign) still work in links.
AREAS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Arctic/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)
# Names in the database that are not zones a visitor means: the server's own, and tzdata's
# placeholder.
NOT_ZONES = {"localtime", "posixrules", "Factory"}
PUBLIC = "seminars"  # the URL namespace of the public pages
EMBEDS = {f"{PUBLIC}:series_embed", f"{PUBLIC}:talks_embed", f"{PUBLIC}:speaker_embed"}


@functools.cache
def zone_names() -> frozenset[str]:
    """Every zone name a visitor may choose. Read once: the database scan is slow."""
    return frozenset(available_timezones() - NOT_ZONES)


@functools.cache
def picker_names() -> tuple[str, ...]:
    """The zones the picker lists: UTC, then the Area/City ones in order."""
    return ("UTC", *sorted(name for name in zone_names() if name.startswith(AREAS)))


def zone_named(name: str | None) -> ZoneInfo | None:
    """The zone called `name`, or None for anything that is not a zone's name."""
    return ZoneInfo(name) if name in zone_names() else None


def visitor_zone(request, *, cookie=True) -> ZoneInfo | None:
    """The zone `request` asks for (`?tz=`, then the cookie), or None for the site's."""
    zone = zone_named(request.GET.get("tz"))
    if zone is None and cookie:
        zone = zone_named(request.COOKIES.get(COOKIE))
    return zone


class ZoneMiddleware:
    """Activate the visitor's zone for the view, so that `timezone.localtime()`, the `|date`
    filter and the project's own renderers (`talk_time`) follow it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()  # the next request on this thread starts from the site's
        if response.get("Content-Type", "").startswith("text/html") and not _is_embed(request):
            # A page differs by the cookie: no shared cache may give one visitor's to another.
            patch_vary_headers(response, ["Cookie"])
        return response

    def process_view(self, request, view, args, kwargs):
        # Public pages only: the admin stays in the site's zone, in which organisers enter
        # talks (all-day ones from midnight) and read them.
        if PUBLIC not in request.resolver_match.namespaces:
            return
        zone = visitor_zone(request, cookie=not _is_embed(request))
        if zone is not None:
            timezone.activate(zone)


def _is_embed(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.view_name in EMBEDS


@require_safe
def choose_zone(request):
    """`/zone/?tz=Area/City&next=/path`: remember the zone in the cookie, and go back.

    A GET, so that the picker works on cached pages without a CSRF token (the cookie is a
    preference, nothing to protect). The site's own zone clears the cookie; a name that is not
    a zone changes nothing.
    """
    response = HttpResponseRedirect(_next_path(request))
    zone = zone_named(request.GET.get("tz"))
    if zone is None:
        return response
    if zone.key == settings.TIME_ZONE:
        response.delete_cookie(COOKIE, samesite="Lax")
    else:
        response.set_cookie(
            COOKIE,
            zone.key,
            max_age=COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=True,  # read by the server only; the page tells scripts the zone
        )
    return response


def _next_path(request) -> str:
    """Where to go back to: `next` if it is on this site, without its `?tz=` (which would
    outvote the zone just chosen), else the home page."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    parts = urlsplit(target)
    query = QueryDict(parts.query, mutable=True)
    query.pop("tz", None)
    return urlunsplit(parts._replace(query=query.urlencode()))
