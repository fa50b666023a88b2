"""Cached pages: served from the cache until the content changes, never stale after a change."""

import ast
import datetime as dt
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from seminars.caching import content_changed
from seminars.models import ContentVersion, Talk
from tests.factories import (
    ics_calendar,
    ics_event,
    ics_time,
    make_series,
    make_speaker,
    make_talk,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["locmem", "redis"])
def cache_backend(request, settings):
    """Every test here runs on the per-process cache and on Redis, the cache several app
    servers share (REDIS_URL, e.g. redis://127.0.0.1:6379/0: a database the tests empty)."""
    if request.param == "redis":
        url = os.environ.get("REDIS_URL")
        if not url:
            pytest.skip("REDIS_URL is not set: no Redis to test the cache on (.ci/run starts one)")
        settings.CACHES = {
            "default": {"BACKEND": "seminars.cache_backend.TolerantRedisCache", "LOCATION": url}
        }
        # The backend turns errors into misses: make sure these tests do reach Redis.
        cache.set("seminars:tests", "reachable")
        assert cache.get("seminars:tests") == "reachable", f"no Redis answers at {url}"
    cache.clear()
    yield request.param
    cache.clear()


def soon():
    return timezone.now() + dt.timedelta(days=2)


def test_a_repeated_page_costs_one_query(client, django_assert_num_queries):
    make_talk(title="Cached", start=soon(), speakers=[make_speaker()])
    first = client.get("/")
    with django_assert_num_queries(1):  # the content version
        second = client.get("/")
    assert second.content == first.content
    assert "Cached" in second.content.decode()


def test_saving_a_talk_shows_at_once(client):
    talk = make_talk(title="Before", start=soon())
    assert "Before" in client.get("/").content.decode()
    talk.title = "After"
    talk.save()
    page = client.get("/").content.decode()
    assert "After" in page and "Before" not in page


def test_deleting_a_talk_shows_at_once(client):
    talk = make_talk(title="Doomed", start=soon())
    assert "Doomed" in client.get("/").content.decode()
    talk.delete()
    assert "Doomed" not in client.get("/").content.decode()


def test_a_speaker_rename_shows_on_talk_pages_at_once(client):
    speaker = make_speaker("Old Name")
    talk = make_talk(start=soon(), speakers=[speaker])
    assert "Old Name" in client.get(talk.get_absolute_url()).content.decode()
    speaker.name = "New Name"
    speaker.save()
    assert "New Name" in client.get(talk.get_absolute_url()).content.decode()


def test_the_admin_cancel_action_shows_at_once(admin_client, client):
    talk = make_talk(title="Maybe", start=soon())
    assert "is-cancelled" not in client.get("/").content.decode()
    admin_client.post(
        reverse("admin:seminars_talk_changelist"),
        {"action": "cancel_talks", ACTION_CHECKBOX_NAME: [talk.pk]},
    )
    assert "is-cancelled" in client.get("/").content.decode()


def test_an_import_shows_at_once(client, tmp_path):
    assert "Imported talk" not in client.get("/").content.decode()
    path = tmp_path / "feed.ics"
    path.write_bytes(ics_calendar(ics_event("i@x", "Imported talk", ics_time(soon()))))
    call_command("import_ics", str(path), stdout=StringIO())
    assert "Imported talk" in client.get("/").content.decode()
    path.write_bytes(ics_calendar(ics_event("i@x", "Renamed by the feed", ics_time(soon()))))
    call_command("import_ics", str(path), stdout=StringIO())
    assert Talk.objects.get().title == "Renamed by the feed"
    assert "Renamed by the feed" in client.get("/").content.decode()


def test_cache_url_picks_the_backend():
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "DEBUG": "1",
        "ENV_FILE": os.devnull,
        "CACHE_URL": "redis://127.0.0.1:6379/1",
    }
    env["DJANGO_SETTINGS_MODULE"] = "seminars.settings"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.CACHES['default'])",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "{'BACKEND': 'seminars.cache_backend.TolerantRedisCache', "
        "'LOCATION': 'redis://127.0.0.1:6379/1', "
        "'OPTIONS': {'socket_connect_timeout': 1, 'socket_timeout': 1}}"
    )


def test_a_content_change_gives_a_new_token_and_the_time_of_the_change():
    content_changed()
    a_day_ago = timezone.now() - dt.timedelta(days=1)
    ContentVersion.objects.update(changed=a_day_ago)
    before = ContentVersion.objects.get()

    content_changed()

    after = ContentVersion.objects.get()
    assert after.token != before.token
    assert abs(after.changed - timezone.now()) < dt.timedelta(minutes=1)


