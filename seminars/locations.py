"""Where an import source's calendar comes from, told by the location it is recorded under.

A source is recorded (FeedSource.location) as an http(s) or webcal(s) URL, as
`upload:<series>/<file>` for a file uploaded in the admin, as `stdin` or `stdin:<series>`
for standard input, as `demo:<slug>` for a demo calendar, or else as a file's path. The
models and the fetching step (seminars.ics.fetch) both read these forms, so they live here,
below both: this module imports nothing of the site.
"""

import re

from django.db import models

# A calendar uploaded in the admin is recorded under this prefix, its bytes on the source.
UPLOAD_PREFIX = "upload:"
STDIN_PREFIX = "stdin"
DEMO_PREFIX = "demo:"

_URL_SCHEME = re.compile(r"^(https?|webcals?)://", re.IGNORECASE)


class SourceKind(models.TextChoices):
    URL = "url", "URL"
    UPLOAD = "upload", "Uploaded file"
    FILE = "file", "File on the server"
    STDIN = "stdin", "Standard input"
    DEMO = "demo", "Demo calendar"


def is_url(location: str) -> bool:
    """Return whether location is an http://, https://, webcal:// or webcals:// URL."""
    return _URL_SCHEME.match(location) is not None


def is_upload(location: str) -> bool:
    return location.startswith(UPLOAD_PREFIX)


def stdin_location(series_slug: str) -> str:
    """How standard input is recorded for the series with this slug (none: "")."""
    return f"{STDIN_PREFIX}:{series_slug}" if series_slug else STDIN_PREFIX


def kind_of(location: str) -> SourceKind:
    """The kind of the source recorded as `location`."""
    if is_url(location):
        return SourceKind.URL
    if is_upload(location):
        return SourceKind.UPLOAD
    if location == STDIN_PREFIX or location.startswith(f"{STDIN_PREFIX}:"):
        return SourceKind.STDIN
    if location.startswith(DEMO_PREFIX):
        return SourceKind.DEMO
    return SourceKind.FILE
