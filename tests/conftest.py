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
