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
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import quote_etag

from . import compression
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
    """Serve GET and HEAD responses of `view` from the cache while the content is unchanged,
    compressed as the client accepts (seminars.compression: made once, when cached), each
    form with an ETag of its own, and a 304 to a matching If-None-Match."""

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
            response = HttpResponse(content_type=hit["content_type"])
        else:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming or response.cookies:
                return response
            hit = _entry(response)
            cache.set(key, hit, PAGE_TIMEOUT)
        return _send(request, response, hit)

    return wrapper


def _entry(response) -> dict:
    content = response.content
    return {
        "content": content,
        "content_type": response["Content-Type"],
        "etag": quote_etag(hashlib.sha256(content).hexdigest()[:32]),
        "variants": compression.variants(content),
    }


def _send(request, response, entry: dict):
    encoding = compression.choose(request, entry["variants"])
    etag = compression.etag_for(entry["etag"], encoding)
    response.headers["ETag"] = etag
    patch_vary_headers(response, ["Accept-Encoding"])
    conditional = get_conditional_response(request, etag=etag, response=response)
    if conditional is not response:
        return conditional
    data = entry["variants"][encoding] if encoding else entry["content"]
    compression.send(request, response, data, encoding)
    return response
