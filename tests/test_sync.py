"""sync_records: event records → talks, one step of the import, asserted on the database."""

import datetime as dt

import pytest
from django.db import transaction

from seminars.ics.records import EventRecord, SpeakerRecord
from seminars.ics.sync import kept_edits, sync_records, take_feed_value
from seminars.models import FeedSource, Speaker, Talk
from tests.factories import make_series, make_speaker, make_talk

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def record(uid, title="A talk", *, days=1, speakers=(), **fields) -> EventRecord:
    start = NOW + dt.timedelta(days=days)
    return EventRecord(
        uid=uid,
        title=title,
        start=start,
        end=start + dt.timedelta(hours=1),
        speakers=[
            SpeakerRecord(*s) if isinstance(s, tuple) else SpeakerRecord(s) for s in speakers
        ],
        **fields,
    )


def sync(records, source, series, **options):
    with transaction.atomic():
        return sync_records(records, source=source, series=series, now=NOW, **options)


@pytest.fixture
def series():
    return make_series("Logic")


@pytest.fixture
def source(series):
    return FeedSource.objects.create(location="/feeds/logic.ics", series=series)


def test_new_records_become_talks_with_their_speakers_in_order(source, series):
    result = sync([record("a@x", speakers=["Ann Lee", "Bo Chen"])], source, series)
    talk = Talk.objects.get(uid="a@x")
    assert (result.created, talk.series, talk.source) == (1, series, source)
    assert [s.name for s in talk.speaker_list] == ["Ann Lee", "Bo Chen"]


def test_the_same_records_again_change_nothing(source, series):
    sync([record("a@x", speakers=["Ann Lee"])], source, series)
    before = Talk.objects.values_list("sequence", "updated").get()
    result = sync([record("a@x", speakers=["Ann Lee"])], source, series)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert Talk.objects.values_list("sequence", "updated").get() == before


def test_an_edit_made_on_the_site_is_kept_and_reported_as_a_conflict(source, series):
    sync([record("a@x", "Old title")], source, series)
    Talk.objects.filter(uid="a@x").update(title="Organiser's title")
    result = sync([record("a@x", "Feed's new title", location="Room 1")], source, series)
    talk = Talk.objects.get(uid="a@x")
    assert (talk.title, talk.venue) == ("Organiser's title", "Room 1")
    assert [str(c) for c in result.conflicts] == [
        "a@x: title was edited on this site; kept the edit"
    ]


def test_a_vanished_future_talk_is_cancelled_and_a_skipped_one_kept(source, series):
    sync([record("a@x"), record("b@x"), record("c@x")], source, series)
    result = sync([record("a@x")], source, series, skipped_uids={"c@x"})
    statuses = dict(Talk.objects.values_list("uid", "status"))
    assert statuses == {"a@x": "confirmed", "b@x": "cancelled", "c@x": "confirmed"}
    assert result.cancelled == 1


@pytest.mark.parametrize("count", [1200])
def test_any_number_of_changed_talks_syncs(source, series, count):
    # SQLite refused updates of more than ~1,000 rows in one statement ("Expression tree is
    # too large"), so a source with that many changes could never sync again.
    records = [record(f"t{i}@x", f"Title {i}", speakers=[f"Speaker {i}"]) for i in range(count)]
    sync(records, source, series)
    changed = [
        record(f"t{i}@x", f"New title {i}", speakers=[f"Other speaker {i}"]) for i in range(count)
    ]
    result = sync(changed, source, series)
    assert result.updated == count
    assert Talk.objects.filter(title__startswith="New title").count() == count
    assert Speaker.objects.filter(name__startswith="Other speaker").count() == count
    talk = Talk.objects.with_speakers().get(uid="t7@x")
    assert [s.name for s in talk.speaker_list] == ["Other speaker 7"]


