"""The seminars project and its one app: series, talks and speakers, imported from calendars,
published as pages and feeds, run from the admin. Settings, URLs, WSGI and ASGI live here too."""
