"""Caching public pages until the content they show changes.

Every page is cached under the current ContentVersion token. Saving or deleting a series,
talk, speaker or speaker link changes the token (the signal handlers below); bulk writes,
which send no signals, call `content_changed()` themselves. A page is therefore never served
stale after a change; the short timeout covers what changes with time alone (a talk ending).
The key also holds the active time zone (the visitor's), as the page's times do, and the
scheme and host, as the page's absolute URLs do. The scheme is the one Django sees: it trusts
a proxy's header only when SECURE_PROXY_SSL_HEADER names it, and ignores it otherwise.

Serving reads the token and never writes: pages and feeds stay up while an import holds the
database's write lock.
"""

import functools
import hashlib

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.utils import timezone

from .models import ContentVersion, Series, Speaker, Talk, TalkSpeaker

PAGE_TIMEOUT = 60  # seconds


def content_version() -> str:
    """The content's version now: its token, and when a "shortly before" join link last
    appeared or went (which changes what pages show with no write; seminars.joining)."""
    token, _, joined = ContentVersion.objects.state()
    return f"{token}.{joined.timestamp() if joined else 0}"


def content_changed() -> None:
    """Give the content a new version, so every cached page is rebuilt on its next request."""
    ContentVersion.objects.bump()


def _on_change(sender, **kwargs):
    content_changed()


for model in (Series, Talk, Speaker, TalkSpeaker):
    post_save.connect(_on_change, sender=model, dispatch_uid=f"seminars-content-{model.__name__}")
    post_delete.connect(
        _on_change, sender=model, dispatch_uid=f"seminars-content-{model.__name__}-d"
    )


def cached_page(view):
    """Serve GET and HEAD responses of `view` from the cache while the content is unchanged."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        # The active zone (zones.ZoneMiddleware) sets the times a page shows.
        zone = timezone.get_current_timezone_name()
        # Absolute URLs (request.build_absolute_uri) carry the scheme and host.
        parts = (
            content_version(),
            request.scheme,
            request.get_host(),
            request.get_full_path(),
            zone,
        )
        key = "seminars:page:" + hashlib.sha256(repr(parts).encode()).hexdigest()
        hit = cache.get(key)
        if hit is not None:
            return HttpResponse(hit["content"], content_type=hit["content_type"])
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            value = {"content": response.content, "content_type": response["Content-Type"]}
            cache.set(key, value, PAGE_TIMEOUT)
        return response

    return wrapper