def test_a_talk_of_another_source_is_skipped_with_a_way_through(source, series):
    other = FeedSource.objects.create(location="/feeds/old-name.ics", series=series)
    sync([record("a@x", "From the old file")], other, series)
    result = sync([record("a@x", "From the renamed file")], source, series)
    assert Talk.objects.get(uid="a@x").source == other
    (notice,) = result.notices
    assert notice.skipped
    assert str(notice) == (
        "a@x: skipped: the UID belongs to /feeds/old-name.ics "
        "(to move its talks to this source, import again with --take-over)"
    )


def test_take_over_moves_talks_of_another_source_in_the_same_series(source, series):
    other = FeedSource.objects.create(location="/feeds/old-name.ics", series=series)
    sync([record("a@x", "From the old file"), record("b@x")], other, series)
    result = sync([record("a@x", "From the renamed file")], source, series, take_over=True)
    talk = Talk.objects.get(uid="a@x")
    assert (talk.source, talk.title) == (source, "From the renamed file")
    assert (result.updated, result.skipped) == (1, 0)
    # The old source's other talk is not this source's to cancel.
    assert Talk.objects.get(uid="b@x").status == "confirmed"


def test_take_over_leaves_talks_of_other_series_alone(source, series):
    elsewhere = make_series("Algebra")
    other = FeedSource.objects.create(location="/feeds/algebra.ics", series=elsewhere)
    sync([record("a@x", "Algebra talk")], other, elsewhere)
    result = sync([record("a@x", "Logic talk")], source, series, take_over=True)
    talk = Talk.objects.get(uid="a@x")
    assert (talk.source, talk.series, talk.title) == (other, elsewhere, "Algebra talk")
    assert result.skipped == 1


def test_a_talk_of_another_series_is_skipped_naming_the_series_never_its_source(series, source):
    elsewhere = make_series("Algebra")
    secret = "https://cal.example.org/bob.ics?private-token=SECRET123"
    other = FeedSource.objects.create(location=secret, series=elsewhere)
    sync([record("a@x", "Bob's talk")], other, elsewhere)
    result = sync([record("a@x", "Alice's copy")], source, series)
    assert [str(n) for n in result.notices] == [
        "a@x: skipped: the UID belongs to a talk of the series “Algebra”"
    ]
    talk = Talk.objects.get(uid="a@x")
    assert (talk.title, talk.series, talk.source) == ("Bob's talk", elsewhere, other)


def test_a_talk_created_on_the_site_is_skipped_naming_its_series(series, source):
    elsewhere = make_series("Algebra")
    Talk.objects.create(uid="a@x", title="Made here", series=elsewhere, start=NOW)
    result = sync([record("a@x", "From the feed")], source, series)
    assert [str(n) for n in result.notices] == [
        "a@x: skipped: the UID belongs to a talk created on this site in the series “Algebra”"
    ]
    assert Talk.objects.get(uid="a@x").title == "Made here"


def test_a_talk_of_this_series_from_a_source_of_another_names_no_location(series, source):
    elsewhere = make_series("Algebra")
    other = FeedSource.objects.create(location="/srv/private/bob.ics", series=elsewhere)
    sync([record("a@x", "Bob's talk")], other, series)  # the talk in this series
    result = sync([record("a@x", "Alice's copy")], source, series)
    assert [str(n) for n in result.notices] == [
        "a@x: skipped: the UID belongs to another source "
        "(to move its talks to this source, import again with --take-over)"
    ]


# An import changes only the speakers the importing series' organisers may change (issue 21).


def affiliated(uid, name, affiliation, **fields) -> EventRecord:
    return record(uid, speakers=[(name, affiliation)], **fields)


@pytest.fixture
def organiser(django_user_model, series):
    user = django_user_model.objects.create_user("alice", is_staff=True)
    series.organisers.add(user)
    return user


def speakers_of(uid) -> list[tuple[str, str]]:
    talk = Talk.objects.with_speakers().get(uid=uid)
    return [(s.name, s.affiliation) for s in talk.speaker_list]


