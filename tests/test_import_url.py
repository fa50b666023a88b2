"""import_ics against a real HTTP server on loopback: conditional GET, --all, failures."""

import datetime as dt

import pytest
from django.utils import timezone

from seminars.models import FeedSource, Series, Talk
from tests.commands import run_import
from tests.factories import ics_calendar, ics_event
from tests.feed_server import Reply

pytestmark = pytest.mark.django_db

FEED = ics_calendar(ics_event("url@x", "From the web", "20300101T100000Z"), name="Web Seminar")


def test_url_import_remembers_the_etag_and_an_unchanged_feed_costs_one_304(server):
    server.replies["/feed.ics"] = Reply(body=FEED, headers={"ETag": '"v1"'})
    url = f"{server.url}/feed.ics"
    code, out, _ = run_import(url)
    assert code == 0
    assert f"{url}: 1 created" in out
    assert FeedSource.objects.get().etag == '"v1"'

    code, out, _ = run_import(url)
    assert code == 0
    assert f"{url}: not modified since the last import" in out
    assert server.seen[-1]["If-None-Match"] == '"v1"'
    assert Talk.objects.count() == 1


def test_all_resyncs_every_recorded_url_source(server):
    server.replies["/a.ics"] = Reply(body=FEED)
    other = ics_calendar(ics_event("b@x", "B", "20300101T100000Z"), name="Other")
    server.replies["/b.ics"] = Reply(body=other)
    run_import(f"{server.url}/a.ics")
    run_import(f"{server.url}/b.ics")
    changed = ics_calendar(ics_event("url@x", "Renamed", "20300101T100000Z"), name="Web Seminar")
    server.replies["/a.ics"] = Reply(body=changed)
    code, out, _ = run_import("--all", "--force")
    assert code == 0
    assert f"{server.url}/a.ics: 0 created, 1 updated" in out
    assert f"{server.url}/b.ics: 0 created, 0 updated, 1 unchanged" in out
    assert Talk.objects.get(uid="url@x").title == "Renamed"


def test_an_http_error_fails_the_source_with_one_line_and_keeps_the_talks(server):
    server.replies["/feed.ics"] = Reply(body=FEED)
    url = f"{server.url}/feed.ics"
    run_import(url)
    server.replies["/feed.ics"] = Reply(status=500, body=b"oops")
    code, _, err = run_import(url)
    assert code == 1
    assert f"{url}: failed: HTTP 500" in err
    assert Talk.objects.get().status == "confirmed"
    assert FeedSource.objects.get().last_error.startswith("HTTP 500")


def test_an_html_error_page_served_as_200_is_not_a_calendar(server):
    server.replies["/feed.ics"] = Reply(body=b"<html><body>Login required</body></html>")
    code, _, err = run_import(f"{server.url}/feed.ics", "--series", "S")
    assert code == 1
    assert "an HTML or XML page, not a calendar" in err
    assert Talk.objects.count() == 0


def test_a_new_url_that_fails_is_not_recorded_so_all_does_not_retry_it_forever(server):
    url = f"{server.url}/feed.ics"
    server.replies["/feed.ics"] = Reply(status=503, body=b"down")
    code, _, err = run_import(url, "--series", "S")
    assert code == 1
    assert f"{url}: failed: HTTP 503" in err
    assert not FeedSource.objects.exists()
    assert not Series.objects.exists()
    code, out, err = run_import("--all")
    assert (code, out, err) == (0, "no source is due for a sync\n", "")


def test_a_source_that_fails_after_importing_is_recorded_and_retried_by_all(server):
    url = f"{server.url}/feed.ics"
    server.replies["/feed.ics"] = Reply(body=FEED)
    assert run_import(url, "--series", "S")[0] == 0
    server.replies["/feed.ics"] = Reply(status=503, body=b"down")
    code, _, err = run_import("--all", "--force")
    assert code == 1
    assert f"1 of 1 source(s) failed: {url}" in err
    assert FeedSource.objects.get(location=url).last_error.startswith("HTTP 503")
    server.replies["/feed.ics"] = Reply(body=FEED.replace(b"SUMMARY:", b"SUMMARY:New "))
    code, out, _ = run_import("--all")
    assert code == 0, out
    assert f"{url}: 0 created, 1 updated" in out
    assert FeedSource.objects.get(location=url).last_error == ""