def test_the_first_content_change_is_timed_as_every_later_one():
    content_changed()
    first = ContentVersion.objects.get().changed

    content_changed()

    assert ContentVersion.objects.get().changed >= first


PUBLIC_URLS = [
    "/",
    "/?series=s",
    "/archive/",
    "/series/",
    "/series/s/",
    "/speakers/ann/",
    "/search/?q=Talk",
    "/talks/{pk}/",
    "/talks.ics",
    "/talks.ics?series=s",
    "/series/s.ics",
    "/speakers/ann.ics",
    "/talks/{pk}.ics",
    "/upcoming.atom",
    "/series/s.atom",
    "/sitemap.xml",
]


@pytest.mark.parametrize("method", ["get", "head"])
@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_serving_a_page_or_feed_only_reads_the_database(client, url, method):
    talk = make_talk(
        series=make_series("S", slug="s"), speakers=[make_speaker("Ann", slug="ann")], start=soon()
    )
    url = url.format(pk=talk.pk)

    for _ in range(2):  # built, then from the cache
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method)(url, follow=True)
        assert response.status_code == 200
        assert [q["sql"] for q in queries if not q["sql"].startswith("SELECT")] == []


def test_models_do_not_import_the_caching_that_imports_them():
    source = Path(__file__).resolve().parent.parent / "seminars" / "models.py"
    imported = {
        node.module
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.ImportFrom)
    }

    assert not imported & {"caching", "seminars.caching"}


# Pages whose bodies hold absolute URLs of this site: the talk page (its own address), the
# follow page (the feed's), the API (every object's). Requests name their host, as browsers
# do, so that the scheme alone tells them apart.
ABSOLUTE_URL_PAGES = ["{talk_page}", "/follow/?series=s", "/api/talks.json"]


@pytest.mark.parametrize("url", ABSOLUTE_URL_PAGES)
def test_a_page_cached_for_https_behind_the_proxy_is_not_served_to_plain_http(
    client, settings, url
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["seminars.example"]
    talk = make_talk(title="Schemes", series=make_series("S", slug="s"), start=soon())
    url = url.format(talk_page=talk.get_absolute_url())

    secure = client.get(
        url, headers={"host": "seminars.example", "x-forwarded-proto": "https"}
    ).content.decode()
    plain = client.get(url, headers={"host": "seminars.example"}).content.decode()

    assert "https://seminars.example" in secure and "http://seminars.example" not in secure
    assert "http://seminars.example" in plain and "https://seminars.example" not in plain


@pytest.mark.parametrize("url", ABSOLUTE_URL_PAGES)
def test_without_a_configured_proxy_the_forwarded_scheme_is_ignored(client, settings, url):
    settings.SECURE_PROXY_SSL_HEADER = None
    settings.ALLOWED_HOSTS = ["seminars.example"]
    talk = make_talk(title="Schemes", series=make_series("S", slug="s"), start=soon())
    url = url.format(talk_page=talk.get_absolute_url())

    forged = client.get(
        url, headers={"host": "seminars.example", "x-forwarded-proto": "https"}
    ).content.decode()
    plain = client.get(url, headers={"host": "seminars.example"}).content.decode()

    assert "http://seminars.example" in forged and "https://seminars.example" not in forged
    assert plain == forged


def test_a_page_is_cached_per_host(client, settings):
    settings.ALLOWED_HOSTS = ["one.example", "two.example"]
    talk = make_talk(title="Hosts", start=soon())

    url = talk.get_absolute_url()
    one = client.get(url, headers={"host": "one.example"}).content.decode()
    two = client.get(url, headers={"host": "two.example"}).content.decode()

    assert "http://one.example/" in one and "two.example" not in one
    assert "http://two.example/" in two and "one.example" not in two


@pytest.mark.parametrize("url", ["/talks.ics", "/talks/{pk}.ics"])
def test_a_feed_cached_for_https_behind_the_proxy_is_not_served_to_plain_http(
    client, settings, url
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["seminars.example"]
    talk = make_talk(title="Schemes", start=soon())
    url = url.format(pk=talk.pk)

    secure = client.get(
        url, headers={"host": "seminars.example", "x-forwarded-proto": "https"}
    ).content.decode()
    plain = client.get(url, headers={"host": "seminars.example"}).content.decode()

    assert "URL:https://seminars.example" in secure and "http://seminars.example" not in secure
    assert "URL:http://seminars.example" in plain and "https://seminars.example" not in plain