def test_a_speaker_of_another_series_is_not_filled_in_and_the_talk_gets_its_own(
    source, series, organiser
):
    bobs = make_speaker("Bobnoaff Person")
    bobs_talk = make_talk(series=make_series("Bob's series"), speakers=[bobs])
    record_ = affiliated("a@x", "Bobnoaff Person", "Evil Corp, defaced by alice")
    sync([record_], source, series)
    bobs.refresh_from_db()
    assert (bobs.affiliation, Talk.objects.get(pk=bobs_talk.pk).sequence) == ("", 0)
    assert speakers_of("a@x") == [("Bobnoaff Person", "Evil Corp, defaced by alice")]
    own = Talk.objects.get(uid="a@x").speakers.get()
    assert own != bobs and own.slug == "bobnoaff-person-2"
    # Imported again, the talk keeps its own speaker: no third one.
    changed = affiliated("a@x", "Bobnoaff Person", "Evil Corp, defaced by alice", location="R")
    sync([changed], source, series)
    sync([affiliated("b@x", "Bobnoaff Person", "Evil Corp, defaced by alice")], source, series)
    assert Speaker.objects.filter(name="Bobnoaff Person").count() == 2
    assert speakers_of("b@x") == [("Bobnoaff Person", "Evil Corp, defaced by alice")]


def test_a_shared_speaker_named_without_an_affiliation_is_linked_as_it_is(
    source, series, organiser
):
    bobs = make_speaker("Bobnoaff Person")
    make_talk(series=make_series("Bob's series"), speakers=[bobs])
    sync([record("a@x", speakers=["Bobnoaff Person"])], source, series)
    assert Talk.objects.get(uid="a@x").speakers.get() == bobs
    assert Speaker.objects.count() == 1


def test_a_speaker_of_the_series_own_talks_is_filled_in_and_its_talks_raise_their_sequence(
    client, source, series, organiser
):
    ann = make_speaker("Ann Lee")
    earlier = make_talk(series=series, speakers=[ann], title="Earlier talk")
    before = client.get(f"/series/{series.slug}.ics")
    assert b"Ann Lee" in before.content and b"MIT" not in before.content
    sync([affiliated("a@x", "Ann Lee", "MIT")], source, series)
    ann.refresh_from_db()
    assert ann.affiliation == "MIT"
    assert Talk.objects.get(pk=earlier.pk).sequence == 1
    assert Talk.objects.get(uid="a@x").speakers.get() == ann
    after = client.get(f"/series/{series.slug}.ics")
    assert after.headers["ETag"] != before.headers["ETag"]
    assert b"MIT" in after.content


def test_a_speaker_in_series_all_run_by_one_organiser_is_filled_in(source, series, organiser):
    other = make_series("Algebra")
    other.organisers.add(organiser)
    ann = make_speaker("Ann Lee")
    make_talk(series=other, speakers=[ann])
    sync([affiliated("a@x", "Ann Lee", "MIT")], source, series)
    ann.refresh_from_db()
    assert ann.affiliation == "MIT"
    assert Speaker.objects.count() == 1


def test_a_speaker_with_no_talks_is_filled_in(source, series, organiser):
    ann = make_speaker("Ann Lee")
    sync([affiliated("a@x", "Ann Lee", "MIT")], source, series)
    ann.refresh_from_db()
    assert (ann.affiliation, Speaker.objects.count()) == ("MIT", 1)


def test_a_series_nobody_organises_fills_in_only_speakers_of_its_own_talks(source, series):
    mine, theirs = make_speaker("Ann Lee"), make_speaker("Bo Chen")
    make_talk(series=series, speakers=[mine])
    make_talk(series=make_series("Algebra"), speakers=[theirs])
    sync([affiliated("a@x", "Ann Lee", "MIT"), affiliated("b@x", "Bo Chen", "ETH")], source, series)
    assert sorted(Speaker.objects.values_list("name", "affiliation")) == [
        ("Ann Lee", "MIT"),
        ("Bo Chen", ""),
        ("Bo Chen", "ETH"),
    ]