def test_all_keeps_syncing_the_others_and_names_the_source_that_failed(server):
    for name in ("good", "bad"):
        server.replies[f"/{name}.ics"] = Reply(body=FEED.replace(b"url@x", f"{name}@x".encode()))
        assert run_import(f"{server.url}/{name}.ics", "--series", name)[0] == 0
    server.replies["/bad.ics"] = Reply(status=500, body=b"oops")
    server.replies["/good.ics"] = Reply(body=FEED.replace(b"url@x", b"good2@x"))
    code, out, err = run_import("--all", "--force")
    assert code == 1
    assert f"{server.url}/good.ics: 1 created" in out
    assert err.splitlines()[-1] == f"1 of 2 source(s) failed: {server.url}/bad.ics"


@pytest.mark.parametrize(
    "scheme", ["webcals://", "WEBCAL://", "HTTP://", "Https://"], ids=lambda s: s[:-3]
)
def test_all_syncs_urls_whatever_their_scheme_or_case(scheme):
    url = f"{scheme}calendar.example.org/feed.ics"
    source = FeedSource.objects.create(
        location=url, series=Series.objects.create(name="S", slug="s")
    )
    assert source.kind == FeedSource.Kind.URL
    assert list(FeedSource.objects.due()) == [source]
    assert list(FeedSource.objects.due(force=True)) == [source]


def test_an_over_long_etag_is_not_stored_and_the_source_keeps_syncing(server):
    # PostgreSQL refused the 600-character value, so the source could never sync again.
    url = f"{server.url}/feed.ics"
    server.replies["/feed.ics"] = Reply(
        body=FEED, headers={"ETag": '"' + "x" * 600 + '"', "Last-Modified": "y" * 200}
    )
    for _ in range(2):
        code, out, err = run_import(url)
        assert code == 0, err
    source = FeedSource.objects.get(location=url)
    assert (source.etag, source.last_modified, source.last_error) == ("", "", "")
    assert Talk.objects.count() == 1


def test_all_syncs_only_the_sources_whose_interval_has_passed(server):
    for name in ("hourly", "daily", "new"):
        server.replies[f"/{name}.ics"] = Reply(body=FEED.replace(b"url@x", f"{name}@x".encode()))
    run_import(f"{server.url}/hourly.ics")
    run_import(f"{server.url}/daily.ics")
    hour_ago = timezone.now() - dt.timedelta(hours=1, minutes=1)
    FeedSource.objects.update(last_run=hour_ago)
    FeedSource.objects.filter(location__endswith="daily.ics").update(interval=dt.timedelta(days=1))
    # Never synced: added in the admin a moment ago.
    FeedSource.objects.create(location=f"{server.url}/new.ics", series=Series.objects.get())
    server.seen.clear()
    code, out, _ = run_import("--all")
    assert code == 0, out
    assert f"{server.url}/hourly.ics: not modified" in out
    assert f"{server.url}/new.ics: 1 created" in out
    assert "daily.ics" not in out
    assert FeedSource.objects.get(location__endswith="daily.ics").last_run == hour_ago
    code, out, _ = run_import("--all", "--force")
    assert "daily.ics: 0 created, 0 updated, 1 unchanged" in out


def test_an_upper_case_url_imported_once_is_synced_again_by_all(server):
    url = server.url.replace("http://", "HTTP://") + "/feed.ics"
    server.replies["/feed.ics"] = Reply(body=FEED)
    assert run_import(url, "--series", "S")[0] == 0
    server.replies["/feed.ics"] = Reply(body=FEED.replace(b"SUMMARY:", b"SUMMARY:New "))
    code, out, _ = run_import("--all", "--force")
    assert code == 0, out
    assert f"{url}: 0 created, 1 updated" in out
    assert Talk.objects.get().title == "New From the web"


def test_all_with_no_source_due_says_so_and_succeeds(server):
    server.replies["/feed.ics"] = Reply(body=FEED)
    assert run_import(f"{server.url}/feed.ics", "--series", "S")[0] == 0
    code, out, err = run_import("--all")  # synced a moment ago: due in an hour
    assert (code, out, err) == (0, "no source is due for a sync\n", "")
