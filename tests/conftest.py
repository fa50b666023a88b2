import time

import pytest
from django.core.cache import cache

from tests.feed_server import server  # noqa: F401  (a fixture)


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.org", "pw")
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: cached pages must not leak between tests."""
    cache.clear()
    yield
    cache.clear()


# Long enough for any test's requests to fall in one hour.
HOURS_END = 5  # seconds


@pytest.fixture(autouse=True)
def _not_at_an_hours_end():
    """No test starts in the last seconds of an hour: a cached feed is keyed by the hour (its
    Last-Modified is at least the hour's start), so a second request after the hour turns
    rightly builds the feed again, which a test of the cache would take for a miss. (CI's
    PostgreSQL run once crossed midnight between two requests of one test.)"""
    left = 3600 - time.time() % 3600
    if left < HOURS_END:
        time.sleep(left + 0.01)