def test_a_speaker_only_one_of_the_series_organisers_may_change_is_not_filled_in(
    django_user_model, source, series, organiser
):
    # Bob runs this series and Algebra; Alice only this one, and may not change Algebra's.
    bob = django_user_model.objects.create_user("bob", is_staff=True)
    algebra = make_series("Algebra")
    series.organisers.add(bob)
    algebra.organisers.add(bob)
    ann = make_speaker("Ann Lee")
    make_talk(series=algebra, speakers=[ann])
    sync([affiliated("a@x", "Ann Lee", "MIT")], source, series)
    ann.refresh_from_db()
    assert ann.affiliation == ""
    assert speakers_of("a@x") == [("Ann Lee", "MIT")]


def test_kept_edits_name_each_field_edited_since_the_import_and_taking_one_undoes_it(
    source, series
):
    sync([record("a@x", "Feed title", location="Room 1", speakers=["Ann Lee"])], source, series)
    Talk.objects.filter(uid="a@x").update(title="Our title", venue="Room 9")
    talk = Talk.objects.prefetch_related("talk_speakers__speaker").get(uid="a@x")
    edits = [(e.field, e.ours, e.feeds, str(e)) for e in kept_edits([talk])]
    assert edits == [
        ("title", "Our title", "Feed title", "a@x: title was edited on this site; kept the edit"),
        ("venue", "Room 9", "Room 1", "a@x: venue was edited on this site; kept the edit"),
    ]
    with transaction.atomic():
        take_feed_value(talk, "title", now=NOW)
    talk = Talk.objects.prefetch_related("talk_speakers__speaker").get(uid="a@x")
    assert (talk.title, talk.slug, talk.sequence, talk.updated) == (
        "Feed title",
        "feed-title",
        1,
        NOW,
    )
    assert [e.field for e in kept_edits([talk])] == ["venue"]


# Moved from test_import.py: the merge, asserted on the database.


def test_over_long_title_is_cut_with_a_warning(source, series):
    result = sync([record("long@x", "x" * 600)], source, series)
    assert Talk.objects.get(uid="long@x").title == "x" * 499 + "…"
    assert [str(n) for n in result.notices] == ["long@x: title longer than 500 characters; cut"]


def test_speakers_are_matched_to_existing_ones_across_spellings(source, series):
    existing = Speaker.objects.create(name="Markus Böck", slug="markus-bock")
    sync([record("m@x", speakers=["markus boeck"])], source, series)
    assert Speaker.objects.count() == 1
    assert Talk.objects.with_speakers().get(uid="m@x").speaker_list == [existing]


def test_a_dropped_talk_that_comes_back_is_reconfirmed(source, series):
    sync([record("a@x"), record("b@x")], source, series)
    sync([record("a@x")], source, series)
    assert Talk.objects.get(uid="b@x").status == "cancelled"
    sync([record("a@x"), record("b@x")], source, series)
    assert Talk.objects.get(uid="b@x").status == "confirmed"


def test_the_occurrences_of_a_skipped_recurring_event_are_kept_even_with_a_slash_in_its_uid(
    source, series
):
    event = "https://example.org/events/7"  # a UID with slashes, as some servers write
    occurrences = [f"{event}/20261126T120000Z", f"{event}/20261203T120000Z"]
    sync([record(uid, days=d) for uid, d in zip(occurrences, (1, 8), strict=True)], source, series)
    result = sync([record("a@x")], source, series, skipped_uids={event})
    statuses = dict(Talk.objects.values_list("uid", "status"))
    assert statuses == {
        occurrences[0]: "confirmed",
        occurrences[1]: "confirmed",
        "a@x": "confirmed",
    }
    assert result.cancelled == 0
