"""Which series an import writes into: the series itself from the admin and --all, a name only
when it is unambiguous, and no series made or listed for nothing."""

import pytest
from django.urls import reverse

from seminars.importing import ImportOptions, import_data
from seminars.models import FeedSource, Series, Talk
from tests.commands import run_import
from tests.factories import ics_calendar, ics_event, make_series
from tests.worker import run_queued_tasks

pytestmark = pytest.mark.django_db

FEED = ics_calendar(ics_event("a@x", "Alice's talk", "20300101T100000Z"), name="Feed")


@pytest.fixture
def alice_and_bob(django_user_model):
    """Alice's series is *named* like the slug of Bob's."""
    bob_series = make_series("Computational Biology Seminar", slug="computational-biology-seminar")
    alice_series = make_series("computational-biology-seminar", slug="cbs-alice")
    alice = django_user_model.objects.create_user("alice", password="pw", is_staff=True)
    alice_series.organisers.add(alice)
    return alice, alice_series, bob_series


def test_import_now_in_the_admin_writes_into_the_sources_own_series(client, alice_and_bob):
    alice, alice_series, bob_series = alice_and_bob
    source = FeedSource.objects.create(
        location="upload:cbs-alice/cal.ics", series=alice_series, upload=FEED
    )
    client.force_login(alice)
    response = client.post(reverse("admin:seminars_feedsource_import", args=[source.pk]))
    assert response.status_code == 302  # queued for the worker
    run_queued_tasks()
    assert list(Talk.objects.values_list("title", "series__slug")) == [
        ("Alice's talk", "cbs-alice")
    ]
    assert FeedSource.objects.get().series == alice_series
    assert not bob_series.talks.exists()


def test_all_syncs_a_source_into_its_own_series_whatever_its_name_matches(tmp_path, alice_and_bob):
    _, alice_series, bob_series = alice_and_bob
    feed = tmp_path / "cal.ics"
    feed.write_bytes(FEED)
    assert run_import(str(feed), "--series", "cbs-alice")[0] == 0
    report = import_data(FEED, str(feed), ImportOptions(series=alice_series, force=True))
    assert (report.error, report.series) == ("", "computational-biology-seminar")
    assert Talk.objects.get().series == alice_series
    assert not bob_series.talks.exists()


def test_a_series_name_that_is_another_series_slug_is_an_error_naming_both(tmp_path, alice_and_bob):
    feed = tmp_path / "cal.ics"
    feed.write_bytes(FEED)
    code, out, err = run_import(str(feed), "--series", "computational-biology-seminar")
    assert code == 1
    assert (
        "the series 'computational-biology-seminar' is ambiguous: it matches "
        "'Computational Biology Seminar' (slug computational-biology-seminar) and "
        "'computational-biology-seminar' (slug cbs-alice); name one by its slug"
    ) in err
    assert not Talk.objects.exists()
    assert not FeedSource.objects.exists()


def test_a_series_named_by_its_unambiguous_slug_or_name_is_found(tmp_path, alice_and_bob):
    _, alice_series, bob_series = alice_and_bob
    for n, (name, series) in enumerate(
        [("cbs-alice", alice_series), ("computational biology seminar", bob_series)]
    ):
        feed = tmp_path / f"cal{n}.ics"
        feed.write_bytes(FEED.replace(b"a@x", f"{n}@x".encode()))
        assert run_import(str(feed), "--series", name)[0] == 0
        assert Talk.objects.get(uid=f"{n}@x").series == series


def test_moving_a_source_leaves_its_old_series_unlisted_and_raises_each_talks_sequence(
    tmp_path, client
):
    feed = tmp_path / "cal.ics"
    feed.write_bytes(FEED)
    assert run_import(str(feed))[0] == 0  # into "Feed", from X-WR-CALNAME
    talk = Talk.objects.get()
    assert (talk.series.name, talk.sequence) == ("Feed", 0)
    code, out, _ = run_import(str(feed), "--series", "Elsewhere")
    assert code == 0
    assert "moved from 'Feed' to 'Elsewhere', with its 1 talk(s)" in out
    talk.refresh_from_db()
    assert (talk.series.name, talk.sequence) == ("Elsewhere", 1)
    assert list(Series.objects.listed().values_list("name", flat=True)) == ["Elsewhere"]
    for url in ("/series/", "/", "/follow/"):
        page = client.get(url).content.decode()
        assert "Elsewhere" in page
        assert ">Feed<" not in page and "/series/feed/" not in page


def test_an_import_that_puts_no_talk_into_a_new_series_makes_no_series(tmp_path):
    make_series("Owner")
    assert run_import(_write(tmp_path, "one.ics", FEED), "--series", "Owner")[0] == 0
    # The same UID from another file: skipped, so nothing goes into "Other".
    code, out, _ = run_import(_write(tmp_path, "two.ics", FEED), "--series", "Other")
    assert code == 0
    assert "0 created" in out and "1 skipped" in out
    assert list(Series.objects.values_list("name", flat=True)) == ["Owner"]


def test_a_series_organisers_run_is_listed_before_it_has_talks(django_user_model):
    series = make_series("Starting soon")
    assert not Series.objects.listed().exists()
    series.organisers.add(django_user_model.objects.create_user("o", is_staff=True))
    assert list(Series.objects.listed()) == [series]


def _write(folder, name, data) -> str:
    path = folder / name
    path.write_bytes(data)
    return str(path)
