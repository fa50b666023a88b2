"""Every change that alters a talk's calendar entry raises its SEQUENCE and the feed's ETag,
whatever path it takes: subscribed calendars take a changed event only with a higher one."""

import pytest
from django.urls import reverse

from seminars.importing import ImportOptions, import_data
from seminars.models import Series, Talk
from tests.factories import ics_calendar, ics_event, make_series, make_talk

pytestmark = pytest.mark.django_db


def feed(client, series) -> tuple[str, bytes]:
    response = client.get(f"/series/{series.slug}.ics")
    assert response.status_code == 200
    return response["ETag"], response.content


def test_renaming_a_series_raises_its_talks_sequence_and_changes_its_feed(client):
    series = make_series("Logic", slug="logic")
    talk = make_talk(series=series)
    etag, body = feed(client, series)
    assert b"CATEGORIES:Logic" in body

    series.name = "Logic and Proof"
    series.save()

    talk.refresh_from_db()
    assert talk.sequence == 1
    new_etag, new_body = feed(client, series)
    assert new_etag != etag
    assert b"CATEGORIES:Logic and Proof" in new_body and b"SEQUENCE:1" in new_body


def test_renaming_a_series_in_the_admin_raises_its_talks_sequence(admin_client):
    series = make_series("Logic", slug="logic")
    talks = [make_talk(series=series) for _ in range(2)]
    other = make_talk()
    data = {"name": "Logic Seminar", "slug": "logic", "description": "", "website": ""}
    data["contact"], data["join_access"] = "", "open"
    response = admin_client.post(reverse("admin:seminars_series_change", args=[series.pk]), data)
    assert response.status_code == 302
    assert Series.objects.get(pk=series.pk).name == "Logic Seminar"
    sequences = dict(Talk.objects.values_list("pk", "sequence"))
    assert [sequences[t.pk] for t in talks] == [1, 1]
    assert sequences[other.pk] == 0


def test_saving_a_series_without_renaming_it_leaves_sequences_alone():
    series = make_series("Logic", slug="logic")
    talk = make_talk(series=series)
    series.description = "Proofs."
    series.save()
    talk.refresh_from_db()
    assert talk.sequence == 0


def test_moving_a_source_to_another_series_raises_its_talks_sequence_and_the_feed(client):
    data = ics_calendar(ics_event("m@x", "Moving", "20300101T100000Z"))
    import_data(data, "/tmp/moving.ics", ImportOptions(series="First"))
    first_etag, _ = feed(client, Series.objects.get(name="First"))

    report = import_data(data, "/tmp/moving.ics", ImportOptions(series="Second"))

    assert (report.moved_from, report.moved) == ("First", 1)
    talk = Talk.objects.get()
    assert (talk.series.name, talk.sequence) == ("Second", 1)
    etag, body = feed(client, talk.series)
    assert b"SEQUENCE:1" in body and b"CATEGORIES:Second" in body
    assert feed(client, Series.objects.get(name="First"))[0] != first_etag
