"""Values every template needs: the site's name and branding, and the zone of its times."""

import functools
import logging

from django.conf import settings
from django.templatetags.static import static
from django.utils import timezone

logger = logging.getLogger(__name__)

# The accent palettes of static/seminars/site.css, each checked for AA contrast in light and
# dark mode (tests/test_design.py). A name, never a colour: nothing from settings enters CSS.
ACCENTS = ("blue", "teal", "green", "purple", "crimson", "slate")


def site(request):
    return {
        "site_name": settings.SITE_NAME,
        "site_logo": logo_url(settings.SITE_LOGO),
        "site_accent": accent(settings.SITE_ACCENT),
        "site_footer": settings.SITE_FOOTER,
        # The zone times are shown in: the visitor's choice where the zone middleware made one.
        "time_zone": timezone.get_current_timezone_name(),
    }


@functools.cache
def accent(name: str) -> str:
    """The palette SITE_ACCENT names; the first one, with a warning, for any other value."""
    if name.strip().lower() in ACCENTS:
        return name.strip().lower()
    logger.warning("SITE_ACCENT %r is none of %s: using the first", name, ", ".join(ACCENTS))
    return ACCENTS[0]


@functools.cache
def logo_url(value: str) -> str:
    """The address of the SITE_LOGO image: a path on this site as it is, another value as a
    static file's path. Other sites' images, which the Content-Security-Policy blocks, and
    missing static files are left out with a warning."""
    value = value.strip()
    if not value or (value.startswith("/") and not value.startswith("//")):
        return value
    if ":" not in value.split("/")[0] and not value.startswith("//"):
        try:
            return static(value)
        except ValueError:  # not among the collected static files
            pass
    logger.warning("SITE_LOGO %r is neither a path on this site nor a static file", value)
    return ""
